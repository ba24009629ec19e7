"""The demo's report to the Byråd answers every theme, from figures labelled as constructed examples, and the
seeds' own figures keep their source."""

from app.cli import main as registry
from tests.factories import API


def test_the_demo_report_answers_every_theme(client):
    assert registry(["demo"]) == 0
    report = client.get(f"{API}/reports/ambition").json()
    assert (report["baseline"]["code"], report["latest"]["code"]) == ("bu-2021", "bu-2024")
    assert len(report["themes"]) == 9
    assert all(t["verdict"] in ("met", "not_met") for t in report["themes"]), [
        (t["code"], t["reasons"]) for t in report["themes"]
    ]
    assert report["overall"]["themes_insufficient"] == 0 and report["overall"]["verdict"] != "not_answerable"
    t6 = next(t for t in report["themes"] if t["code"] == "T6")
    assert len(t6["indicators"]) == 1
    # the constructed figures say so; the seeds' figures name their source
    observations = client.get(f"{API}/indicators/3/observations").json()["items"]
    assert observations and all("Konstrueret" in o["note"] for o in observations if o["kind"] == "actual")
    young = next(i for i in report["indicators"] if i["name"].startswith("Unge 18–29"))
    seeds = client.get(f"{API}/indicators/{young['number']}/observations", params={"year": [2014, 2019]}).json()
    assert {(o["area"], o["year"], o["value"]) for o in seeds["items"]} == {
        ("hoeje-gladsaxe", 2014, "16.4"),
        ("vaerebro-park", 2014, "16.4"),
        ("hoeje-gladsaxe", 2019, "9.0"),
        ("vaerebro-park", 2019, "8.0"),
    }
    assert all(o["source"] == "004: Fremskudt vejledning" for o in seeds["items"])
    # a measured municipality figure is used where the demo has one; derived elsewhere
    first = next(i for i in report["indicators"] if i["number"] == 1)
    assert first["municipality"]["baseline"]["source"] == "measured"
    assert next(i for i in report["indicators"] if i["number"] == 3)["municipality"]["latest"]["source"] == "derived"
    # running the demo again changes nothing
    assert registry(["demo"]) == 0
    assert client.get(f"{API}/reports/ambition").json() == report


def test_the_readme_shows_the_demo_reports_summary(client):
    from pathlib import Path

    registry(["demo"])
    report = client.get(f"{API}/reports/ambition").json()
    overall = report["overall"]
    lines = [f"{overall['label']}. {' '.join(overall['reasons'])}"]
    lines += [f"{t['code']} {t['name']}: {t['verdict_label']}" for t in report["themes"]]
    lines.append(f"Ambitionsniveauer: {overall['targets_met']} nået, {overall['targets_missed']} ikke nået.")
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "```text\n" + "\n".join(lines) + "\n```" in readme
