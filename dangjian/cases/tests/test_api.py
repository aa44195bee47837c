"""GET /api/v1/cases (scoped, paginated, bounded), GET /cases/{id}, accept / send back / reply."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from dangjian.cases.models import Case
from dangjian.core.models import ApiToken


@pytest.mark.django_db
def test_list_filters_scope_and_queries(make_case: Any, depts: Any, users: Any,
                                        django_assert_max_num_queries: Any) -> None:
    late = make_case()
    Case.objects.filter(pk=late.pk).update(deadline=dt.date(2020, 1, 2))
    for i in range(4):
        make_case(dept=depts.transport, title=f"公交问题{i}")
    c = Client()
    c.force_login(users.admin)
    with django_assert_max_num_queries(8):
        body = c.get("/api/v1/cases?page_size=3").json()
    assert body["count"] == 5 and len(body["items"]) == 3
    body = c.get("/api/v1/cases?overdue=true").json()
    assert [i["number"] for i in body["items"]] == [late.number] and body["items"][0]["overdue"] is True
    body = c.get(f"/api/v1/cases?dept={depts.transport.pk}&state=assigned").json()
    assert body["count"] == 4
    bad = c.get("/api/v1/cases?state=bogus")
    assert bad.status_code == 422 and bad.json()["field"] == "state"
    # a handler sees their own department's cases only
    h = Client()
    h.force_login(depts.t1)
    assert h.get("/api/v1/cases").json()["count"] == 4
    assert h.get(f"/api/v1/cases/{late.pk}").status_code == 404
    assert h.get(f"/api/v1/cases?dept={depts.housing.pk}").status_code == 404
    assert Client().get("/api/v1/cases").status_code == 401


@pytest.mark.django_db
def test_detail_and_actions_with_token(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    login = Client().post("/api/v1/auth/login", {"username": depts.h1.username, "password": "correct-horse-battery-9"},
                          content_type="application/json")
    assert login.status_code == 200, login.content
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    c = Client()
    detail = c.get(f"/api/v1/cases/{case.pk}", headers=auth).json()
    assert detail["state"] == "assigned" and [s["kind"] for s in detail["timeline"]] == ["assigned"]
    assert c.post(f"/api/v1/cases/{case.pk}/accept", headers=auth).json()["state"] == "accepted"
    again = c.post(f"/api/v1/cases/{case.pk}/accept", headers=auth)
    assert again.status_code == 400 and again.json()["code"] == "invalid" and again.json()["field"] == "state"
    short = c.post(f"/api/v1/cases/{case.pk}/reply", {"reply": "好"}, content_type="application/json", headers=auth)
    assert short.status_code == 400 and short.json()["field"] == "reply"
    ok = c.post(f"/api/v1/cases/{case.pk}/reply", {"reply": "已处理完毕，路灯恢复照明。"},
                content_type="application/json", headers=auth)
    assert ok.status_code == 200 and ok.json()["state"] == "replied"
    # session auth (no token) cannot act
    s = Client()
    s.force_login(depts.h1)
    assert s.post(f"/api/v1/cases/{case.pk}/accept").status_code == 401
    assert ApiToken.objects.filter(user=depts.h1).exists()


@pytest.mark.django_db
def test_other_department_cannot_act(make_case: Any, depts: Any) -> None:
    case = make_case()
    login = Client().post("/api/v1/auth/login", {"username": depts.t1.username, "password": "correct-horse-battery-9"},
                          content_type="application/json")
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    assert Client().post(f"/api/v1/cases/{case.pk}/send-back", {"reason": "不是我们的"},
                         content_type="application/json", headers=auth).status_code == 404


@pytest.mark.django_db
def test_capped_count_and_cursor(make_case: Any, depts: Any, users: Any, monkeypatch: pytest.MonkeyPatch,
                                 django_assert_max_num_queries: Any) -> None:
    from dangjian.cases import api as cases_api

    made = [make_case(title=f"积水问题{i}") for i in range(7)]
    Case.objects.filter(pk__in=[c.pk for c in made[:3]]).update(deadline=dt.date(2020, 1, 2))
    monkeypatch.setattr(cases_api, "COUNT_CAP", 5)
    c = Client()
    c.force_login(users.admin)
    first = c.get("/api/v1/cases?page_size=3").json()
    assert first["count"] == 5 and first["count_capped"] is True
    assert [i["id"] for i in first["items"]] == [m.pk for m in made[:3]]  # earliest deadline first
    seen = [i["id"] for i in first["items"]]
    cursor = first["next"]
    while cursor:
        with django_assert_max_num_queries(8):
            page = c.get(f"/api/v1/cases?page_size=3&after={cursor}").json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
    assert seen == [m.pk for m in made]  # every case once, in (deadline, id) order
    # page numbers still work and agree with the cursor
    assert [i["id"] for i in c.get("/api/v1/cases?page_size=3&page=2").json()["items"]] == seen[3:6]
    bad = c.get("/api/v1/cases?after=2026-13-40.1")
    assert bad.status_code == 422 and bad.json()["field"] == "after"
    assert c.get("/api/v1/cases?after=nonsense").status_code == 422
    # a handler with co-department cases: distinct rows through the cursor too
    monkeypatch.setattr(cases_api, "COUNT_CAP", 10_000)
    extra = make_case(dept=depts.transport, co_departments=[depts.housing, depts.town_office])
    h = Client()
    h.force_login(depts.h1)
    body = h.get("/api/v1/cases?page_size=100").json()
    ids = [i["id"] for i in body["items"]]
    assert body["count"] == 8 and body["count_capped"] is False and len(ids) == len(set(ids)) == 8 and extra.pk in ids
