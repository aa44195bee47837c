"""GET /api/v1/dues/calculate: public, exact, and 400 {code, message, field} on bad input."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/dues/calculate"


def get(client, **params):
    return client.get(URL, params)


def test_regulation_example(client):
    response = get(client, category="in_service", base="5100")
    assert response.status_code == 200
    data = response.json()
    assert data["rate"] == "0.015"
    assert data["amount"] == "76.50"
    assert data["amount_cents"] == 7650
    assert data["basis"] == "in_service_brackets:5000.00<base<=10000.00"
    assert data["category"] == "in_service"
    assert data["explanation"]


@pytest.mark.parametrize(("category", "base", "rate", "amount"), [
    ("in_service", "3000.00", "0.005", "15.00"),
    ("in_service", "3000.01", "0.01", "30.00"),
    ("in_service", "5000.00", "0.01", "50.00"),
    ("in_service", "5000.01", "0.015", "75.00"),
    ("in_service", "10000.00", "0.015", "150.00"),
    ("in_service", "10000.01", "0.02", "200.00"),
    ("in_service", "1.00", "0.005", "0.01"),
    ("retired", "5000.00", "0.005", "25.00"),
    ("retired", "5000.01", "0.01", "50.00"),
    ("annual_salary", "12,000", "0.02", "240.00"),
    ("self_employed", "4000", "0.01", "40.00"),
    ("in_service", "0", "0.005", "0.00"),
])
def test_rate_categories(client, category, base, rate, amount):
    data = get(client, category=category, base=base).json()
    assert (data["rate"], data["amount"]) == (rate, amount)
    assert isinstance(data["amount_cents"], int)


@pytest.mark.parametrize("category", ["farmer", "student", "unemployed", "relief"])
def test_flat_categories_without_base(client, category):
    response = get(client, category=category)
    assert response.status_code == 200
    data = response.json()
    assert (data["rate"], data["amount"], data["amount_cents"]) == (None, "0.20", 20)


def test_farmer_amount(client):
    data = get(client, category="farmer", farmer_amount="0.80").json()
    assert (data["amount"], data["basis"]) == ("0.80", "flat:farmer_set_by_branch")


def test_no_auth_needed_and_bad_token_ignored(client):
    response = client.get(URL, {"category": "student"}, HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200


@pytest.mark.parametrize(("params", "field"), [
    ({"category": "bogus", "base": "5100"}, "category"),
    ({"base": "5100"}, "category"),
    ({"category": "", "base": "5100"}, "category"),
    ({"category": "in_service", "base": "-1"}, "base"),
    ({"category": "in_service", "base": "abc"}, "base"),
    ({"category": "in_service", "base": "1e309"}, "base"),
    ({"category": "in_service", "base": "nan"}, "base"),
    ({"category": "in_service", "base": "5100.123"}, "base"),
    ({"category": "in_service", "base": "99999999999"}, "base"),
    ({"category": "in_service", "base": "5100\x00"}, "base"),
    ({"category": "in_service", "base": "9" * 5000}, "base"),
    ({"category": "in_service"}, "base"),
    ({"category": "retired", "base": ""}, "base"),
    ({"category": "annual_salary", "base": "  "}, "base"),
    ({"category": "farmer", "farmer_amount": "5"}, "farmer_amount"),
    ({"category": "farmer", "farmer_amount": "-0.2"}, "farmer_amount"),
])
def test_bad_input_is_400_naming_the_field(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    data = response.json()
    assert data["field"] == field
    assert data["code"] in {"invalid", "required"}
    assert data["message"]


def test_error_message_follows_the_language(client):
    assert get(client, category="in_service", base="-1").json()["message"] == "金额不能为负数。"
    assert get(client, category="in_service", base="-1", lang="en").json()["message"] == "The amount cannot be negative."


def test_explanation_follows_the_language(client):
    zh = get(client, category="in_service", base="5100").json()["explanation"]
    assert zh == "在职党员月工资收入 5,100.00 元，在 5,000 元以上至 10,000 元（含）之间，按 1.5% 交纳：76.50 元"
    en = get(client, category="in_service", base="5100", lang="en").json()["explanation"]
    assert "5,100.00" in en and "1.5%" in en and "76.50" in en


def test_settings_overrides_apply(client, settings):
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES_RULES": {"IN_SERVICE_BRACKETS": [[None, "0.03"]]}}
    data = get(client, category="in_service", base="5100").json()
    assert (data["rate"], data["amount"]) == ("0.03", "153.00")


def test_post_is_not_allowed(client):
    response = client.post(URL, {"category": "student"})
    assert response.status_code == 405


def test_operation_is_documented_as_public(client):
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/dues/calculate"]["get"]
    assert not op.get("security")
    assert {p["name"] for p in op["parameters"]} >= {"category", "base", "farmer_amount"}
