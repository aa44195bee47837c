from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.orglife.actions import do_check_in_member, do_close_activity, do_start_activity
from dangjian.orglife.models import Attendee, ReviewAssessment
from dangjian.orglife.review_actions import (
    do_add_criticism,
    do_add_rectification,
    do_complete_rectification,
    do_grade_members,
    do_rate_peers,
    do_submit_self_assessment,
    max_excellent,
)
from dangjian.orglife.selectors import review_results, review_rows
from dangjian.orglife.tests.conftest import plan
from dangjian.testing.fixtures import PASSWORD, make_member

pytestmark = pytest.mark.django_db


def _att(activity: Any, member: Any) -> Attendee:
    return Attendee.objects.get(activity=activity, member=member)


@pytest.fixture
def review(tree: Any, users: Any, root_user: Any) -> Any:
    tree.extra = [make_member(tree.branch_a1, n, acting_user=root_user) for n in ("甲", "乙", "丙", "丁", "戊")]
    return plan(tree.branch_a1, users.secretary, kind="member_review", topic="2026年度民主评议党员")


def test_excellent_cap(settings: Any) -> None:
    assert [max_excellent(n) for n in (2, 3, 6, 7)] == [0, 1, 2, 2]
    settings.ORGLIFE = {"EXCELLENT_CAP": "1/2"}
    assert max_excellent(6) == 3


def test_grades_respect_the_cap_and_skip_probationary(tree: Any, users: Any, review: Any) -> None:
    # six full members (alice + 5): at most two excellent
    full = [_att(review, m) for m in [tree.alice, *tree.extra]]
    with pytest.raises(ValidationError) as exc:
        do_grade_members(review, {full[0].pk: "excellent", full[1].pk: "excellent", full[2].pk: "excellent"},
                         acting_user=users.secretary)
    assert "grades" in exc.value.message_dict
    assert not ReviewAssessment.objects.exclude(grade="").exists()  # nothing half-written
    do_grade_members(review, {full[0].pk: "excellent", full[1].pk: "excellent", full[2].pk: "qualified"},
                     acting_user=users.secretary)
    with pytest.raises(ValidationError):  # the cap counts grades already given
        do_grade_members(review, {full[3].pk: "excellent"}, acting_user=users.secretary)
    do_grade_members(review, {full[0].pk: "qualified", full[3].pk: "excellent"}, acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_grade_members(review, {_att(review, tree.bob).pk: "qualified"}, acting_user=users.secretary)
    assert "not graded" in str(exc.value) or "不评定" in str(exc.value)
    with pytest.raises(ValidationError):
        do_grade_members(review, {full[4].pk: "superb"}, acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_grade_members(review, {full[4].pk: "qualified"}, acting_user=users.member)


def test_self_and_mutual_assessment(tree: Any, users: Any, ol: Any, review: Any) -> None:
    with pytest.raises(ValidationError):
        do_submit_self_assessment(review, "太短", acting_user=ol.alice)
    do_submit_self_assessment(review, "一年来认真学习，积极参加组织生活，按时交纳党费。", acting_user=ol.bob)
    other = _att(review, tree.extra[0])
    assert do_rate_peers(review, {other.pk: "excellent"}, acting_user=ol.bob) == 1  # probationary may take part
    do_rate_peers(review, {other.pk: "qualified"}, acting_user=ol.alice)
    do_rate_peers(review, {other.pk: "excellent"}, acting_user=ol.alice)  # re-rating replaces
    with pytest.raises(ValidationError):
        do_rate_peers(review, {_att(review, tree.alice).pk: "excellent"}, acting_user=ol.alice)  # not oneself
    with pytest.raises(ValidationError):
        do_rate_peers(review, {_att(review, tree.bob).pk: "excellent"}, acting_user=ol.alice)  # probationary: ungraded
    rows = {r["attendee"].pk: r for r in review_rows(review)}
    assert rows[other.pk]["mutual"] == {"excellent": 2}
    assert rows[_att(review, tree.bob).pk]["self_assessment"].startswith("一年来")
    assert not rows[_att(review, tree.bob).pk]["graded"]
    plain = plan(tree.branch_a1, users.secretary)
    with pytest.raises(ValidationError):
        do_submit_self_assessment(plain, "一年来认真学习，积极参加组织生活。", acting_user=ol.alice)


def test_results_filed_to_the_member_after_closing(client: Any, tree: Any, users: Any, ol: Any, review: Any) -> None:
    do_grade_members(review, {_att(review, tree.alice).pk: "excellent"}, acting_user=users.secretary)
    assert review_results(tree.alice) == []  # not final until the review is closed
    do_start_activity(review, acting_user=users.secretary)
    do_check_in_member(_att(review, tree.alice), acting_user=users.secretary)
    do_close_activity(review, {"minutes": "评议结束。", "chair": "甲", "minute_taker": "乙"}, acting_user=users.secretary)
    [result] = review_results(tree.alice)
    assert result.grade == "excellent"
    assert client.login(username=ol.alice.username, password=PASSWORD)
    html = client.get(reverse("orglife:mine")).content.decode()
    assert 'id="review-results"' in html


def test_review_page_forms(client: Any, tree: Any, users: Any, ol: Any, review: Any) -> None:
    assert client.login(username=users.secretary.username, password=PASSWORD)
    alice = _att(review, tree.alice)
    html = client.get(reverse("orglife:detail", args=[review.pk])).content.decode()
    assert 'id="grade-form"' in html and f'name="grade_{alice.pk}"' in html
    assert f'name="grade_{_att(review, tree.bob).pk}"' not in html
    client.post(reverse("orglife:grade_members", args=[review.pk]), {f"grade_{alice.pk}": "qualified"})
    assert ReviewAssessment.objects.get(attendee=alice).grade == "qualified"
    assert client.login(username=ol.alice.username, password=PASSWORD)
    html = client.get(reverse("orglife:detail", args=[review.pk])).content.decode()
    assert 'id="self-assessment-form"' in html and 'id="rate-form"' in html and 'id="grade-form"' not in html


def test_life_meeting_criticism_and_rectification(client: Any, tree: Any, users: Any) -> None:
    meeting = plan(tree.branch_a1, users.secretary, kind="life_meeting", topic="年度组织生活会")
    alice = _att(meeting, tree.alice)
    with pytest.raises(ValidationError):
        do_add_criticism(meeting, {"attendee": alice.pk, "kind": "other", "text": "x"}, acting_user=users.secretary)
    do_add_criticism(meeting, {"attendee": alice.pk, "kind": "self", "text": "理论学习不够深入。"}, acting_user=users.secretary)
    do_add_criticism(meeting, {"attendee": alice.pk, "kind": "peer", "text": "联系群众不够。"}, acting_user=users.secretary)
    item = do_add_rectification(meeting, {"attendee": alice.pk, "text": "每月走访群众两次"}, acting_user=users.secretary)
    whole = do_add_rectification(meeting, {"text": "完善学习制度"}, acting_user=users.secretary)
    do_start_activity(meeting, acting_user=users.secretary)
    do_close_activity(meeting, {"minutes": "开展了批评与自我批评。", "chair": "甲", "minute_taker": "乙"},
                      acting_user=users.secretary)
    with pytest.raises(ValidationError):
        do_add_criticism(meeting, {"attendee": alice.pk, "kind": "self", "text": "补记"}, acting_user=users.secretary)
    # rectification is tracked to done after the meeting
    item = do_complete_rectification(item, "已完成走访并建立台账", acting_user=users.secretary)
    assert item.done_at is not None
    with pytest.raises(ValidationError):
        do_complete_rectification(item, "再次完成", acting_user=users.secretary)
    assert client.login(username=users.secretary.username, password=PASSWORD)
    html = client.get(reverse("orglife:detail", args=[meeting.pk])).content.decode()
    assert "理论学习不够深入" in html and f'id="rect-{whole.pk}"' in html and "已完成走访" in html
    other = plan(tree.branch_a1, users.secretary)
    with pytest.raises(ValidationError):
        do_add_rectification(other, {"text": "不适用"}, acting_user=users.secretary)
