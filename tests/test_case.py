"""The case page: the Mørkhøj programme with its programme document (and, as test data, a revision, spending and
two rated evaluations), as JSON and as an accessible Danish HTML page in which every value is escaped."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest

from app.cli import main as registry
from tests.conftest import make_token
from tests.factories import (
    API,
    add_morkhoj_test_lines,
    assert_problem,
    budget_line,
    create_intervention,
    kr,
    morkhoj_figures,
)

PROGRAMME_URL = "https://dokumenter.example.dk/moerkhoej/programdokument.pdf"


class _Page(HTMLParser):
    """Collects what the accessibility checks look at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self.captions = 0
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        if tag == "caption":
            self.captions += 1

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _morkhoj(client) -> dict:
    """The demo's Mørkhøj programme with its programme document; the demo has no evaluation, revision or spending
    (its sources give none), so this test adds a midway and a final evaluation with ratings, a revision and
    spending (MORKHOJ_TEST_LINES), and a success criterion with its outcome."""
    assert registry(["demo"]) == 0
    found = client.get(f"{API}/interventions", params={"external_id": "BKF-2019-MORKHOJ"}).json()["items"]
    programme = found[0]
    base = f"{API}/interventions/{programme['id']}"
    [document] = client.get(f"{base}/material").json()["items"]
    assert document["url"] == PROGRAMME_URL and document["kind"] == "description"
    assert client.get(f"{base}/evaluations").json()["items"] == []
    add_morkhoj_test_lines(client, programme["id"])
    midway = client.post(
        f"{base}/evaluations",
        json={
            "kind": "midway",
            "date": "2020-12-15",
            "purpose_fulfilled": "i_nogen_grad",
            "implemented_as_planned": "i_mindre_grad",
            "decision": "adjust",
            "findings": "Indsats 2 er forsinket.",
            "material_ids": [document["id"]],
        },
    ).json()
    final = client.post(
        f"{base}/evaluations",
        json={
            "kind": "final",
            "date": "2023-02-01",
            "purpose_fulfilled": "i_hoej_grad",
            "implemented_as_planned": "i_nogen_grad",
            "decision": "anchor",
            "findings": "Fællesskaberne er forankret lokalt.\n\nForældresamarbejdet fortsætter i kernedriften.",
            "material_ids": [document["id"]],
        },
    ).json()
    criterion = client.post(
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
    ).json()
    return {"programme": programme, "document": document, "midway": midway, "final": final, "criterion": criterion}


def test_the_morkhoj_case_page_shows_the_whole_case_record(client):
    world = _morkhoj(client)
    programme = world["programme"]
    response = client.get(f"{API}/interventions/{programme['id']}/case")
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["name"] == "Styrket indsats for social balance i Mørkhøj"
    assert case["kind"] == "programme" and case["kind_label"] == "Program"
    assert case["status_label"] == "Afsluttet" and case["track_label"] is None  # the document names no track
    assert case["purpose"].startswith("Formålet med programmet er at inspirere")
    assert case["target_group"].startswith("Alle borgere i Mørkhøj")
    assert case["areas"] == [{"slug": "moerkhoej", "name": "Mørkhøj (almene boliger)"}]
    assert [t["code"] for t in case["themes"]] == ["T4", "T5", "T6"]
    assert (case["start_date"], case["end_date"]) == ("2019-01-01", "2022-12-31")
    org = case["organisation"]
    assert org["municipality"] == "Gladsaxe Kommune"
    assert org["department"] == {"code": "BKF", "name": "Børne- og Kulturforvaltningen"}
    assert [c["name"] for c in org["children"]] == [
        "Indsats 1: Fællesskabende aktiviteter i Mørkhøj",
        "Indsats 2: Bedre fritidsmuligheder",
        "Indsats 3: Det gode forældresamarbejde",
    ]
    figures = morkhoj_figures(with_test_lines=True)
    plan, actual = sum(figures["plan"].values()), sum(figures["actual"].values())
    assert case["partners"] == [
        {"code": "SOB-PULJE", "name": "Puljen til prøvehandlinger (Social balance-puljen)", "amount": kr(plan)}
    ]
    financing = case["financing"]
    assert financing["stated"] is True and financing["currency"] == "DKK" and financing["total"] == kr(plan)
    # The original budget of the programme document, the revised plan and the spending side by side.
    assert [(y["year"], y["budget"]) for y in financing["years"]] == [
        (2019, "477500.00"),
        (2020, "930000.00"),
        (2021, "630000.00"),
        (2022, "472500.00"),
    ]
    assert [(y["year"], y["amount"], y["revised"], y["actual"], y["difference"]) for y in financing["years"]] == [
        (year, kr(p), kr(p), kr(figures["actual"].get(year, 0)), kr(p - figures["actual"].get(year, 0)))
        for year, p in figures["plan"].items()
    ]
    assert all(y["share_spent"] == f"{Decimal(y['actual']) / Decimal(y['revised']):.4f}" for y in financing["years"])
    assert (financing["budget"], financing["revised"], financing["actual"], financing["difference"]) == (
        "2510000.00",
        kr(plan),
        kr(actual),
        kr(plan - actual),
    )
    assert financing["share_spent"] == f"{actual / plan:.4f}"
    evaluation = case["evaluation"]
    assert evaluation["evaluated"] is True and evaluation["label"] == "Ja, evalueret"
    assert evaluation["final_evaluation"] is True and evaluation["rated_by"] == world["final"]["id"]
    assert evaluation["purpose_fulfilled"] == "i_hoej_grad" and evaluation["purpose_fulfilled_label"] == "I høj grad"
    assert evaluation["implemented_as_planned_label"] == "I nogen grad"
    assert evaluation["decision"] == "anchor" and evaluation["decision_label"] == "Forankres i kernedriften"
    assert [e["kind"] for e in evaluation["items"]] == ["midway", "final"]
    assert evaluation["items"][0]["material_ids"] == [world["document"]["id"]]
    [criterion] = case["success_criteria"]
    assert criterion["outcome"] == "partly_met" and criterion["outcome_label"] == "Delvist opfyldt"
    assert criterion["actual_value"] == "43.5" and criterion["indicator_name"] == "Deltagelse i lokalsamfundet"
    assert case["material"] == [world["document"]]


def test_the_morkhoj_case_page_in_html_is_plain_danish_and_accessible(client):
    world = _morkhoj(client)
    response = client.get(f"{API}/interventions/{world['programme']['id']}/case", params={"format": "html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert html.startswith('<!DOCTYPE html>\n<html lang="da">')
    page = _parse(html)
    assert "script" not in {t for t, _ in page.tags} and "<script" not in html.lower()
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)  # no event handlers
    # one h1, and headings never skip a level on the way down
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    assert page.captions >= 1
    assert all(attrs.get("scope") in ("col", "row") for t, attrs in page.tags if t == "th")
    text = " ".join(" ".join(page.text).split())
    for expected in (
        "Styrket indsats for social balance i Mørkhøj",
        "Formål",
        "Målgruppe & arena",
        "Mørkhøj (almene boliger)",
        "Indsatsen er et program",
        "01.01.2019 - 31.12.2022",
        "Børne- og Kulturforvaltningen (BKF)",
        "Økonomi pr. år",
        "477.500,00",
        "930.000,00",
        "2.510.000,00",
        "Ja, evalueret",
        "Er formålet opfyldt? I høj grad",
        "Er indsatsen blevet implementeret som planlagt? I nogen grad",
        "Forankres i kernedriften",
        "Midtvejsevaluering 15.12.2020",
        "Slutevaluering 01.02.2023",
        "Delvist opfyldt",
        "43,5 pct.",
        "Programdokument: Styrket indsats for social balance i Mørkhøj",
        "Forældresamarbejdet fortsætter",
    ):
        assert expected in text, expected
    # Budget and spending side by side: the headings, the actual spending in all, the difference, the share.
    figures = morkhoj_figures(with_test_lines=True)
    plan, actual = sum(figures["plan"].values()), sum(figures["actual"].values())

    def danish(amount: Decimal) -> str:
        return f"{amount:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")

    for expected in (
        "Budget og forbrug pr. år",
        "Oprindeligt budget",
        "Revideret budget",
        "Forbrug",
        "Forbrugt andel",
        danish(actual),
        danish(plan - actual),
        f"{actual / plan * 100:.2f} %".replace(".", ","),
    ):
        assert expected in text, expected
    links = [attrs["href"] for t, attrs in page.tags if t == "a"]
    assert PROGRAMME_URL in links


def test_every_value_in_the_html_is_escaped(client):
    nasty = '<script>alert("x")</script> & "Co"'
    intervention = create_intervention(
        client,
        name=nasty,
        description="<b>fed</b>\nny linje",
        purpose="<img src=x onerror=alert(1)>",
        target_group="Børn & unge",
        contact_name="<i>Mette</i>",
        contact_email="mette@example.dk",
        success_criteria=[{"description": "<u>mere</u>", "unit": "<%>", "actual_value": 1}],
    )
    base = f"{API}/interventions/{intervention['id']}"
    client.post(
        f"{base}/material",
        json={"title": '"><svg onload=alert(1)>', "kind": "results", "url": 'https://example.dk/a?b=1&c="x"<y>'},
    )
    client.post(
        f"{base}/evaluations", json={"kind": "final", "date": "2023-01-01", "findings": "</p><script>x</script>"}
    )
    html = client.get(f"{base}/case", params={"format": "html"}).text
    page = _parse(html)
    assert {t for t, _ in page.tags}.isdisjoint({"script", "img", "svg", "b", "u"})
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Co&quot;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="https://example.dk/a?b=1&amp;c=&quot;x&quot;&lt;y&gt;"' in html
    text = " ".join(page.text)
    assert nasty in text and "Børn & unge" in text and "</p><script>x</script>" in text


def test_an_intervention_without_evaluations_or_money_says_so(client):
    intervention = create_intervention(client, budget_lines=[], start_date=None, end_date=None, purpose=None)
    case = client.get(f"{API}/interventions/{intervention['id']}/case").json()
    assert case["evaluation"]["evaluated"] is False and case["evaluation"]["label"] == "Nej, ikke evalueret"
    assert case["evaluation"]["rated_by"] is None and case["evaluation"]["purpose_fulfilled"] is None
    assert case["financing"] == {
        "currency": "DKK",
        "stated": False,
        "years": [],
        "total": "0.00",
        "budget": "0.00",
        "revised": "0.00",
        "actual": "0.00",
        "difference": "0.00",
        "share_spent": None,
    }
    assert case["partners"] == [] and case["material"] == []
    text = " ".join(
        _parse(client.get(f"{API}/interventions/{intervention['id']}/case", params={"format": "html"}).text).text
    )
    assert "Nej, ikke evalueret" in text and "Ikke oplyst" in text and "Intet materiale registreret." in text


def test_a_programmes_financing_includes_its_parts_and_their_co_financing(client):
    programme = create_intervention(
        client,
        kind="programme",
        budget_lines=[budget_line(year=2020, amount="1000.00"), budget_line(year=2021, amount="500.00")],
    )
    create_intervention(
        client,
        name="Del 1",
        parent_id=programme["id"],
        budget_lines=[
            budget_line(year=2020, funding_source="LBF", amount="250.50"),
            budget_line(year=2020, category="Drift", amount="100.00"),
        ],
    )
    archived = create_intervention(
        client, name="Aflyst del", parent_id=programme["id"], budget_lines=[budget_line(year=2021, amount="99999.00")]
    )
    client.delete(f"{API}/interventions/{archived['id']}")
    case = client.get(f"{API}/interventions/{programme['id']}/case").json()
    assert [{k: y[k] for k in ("year", "amount", "by_funding_source")} for y in case["financing"]["years"]] == [
        {
            "year": 2020,
            "amount": "1350.50",
            "by_funding_source": [
                {"code": "LBF", "name": "Landsbyggefonden", "amount": "250.50"},
                {
                    "code": "SOB-PULJE",
                    "name": "Puljen til prøvehandlinger (Social balance-puljen)",
                    "amount": "1100.00",
                },
            ],
        },
        {
            "year": 2021,
            "amount": "500.00",
            "by_funding_source": [
                {"code": "SOB-PULJE", "name": "Puljen til prøvehandlinger (Social balance-puljen)", "amount": "500.00"}
            ],
        },
    ]
    assert case["financing"]["total"] == "1850.50"
    assert [p["code"] for p in case["partners"]] == ["LBF", "SOB-PULJE"]
    assert [c["name"] for c in case["organisation"]["children"]] == ["Del 1"]


def test_case_page_refusals(client, anonymous):
    intervention = create_intervention(client)
    url = f"{API}/interventions/{intervention['id']}/case"
    assert_problem(client.get(f"{API}/interventions/999999/case"), 404)
    assert_problem(client.get(url, params={"format": "pdf"}), 422, field=["query", "format"])
    assert_problem(anonymous.get(url), 401)
    reader = {"Authorization": f"Bearer {make_token('reader')}"}
    assert client.get(url, headers=reader).status_code == 200
    assert_problem(client.post(url, json={}), 405)
    client.delete(f"{API}/interventions/{intervention['id']}")
    assert_problem(client.get(url), 404)


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_the_case_page_is_utf8_with_danish_letters_intact(client, fmt):
    intervention = create_intervention(client, name="Æbleløb på Østerbro – Å-stien")
    response = client.get(f"{API}/interventions/{intervention['id']}/case", params={"format": fmt})
    assert "Æbleløb på Østerbro – Å-stien".encode() in response.content


def test_the_case_page_shows_a_parts_revision_and_spending_beside_the_budget(client):
    programme = create_intervention(client, kind="programme", budget_lines=[budget_line(year=2020, amount="1000.00")])
    create_intervention(
        client,
        name="Del 1",
        parent_id=programme["id"],
        budget_lines=[
            budget_line(year=2020, amount="200.00"),
            budget_line(year=2020, amount="300.00", type="revised"),  # replaces the 200.00 in the plan
            budget_line(year=2020, amount="1100.00", type="actual"),
            budget_line(year=2021, amount="50.00", type="actual"),
        ],
    )  # spending without a plan that year
    case = client.get(f"{API}/interventions/{programme['id']}/case").json()
    assert [
        (y["year"], y["budget"], y["revised"], y["actual"], y["difference"], y["share_spent"])
        for y in case["financing"]["years"]
    ] == [(2020, "1200.00", "1300.00", "1100.00", "200.00", "0.8462"), (2021, "0.00", "0.00", "50.00", "-50.00", None)]
    assert case["financing"]["years"][1]["by_funding_source"] == []
    assert (case["financing"]["total"], case["financing"]["actual"], case["financing"]["share_spent"]) == (
        "1300.00",
        "1150.00",
        "0.8846",
    )
    assert case["partners"][0]["amount"] == "1300.00"
    html = client.get(f"{API}/interventions/{programme['id']}/case", params={"format": "html"}).text
    assert "1.300,00" in html and "84,62 %" in html and "−50,00" in html
