"""The schema comes only from the migrations: empty → head → base → head, and the models agree with it."""

from alembic import command
from sqlalchemy import inspect

from app.cli import _alembic_config
from app.db import get_engine
from tests.conftest import TEST_DATABASE_URL, make_token
from tests.factories import API, create_intervention

TABLES = {
    "area",
    "budget_line",
    "department",
    "effect_goal",
    "funding_source",
    "indicator",
    "intervention",
    "intervention_area",
    "pool",
    "allocation",
    "pool_ledger_entry",
    "idempotency_key",
    "api_token",
    "audit_record",
    "intervention_indicator",
    "intervention_theme",
    "success_criterion",
    "theme",
    "indicator_observation",
    "evaluation",
    "evaluation_material",
    "material",
    "data_version",
    "reference_version",
    "web_session",
    "oidc_sign_in",
    "measurement_round",
    "measurement_round_area",
    "framework_revision",
    "organisation",
    "intervention_organisation",
    "intervention_person",
    "intervention_reach",
    "in_kind_contribution",
    "import_upload",
}


def _tables() -> set[str]:
    engine = get_engine()
    engine.dispose()  # drop pooled connections that may still see the old catalog
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_downgrade_to_base_and_upgrade_again(client):
    config = _alembic_config(TEST_DATABASE_URL)
    create_intervention(client)
    command.downgrade(config, "base")
    assert _tables() == set()
    command.upgrade(config, "head")
    assert _tables() == TABLES
    client.headers["Authorization"] = f"Bearer {make_token('admin', name='after-upgrade')}"  # tokens went too
    # alembic check: autogenerate finds nothing between the models and the migrated schema
    command.check(config)
    # the data migration seeded the reference data again, and the service works on the new schema
    assert len(client.get(f"{API}/indicators").json()["items"]) == 19
    assert client.get(f"{API}/interventions").json()["items"] == []
    create_intervention(client)


def test_migration_is_repeatable_from_head(client):
    config = _alembic_config(TEST_DATABASE_URL)
    command.upgrade(config, "head")  # already at head: nothing happens, nothing duplicated
    assert len(client.get(f"{API}/departments").json()["items"]) == 4


def test_budget_line_types_migrate_down_and_up(client):
    """0008 down: the revised and actual lines go (the old key cannot hold them), the original lines stay; up
    again: they are original lines of the plan, and the schema matches the models."""
    from tests.factories import budget_line

    config = _alembic_config(TEST_DATABASE_URL)
    made = create_intervention(
        client,
        budget_lines=[
            budget_line(year=2020, amount="10.00"),
            budget_line(year=2020, amount="12.00", type="revised"),
            budget_line(year=2021, amount="3.00", type="actual"),
        ],
    )
    assert made["budget_total"] == "12.00"
    command.downgrade(config, "0007")
    engine = get_engine()
    engine.dispose()
    columns = {c["name"] for c in inspect(engine).get_columns("budget_line")}
    assert "type" not in columns and "in_plan" not in columns
    command.upgrade(config, "head")
    command.check(config)
    get_engine().dispose()
    detail = client.get(f"{API}/interventions/{made['id']}").json()
    assert [(line["amount"], line["type"], line["in_plan"]) for line in detail["budget_lines"]] == [
        ("10.00", "budget", True)
    ]
    assert detail["budget_total"] == detail["original_budget_total"] == "10.00"


def test_plan_line_flags_are_computed_for_existing_lines(client):
    """0010 up computes first_in_year and first_in_plan for the lines already there: one flagged plan line per
    intervention and year, and one per intervention."""
    from tests.factories import budget_line

    config = _alembic_config(TEST_DATABASE_URL)
    made = create_intervention(
        client,
        budget_lines=[
            budget_line(year=2020, amount="10.00"),
            budget_line(year=2020, category="Drift", amount="5.00"),
            budget_line(year=2020, amount="12.00", type="revised"),
            budget_line(year=2021, amount="3.00"),
            budget_line(year=2021, category="Drift", amount="1.00", type="actual"),
        ],
    )
    command.downgrade(config, "0009")
    command.upgrade(config, "head")
    command.check(config)
    get_engine().dispose()
    with get_engine().connect() as conn:
        flags = conn.exec_driver_sql(
            "SELECT year, in_plan, first_in_year, first_in_plan FROM budget_line WHERE intervention_id = "
            f"{int(made['id'])} ORDER BY id"
        ).all()
    plan = [(year, bool(first_year), bool(first_plan)) for year, in_plan, first_year, first_plan in flags if in_plan]
    assert [year for year, first_year, _ in plan if first_year] == [2020, 2021]
    assert sum(first_plan for _, _, first_plan in plan) == 1 and plan[0][2]
    assert not any(first_year or first_plan for _, in_plan, first_year, first_plan in flags if not in_plan)
