"""The reference codes a request may name, published in the OpenAPI schema.

The departments, areas, funding sources and the results framework (effect goals, themes, indicators) are seeded
by the migrations (0001) and cannot be changed through the API, so the schema can say which values exist: an
`enum` for the codes, `minimum`/`maximum` for the indicator numbers. The sets below repeat the migration's data
(a migration carries its own copy and imports nothing from the app); tests/test_hardening_input.py checks that
they equal what the reference endpoints answer.

Only the schema changes: whether a code exists is still decided against the reference tables by
services.reference.CodeChecker, which reports every unknown code of a request at once as a rule violation
naming the field and the value ("unknown department code 'XXX'"). An `enum` in the validation would have made
pydantic refuse them one by one with another answer.

Indicator numbers get a range, not an enum: today 1-19 are exactly the indicators, and a range stays true of a
set that grows at the end (a later change is to let admins add indicators); a generated client then holds an
integer, not a closed enum type that fails on the first new number. When indicators can be added, the maximum
is raised to the ceiling of that feature, and the existence check keeps refusing the numbers not yet taken.
"""

from typing import Annotated

from pydantic import Field, WithJsonSchema

from app.models.types import IndicatorNumber, Text

DEPARTMENTS = ("BKF", "BMF", "SOB", "SSF")
AREAS = ("hoeje-gladsaxe", "vaerebro-park", "moerkhoej", "resten-af-gladsaxe", "hele-gladsaxe")
FUNDING_SOURCES = ("BOLIGORG", "FAGFORVALTNING", "LBF", "SOB-BUDGET", "SOB-PULJE")
EFFECT_GOALS = ("E1", "E2", "E3")
THEMES = ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9")
# The seeded framework is 1-19; admins add indicators (POST /api/v1/indicators) up to this ceiling.
FIRST_INDICATOR, LAST_INDICATOR = 1, 999


def _enum(values: tuple[str, ...], description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": list(values), "description": description})


_DEPARTMENT = _enum(DEPARTMENTS, "Department (forvaltning) code; GET /api/v1/departments names them")
_AREA = _enum(AREAS, "Area slug; GET /api/v1/areas names them")
_FUNDING_SOURCE = _enum(FUNDING_SOURCES, "Funding source code; GET /api/v1/funding-sources names them")
_THEME = _enum(THEMES, "Theme code of the results framework; GET /api/v1/themes names them")
_INDICATOR = WithJsonSchema(
    {
        "type": "integer",
        "minimum": FIRST_INDICATOR,
        "maximum": LAST_INDICATOR,
        "description": "Indicator number of the results framework; GET /api/v1/indicators names them",
    }
)

# In request bodies: validated as the texts they were (trimmed, no NUL), checked against the tables by the service.
DepartmentCode = Annotated[Text(10, required=True), _DEPARTMENT]
DepartmentText = Annotated[Text(10), _DEPARTMENT]  # optional ones: "" is refused as an unknown code, as before
FundingSourceCode = Annotated[Text(30, required=True), _FUNDING_SOURCE]
AreaCode = Annotated[Text(40, required=True), _AREA]
AreaSlug = Annotated[str, Field(min_length=1, max_length=40), _AREA]
ThemeCode = Annotated[str, Field(min_length=1, max_length=5), _THEME]
Indicator = Annotated[IndicatorNumber, _INDICATOR]

# In query parameters: taken as sent, checked against the tables by the service.
DepartmentParam = Annotated[str, _DEPARTMENT]
AreaParam = Annotated[str, _AREA]
ThemeParam = Annotated[str, _THEME]
FundingSourceParam = Annotated[str, _FUNDING_SOURCE]
