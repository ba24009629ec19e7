"""`registry backup` and `registry restore`: a round trip that compares every table row by row, restores refused
while the database is in use or from a damaged file (leaving the database as it was), and backups taken while the
real server writes, each of them a consistent database."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from app.cli import _alembic_config
from app.cli import main as registry
from app.core import backup as backups
from app.db import get_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres, wipe
from tests.factories import API, budget_line, intervention_payload
from tests.test_crash import LINES, check_pool_invariant, import_records, start_server


def snapshot(engine: Engine | None = None) -> dict[str, list]:
    """Every table (reflected from the database, so tables added later are covered too), rows sorted; on
    PostgreSQL also where every sequence stands."""
    engine = engine or get_engine()
    metadata = MetaData()
    with engine.connect() as conn:
        metadata.reflect(conn)
        state = {
            name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for name, table in metadata.tables.items()
        }
        if engine.dialect.name == "postgresql":
            state["(sequences)"] = sorted(
                conn.execute(
                    text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
                ).all()
            )
    return state


def assert_same(actual: dict[str, list], expected: dict[str, list]) -> None:
    assert sorted(actual) == sorted(expected), "the tables differ"
    for name, rows in expected.items():
        assert actual[name] == rows, f"table {name} differs"


def make_data(client) -> int:
    """Some of everything through the API: an import with budget lines, an intervention with criteria, a pool
    with grants, a request and a release, observations, tokens (one revoked), and so the audit log too."""
    records = import_records("BK", 25)
    records[1]["parent_external_id"] = records[0]["external_id"]
    imported = client.post(f"{API}/imports/interventions", json=records, headers={"Idempotency-Key": "bk-1"})
    assert imported.status_code == 200, imported.text
    made = client.post(
        f"{API}/interventions",
        json=intervention_payload(budget_lines=[budget_line(year=2020 + k, amount=f"{1000 + k}.50") for k in range(3)]),
    )
    assert made.status_code == 201, made.text
    iid = made.json()["id"]
    pool = client.post(f"{API}/pools", json={"name": "Puljen 2026", "year": 2026, "amount": "500000.00"})
    assert pool.status_code == 201, pool.text
    allocations = f"{API}/pools/{pool.json()['id']}/allocations"
    ids = []
    for status in ("granted", "granted", "requested"):
        body = {"intervention_id": iid, "amount": "40000.00", "status": status, "reason": "Ok"}
        created = client.post(allocations, json=body)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    assert client.patch(f"{allocations}/{ids[1]}", json={"status": "released", "amount": "15000.00"}).status_code == 200
    for year, value in ((2021, "60.0"), (2024, "66.5")):
        observed = client.post(
            f"{API}/indicators/4/observations",
            json={
                "area": "hoeje-gladsaxe",
                "year": year,
                "kind": "baseline" if year == 2021 else "actual",
                "value": value,
                "unit": "pct.",
                "source": f"Tryghedsundersøgelse {year}",
            },
        )
        assert observed.status_code == 201, observed.text
    for name, role, department in (("bk-editor", "editor", "BKF"), ("bk-reader", "reader", None)):
        token = client.post(f"{API}/tokens", json={"name": name, "role": role, "department": department})
        assert token.status_code == 201, token.text
    assert client.delete(f"{API}/tokens/{token.json()['id']}").status_code == 200
    return iid


def change_data(client, iid: int) -> None:
    assert client.patch(f"{API}/interventions/{iid}", json={"name": "Ændret efter backup"}).status_code == 200
    assert client.post(f"{API}/imports/interventions", json=import_records("AFTER", 3)).status_code == 200
    assert client.delete(f"{API}/interventions/{iid}").status_code == 204
    assert client.post(f"{API}/tokens", json={"name": "after", "role": "reader"}).status_code == 201


@contextmanager
def in_use() -> Iterator[None]:
    """Another user of the database: an open connection that has read from it."""
    with get_engine().connect() as conn:
        conn.execute(text("SELECT count(*) FROM pool")).scalar_one()
        yield


def test_round_trip_restores_every_table_row_by_row(client, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(backups, "LOCK_TIMEOUT", 0.5)
    iid = make_data(client)
    at_backup = snapshot()
    rows = sum(len(r) for r in at_backup.values())
    file = tmp_path / "registry.backup"
    assert registry(["backup", str(file)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {file}")
    magic = file.read_bytes()[:16]
    assert magic.startswith(backups.PGDUMP_MAGIC if is_postgres() else backups.SQLITE_MAGIC)

    change_data(client, iid)
    changed = snapshot()
    assert changed != at_backup

    # Refused while someone else has the database open; nothing is touched.
    with in_use():
        assert registry(["restore", str(file)]) == 1
    refusal = capsys.readouterr().err
    assert "in use" in refusal or "connected" in refusal, refusal
    assert_same(snapshot(), changed)

    # Over the changed database (the service stopped: here, the test's own pooled connections closed).
    get_engine().dispose()
    started = time.monotonic()
    assert registry(["restore", str(file)]) == 0, capsys.readouterr().err
    restore_s = time.monotonic() - started
    assert_same(snapshot(), at_backup)

    # Over an empty database.
    wipe()
    get_engine().dispose()
    assert registry(["restore", str(file)]) == 0, capsys.readouterr().err
    assert_same(snapshot(), at_backup)

    # The restored database is the migrated schema, and the service carries on (ids continue after the restored).
    command.check(_alembic_config(TEST_DATABASE_URL))
    again = client.post(f"{API}/interventions", json=intervention_payload())
    assert again.status_code == 201, again.text
    assert again.json()["id"] > max(row[0] for row in at_backup["intervention"])
    print(
        f"\nround trip: {len(at_backup)} tables, {rows} rows compared, backup {file.stat().st_size} bytes, "
        f"restore {restore_s:.2f} s"
    )


def test_restore_refuses_a_damaged_or_foreign_file_and_changes_nothing(client, tmp_path):
    make_data(client)
    before = snapshot()
    file = tmp_path / "registry.backup"
    assert registry(["backup", str(file)]) == 0
    get_engine().dispose()
    damaged = tmp_path / "damaged.backup"
    content = file.read_bytes()
    damaged.write_bytes(content[: len(content) // 2])
    with pytest.raises(backups.BackupError):
        backups.restore(TEST_DATABASE_URL, damaged)
    assert_same(snapshot(), before)
    foreign = tmp_path / "foreign.backup"
    foreign.write_bytes(backups.SQLITE_MAGIC + b"\0" * 100 if is_postgres() else backups.PGDUMP_MAGIC + b"\0" * 100)
    with pytest.raises(backups.BackupError, match="not a"):
        backups.restore(TEST_DATABASE_URL, foreign)
    assert registry(["restore", str(tmp_path / "missing.backup")]) == 1
    assert_same(snapshot(), before)


def test_libpq_url_keeps_the_password_off_the_command_line():
    url, env = backups.libpq_url("postgresql+psycopg://reg:s%40cret@db.example:5433/registry?sslmode=require")
    assert url == "postgresql://reg@db.example:5433/registry?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"


# --- backups taken while the server writes ---------------------------------------------------------------------


@contextmanager
def readable_copy(file: Path, tmp_path: Path) -> Iterator[Engine]:
    """An engine on the backup's content: the SQLite file itself, or a scratch PostgreSQL database it is
    restored into (through backups.restore, so restoring into an empty database is tested too)."""
    if not is_postgres():
        engine = create_engine(f"sqlite:///{file}", poolclass=NullPool)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    url = make_url(TEST_DATABASE_URL)
    scratch = url.set(database=f"{url.database}_scratch")
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    engine = create_engine(scratch, poolclass=NullPool)
    try:
        backups.restore(scratch.render_as_string(hide_password=False), file)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        admin.dispose()


def test_backups_taken_while_the_server_writes_are_consistent(admin_token, tmp_path):
    server = start_server(tmp_path / "server.log")
    headers = {"Authorization": f"Bearer {admin_token}"}
    stop = threading.Event()
    written = {"imports": 0, "grants": 0}
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as api:
            iid = api.post(
                f"{API}/interventions", json={"name": "Hestefold", "kind": "trial_action", "department": "SOB"}
            ).json()["id"]
            pool_id = api.post(f"{API}/pools", json={"name": "P", "year": 2026, "amount": "1000000.00"}).json()["id"]

        def importer() -> None:
            with httpx.Client(base_url=server.base, headers=headers, timeout=60) as http:
                batch = 0
                while not stop.is_set():
                    answer = http.post(f"{API}/imports/interventions", json=import_records(f"HOT{batch:03d}", 100))
                    assert answer.status_code == 200, answer.text[:300]
                    batch += 1
                    written["imports"] = batch

        def granter() -> None:
            with httpx.Client(base_url=server.base, headers=headers, timeout=60) as http:
                while not stop.is_set():
                    answer = http.post(
                        f"{API}/pools/{pool_id}/allocations",
                        json={"intervention_id": iid, "amount": "100.00", "status": "granted", "reason": "Ok"},
                    )
                    assert answer.status_code == 201, answer.text[:300]
                    written["grants"] += 1

        writers = ThreadPoolExecutor(2)
        running = [writers.submit(importer), writers.submit(granter)]
        seen = []
        try:
            for n in range(3):
                time.sleep(0.5)
                file = tmp_path / f"hot-{n}.backup"
                started = time.monotonic()
                assert registry(["backup", str(file)]) == 0
                took = time.monotonic() - started
                with readable_copy(file, tmp_path) as copy:
                    state = check_pool_invariant(pool_id, copy)
                    with copy.connect() as conn:
                        hot = conn.execute(
                            text("SELECT count(*) FROM intervention WHERE external_id LIKE 'HOT%'")
                        ).scalar_one()
                        lines = conn.execute(
                            text(
                                "SELECT count(*) FROM budget_line b JOIN intervention i ON i.id = b.intervention_id "
                                "WHERE i.external_id LIKE 'HOT%'"
                            )
                        ).scalar_one()
                        if not is_postgres():
                            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
                assert hot % 100 == 0 and lines == hot * LINES, (hot, lines)  # whole imports only
                seen.append((round(took, 2), hot // 100, state["allocations"]))
        finally:
            stop.set()
            writers.shutdown()
        for future in running:
            future.result()  # the writers' own assertions
    finally:
        server.kill()
    assert seen[-1][1] > 0 and seen[-1][2] > 0, seen
    assert not list(tmp_path.glob("*.partial"))
    print(
        f"\nhot backups (seconds, imports of 100 in the copy, allocations in the copy): {seen}; "
        f"written meanwhile: {written}"
    )
