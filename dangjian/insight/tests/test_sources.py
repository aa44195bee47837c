"""The texts the other modules offer through ``core.hooks`` (their providers, read as insight
reads them): scope by subtree, routing history of cases, opinions' cases not offered twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from dangjian.cases import MemberRole
from dangjian.cases.actions import (
    do_add_department_member,
    do_assign_case,
    do_create_department,
    do_reassign_case,
    do_send_back_case,
)
from dangjian.core.hooks import text_sources
from dangjian.core.roles import Role
from dangjian.opinions.actions import do_assign_opinion, do_submit_opinion
from dangjian.opinions.tests.helpers import opinion_data
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db


def read(key: str, paths: list[str] | None) -> list[dict[str, Any]]:
    source = next(s for s in text_sources() if s.key == key)
    return [row for batch in source.batches(paths, None, None, 2) for row in batch]


def test_every_module_with_citizens_texts_offers_them():
    assert [s.key for s in text_sources()][:4] == ["opinions", "forum", "comments", "cases"]


def test_opinions_are_offered_in_their_subtree_with_their_case(tree, users, root_user, django_assert_max_num_queries):
    housing = do_create_department({"name": "县住房和城乡建设局", "organization": tree.county}, acting_user=users.admin)
    transport = do_create_department({"name": "县交通运输局", "organization": tree.county}, acting_user=users.admin)
    opinions = [do_submit_opinion(opinion_data(place=tree.branch_a1.pk, body=f"甲镇一村村口的路灯坏了第{i}天，晚上很黑。"), [],
                                  acting_user=AnonymousUser()) for i in range(3)]
    do_submit_opinion(opinion_data(place=tree.branch_b1.pk), [], acting_user=AnonymousUser())
    case = do_assign_opinion(opinions[0], lead_department=transport, acting_user=users.admin)
    handler = make_user("transport-1", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    do_add_department_member(transport, handler, MemberRole.HANDLER, acting_user=users.admin)
    do_send_back_case(case, reason="不属于本部门职责，请改派住建局", acting_user=handler)
    do_reassign_case(case, lead_department=housing, acting_user=users.admin)
    with django_assert_max_num_queries(8):
        rows = read("opinions", [tree.town_a.path])
    assert [r["id"] for r in rows] == [o.pk for o in opinions]
    first = rows[0]
    assert first["text"].startswith("路灯坏了") and first["org_path"] == tree.branch_a1.path
    assert first["departments"] == ["县交通运输局", "县住房和城乡建设局"]
    assert first["resolved"] is False and rows[1]["departments"] == [] and rows[1]["resolved"] is None
    assert len(read("opinions", None)) == 4
    # the opinion's case is not offered again by the cases module; a case of its own is
    assert read("cases", None) == []
    incident = do_assign_case(title="网传村口塌方", summary="甲镇一村村口道路塌方", category="complaint",
                              lead_department=transport, source_kind="incident", source_id=None,
                              acting_user=users.admin)
    rows = read("cases", [tree.county.path])
    assert [r["id"] for r in rows] == [incident.pk] and rows[0]["departments"] == ["县交通运输局"]
    assert read("cases", [tree.town_b.path]) == []


def test_forum_threads_and_comments_without_an_organization_only_county_wide(tree):
    assert read("forum", [tree.county.path]) == []
    assert read("comments", [tree.county.path]) == []


def test_a_new_opinion_is_analysed_on_arrival(tree, users, eval_source, django_capture_on_commit_callbacks):
    from dangjian.insight.models import TextAnalysis
    from dangjian.insight.tests.test_runs import start

    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    body = "城关镇幸福小区的路灯坏了好几个月没人修，晚上全黑，老人孩子出门很危险"
    with django_capture_on_commit_callbacks(execute=True):
        opinion = do_submit_opinion(opinion_data(place=tree.branch_a1.pk, title="路灯不亮", body=body), [],
                                    acting_user=AnonymousUser())
    stored = TextAnalysis.objects.get(run=run, key=f"opinions:{opinion.pk}")
    assert stored.incremental and stored.topic is not None and "路灯" in stored.topic.keywords[:3]
    assert stored.org_path == tree.branch_a1.path and stored.sentiment == "neg"
    # the routing suggestion for that opinion, by its id (the API), inside the caller's scope only
    from django.test import Client

    c = Client()
    c.force_login(users.admin)
    answer = c.get("/api/v1/insight/route", {"opinion": opinion.pk}).json()
    assert answer["run"] == run.pk and answer["suggestions"][0]["department"] == "城市管理局"
    assert "路灯" in answer["suggestions"][0]["terms"]
    missing = c.get("/api/v1/insight/route", {"opinion": opinion.pk + 1000})
    assert missing.status_code == 404 and missing.json()["field"] == "opinion"
    c.force_login(users.publicity)  # town A's publicity officer: the county run is outside the scope
    assert c.get("/api/v1/insight/route", {"opinion": opinion.pk}).status_code == 404
