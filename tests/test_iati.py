"""The IATI 2.03 activity export: valid against the official schema (tests/iati-2.03/, copied from the IATI
schemas with their README and licence), UTF-8 with æ/ø/å intact, and mapped as documented in app/services/iati.py."""

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from app.cli import main as registry
from app.services.iati import REPORTING_ORG_REF
from tests.conftest import make_token
from tests.factories import (
    API,
    add_morkhoj_test_lines,
    assert_problem,
    budget_line,
    create_intervention,
)

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "iati-2.03" / "iati-activities-schema.xsd")))
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _export(client, **params) -> etree._Element:
    """GET the export, check it is well-formed UTF-8 XML valid against the schema, answer its root."""
    response = client.get(f"{API}/exports/iati", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    response.content.decode("utf-8")  # strict: raises on anything that is not UTF-8
    root = etree.fromstring(response.content)  # raises on XML that is not well-formed
    assert SCHEMA.validate(root), "\n".join(f"{e.line}: {e.message}" for e in SCHEMA.error_log)
    return root


def _activity(root: etree._Element, ident: str) -> etree._Element:
    [activity] = [a for a in root.findall("iati-activity") if a.findtext("iati-identifier") == ident]
    return activity


def _dates(activity) -> list[tuple[str, str]]:
    return [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")]


def test_the_demo_data_with_the_morkhoj_evaluations_and_material_validates(client):
    assert registry(["demo"]) == 0
    programme = client.get(f"{API}/interventions", params={"external_id": "BKF-2019-MORKHOJ"}).json()["items"][0]
    base = f"{API}/interventions/{programme['id']}"
    # The demo carries the programme document; one more document, an evaluation, a revision and spending here.
    assert [m["title"] for m in client.get(f"{base}/material").json()["items"]] == [
        "Programdokument: Styrket indsats for social balance i Mørkhøj"
        " (adressen: Eksempel — ikke fra kildedokumenterne)"
    ]
    assert client.get(f"{base}/evaluations").json()["items"] == []
    add_morkhoj_test_lines(client, programme["id"])
    evaluation = {"kind": "final", "date": "2023-02-01", "purpose_fulfilled": "i_hoej_grad"}
    assert client.post(f"{base}/evaluations", json=evaluation).status_code == 201
    client.post(
        f"{base}/material",
        json={
            "title": "Slutevaluering (English summary)",
            "kind": "evaluation",
            "url": "https://dokumenter.example.dk/moerkhoej/evaluering.docx",
            "language": "en",
        },
    )
    client.post(
        f"{base}/success-criteria",
        json={
            "description": "Flere borgere deltager i lokalsamfundet",
            "indicator": 8,
            "baseline": "41.5",
            "target": 45,
            "unit": "pct.",
            "outcome": "partly_met",
            "actual_value": "43.5",
        },
    )

    root = _export(client)
    total = len(client.get(f"{API}/interventions", params={"limit": 500}).json()["items"])
    assert root.get("version") == "2.03" and len(root.findall("iati-activity")) == total == 22

    activity = _activity(root, f"{REPORTING_ORG_REF}-BKF-2019-MORKHOJ")
    assert activity.get(XML_LANG) == "da" and activity.get("default-currency") == "DKK"
    assert activity.get("hierarchy") == "1"
    assert activity.find("reporting-org").get("ref") == REPORTING_ORG_REF
    assert activity.findtext("title/narrative") == "Styrket indsats for social balance i Mørkhøj"
    assert [d.get("type") for d in activity.findall("description")] == ["1", "2", "3"]
    orgs = [(o.get("role"), o.findtext("narrative")) for o in activity.findall("participating-org")]
    assert orgs == [("2", "Børne- og Kulturforvaltningen"), ("1", "Puljen til prøvehandlinger (Social balance-puljen)")]
    assert activity.find("activity-status").get("code") == "4"  # completed → closed
    assert _dates(activity) == [("2", "2019-01-01"), ("4", "2022-12-31")]  # actual start and end
    budgets = [
        (
            b.get("type"),
            b.find("period-start").get("iso-date"),
            b.find("period-end").get("iso-date"),
            b.findtext("value"),
            b.find("value").get("currency"),
            b.find("value").get("value-date"),
        )
        for b in activity.findall("budget")
    ]
    # The programme's own lines (parts 1 and 2 of the programme document; part 3's money sits on part 3): the
    # original budget (type 1), and the revised plan (type 2) in the years the test revises.
    assert budgets == [
        ("1", "2019-01-01", "2019-12-31", "177500.00", "DKK", "2019-01-01"),
        ("1", "2020-01-01", "2020-12-31", "630000.00", "DKK", "2020-01-01"),
        ("2", "2020-01-01", "2020-12-31", "612000.00", "DKK", "2020-01-01"),
        ("1", "2021-01-01", "2021-12-31", "630000.00", "DKK", "2021-01-01"),
        ("2", "2021-01-01", "2021-12-31", "648000.00", "DKK", "2021-01-01"),
        ("1", "2022-01-01", "2022-12-31", "472500.00", "DKK", "2022-01-01"),
    ]
    # The actual spending: one Expenditure transaction per year (one funding source), dated at the year's end.
    transactions = [
        (
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            t.findtext("value"),
            t.find("value").get("value-date"),
            t.findtext("provider-org/narrative"),
        )
        for t in activity.findall("transaction")
    ]
    spent = {2019: "138912.50", 2020: "857370.00", 2021: "581240.00", 2022: "428600.00"}
    assert transactions == [
        ("4", f"{year}-12-31", amount, f"{year}-12-31", "Puljen til prøvehandlinger (Social balance-puljen)")
        for year, amount in spent.items()
    ]
    links = activity.findall("document-link")
    assert [(d.get("format"), d.find("category").get("code"), d.find("language").get("code")) for d in links] == [
        ("application/pdf", "A02", "da"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "A07", "en"),
    ]
    assert links[1].find("title/narrative").get(XML_LANG) == "en"
    children = [r.get("ref") for r in activity.findall("related-activity") if r.get("type") == "2"]
    assert children == [f"{REPORTING_ORG_REF}-BKF-2019-MORKHOJ-{n}" for n in (1, 2, 3)]
    [result] = activity.findall("result")
    indicator = result.find("indicator")
    assert indicator.get("measure") == "2" and indicator.get("ascending") == "true"
    assert indicator.findtext("title/narrative") == "Deltagelse i lokalsamfundet"
    assert (indicator.find("reference").get("vocabulary"), indicator.find("reference").get("code")) == ("99", "8")
    assert (indicator.find("baseline").get("year"), indicator.find("baseline").get("value")) == ("2019", "41.5")
    period = indicator.find("period")
    assert period.find("target").get("value") == "45" and period.find("actual").get("value") == "43.5"
    assert period.findtext("actual/comment/narrative") == "Delvist opfyldt"

    child = _activity(root, f"{REPORTING_ORG_REF}-BKF-2019-MORKHOJ-3")
    assert child.get("hierarchy") == "2"
    assert [(r.get("type"), r.get("ref")) for r in child.findall("related-activity")] == [
        ("1", f"{REPORTING_ORG_REF}-BKF-2019-MORKHOJ")
    ]
    # Part 3's own money (the programme's budgets above leave it out: nothing counted twice).
    assert [
        (b.get("type"), b.find("period-start").get("iso-date"), b.findtext("value")) for b in child.findall("budget")
    ] == [
        ("1", "2019-01-01", "300000.00"),
        ("1", "2020-01-01", "300000.00"),
    ]
    assert len(child.findall("result")) == 4
    assert all(i.get("measure") == "5" and i.find("reference") is None for i in child.iter("indicator"))

    # an example intervention without dates, linked to framework indicators but without criteria
    lommepenge = _activity(root, f"{REPORTING_ORG_REF}-SOB-EX-LOMMEPENGEJOBS")
    assert lommepenge.find("activity-status").get("code") == "2"
    [start] = lommepenge.findall("activity-date")
    assert start.get("type") == "2" and start.findtext("narrative").startswith("Startdato ikke registreret")
    [framework] = lommepenge.findall("result")
    assert framework.findtext("title/narrative") == "Social balance – resultatramme"
    assert [(r.get("vocabulary"), r.get("code")) for r in framework.iter("reference")] == [("99", "2")]


def test_the_xml_is_utf8_with_danish_letters_intact(client):
    create_intervention(client, name="Æbleløb på Østerbro – Å-stien", description='Børn & unge <i> "fælles" ø')
    response = client.get(f"{API}/exports/iati")
    assert "Æbleløb på Østerbro – Å-stien".encode() in response.content
    assert 'Børn &amp; unge &lt;i&gt; "fælles" ø'.encode() in response.content
    root = _export(client)
    assert root.find("iati-activity/description/narrative").text == 'Børn & unge <i> "fælles" ø'


@pytest.mark.parametrize(
    "status,start,end,code,dates",
    [
        ("idea", "2030-01-01", "2031-12-31", "1", [("1", "2030-01-01"), ("3", "2031-12-31")]),
        ("planned", "2019-01-01", "2031-12-31", "1", [("1", "2019-01-01"), ("3", "2031-12-31")]),
        ("active", "2019-01-01", "2031-12-31", "2", [("2", "2019-01-01"), ("3", "2031-12-31")]),
        ("active", "2030-01-01", "2031-12-31", "2", [("1", "2030-01-01"), ("3", "2031-12-31")]),
        ("completed", "2019-01-01", "2022-12-31", "4", [("2", "2019-01-01"), ("4", "2022-12-31")]),
        ("anchored", "2019-01-01", "2022-12-31", "4", [("2", "2019-01-01"), ("4", "2022-12-31")]),
        ("stopped", "2019-01-01", "2020-06-30", "4", [("2", "2019-01-01"), ("4", "2020-06-30")]),
        ("stopped", "2030-01-01", "2031-12-31", "5", [("1", "2030-01-01"), ("3", "2031-12-31")]),
    ],
)
def test_status_and_dates_map_to_iati_codes(client, status, start, end, code, dates):
    created = create_intervention(
        client, external_id="BKF-STATUS", status=status, start_date=start, end_date=end, budget_lines=[]
    )
    activity = _activity(_export(client), f"{REPORTING_ORG_REF}-BKF-STATUS")
    assert activity.find("activity-status").get("code") == code
    assert _dates(activity) == dates
    assert created["id"]


def test_identifiers_without_external_id_and_activities_without_text(client):
    bare = create_intervention(
        client,
        description=None,
        purpose=None,
        target_group=None,
        start_date=None,
        end_date=None,
        budget_lines=[],
        success_criteria=[],
        indicators=[],
        status="stopped",
    )
    activity = _activity(_export(client), f"{REPORTING_ORG_REF}-REG-{bare['id']}")
    assert activity.find("activity-status").get("code") == "5"  # stopped before it ever started: cancelled
    [description] = activity.findall("description")
    assert description.findtext("narrative") == bare["name"]  # the schema needs one: the name stands in
    [start] = activity.findall("activity-date")
    assert (start.get("type"), start.get("iso-date")) == ("1", bare["created_at"][:10])
    assert activity.findall("result") == [] and activity.findall("budget") == []


def test_co_financing_budget_totals_per_year_and_budget_status(client):
    create_intervention(
        client,
        external_id="SSF-KO",
        department="SSF",
        status="planned",
        budget_lines=[
            budget_line(year=2020, amount="100.10"),
            budget_line(year=2020, funding_source="LBF", amount="0.20"),
            budget_line(year=2021, funding_source="BOLIGORG", amount="5"),
        ],
    )
    activity = _activity(_export(client), f"{REPORTING_ORG_REF}-SSF-KO")
    orgs = [(o.get("role"), o.get("type"), o.findtext("narrative")) for o in activity.findall("participating-org")]
    assert orgs == [
        ("2", "11", "Social- og Sundhedsforvaltningen"),
        ("1", None, "Boligorganisationerne"),
        ("1", None, "Landsbyggefonden"),
        ("1", "11", "Puljen til prøvehandlinger (Social balance-puljen)"),
    ]
    assert [(b.get("status"), b.findtext("value")) for b in activity.findall("budget")] == [
        ("1", "100.30"),
        ("1", "5.00"),
    ]


def test_text_that_xml_cannot_carry_is_dropped_not_written(client):
    # (NUL is left out: PostgreSQL cannot store it at all)
    create_intervention(client, external_id="CTRL", name="Kontrol\u0001tegn\u000b", description="a\u0008b\u001fc\tø")
    activity = _activity(_export(client), f"{REPORTING_ORG_REF}-CTRL")
    assert activity.findtext("title/narrative") == "Kontroltegn"
    assert activity.findtext("description/narrative") == "abc\tø"


def test_filters_select_the_activities(client):
    create_intervention(client, external_id="A-BKF", department="BKF", themes=["T4"], name="Mørkhøj-aktiviteter")
    create_intervention(
        client,
        external_id="A-SSF",
        department="SSF",
        themes=["T2"],
        name="Sundhed i Værebro",
        status="completed",
        budget_lines=[budget_line(year=2021)],
    )
    archived = create_intervention(client, external_id="A-ARK", department="SSF", name="Arkiveret")
    client.delete(f"{API}/interventions/{archived['id']}")

    def idents(**params):
        return [
            a.findtext("iati-identifier").removeprefix(f"{REPORTING_ORG_REF}-")
            for a in _export(client, **params).findall("iati-activity")
        ]

    assert idents() == ["A-BKF", "A-SSF"]
    assert idents(department="SSF") == ["A-SSF"]
    assert idents(theme="T4") == ["A-BKF"]
    assert idents(status="completed") == ["A-SSF"]
    assert idents(year=2021) == ["A-SSF"]
    assert idents(q="MØRKHØJ") == ["A-BKF"]
    assert idents(area="moerkhoej", kind="project") == ["A-BKF", "A-SSF"]
    body = assert_problem(client.get(f"{API}/exports/iati", params={"department": "BMF"}), 404)
    assert "at least one activity" in body["detail"]
    assert_problem(
        client.get(f"{API}/exports/iati", params={"department": "XYZ"}), 422, field=["query", "department", 0]
    )
    assert_problem(client.get(f"{API}/exports/iati", params={"status": "done"}), 422, field=["query", "status", 0])


def test_any_reader_may_export_and_nobody_without_a_token(client, anonymous):
    create_intervention(client)
    for role, department in (("reader", None), ("editor", "SSF"), ("pool_manager", None)):
        headers = {"Authorization": f"Bearer {make_token(role, department)}"}
        response = client.get(f"{API}/exports/iati", headers=headers)
        assert response.status_code == 200, role
        assert response.headers["content-disposition"] == 'attachment; filename="iati-activities.xml"'
    assert_problem(anonymous.get(f"{API}/exports/iati"), 401)
    assert_problem(client.post(f"{API}/exports/iati"), 405)


def test_the_generated_datetime_and_last_updated_are_timestamps(client):
    created = create_intervention(client)
    root = _export(client)
    generated = dt.datetime.fromisoformat(root.get("generated-datetime"))
    assert generated.tzinfo is not None
    updated = root.find("iati-activity").get("last-updated-datetime")
    assert updated == dt.datetime.fromisoformat(created["updated_at"]).replace(microsecond=0).isoformat()


def test_the_schema_copy_carries_its_readme_and_licence():
    folder = Path(__file__).parent / "iati-2.03"
    assert {p.name for p in folder.iterdir()} >= {
        "README.md",
        "LICENSE",
        "iati-activities-schema.xsd",
        "iati-common.xsd",
        "xml.xsd",
    }


def test_revised_budgets_and_expenditure_transactions_validate(client):
    create_intervention(
        client,
        external_id="SOB-REV",
        start_date="2024-01-01",
        end_date="2030-12-31",
        budget_lines=[
            budget_line(year=2024, amount="100.00"),
            budget_line(year=2024, category="Drift", amount="50.00"),
            budget_line(year=2024, amount="120.00", type="revised"),  # 120 replaces 100: the plan is 170
            budget_line(year=2025, category="Nyt", amount="30.00", type="revised"),  # a revision without an original
            budget_line(year=2024, amount="90.00", type="actual"),
            budget_line(year=2024, funding_source="LBF", amount="10.00", type="actual"),
            budget_line(year=2030, amount="5.00", type="actual"),
        ],
    )  # a year not over yet: dated today
    today = dt.date.today()
    root = _export(client)  # validates against the schema
    activity = _activity(root, f"{REPORTING_ORG_REF}-SOB-REV")
    assert [
        (b.get("type"), b.find("period-start").get("iso-date"), b.findtext("value")) for b in activity.findall("budget")
    ] == [("1", "2024-01-01", "150.00"), ("2", "2024-01-01", "170.00"), ("2", "2025-01-01", "30.00")]
    last_day = min(dt.date(2030, 12, 31), today).isoformat()
    assert [
        (
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            t.findtext("value"),
            t.findtext("provider-org/narrative"),
        )
        for t in activity.findall("transaction")
    ] == [
        ("4", "2024-12-31", "10.00", "Landsbyggefonden"),
        ("4", "2024-12-31", "90.00", "Puljen til prøvehandlinger (Social balance-puljen)"),
        ("4", last_day, "5.00", "Puljen til prøvehandlinger (Social balance-puljen)"),
    ]
    # the order the schema wants: budgets, then transactions, then document links and related activities
    tags = [child.tag for child in activity]
    assert tags.index("transaction") > max(i for i, t in enumerate(tags) if t == "budget")


def test_any_link_the_schema_allows_is_kept_and_exported(client):
    """A link is kept as sent when it matches the documented pattern (brackets in the path, which xs:anyURI cannot
    hold; brackets in the host, which the fuzzer once found, are refused by the pattern now: test_hardening_input);
    its document-link format comes from the path's extension."""
    made = create_intervention(client, external_id="LINKS")
    odd = "https://gladsaxe.dk/rapporter/[evaluering].PDF?v=2#side-3"
    plain = "https://gladsaxe.dk"
    for title, url in (("Evaluering", odd), ("Forside", plain)):
        response = client.post(
            f"{API}/interventions/{made['id']}/material", json={"title": title, "url": url, "kind": "evaluation"}
        )
        assert response.status_code == 201, response.text
        assert response.json()["url"] == url
    activity = _activity(_export(client), f"{REPORTING_ORG_REF}-LINKS")
    formats = {link.get("url"): link.get("format") for link in activity.findall("document-link")}
    # As a URI (xs:anyURI): the brackets percent-encoded, the rest as stored
    assert formats == {
        "https://gladsaxe.dk/rapporter/%5Bevaluering%5D.PDF?v=2#side-3": "application/pdf",
        plain: "text/html",
    }
