"""SQLModel tables and API schemas. Importing this package registers every table on the metadata."""

from sqlmodel import SQLModel

# Named constraints, so that migrations can refer to them and autogenerate compares like with like.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from app.models.audit import AuditRecord  # noqa: E402
from app.models.auth import ApiToken  # noqa: E402
from app.models.budget_line import BudgetLine  # noqa: E402
from app.models.data_version import DataVersion, ReferenceVersion  # noqa: E402
from app.models.evaluation import Evaluation, EvaluationMaterial  # noqa: E402
from app.models.framework import FrameworkRevision  # noqa: E402
from app.models.idempotency import IdempotencyKey  # noqa: E402
from app.models.import_upload import ImportUpload  # noqa: E402
from app.models.intervention import (  # noqa: E402
    Intervention,
    InterventionArea,
    InterventionIndicator,
    InterventionTheme,
)
from app.models.material import Material  # noqa: E402
from app.models.observation import IndicatorObservation  # noqa: E402
from app.models.organisation import Organisation  # noqa: E402
from app.models.party import (  # noqa: E402
    InKindContribution,
    InterventionOrganisation,
    InterventionPerson,
    InterventionReach,
)
from app.models.pool import Allocation, Pool, PoolLedgerEntry  # noqa: E402
from app.models.reference import (  # noqa: E402
    Area,
    Department,
    EffectGoal,
    FundingSource,
    Indicator,
    Theme,
)
from app.models.success_criterion import SuccessCriterion  # noqa: E402
from app.models.survey_round import MeasurementRound, RoundArea  # noqa: E402
from app.models.web_session import OidcSignIn, WebSession  # noqa: E402

__all__ = [
    "Allocation",
    "ApiToken",
    "AuditRecord",
    "Area",
    "BudgetLine",
    "DataVersion",
    "ReferenceVersion",
    "Department",
    "EffectGoal",
    "Evaluation",
    "EvaluationMaterial",
    "FrameworkRevision",
    "FundingSource",
    "IdempotencyKey",
    "InKindContribution",
    "ImportUpload",
    "Indicator",
    "IndicatorObservation",
    "Intervention",
    "InterventionArea",
    "InterventionIndicator",
    "InterventionOrganisation",
    "InterventionPerson",
    "InterventionReach",
    "InterventionTheme",
    "Material",
    "MeasurementRound",
    "OidcSignIn",
    "Organisation",
    "Pool",
    "PoolLedgerEntry",
    "RoundArea",
    "SuccessCriterion",
    "Theme",
    "WebSession",
]
