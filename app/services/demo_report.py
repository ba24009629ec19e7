"""Demo observations for the annual report to the Byråd (app/demo/report_observations.json): two survey rounds
and register years with figures for every indicator and area, clearly labelled as constructed examples, the
seeds' own figures with their source, targets, and two indicators added through the framework service (one for
T6, which has none in the 2016 framework). Loaded through the same services the API uses; safe to run twice."""

import json
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from app.models.framework import IndicatorCreate
from app.models.observation import ObservationCreate
from app.models.reference import Indicator
from app.models.survey_round import MeasurementRound, RoundCreate
from app.services.framework import create_indicator
from app.services.observations import upsert_observations
from app.services.survey_rounds import create_round

DEMO_FILE = "report_observations.json"
CONSTRUCTED = "Konstrueret eksempel (demo)"


def _indicators(session: Session, items: list[dict[str, Any]]) -> dict[str, int]:
    numbers = {}
    for item in items:
        found = session.exec(
            select(Indicator.number).where(Indicator.theme_code == item["theme"], Indicator.name == item["name"])
        ).first()
        if found is None:
            fields = {k: item[k] for k in ("theme", "name", "higher_is_better", "likely_source", "unit")}
            found = create_indicator(session, IndicatorCreate(**fields)).number
        numbers[item["key"]] = found
    return numbers


def _rounds(session: Session, items: list[dict[str, Any]]) -> dict[str, MeasurementRound]:
    for item in items:
        if session.exec(select(MeasurementRound.id).where(MeasurementRound.code == item["code"])).first() is None:
            create_round(session, RoundCreate(**item))
    return {r.code: r for r in session.exec(select(MeasurementRound))}


def _figure_items(doc: dict, number: int, key: str, rounds: dict[str, MeasurementRound], source_of) -> list:
    block = doc["figures"][key]
    items = []
    for year in ("2021", "2024"):
        code = f"{source_of(number)}-{year}"
        for area, value in block[year].items():
            items.append(
                ObservationCreate(
                    area=area,
                    year=int(year),
                    kind="actual",
                    value=value,
                    unit=block["unit"],
                    round=code,
                    source=rounds[code].source,
                    note=CONSTRUCTED,
                )
            )
        measured = doc["measured_municipality"].get(key, {}).get(year)
        if measured is not None:
            items.append(
                ObservationCreate(
                    area="hele-gladsaxe",
                    year=int(year),
                    kind="actual",
                    value=measured,
                    unit=block["unit"],
                    round=code,
                    source=doc["measured_municipality"][key]["source"],
                    note=CONSTRUCTED,
                )
            )
    return items


def load_demo_observations(session: Session) -> dict[str, int]:
    doc = json.loads(resources.files("app.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8"))
    added = _indicators(session, doc["indicators"])
    rounds = _rounds(session, doc["rounds"])
    sources = dict(session.exec(select(Indicator.number, Indicator.likely_source)).all())

    def source_of(number: int) -> str:
        return "bu" if sources[number] == "survey" else "register"

    per_indicator: dict[int, list[ObservationCreate]] = {}
    for key in doc["figures"]:
        number = added.get(key) or int(key)
        per_indicator.setdefault(number, []).extend(_figure_items(doc, number, key, rounds, source_of))
    for seed in doc["seed_figures"]:
        number = added.get(seed["indicator"]) or int(seed["indicator"])
        year = rounds[seed["round"]].year
        fields = {k: seed[k] for k in ("area", "value", "source", "note", "round")}
        per_indicator[number].append(ObservationCreate(year=year, kind="actual", **fields))
    for target in doc["targets"]:
        number = added.get(target["indicator"]) or int(target["indicator"])
        per_indicator[number].append(
            ObservationCreate(
                area=target["area"],
                year=target["year"],
                kind="target",
                value=target["value"],
                source="Konstrueret eksempel på et ambitionsniveau (demo)",
            )
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for number, items in sorted(per_indicator.items()):
        result = upsert_observations(session, number, items)
        for name in counts:
            counts[name] += getattr(result, name)
    return counts
