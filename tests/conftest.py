"""One suite, two databases: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.

The schema comes from the Alembic migrations (never create_all); rows are wiped between tests, the
reference data stays."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_tmpdir = tempfile.TemporaryDirectory(prefix="registry-tests-")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{Path(_tmpdir.name) / 'test.db'}"
os.environ["DATABASE_URL"] = TEST_DATABASE_URL

from alembic import command  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.cli import _alembic_config  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.db import get_engine  # noqa: E402

get_settings.cache_clear()
get_engine.cache_clear()

# The reference tables stay as the migrations seeded them; every other table is user data, wiped per test.
REFERENCE_TABLES = {"department", "area", "funding_source", "effect_goal", "theme", "indicator"}


def is_postgres() -> bool:
    return get_engine().dialect.name == "postgresql"


def pytest_report_header(config):
    return f"database: {get_engine().dialect.name} ({get_engine().url.render_as_string(hide_password=True)})"


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[None]:
    config = _alembic_config(TEST_DATABASE_URL)
    # Start from nothing, whatever an earlier run left behind.
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    yield
    get_engine().dispose()


def wipe() -> None:
    from sqlmodel import SQLModel

    import app.models  # noqa: F401 - every table on the metadata
    from app.db import new_data_version

    with get_engine().begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):  # children before parents
            if table.name not in REFERENCE_TABLES | {"data_version", "reference_version"}:
                conn.execute(table.delete())
        reset_framework(conn)
        new_data_version(conn)  # as any write does: the workers' read caches must not outlive the wipe


def reset_framework(conn) -> None:
    """The framework as the migrations seed it: indicators added through the API (and the demo) removed, the
    retired brought back, units cleared (the observations referring to them were wiped before)."""
    from sqlalchemy import text

    conn.execute(text("DELETE FROM indicator WHERE number > 19"))
    conn.execute(text("UPDATE indicator SET retired_at = NULL, unit = NULL"))


@pytest.fixture(autouse=True)
def _clean_tables(migrated_database) -> Iterator[None]:
    wipe()
    yield


def make_token(role: str, department: str | None = None, name: str | None = None) -> str:
    """A real API token, made the way `registry token create` makes it; returns the bearer token."""
    from app.db import open_session
    from app.models.auth import Role, TokenCreate
    from app.services.auth import create_token

    with open_session() as session:
        data = TokenCreate(name=name or f"test-{role}-{department or 'all'}", role=Role(role), department=department)
        return create_token(session, data).token


@pytest.fixture
def admin_token() -> str:
    return make_token("admin", name="test-admin")


@pytest.fixture
def client(admin_token) -> Iterator[TestClient]:
    """A client signed in as an admin (most tests are about behaviour, not permissions)."""
    from app.main import app

    with TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {admin_token}"}
    ) as test_client:
        yield test_client


@pytest.fixture
def anonymous() -> Iterator[TestClient]:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
