"""The Danish messages of app/web/messages.py: chosen by error type (and field), placed by loc."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from app.errors import Conflict, RuleViolation
from app.models.budget_line import BudgetLineCreate
from app.models.intervention import InterventionCreate
from app.web.messages import danish, field_errors


def test_a_pydantic_error_is_placed_on_its_field_and_said_in_danish():
    with pytest.raises(ValidationError) as caught:
        InterventionCreate.model_validate(
            {"name": "", "kind": "project", "department": "BKF",
             "budget_lines": [{"year": 2024, "category": "Løn", "funding_source": "LBF", "amount": Decimal("-1")}]}
        )  # fmt: skip
    errors = field_errors(caught.value)
    assert errors["budget_lines-0-amount"] == "Beløbet må ikke være negativt"
    assert "name" in errors


def test_the_message_follows_the_type_not_the_english_text():
    with pytest.raises(ValidationError) as caught:
        BudgetLineCreate.model_validate({"year": 2024, "category": "Løn", "funding_source": "LBF", "amount": "12,5x"})
    assert field_errors(caught.value) == {"amount": "Skriv et beløb i kroner med højst to decimaler, fx 12.500,50"}
    assert danish("greater_than_equal", "parent_id", {"ge": 1}) == "Skal være mindst 1"
    assert danish("less_than_equal", "amount", {"le": Decimal("10000000000.00")}).endswith("10.000.000.000 kr.)")
    assert danish("no-such-type") == "Værdien kan ikke bruges"


def test_service_errors_land_on_the_nearest_field_the_form_has():
    refused = RuleViolation(
        "…",
        errors=[
            {"loc": ["body", "areas", 1], "msg": "unknown area code 'mars'", "type": "unknown_code"},
            {"loc": ["body", "budget_lines", 1], "msg": "duplicates line 0", "type": "rule"},
            {"loc": ["body", "end_date"], "msg": "start after end", "type": "period"},
        ],
    )
    errors = field_errors(refused, ["areas", "end_date", "budget_lines-1", "budget_lines-1-year"])
    assert errors == {
        "areas": "Vælg en af mulighederne på listen",
        "budget_lines-1": "Der er allerede en linje med samme år, kategori, finansiering og type: læg beløbene sammen",
        "end_date": "Slutdatoen ligger før startdatoen",
    }
    taken = Conflict("…", errors=[{"loc": ["body", "external_id"], "msg": "already used by intervention 3"}])
    assert field_errors(taken) == {"external_id": "Værdien bruges allerede af en anden indsats"}
    assert field_errors(Conflict("no field")) == {"": "Værdien bruges allerede af en anden indsats"}


def test_the_list_filters_say_it_in_danish_too():
    from app.errors import BadRequest
    from app.web.filters import Form

    form = Form(values={"department": ["XYZ"], "area": []})
    form.add_service_error(
        RuleViolation("…", errors=[{"loc": ["query", "department", 0], "msg": "unknown", "type": "unknown_code"}])
    )
    form.add_service_error(BadRequest("…", errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}]))
    assert form.errors == {
        "department": "Vælg en af mulighederne på listen",
        "": "Linket til denne side gælder ikke længere: begynd fra første side",
    }
