"""Opinions → cases: assignment, duplicates as voices, status and public answer following the case,
the sender's rating from the tracking page or their account."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from dangjian.cases import CaseState, MemberRole, Rating
from dangjian.cases.actions import (
    do_accept_case,
    do_add_department_member,
    do_create_department,
    do_reopen_case,
    do_reply_case,
)
from dangjian.core.roles import Role
from dangjian.opinions import OpinionStatus
from dangjian.opinions.actions import do_assign_opinion, do_link_opinion_to_case, do_rate_opinion, do_submit_opinion
from dangjian.opinions.models import Opinion
from dangjian.opinions.selectors import duplicates_of, near_duplicates_of
from dangjian.opinions.tests.helpers import PHONE, opinion_data
from dangjian.testing.fixtures import PASSWORD, make_user

REPLY = "已安排维修人员更换灯泡，路灯今晚恢复照明。"


@pytest.fixture
def lane(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    d = SimpleNamespace()
    d.dept = do_create_department({"name": "县住房和城乡建设局", "organization": tree.county}, acting_user=users.admin)
    d.handler = make_user("housing-1", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    do_add_department_member(d.dept, d.handler, MemberRole.HANDLER, acting_user=users.admin)
    d.opinion = do_submit_opinion(opinion_data(place=tree.town_a.pk), [], acting_user=AnonymousUser())
    return d


@pytest.mark.django_db
def test_assign_opinion_opens_a_case_and_the_opinion_follows(lane: Any, users: Any) -> None:
    case = do_assign_opinion(lane.opinion, lead_department=lane.dept, acting_user=users.admin)
    op = lane.opinion
    assert op.case == case and case.source_kind == "opinion" and case.source_id == op.pk
    assert case.category == "suggestion" and case.deadline_days == 15
    assert op.status == OpinionStatus.ACCEPTED
    do_accept_case(case, acting_user=lane.handler)
    do_reply_case(case, reply=REPLY, acting_user=lane.handler)
    op.refresh_from_db()
    assert op.status == OpinionStatus.ANSWERED and op.answer == REPLY
    kinds = list(op.events.values_list("kind", flat=True))
    assert kinds == ["received", "accepted", "note", "answered"]
    with pytest.raises(ValidationError):
        do_assign_opinion(op, lead_department=lane.dept, acting_user=users.admin)


@pytest.mark.django_db
def test_assign_needs_scope(lane: Any, users: Any, tree: Any) -> None:
    # the secretary of branch_a1 cannot see an opinion about town_a as a whole
    with pytest.raises(PermissionDenied):
        do_assign_opinion(lane.opinion, lead_department=lane.dept, acting_user=users.secretary)
    assert Opinion.objects.get(pk=lane.opinion.pk).case_id is None


@pytest.mark.django_db
def test_duplicates_join_the_case_as_voices(lane: Any, users: Any, tree: Any) -> None:
    case = do_assign_opinion(lane.opinion, lead_department=lane.dept, acting_user=users.admin)
    # same text with different spacing and punctuation: an exact (normalized) duplicate
    data = opinion_data(place=tree.town_a.pk, title="路灯 坏了！", body="甲镇一村村口的路灯坏了三天了 晚上很黑")
    dup = do_submit_opinion(data, [], acting_user=AnonymousUser())
    assert dup.text_digest == lane.opinion.text_digest
    assert duplicates_of(users.admin, dup) == [lane.opinion]
    # a near duplicate, found by MinHash
    near = do_submit_opinion(opinion_data(place=tree.town_a.pk, body="甲镇一村村口的路灯坏了好几天了，晚上很黑。"),
                             [], acting_user=AnonymousUser())
    assert [o.pk for o, _score in near_duplicates_of(users.admin, near)] == [lane.opinion.pk]
    unrelated = do_submit_opinion(opinion_data(title="表扬社区医生", body="社区卫生服务站的医生服务态度很好，值得表扬。"),
                                  [], acting_user=AnonymousUser())
    assert near_duplicates_of(users.admin, unrelated) == []
    do_link_opinion_to_case(dup, case, acting_user=users.admin)
    do_link_opinion_to_case(near, case, acting_user=users.admin)
    case.refresh_from_db()
    assert case.voices == 3 and case.opinions.count() == 3
    do_accept_case(case, acting_user=lane.handler)
    do_reply_case(case, reply=REPLY, acting_user=lane.handler)
    assert set(Opinion.objects.filter(case=case).values_list("status", "answer")) == {(OpinionStatus.ANSWERED, REPLY)}
    with pytest.raises(ValidationError):
        do_link_opinion_to_case(dup, case, acting_user=users.admin)


@pytest.mark.django_db
def test_rating_by_sender_rates_the_case_and_reopen_follows(lane: Any, users: Any) -> None:
    case = do_assign_opinion(lane.opinion, lead_department=lane.dept, acting_user=users.admin)
    with pytest.raises(ValidationError):  # nothing to rate yet
        do_rate_opinion(lane.opinion, Rating.SATISFIED, acting_user=AnonymousUser(), sender_verified=True)
    do_accept_case(case, acting_user=lane.handler)
    do_reply_case(case, reply=REPLY, acting_user=lane.handler)
    with pytest.raises(PermissionDenied):
        do_rate_opinion(lane.opinion, Rating.SATISFIED, acting_user=users.public, sender_verified=False)
    do_rate_opinion(lane.opinion, Rating.NOT_SATISFIED, acting_user=AnonymousUser(), sender_verified=True)
    case.refresh_from_db()
    assert case.state == CaseState.RATED and case.rating == Rating.NOT_SATISFIED
    with translation.override("en"), pytest.raises(ValidationError, match="already rated"):
        do_rate_opinion(lane.opinion, Rating.SATISFIED, acting_user=AnonymousUser(), sender_verified=True)
    do_reopen_case(case, reason="群众不满意，重新办理", acting_user=users.admin)
    op = Opinion.objects.get(pk=lane.opinion.pk)
    assert op.status == OpinionStatus.ACCEPTED


@pytest.mark.django_db
def test_citizen_rates_on_the_tracking_page(lane: Any, users: Any) -> None:
    case = do_assign_opinion(lane.opinion, lead_department=lane.dept, acting_user=users.admin)
    do_accept_case(case, acting_user=lane.handler)
    do_reply_case(case, reply=REPLY, acting_user=lane.handler)
    client = Client()
    no = lane.opinion.tracking_no
    tracked = client.get("/api/v1/opinions/track", {"no": no, "phone": PHONE}).json()
    assert tracked["status"] == "answered" and tracked["answer"] == REPLY and tracked["rating"] == ""
    # without tracking first (number + phone), rating is "not found"
    assert client.post("/opinions/track/rate/", {"tracking_no": no, "rating": "satisfied"}).status_code == 404
    page = client.post("/opinions/track/", {"tracking_no": no, "phone": PHONE})
    assert page.status_code == 200
    html = page.content.decode()
    assert REPLY in html and 'id="rate-form"' in html
    response = client.post("/opinions/track/rate/", {"tracking_no": no, "rating": "basically", "comment": "还行"})
    assert response.status_code == 200 and 'id="rate-form"' not in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.RATED and case.rating == Rating.BASICALLY and case.rating_comment == "还行"


@pytest.mark.django_db
def test_signed_in_sender_rates_from_my_opinions(lane: Any, users: Any, tree: Any) -> None:
    mine = do_submit_opinion(opinion_data(place=tree.town_a.pk, title="公交站没有雨棚", body="乙镇公交站没有雨棚，下雨天等车很不方便。"),
                             [], acting_user=users.public)
    case = do_assign_opinion(mine, lead_department=lane.dept, acting_user=users.admin)
    do_accept_case(case, acting_user=lane.handler)
    do_reply_case(case, reply=REPLY, acting_user=lane.handler)
    client = Client()
    client.login(username=users.public.username, password=PASSWORD)
    assert 'id="rate-form"' in client.get(f"/opinions/mine/{mine.tracking_no}/").content.decode()
    response = client.post("/opinions/track/rate/", {"tracking_no": mine.tracking_no, "rating": "satisfied"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.rating == Rating.SATISFIED
    # another account cannot rate or see it
    other = Client()
    other.login(username=users.member.username, password=PASSWORD)
    assert other.get(f"/opinions/mine/{mine.tracking_no}/").status_code == 404


@pytest.mark.django_db
def test_staff_pages_assign_and_scope(lane: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    admin = Client()
    admin.force_login(users.admin)
    listing = admin.get("/opinions/staff/")
    assert listing.status_code == 200 and lane.opinion.tracking_no in listing.content.decode()
    page = admin.get(f"/opinions/staff/{lane.opinion.pk}/")
    assert page.status_code == 200 and 'id="assign-form"' in page.content.decode()
    bad = admin.post(f"/opinions/staff/{lane.opinion.pk}/assign/", {"lead_department": ""})
    assert bad.status_code == 400
    ok = admin.post(f"/opinions/staff/{lane.opinion.pk}/assign/", {"lead_department": lane.dept.pk, "category": "urgent"})
    assert ok.status_code == 302
    op = Opinion.objects.select_related("case").get(pk=lane.opinion.pk)
    assert op.case is not None and op.case.category == "urgent"
    # the town-b secretary... has no opinions.view over town_a: 404, no leak
    other = Client()
    other.force_login(users.secretary)
    assert other.get(f"/opinions/staff/{lane.opinion.pk}/").status_code == 404
    assert Client().get("/opinions/staff/").status_code == 302
    for i in range(5):
        do_submit_opinion(opinion_data(title=f"意见标题{i}号"), [], acting_user=AnonymousUser())
    with django_assert_max_num_queries(12):
        assert admin.get("/opinions/staff/").status_code == 200


@pytest.mark.django_db
def test_every_voice_of_a_merged_case_rates_it(lane: Any, users: Any, tree: Any) -> None:
    case = do_assign_opinion(lane.opinion, lead_department=lane.dept, acting_user=users.admin)
    second = do_submit_opinion(opinion_data(place=tree.town_a.pk, phone="13912345679"), [], acting_user=AnonymousUser())
    third = do_submit_opinion(opinion_data(place=tree.town_a.pk, phone="13912345670"), [], acting_user=AnonymousUser())
    do_link_opinion_to_case(second, case, acting_user=users.admin)
    do_link_opinion_to_case(third, case, acting_user=users.admin)
    do_accept_case(case, acting_user=lane.handler)
    do_reply_case(case, reply=REPLY, acting_user=lane.handler)
    do_rate_opinion(lane.opinion, Rating.SATISFIED, acting_user=AnonymousUser(), sender_verified=True)
    do_rate_opinion(Opinion.objects.get(pk=second.pk), Rating.NOT_SATISFIED, acting_user=AnonymousUser(),
                    sender_verified=True)
    do_rate_opinion(Opinion.objects.get(pk=third.pk), Rating.BASICALLY, acting_user=AnonymousUser(),
                    sender_verified=True)
    case.refresh_from_db()
    assert case.state == CaseState.RATED and case.rating == Rating.SATISFIED  # the first rating
    assert case.ratings == {"satisfied": 1, "basically": 1, "not_satisfied": 1}
    assert set(Opinion.objects.filter(case=case).values_list("rating", flat=True)) == {
        Rating.SATISFIED, Rating.NOT_SATISFIED, Rating.BASICALLY}
    # the second voice is not satisfied: staff may reopen the case once
    do_reopen_case(case, reason="有群众不满意，复查", acting_user=users.admin)
    assert case.state == CaseState.IN_PROGRESS
