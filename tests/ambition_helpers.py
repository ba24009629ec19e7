"""Building survey rounds and observations through the API for the ambition report's tests."""

from decimal import Decimal

from tests.factories import API

HG, VP, MK, REST, ALL = "hoeje-gladsaxe", "vaerebro-park", "moerkhoej", "resten-af-gladsaxe", "hele-gladsaxe"
PARTS = [HG, VP, MK, REST]
POPULATION = {HG: 3000, VP: 2500, MK: 1800, REST: 55000}
RESPONDENTS = {HG: 2600, VP: 2700, MK: 2000, REST: 5500}


def make_round(client, code: str, year: int, *, kind: str = "survey", population=POPULATION, respondents=RESPONDENTS):
    weights = [
        {"area": a, **({"population": population[a]} if population else {}), "respondents": respondents[a]}
        for a in PARTS
    ]
    body = {"code": code, "name": f"Borgerundersøgelse {year}", "kind": kind, "year": year, "weights": weights}
    response = client.post(f"{API}/rounds", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def put_figures(client, number: int, round_code: str | None, year: int, values: dict[str, str], kind="actual"):
    items = [
        {"area": area, "year": year, "kind": kind, "value": value, **({"round": round_code} if round_code else {})}
        for area, value in values.items()
    ]
    response = client.put(f"{API}/indicators/{number}/observations", json=items)
    assert response.status_code == 200, response.text


def two_rounds(client):
    make_round(client, "bu-2021", 2021)
    make_round(client, "bu-2024", 2024)


def fill(client, number: int, base: dict[str, str], latest: dict[str, str]):
    put_figures(client, number, "bu-2021", 2021, base)
    put_figures(client, number, "bu-2024", 2024, latest)


def weighted(values: dict[str, str], weights: dict[str, int]) -> Decimal:
    """The weighted mean computed here, independently of the service, to two decimals half up."""
    total = sum(weights[a] for a in values)
    exact = sum(Decimal(values[a]) * weights[a] for a in values) / total
    return exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def report(client, **params):
    response = client.get(f"{API}/reports/ambition", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def indicator(rep, number: int):
    return next(i for i in rep["indicators"] if i["number"] == number)


def theme(rep, code: str):
    return next(t for t in rep["themes"] if t["code"] == code)
