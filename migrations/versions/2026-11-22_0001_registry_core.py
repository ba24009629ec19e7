"""registry core: reference data (framework, areas, departments, funding sources) and interventions
with their links, budget lines (øre as integers) and success criteria.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Reference data from the source documents (shared/reference/*.json at the time of writing). A data migration
# carries its own static data: it must give the same result whatever the models look like later.
DEPARTMENTS = [  # (code, name)
    ("BKF", "Børne- og Kulturforvaltningen"),
    ("SSF", "Social- og Sundhedsforvaltningen"),
    ("BMF", "By- og Miljøforvaltningen"),
    ("SOB", "Social balance (enheden under kommunaldirektøren / Økonomiudvalget)"),
]
AREAS = [  # (slug, name, kind, position)
    ("hoeje-gladsaxe", "Høje Gladsaxe", "focus_area", 1),
    ("vaerebro-park", "Værebro Park", "focus_area", 2),
    ("moerkhoej", "Mørkhøj (almene boliger)", "focus_area", 3),
    ("resten-af-gladsaxe", "Resten af Gladsaxe Kommune", "comparison", 4),
    ("hele-gladsaxe", "Hele Gladsaxe Kommune", "municipality", 5),
]
FUNDING_SOURCES = [  # (code, name)
    ("SOB-BUDGET", "Social balances budget"),
    ("SOB-PULJE", "Puljen til prøvehandlinger (Social balance-puljen)"),
    ("FAGFORVALTNING", "Den ejende fagforvaltnings eget budget"),
    ("LBF", "Landsbyggefonden"),
    ("BOLIGORG", "Boligorganisationerne"),
]
EFFECT_GOALS = [  # (code, name, position)
    ("E1", "Flere skal klare sig bedre", 1),
    ("E2", "Vi skal blande os mere med hinanden", 2),
    ("E3", "Vi skal gå fra udsatte boligområder til attraktive bydele", 3),
]
THEMES = [  # (code, name, effect goal, position)
    ("T1", "Selvforsørgelse", "E1", 1),
    ("T2", "Sundhed", "E1", 2),
    ("T3", "Tryghed", "E1", 3),
    ("T4", "Medborgerskab og deltagelse", "E1", 4),
    ("T5", "Socialt mix i de kommunale institutioner", "E2", 5),
    ("T6", "Socialt mix i fritiden", "E2", 6),
    ("T7", "Image", "E3", 7),
    ("T8", "Blandet beboersammensætning", "E3", 8),
    ("T9", "Byliv", "E3", 9),
]
INDICATORS = [  # (number, name, theme, higher_is_better, likely_source)
    (1, "Uddannelse", "T1", True, "register"),
    (2, "Tilknytning til arbejdsmarkedet", "T1", True, "register"),
    (3, "Oplevet sundhed", "T2", True, "survey"),
    (4, "Oplevet fysisk tryghed", "T3", True, "survey"),
    (5, "Oplevet økonomisk tryghed", "T3", True, "survey"),
    (6, "Oplevet fremtidsrettet tryghed", "T3", True, "survey"),
    (7, "Kriminalitet", "T3", False, "register"),
    (8, "Deltagelse i lokalsamfundet", "T4", True, "survey"),
    (9, "Ensomhed", "T4", False, "survey"),
    (10, "Demokratisk deltagelse", "T4", True, "survey"),
    (11, "Skolefravær", "T4", False, "register"),
    (12, "Socialt mix i daginstitutioner", "T5", True, "register"),
    (13, "Socialt mix i skolen", "T5", True, "register"),
    (14, "Socialt mix i SFO og skoleklub", "T5", True, "register"),
    (15, "Beboernes oplevelse af boligområdet", "T7", True, "survey"),
    (16, "Omverdenens oplevelse af boligområdet", "T7", True, "survey"),
    (17, "Andel af ressourcestærke beboere", "T8", True, "register"),
    (18, "Brug af området", "T9", True, "survey"),
    (19, "Bevægelse ud og ind af boligområder", "T9", True, "register"),
]


def upgrade() -> None:
    op.create_table(
        "area",
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_area")),
    )
    op.create_table(
        "department",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_department")),
    )
    op.create_table(
        "effect_goal",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_effect_goal")),
    )
    op.create_table(
        "funding_source",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_funding_source")),
    )
    op.create_table(
        "intervention",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("track", sa.String(length=20), nullable=True),
        sa.Column("department_code", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("target_group", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('project', 'programme', 'core_operation', 'trial_action')", name=op.f("ck_intervention_kind")
        ),
        sa.CheckConstraint(
            "status IN ('idea', 'planned', 'active', 'completed', 'anchored', 'stopped')",
            name=op.f("ck_intervention_status"),
        ),
        sa.CheckConstraint(
            "track IS NULL OR track IN ('social', 'physical', 'organisational')", name=op.f("ck_intervention_track")
        ),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name=op.f("ck_intervention_not_own_parent")),
        sa.CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR start_date <= end_date", name=op.f("ck_intervention_period")
        ),
        sa.ForeignKeyConstraint(
            ["department_code"], ["department.code"], name=op.f("fk_intervention_department_code_department")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["intervention.id"], name=op.f("fk_intervention_parent_id_intervention")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention")),
        sa.UniqueConstraint("external_id", name=op.f("uq_intervention_external_id")),
    )
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intervention_archived_at"), ["archived_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_department_code"), ["department_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_track"), ["track"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "theme",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effect_goal_code", sa.String(length=5), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["effect_goal_code"], ["effect_goal.code"], name=op.f("fk_theme_effect_goal_code_effect_goal")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_theme")),
    )
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_effect_goal_code"), ["effect_goal_code"], unique=False)

    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("funding_source_code", sa.String(length=30), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("amount_ore >= 0", name=op.f("ck_budget_line_amount_not_negative")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_budget_line_year_range")),
        sa.ForeignKeyConstraint(
            ["funding_source_code"],
            ["funding_source.code"],
            name=op.f("fk_budget_line_funding_source_code_funding_source"),
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_budget_line_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_line")),
        sa.UniqueConstraint(
            "intervention_id",
            "year",
            "category",
            "funding_source_code",
            name=op.f("uq_budget_line_intervention_id_year_category_funding_source_code"),
        ),
    )
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_line_funding_source_code"), ["funding_source_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_line_intervention_id"), ["intervention_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_line_year"), ["year"], unique=False)

    op.create_table(
        "indicator",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("theme_code", sa.String(length=5), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("likely_source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["theme_code"], ["theme.code"], name=op.f("fk_indicator_theme_code_theme")),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_indicator")),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_theme_code"), ["theme_code"], unique=False)

    op.create_table(
        "intervention_area",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("area_slug", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["area_slug"], ["area.slug"], name=op.f("fk_intervention_area_area_slug_area")),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_area_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("intervention_id", "area_slug", name=op.f("pk_intervention_area")),
    )
    with op.batch_alter_table("intervention_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intervention_area_area_slug"), ["area_slug"], unique=False)

    op.create_table(
        "intervention_theme",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("theme_code", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_theme_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["theme_code"], ["theme.code"], name=op.f("fk_intervention_theme_theme_code_theme")),
        sa.PrimaryKeyConstraint("intervention_id", "theme_code", name=op.f("pk_intervention_theme")),
    )
    with op.batch_alter_table("intervention_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intervention_theme_theme_code"), ["theme_code"], unique=False)

    op.create_table(
        "intervention_indicator",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("indicator_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_number"],
            ["indicator.number"],
            name=op.f("fk_intervention_indicator_indicator_number_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_indicator_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("intervention_id", "indicator_number", name=op.f("pk_intervention_indicator")),
    )
    with op.batch_alter_table("intervention_indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intervention_indicator_indicator_number"), ["indicator_number"], unique=False
        )

    op.create_table(
        "success_criterion",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("indicator_number", sa.Integer(), nullable=True),
        sa.Column("baseline", sa.String(length=40), nullable=True),
        sa.Column("target", sa.String(length=40), nullable=True),
        sa.Column("unit", sa.String(length=50), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_number"], ["indicator.number"], name=op.f("fk_success_criterion_indicator_number_indicator")
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_success_criterion_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_criterion")),
    )
    with op.batch_alter_table("success_criterion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_success_criterion_intervention_id"), ["intervention_id"], unique=False)

    _seed_reference_data()


def _seed_reference_data() -> None:
    def table(name: str, *columns: str) -> sa.TableClause:
        return sa.table(name, *(sa.column(c) for c in columns))

    op.bulk_insert(table("department", "code", "name"), [{"code": c, "name": n} for c, n in DEPARTMENTS])
    op.bulk_insert(
        table("area", "slug", "name", "kind", "position"),
        [{"slug": s, "name": n, "kind": k, "position": p} for s, n, k, p in AREAS],
    )
    op.bulk_insert(table("funding_source", "code", "name"), [{"code": c, "name": n} for c, n in FUNDING_SOURCES])
    op.bulk_insert(
        table("effect_goal", "code", "name", "position"),
        [{"code": c, "name": n, "position": p} for c, n, p in EFFECT_GOALS],
    )
    op.bulk_insert(
        table("theme", "code", "name", "effect_goal_code", "position"),
        [{"code": c, "name": n, "effect_goal_code": g, "position": p} for c, n, g, p in THEMES],
    )
    op.bulk_insert(
        sa.table(
            "indicator",
            sa.column("number"),
            sa.column("name"),
            sa.column("theme_code"),
            sa.column("higher_is_better", sa.Boolean()),
            sa.column("likely_source"),
        ),
        [
            {"number": n, "name": name, "theme_code": t, "higher_is_better": h, "likely_source": src}
            for n, name, t, h, src in INDICATORS
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("success_criterion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_success_criterion_intervention_id"))

    op.drop_table("success_criterion")
    with op.batch_alter_table("intervention_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_indicator_indicator_number"))

    op.drop_table("intervention_indicator")
    with op.batch_alter_table("intervention_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_theme_theme_code"))

    op.drop_table("intervention_theme")
    with op.batch_alter_table("intervention_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_area_area_slug"))

    op.drop_table("intervention_area")
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_theme_code"))

    op.drop_table("indicator")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_line_year"))
        batch_op.drop_index(batch_op.f("ix_budget_line_intervention_id"))
        batch_op.drop_index(batch_op.f("ix_budget_line_funding_source_code"))

    op.drop_table("budget_line")
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_effect_goal_code"))

    op.drop_table("theme")
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_updated_at"))
        batch_op.drop_index(batch_op.f("ix_intervention_track"))
        batch_op.drop_index(batch_op.f("ix_intervention_status"))
        batch_op.drop_index(batch_op.f("ix_intervention_parent_id"))
        batch_op.drop_index(batch_op.f("ix_intervention_kind"))
        batch_op.drop_index(batch_op.f("ix_intervention_department_code"))
        batch_op.drop_index(batch_op.f("ix_intervention_created_at"))
        batch_op.drop_index(batch_op.f("ix_intervention_archived_at"))

    op.drop_table("intervention")
    op.drop_table("funding_source")
    op.drop_table("effect_goal")
    op.drop_table("department")
    op.drop_table("area")
