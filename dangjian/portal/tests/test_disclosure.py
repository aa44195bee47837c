"""Whole-process disclosure (S3): public matter pages fed by the cases/opinions and development
sources through ``core.hooks``; private matters and unknown ones answer 404; personal data masked;
a new step shows at once."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from dangjian.cases import MemberRole
from dangjian.cases.actions import (
    do_accept_case,
    do_add_department_member,
    do_create_department,
    do_open_incident,
    do_publish_statement,
    do_reply_case,
)
from dangjian.core.hooks import matter_source
from dangjian.core.roles import Role
from dangjian.opinions.actions import do_assign_opinion, do_submit_opinion
from dangjian.portal.disclosure import mask_personal_data
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def opinion_data(**extra: Any) -> dict[str, Any]:
    data = {"kind": "suggestion", "title": "村口路灯不亮", "body": "甲镇一村村口的路灯坏了三天了，晚上很黑。",
            "name": "张三丰", "phone": PHONE, "is_public": True}
    data.update(extra)
    return data


@pytest.fixture
def lane(tree: Any, users: Any, root_user: Any, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "media"
    d = SimpleNamespace()
    d.dept = do_create_department({"name": "县住房和城乡建设局", "organization": tree.county}, acting_user=users.admin)
    d.handler = make_user("housing-1", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    do_add_department_member(d.dept, d.handler, MemberRole.HANDLER, acting_user=users.admin)
    d.public = do_submit_opinion(opinion_data(place=tree.town_a.pk), [], acting_user=AnonymousUser())
    d.case = do_assign_opinion(d.public, lead_department=d.dept, acting_user=users.admin)
    d.private = do_submit_opinion(opinion_data(title="我家邻居的私事", is_public=False, name="李四"), [],
                                  acting_user=AnonymousUser())
    d.private_case = do_assign_opinion(d.private, lead_department=d.dept, acting_user=users.admin)
    return d


def url(case: Any) -> str:
    return reverse("portal:matter", args=["case", case.number])


def test_public_opinion_case_shows_its_steps_with_the_sender_masked(client: Any, lane: Any) -> None:
    response = client.get(url(lane.case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "村口路灯不亮" in html and "县住房和城乡建设局" in html
    assert "张**" in html and "张三丰" not in html and PHONE not in html
    assert html.count('class="matter-step ') == 2  # received, assigned
    assert "matter-step-received" in html and "matter-step-assigned" in html


def test_a_new_step_and_the_answer_appear_at_once(client: Any, lane: Any) -> None:
    assert client.get(url(lane.case)).status_code == 200  # a first visit (a cache would fill here)
    do_accept_case(lane.case, acting_user=lane.handler)
    html = client.get(url(lane.case)).content.decode()
    assert "matter-step-accepted" in html
    do_reply_case(lane.case, reply="已更换灯泡，如有问题请致电 13800001111 或带身份证 320301199001011234 来办。",
                  acting_user=lane.handler)
    html = client.get(url(lane.case)).content.decode()
    assert "matter-step-replied" in html and "已更换灯泡" in html
    # personal data that slipped into a public answer is masked on the page
    assert "13800001111" not in html and "138****1111" in html
    assert "320301199001011234" not in html and "32**************34" in html


def test_private_opinions_are_never_shown(client: Any, lane: Any) -> None:
    assert client.get(url(lane.private_case)).status_code == 404
    listing = client.get(reverse("portal:matters") + "?kind=case").content.decode()
    assert "村口路灯不亮" in listing and "我家邻居的私事" not in listing and lane.private_case.number not in listing


def test_a_private_opinion_joined_to_a_public_case_does_not_leak_its_title(client: Any, lane: Any, users: Any) -> None:
    from dangjian.opinions.actions import do_link_opinion_to_case

    # the case was opened for the private opinion; a public duplicate joins it later
    dup = do_submit_opinion(opinion_data(title="邻居家门口路灯坏了"), [], acting_user=AnonymousUser())
    do_link_opinion_to_case(dup, lane.private_case, acting_user=users.admin)
    html = client.get(url(lane.private_case)).content.decode()
    assert "邻居家门口路灯坏了" in html and "我家邻居的私事" not in html and "李四" not in html


def test_unknown_kind_and_ref_are_not_found(client: Any, lane: Any) -> None:
    assert client.get(reverse("portal:matter", args=["case", "AJ-NOPE"])).status_code == 404
    assert client.get(reverse("portal:matter", args=["nothing", lane.case.number])).status_code == 404
    assert client.get(reverse("portal:matters") + "?kind=nothing").status_code == 404


def test_incident_statements_are_public(client: Any, lane: Any, users: Any) -> None:
    case = do_open_incident(title="网传某村饮用水污染", summary="内部研判：……", lead_department=lane.dept,
                            acting_user=users.admin)
    do_publish_statement(case, text="经检测，该村饮用水各项指标合格。", acting_user=users.admin)
    html = client.get(url(case)).content.decode()
    assert "经检测，该村饮用水各项指标合格。" in html and "内部研判" not in html


def test_matter_list_is_paginated_with_bounded_queries(client: Any, lane: Any, users: Any,
                                                       django_assert_max_num_queries: Any) -> None:
    for i in range(25):
        op = do_submit_opinion(opinion_data(title=f"第{i}号意见路灯", body=f"第{i}条内容，路灯坏了。"), [],
                               acting_user=AnonymousUser())
        do_assign_opinion(op, lead_department=lane.dept, acting_user=users.admin)
    client.get(reverse("portal:matters"))  # warm the portal's cached menu
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:matters") + "?kind=case")
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="article-title"') == 20
    page2 = client.get(reverse("portal:matters") + "?kind=case&page=2").content.decode()
    assert page2.count('class="article-title"') == 6 and "村口路灯不亮" in page2


def test_mask_personal_data() -> None:
    assert mask_personal_data("电话13912345678。") == "电话139****5678。"
    assert mask_personal_data("32030119900101123X") == "32**************3X"
    assert mask_personal_data("编号 2026112500000001") == "编号 2026112500000001"  # 16 digits: neither
    assert mask_personal_data(None) == ""


def test_development_notice_is_a_public_matter_while_it_runs(client: Any, tree: Any, users: Any,
                                                             monkeypatch: Any) -> None:
    from dangjian.members.development.actions import do_publish_notice
    from dangjian.members.development.tests.helpers import Clock, advance, create

    clock = Clock(monkeypatch)
    applied = dt.date(2024, 5, 6)
    clock.set(applied)
    f = advance(create(tree, users.secretary, applied), 12, tree, users, clock)
    start = clock.today + dt.timedelta(days=1)
    f = do_publish_notice(f, start=start, acting_user=users.secretary)
    matter_url = reverse("portal:matter", args=["candidate-notice", f.notice_token])
    assert client.get(matter_url).status_code == 404  # not yet running
    clock.set(start)
    html = client.get(matter_url).content.decode()
    assert "钱**" in html and "钱小红" not in html and "13900001111" not in html
    assert "matter-step-notice" in html and "matter-step-candidate" in html
    assert "钱**" in client.get(reverse("portal:matters") + "?kind=candidate-notice").content.decode()
    assert f.notice_ends_on is not None
    clock.set(f.notice_ends_on + dt.timedelta(days=1))
    assert client.get(matter_url).status_code == 404
    assert matter_source("candidate-notice") is not None
