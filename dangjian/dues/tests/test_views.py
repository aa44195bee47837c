"""The public dues calculator page (/dues/calculator/)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/dues/calculator/"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def html(response) -> str:
    return response.content.decode()


def field_block(body: str, name: str) -> str:
    """The form-field div holding the input called ``name``."""
    for block in re.findall(r'<div class="form-field[^"]*">.*?</div>', body, flags=re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no form field {name}")


def test_url_name():
    assert reverse("dues:calculator") == URL


def test_public_page_in_chinese_by_default(client):
    response = client.get(URL)
    assert response.status_code == 200
    body = html(response)
    assert '<html lang="zh-hans">' in body
    assert "党费计算器" in body
    assert "dues-result" not in body  # nothing calculated yet
    assert "field-error" not in body
    # the bracket table of the active rules
    assert "在 5,000 元以上至 10,000 元（含）之间" in body and "1.5%" in body


def test_page_in_english_with_lang_param(client):
    body = html(client.get(URL, {"lang": "en"}))
    assert '<html lang="en">' in body
    assert "Party dues calculator" in body
    assert "above 10,000 yuan" in body and "2%" in body
    assert "In-service member (monthly salary)" in body


def test_signed_in_user_can_use_it_too(client, users):
    client.force_login(users.member)
    response = client.get(URL, {"category": "in_service", "base": "5100"})
    assert response.status_code == 200 and "76.50" in html(response)


def test_calculates_the_regulation_example_in_chinese(client):
    body = html(client.get(URL, {"category": "in_service", "base": "5,100.00"}))
    assert 'id="dues-result"' in body
    assert re.search(r'id="dues-amount">\s*76\.50 元', body)
    assert 'id="dues-rate">1.5%<' in body
    assert "在职党员月工资收入 5,100.00 元，在 5,000 元以上至 10,000 元（含）之间，按 1.5% 交纳：76.50 元" in body
    assert 'value="5,100.00"' in body  # the form keeps what was typed


def test_calculates_in_english(client):
    body = html(client.get(URL, {"category": "retired", "base": "5000.01", "lang": "en"}))
    assert re.search(r'id="dues-amount">\s*50\.00 yuan', body)
    assert "above 5,000 yuan" in body


@pytest.mark.parametrize(("category", "amount"), [
    ("farmer", "0.20"), ("student", "0.20"), ("unemployed", "0.20"), ("relief", "0.20"),
])
def test_flat_categories_need_no_base(client, category, amount):
    body = html(client.get(URL, {"category": category, "base": "", "lang": "en"}))
    assert re.search(rf'id="dues-amount">\s*{re.escape(amount)} yuan', body)
    assert 'id="dues-rate">Fixed amount<' in body
    assert "field-error" not in body


def test_flat_category_ignores_a_leftover_bad_base(client):
    body = html(client.get(URL, {"category": "student", "base": "abc", "lang": "en"}))
    assert "field-error" not in body and 'id="dues-result"' in body


def test_farmer_amount_set_by_branch(client):
    body = html(client.get(URL, {"category": "farmer", "farmer_amount": "0.50", "lang": "en"}))
    assert re.search(r'id="dues-amount">\s*0\.50 yuan', body)


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"category": "in_service", "base": "abc"}, "base", "Enter an amount in yuan"),
    ({"category": "in_service", "base": "-1"}, "base", "cannot be negative"),
    ({"category": "in_service", "base": "5100.123"}, "base", "two decimals"),
    ({"category": "in_service", "base": "1e309"}, "base", "Enter an amount in yuan"),
    ({"category": "retired", "base": ""}, "base", "Enter an amount in yuan"),
    ({"category": "self_employed", "base": "99999999"}, "base", "too large"),
    ({"category": "farmer", "farmer_amount": "5"}, "farmer_amount", "between 0.20 and 1.00"),
    ({"category": "farmer", "farmer_amount": "x"}, "farmer_amount", "Enter an amount in yuan"),
    ({"category": "bogus", "base": "5100"}, "category", "bogus"),
])
def test_bad_input_shows_the_error_at_the_field(client, params, field, message):
    response = client.get(URL, {**params, "lang": "en"})
    assert response.status_code == 200
    body = html(response)
    assert 'id="dues-result"' not in body
    block = field_block(body, field)
    assert "has-error" in block and 'class="field-error"' in block
    assert message in block


def test_field_error_in_chinese(client):
    body = html(client.get(URL, {"category": "in_service", "base": "-1"}))
    assert "金额不能为负数。" in field_block(body, "base")


def test_rates_table_follows_the_settings(client, settings):
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES_RULES": {
        "IN_SERVICE_BRACKETS": [["4000", "1%"], [None, "2.5%"]], "FLAT_AMOUNTS": {"student": "0.50"}}}
    body = html(client.get(URL, {"lang": "en"}))
    assert "up to 4,000 yuan (inclusive)" in body and "2.5%" in body and "0.50 yuan" in body
    assert "up to 3,000 yuan" not in body
    body = html(client.get(URL, {"category": "in_service", "base": "3000", "lang": "en"}))
    assert re.search(r'id="dues-amount">\s*30\.00 yuan', body)


def test_page_is_csp_clean_and_phone_friendly(client):
    body = html(client.get(URL, {"category": "in_service", "base": "5100"}))
    assert "style=" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)", body)  # no inline script without nonce
    assert 'inputmode="decimal"' in body
    assert 'method="get"' in body


def test_post_is_not_allowed(client):
    assert client.post(URL, {"category": "in_service", "base": "5100"}).status_code == 405
