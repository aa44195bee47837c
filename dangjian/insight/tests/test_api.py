"""The API: topics of the newest run (time window, scope), a topic's texts (masked, paginated,
bounded queries), starting a run (202) and reading its progress, routing suggestions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from dangjian.insight.models import Run, RunState

pytestmark = pytest.mark.django_db
BASE = "/api/v1/insight"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def county_run(tree, users, eval_source, django_capture_on_commit_callbacks) -> Run:
    c = client_for(users.admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = c.post(f"{BASE}/runs", data=json.dumps({"organization": tree.county.pk}),
                        content_type="application/json")
    assert answer.status_code == 202, answer.content
    assert answer.json()["state"] == RunState.QUEUED
    return Run.objects.get(pk=answer.json()["id"])


def test_start_a_run_and_follow_it(tree, users, county_run):
    c = client_for(users.admin)
    run = c.get(f"{BASE}/runs/{county_run.pk}").json()
    assert run["state"] == "done" and run["progress"] == 100 and run["text_count"] == 801
    assert client_for(users.publicity).get(f"{BASE}/runs/{county_run.pk}").status_code == 404
    refused = client_for(users.publicity).post(f"{BASE}/runs", data=json.dumps({"organization": tree.town_a.pk}),
                                               content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"]
    unknown = c.post(f"{BASE}/runs", data=json.dumps({"organization": 10**9}), content_type="application/json")
    assert unknown.status_code == 404
    extra = c.post(f"{BASE}/runs", data=json.dumps({"organization": tree.county.pk, "x": 1}),
                   content_type="application/json")
    assert extra.status_code == 422


def test_topics_with_a_window_and_their_masked_texts(tree, users, county_run, django_assert_max_num_queries):
    c = client_for(users.admin)
    answer = c.get(f"{BASE}/topics").json()
    assert answer["run"] == county_run.pk and len(answer["items"]) >= 8
    top = answer["items"][0]
    assert set(top) == {"id", "label", "keywords", "size", "growth", "sentiment", "unresolved", "pain", "places",
                        "sample_ids"}
    assert len(top["sample_ids"]) >= 3
    recent = c.get(f"{BASE}/topics?from=2026-11-01&to=2026-11-28").json()["items"]
    assert sum(t["size"] for t in recent) < sum(t["size"] for t in answer["items"])
    bad = c.get(f"{BASE}/topics?from=2026-11-28&to=2026-11-01")
    assert bad.status_code == 422 and bad.json()["field"] == "from"
    lamp = next(t for t in answer["items"] if "路灯" in t["keywords"][:3])
    with django_assert_max_num_queries(8) as small:
        page = c.get(f"{BASE}/topics/{lamp['id']}/texts?page_size=2").json()
    with django_assert_max_num_queries(len(small.captured_queries)):
        big = c.get(f"{BASE}/topics/{lamp['id']}/texts?page_size=100").json()
    assert len(page["items"]) == 2 and page["count"] == big["count"] >= 20
    texts = [t["text"] for t in big["items"]]
    p2 = c.get(f"{BASE}/topics/{lamp['id']}/texts?page_size=100&page=2").json()
    texts += [t["text"] for t in p2["items"]]
    phone = [t for t in texts if "联系电话" in t]
    assert phone and all("13912345678" not in t for t in texts)
    assert c.get(f"{BASE}/topics/{lamp['id']}/texts?page=999").json()["items"] == []
    # out of scope: not found
    assert client_for(users.publicity).get(f"{BASE}/topics/{lamp['id']}/texts").status_code == 404
    assert client_for(users.publicity).get(f"{BASE}/topics").json() == {"run": None, "items": []}
    assert Client().get(f"{BASE}/topics").status_code == 401


def test_routing_suggestions_explain_themselves(users, county_run):
    c = client_for(users.admin)
    answer = c.get(f"{BASE}/route", {"text": "小区的路灯坏了好几个月，晚上一片漆黑"}).json()
    best = answer["suggestions"][0]
    assert answer["run"] == county_run.pk and best["department"] == "城市管理局" and "路灯" in best["terms"]
    assert len(answer["suggestions"]) == 3
    assert c.get(f"{BASE}/route", {"text": ""}).status_code == 422
    assert client_for(users.publicity).get(f"{BASE}/route", {"text": "路灯坏了"}).json()["suggestions"] == []
