from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from dangjian.core.actions import do_issue_api_token
from dangjian.core.models import AuditEvent
from dangjian.opinions.actions import do_submit_opinion
from dangjian.opinions.models import Opinion
from dangjian.opinions.tests.helpers import PHONE, opinion_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/opinions"


def test_anonymous_api_submit(client: Any, tree: Any) -> None:
    response = client.post(URL, opinion_data(place=tree.town_b.pk, place_text="乙镇大桥"), content_type="application/json")
    assert response.status_code == 201, response.content
    no = response.json()["tracking_no"]
    opinion = Opinion.objects.get(tracking_no=no)
    assert opinion.channel == "phone_app" and opinion.sender is None and opinion.place == tree.town_b
    assert PHONE not in response.content.decode()


def test_signed_in_api_submit_with_token(client: Any, users: Any) -> None:
    raw = do_issue_api_token(users.public)
    response = client.post(URL, opinion_data(phone=""), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201, response.content
    assert Opinion.objects.get().sender == users.public


def test_api_bad_token_is_401(client: Any, db: Any) -> None:
    response = client.post(URL, opinion_data(), content_type="application/json", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "ab"}, "title"),
        ({"phone": ""}, "phone"),
        ({"kind": "xx"}, "kind"),
        ({"place": 2**40}, "place"),
        ({"body": "\x00\x00\x00"}, "body"),
    ],
)
def test_api_validation_errors(client: Any, tree: Any, payload: dict, field: str) -> None:
    before = AuditEvent.objects.count()
    response = client.post(URL, opinion_data(**payload), content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == field and body["message"]
    assert Opinion.objects.count() == 0 and AuditEvent.objects.count() == before


@pytest.mark.parametrize("raw", ["not json", "[]", '{"kind": 5}', '{"title": null}'])
def test_api_malformed_never_500(client: Any, db: Any, raw: str) -> None:
    response = client.post(URL, raw, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


def test_api_rate_limit_from_env(client: Any, tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPINION_RATE_LIMIT", "2/m")
    for _ in range(2):
        assert client.post(URL, opinion_data(), content_type="application/json").status_code == 201
    third = client.post(URL, opinion_data(), content_type="application/json")
    assert third.status_code == 429
    assert third.json()["code"] == "rate_limited" and third.json()["message"]
    assert int(third["Retry-After"]) > 0
    assert Opinion.objects.count() == 2


def test_api_rate_limit_off(client: Any, tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPINION_RATE_LIMIT", "off")
    for _ in range(25):
        assert client.post(URL, opinion_data(), content_type="application/json").status_code == 201


def test_api_track(client: Any, tree: Any) -> None:
    opinion = do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser())
    ok = client.get(f"{URL}/track", {"no": opinion.tracking_no, "phone": PHONE})
    assert ok.status_code == 200
    data = ok.json()
    assert data["tracking_no"] == opinion.tracking_no and data["status"] == "received" and data["kind"] == "suggestion"
    assert [e["kind"] for e in data["timeline"]] == ["received"]
    assert PHONE not in ok.content.decode()
    wrong_phone = client.get(f"{URL}/track", {"no": opinion.tracking_no, "phone": "13800000000"})
    wrong_no = client.get(f"{URL}/track", {"no": "YJ20000101-0001", "phone": PHONE})
    missing = client.get(f"{URL}/track")
    assert wrong_phone.status_code == wrong_no.status_code == missing.status_code == 404
    assert wrong_phone.json() == wrong_no.json() == missing.json()
    assert wrong_phone.json()["code"] == "not_found"
