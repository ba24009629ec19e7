"""Screenshots of the web interface's main pages for the README, taken in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a fresh SQLite database in a temporary folder (migrated, with the demo data, whose trial-action pool has an
application in each state), serves the app on a free port of 127.0.0.1, signs in and saves one PNG per
page (the top of the page, 1280 px wide). The form pages are shown empty, refused (an amount that cannot be
read), being edited, after a conflict with another editor's save, and at the archive confirmation."""

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = [
    ("login", "/login", None),
    ("oversigt", "/", None),
    ("oversigt-filtreret", "/?year_from=2019&year_to=2021&area=moerkhoej", None),
    ("indsatser", "/indsatser", None),
    ("case", "/indsatser/{case_id}", None),
    ("puljer", "/puljer", None),
    ("pulje", "/puljer/{pool_id}", None),
    ("indsats-ny", "/indsatser/ny", None),
    ("indsats-fejl", "/indsatser/ny", "refused"),
    ("indsats-rediger", "/indsatser/{case_id}/rediger", None),
    ("indsats-konflikt", "/indsatser/{case_id}/rediger", "conflict"),
    ("indsats-arkiver", "/indsatser/{case_id}/arkiver", None),
    ("rapport", "/rapport", None),
    ("pulje-ansoegning", "/puljer/{pool_id}/ansoeg", None),
    ("pulje-afgoerelse", "/puljer/{pool_id}/bevillinger/{request_id}", None),
    ("pulje-forankring", "/puljer/{pool_id}/bevillinger/{granted_id}#forankr", None),
    ("indsats-parter", "/indsatser/{case_id}/rediger#organisationer-overskrift", None),
    ("organisationer", "/organisationer", None),
    ("organisation", "/organisationer/{organisation_id}", None),
    ("runder", "/rapport/runder", None),
    ("indikatorer", "/rapport/indikatorer", None),
]


def _refused(page, base: str, data: dict[str, str]) -> None:
    """A new intervention with an amount the registry cannot read: the form comes back with the message."""
    page.get_by_label("Navn").fill("Lektiecafé på biblioteket i Mørkhøj")
    page.get_by_label("Forvaltning").select_option("BKF")
    page.get_by_label("Mørkhøj").check()
    page.get_by_label("År", exact=True).first.fill("2026")
    page.get_by_label("Udgiftsart").first.fill("Løn")
    page.get_by_label("Finansiering").first.select_option("SOB-PULJE")
    page.get_by_label("Beløb (kr.)").first.fill("12,5x")
    page.get_by_role("button", name="Opret indsats").click()


def _conflict(page, base: str, data: dict[str, str]) -> None:
    """Someone else saves through the API while this form is open; then this one saves."""
    answer = page.request.patch(
        f"{base}/api/v1/interventions/{data['case_id']}",
        data={"target_group": "Børn og unge i Mørkhøj og deres forældre"},
        headers={"Authorization": f"Bearer {data['token']}"},
    )
    assert answer.ok, answer.text()
    page.get_by_label("Målgruppe").fill("Familier i Mørkhøj")
    page.get_by_role("button", name="Gem ændringer").click()


ACTIONS = {"refused": _refused, "conflict": _conflict}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare() -> dict[str, str]:
    """The demo data; answers an admin token and the ids of the Mørkhøj programme and the demo's pool."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.cli import migrate
    from app.db import get_engine
    from app.main import app
    from app.models.auth import Role, TokenCreate
    from app.services.auth import create_token
    from app.services.demo import load_demo_data

    migrate()
    with Session(get_engine()) as session:
        load_demo_data(session)
        token = create_token(session, TokenCreate(name="Styregruppen", role=Role.admin)).token
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    found = api.get("/api/v1/interventions", params={"limit": 500}).json()["items"]
    [pool] = api.get("/api/v1/pools").json()["items"]  # the demo's pool, with an application in each state
    pending = api.get(f"/api/v1/pools/{pool['id']}/allocations", params={"status": "requested"}).json()["items"]
    requested = [a["id"] for a in pending]
    granted = api.get(f"/api/v1/pools/{pool['id']}/allocations", params={"status": "granted"}).json()["items"]
    case_id = next(i["id"] for i in found if i["name"].startswith("Styrket indsats for social balance i Mørkhøj"))
    organisations = api.get("/api/v1/organisations", params={"limit": 200}).json()["items"]
    # the organisation that takes part in the most interventions
    organisation_id = max(
        (o["id"] for o in organisations),
        key=lambda oid: len(api.get(f"/api/v1/organisations/{oid}/interventions").json()["rows"]),
    )
    return {
        "token": token,
        "pool_id": str(pool["id"]),
        "case_id": str(case_id),
        "request_id": str(requested[0]),
        "granted_id": str(granted[0]["id"]),
        "organisation_id": str(organisation_id),
    }


# The import page: a file with mistakes (its report by row and column), then a good one (the dry run's counts)
IMPORT_HEADER = (
    "Nøgle;Navn;Type;Status;Forvaltning;Bydele;Temaer;Startdato;Slutdato;Budgetår;Budgetkategori;"
    "Finansieringskilde;Beløb (kr.)"
)
IMPORT_FILES = [
    (
        "import-fejl",
        "indsatser-med-fejl.csv",
        [
            "SOB-2026-CYKEL;Cykelværksted i Værebro Park;trial_action;planned;SOB;vaerebro-park;T9;01-03-2026;"
            "31-12-2026;2026;Aktiviteter;SOB-PULJE;45.000,50",
            "SOB-2026-CYKEL;;;;;;;;;2027;Løn;SOB-PULJE;12.000",
            "BKF-2026-LEKTIER;Lektiehjælp i Mørkhøj;projekt;planned;BKF;moerkhoej;T2, T12;01-08-2026;30-06-2027;"
            "2026;Løn;SOB-PULJE;1.234,5x",
            "SSF-2026-BOLD;;project;active;SSF;hoeje-gladsaxe;T5;01-01-2026;31-12-2026;2026;Løn;SOB-PULJE;80.000",
        ],
    ),
    (
        "import-proevekoersel",
        "indsatser.csv",
        [
            "SOB-2026-CYKEL;Cykelværksted i Værebro Park;trial_action;planned;SOB;vaerebro-park;T9;01-03-2026;"
            "31-12-2026;2026;Aktiviteter;SOB-PULJE;45.000,50",
            "SOB-2026-CYKEL;;;;;;;;;2026;Løn;SOB-PULJE;12.000",
            "BKF-2026-LEKTIER;Lektiehjælp i Mørkhøj;project;planned;BKF;moerkhoej;T2;01-08-2026;30-06-2027;"
            "2026;Løn;SOB-PULJE;1.234,50",
            "SSF-2026-BOLD;Boldbane i Høje Gladsaxe;project;active;SSF;hoeje-gladsaxe;T5;01-01-2026;31-12-2026;"
            "2026;Løn;SOB-PULJE;80.000",
        ],
    ),
]


def _import_pages(page, base: str, out: Path) -> None:
    for name, filename, lines in IMPORT_FILES:
        page.goto(base + "/importer")
        body = "\r\n".join([IMPORT_HEADER, *lines]).encode("utf-8")
        page.get_by_label("Fil (XLSX eller CSV)").set_input_files(
            files=[{"name": filename, "mimeType": "text/csv", "buffer": body}]
        )
        page.get_by_role("button", name="Kontrollér filen").click()
        page.wait_for_load_state()
        target = out / f"{name}.png"
        page.screenshot(path=str(target))
        print(f"{target} ({target.stat().st_size // 1024} KB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    folder = tempfile.mkdtemp(prefix="registry-screenshots-")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'registry.db'}"
    sys.path.insert(0, str(ROOT))
    import uvicorn
    from playwright.sync_api import sync_playwright

    from app.main import app

    data = _prepare()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="da-DK")
            for name, path, action in PAGES:
                if name == "oversigt":  # signed in from here on
                    page.goto(base + "/login")
                    page.get_by_label("Personligt token").fill(data["token"])
                    page.get_by_role("button", name="Log ind").click()
                    page.wait_for_url(base + "/")
                page.goto(base + path.format(**data))
                if action:
                    ACTIONS[action](page, base, data)
                target = out / f"{name}.png"
                page.screenshot(path=str(target))
                print(f"{target} ({target.stat().st_size // 1024} KB)")
            _import_pages(page, base, out)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
