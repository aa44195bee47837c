"""S3 "双向互动公开": the public responds on a matter page. The responses go through the article
comments' machinery (one ``PublicComment`` model, the same actions, review queue, sensitive
words, answer, rate limit, escaping); the moderators are those of the matter's organization; a
published response notifies the case's handlers; a closed case takes no more responses."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from dangjian.cases.actions import do_accept_case, do_close_case, do_reply_case
from dangjian.core.models import Notification
from dangjian.core.roles import Role
from dangjian.portal import CommentStatus
from dangjian.portal.actions import do_answer_comment, do_moderate_comment, do_set_sensitive_words, do_submit_comment
from dangjian.portal.disclosure import matter_target, public_matter
from dangjian.portal.models import PublicComment
from dangjian.portal.tests.test_disclosure import lane, url  # noqa: F401 - the fixture is reused
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rates(settings: Any) -> None:
    settings.PORTAL_COMMENT_RATE_LIMIT = "1000/m"
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def mods(tree: Any, root_user: Any) -> Any:
    """A county publicity officer (moderates the county's matters) and a town-A one (does not)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        county=make_user("publicity-county-m", Role.PUBLICITY, tree.county, acting_user=root_user),
        town=make_user("publicity-town-m", Role.PUBLICITY, tree.town_a, acting_user=root_user),
    )


def test_response_waits_for_review_then_shows_with_the_answer_and_notifies_handlers(
        client: Any, lane: Any, mods: Any, django_capture_on_commit_callbacks: Any) -> None:  # noqa: F811
    resp = client.post(url(lane.case), {"name": "老王", "body": "路灯今晚还是不亮，请再看看。"})
    assert resp.status_code == 302 and resp["Location"].endswith(url(lane.case) + "#responses")
    response = PublicComment.objects.get()
    assert (response.page_id, response.matter_kind, response.matter_ref) == (None, "case", lane.case.number)
    assert response.status == CommentStatus.PENDING and response.org_path == lane.case.org_path
    assert response.matter_title == "村口路灯不亮"
    html = client.get(url(lane.case)).content.decode()
    assert "路灯今晚还是不亮" not in html and 'id="response-form"' in html

    with django_capture_on_commit_callbacks(execute=True):
        do_moderate_comment(response, CommentStatus.APPROVED, acting_user=mods.county)
    do_answer_comment(response, "已派人复查，明晚前修好。", acting_user=mods.county)
    html = client.get(url(lane.case)).content.decode()
    assert "路灯今晚还是不亮，请再看看。" in html and "已派人复查，明晚前修好。" in html and "老王" in html

    note = Notification.objects.get(kind="cases.public_response")
    assert note.recipient_id == lane.handler.pk
    assert lane.case.number in note.title and "路灯今晚还是不亮" in note.body
    assert note.url == url(lane.case) + "#responses"


def test_without_premoderation_a_clean_response_is_public_at_once_and_notifies(
        lane: Any, settings: Any, root_user: Any, django_capture_on_commit_callbacks: Any) -> None:  # noqa: F811
    settings.PORTAL_COMMENT_PREMODERATION = False
    do_set_sensitive_words(["赌博"], acting_user=root_user)
    target = matter_target(public_matter("case", lane.case.number))
    with django_capture_on_commit_callbacks(execute=True):
        clean = do_submit_comment(target, {"body": "支持，谢谢处理。"})
        flagged = do_submit_comment(target, {"body": "村口有人聚众赌博"})
    assert clean.status == CommentStatus.APPROVED
    assert flagged.status == CommentStatus.PENDING and flagged.flagged_words == "赌博"
    assert Notification.objects.filter(kind="cases.public_response").count() == 1  # only the published one


def test_closed_case_shows_no_form_and_refuses_responses(client: Any, lane: Any, users: Any) -> None:  # noqa: F811
    do_accept_case(lane.case, acting_user=lane.handler)
    do_reply_case(lane.case, reply="路灯已经更换完毕，欢迎监督。", acting_user=lane.handler)
    do_close_case(lane.case, acting_user=users.admin)
    with translation.override("en"):
        html = client.get(url(lane.case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="response-form"' not in html and 'id="responses-closed"' in html
    resp = client.post(url(lane.case), {"body": "还是不亮"})
    assert resp.status_code == 400 and PublicComment.objects.count() == 0
    with translation.override("en"):
        target = matter_target(public_matter("case", lane.case.number))
        with pytest.raises(ValidationError) as err:
            do_submit_comment(target, {"body": "还是不亮"})
        assert "closed" in err.value.message_dict["body"][0]


def test_private_or_unknown_matters_take_no_responses(client: Any, lane: Any) -> None:  # noqa: F811
    assert client.post(url(lane.private_case), {"body": "我来说两句"}).status_code == 404
    assert client.post(reverse("portal:matter", args=["case", "AJ-NOPE"]), {"body": "我来说两句"}).status_code == 404
    assert PublicComment.objects.count() == 0


def test_bad_input_names_the_field_and_xss_is_escaped(client: Any, lane: Any, mods: Any) -> None:  # noqa: F811
    resp = client.post(url(lane.case), {"name": "", "body": "x"})
    assert resp.status_code == 400 and PublicComment.objects.count() == 0
    assert resp.context["comment_form"].errors["body"]
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    target = matter_target(public_matter("case", lane.case.number))
    response = do_submit_comment(target, {"name": "<b>x</b>", "body": payload})
    do_moderate_comment(response, CommentStatus.APPROVED, acting_user=mods.county)
    do_answer_comment(response, "<img src=x onerror=alert(3)>答复", acting_user=mods.county)
    html = client.get(url(lane.case)).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x onerror" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_responses_are_rate_limited_with_comments(client: Any, lane: Any, settings: Any) -> None:  # noqa: F811
    settings.PORTAL_COMMENT_RATE_LIMIT = "2/m"
    assert client.post(url(lane.case), {"body": "第一条回应"}).status_code == 302
    assert client.post(url(lane.case), {"body": "第二条回应"}).status_code == 302
    assert client.post(url(lane.case), {"body": "第三条回应"}).status_code == 429
    assert PublicComment.objects.count() == 2


def test_only_moderators_of_the_matters_organization_review_it(client: Any, lane: Any, mods: Any) -> None:  # noqa: F811
    target = matter_target(public_matter("case", lane.case.number))
    response = do_submit_comment(target, {"body": "请问什么时候修好？"})
    with pytest.raises(PermissionDenied):
        do_moderate_comment(response, CommentStatus.APPROVED, acting_user=mods.town)
    client.force_login(mods.town)
    assert "什么时候修好" not in client.get(reverse("portal:moderation")).content.decode()
    assert client.post(reverse("portal:moderate", args=[response.pk]), {"status": "approved"}).status_code == 404
    client.force_login(mods.county)
    html = client.get(reverse("portal:moderation")).content.decode()
    assert "什么时候修好" in html and url(lane.case) in html and "村口路灯不亮" in html
    assert client.post(reverse("portal:moderate", args=[response.pk]), {"status": "approved"}).status_code == 302
    response.refresh_from_db()
    assert response.status == CommentStatus.APPROVED


def test_review_queue_with_responses_has_bounded_queries(client: Any, lane: Any, mods: Any,  # noqa: F811
                                                         django_assert_max_num_queries: Any) -> None:
    target = matter_target(public_matter("case", lane.case.number))
    for i in range(30):
        do_submit_comment(target, {"body": f"第{i}条回应内容"})
    client.force_login(mods.county)
    client.get(reverse("portal:moderation"))
    with django_assert_max_num_queries(14):
        html = client.get(reverse("portal:moderation")).content.decode()
    assert html.count("moderation-item") == 25


def test_a_comment_has_exactly_one_target(lane: Any) -> None:  # noqa: F811
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicComment.objects.create(body="无目标", section_path="")


def test_candidate_notice_response_goes_to_the_branchs_moderators(client: Any, tree: Any, users: Any,
                                                                  monkeypatch: Any) -> None:
    import datetime as dt

    from dangjian.members.development.actions import do_publish_notice
    from dangjian.members.development.tests.helpers import Clock, advance, create

    clock = Clock(monkeypatch)
    applied = dt.date(2024, 5, 6)
    clock.set(applied)
    f = advance(create(tree, users.secretary, applied), 12, tree, users, clock)
    f = do_publish_notice(f, start=clock.today, acting_user=users.secretary)
    matter_url = reverse("portal:matter", args=["candidate-notice", f.notice_token])
    assert client.post(matter_url, {"body": "该同志群众评价很好。"}).status_code == 302
    response = PublicComment.objects.get()
    assert response.matter_kind == "candidate-notice" and response.org_path == f.organization.path


def test_the_case_page_shows_its_published_responses_to_the_handlers(
        client: Any, lane: Any, mods: Any, django_capture_on_commit_callbacks: Any) -> None:  # noqa: F811
    target = matter_target(public_matter("case", lane.case.number))
    published = do_submit_comment(target, {"name": "老王", "body": "路灯还是不亮。"})
    do_submit_comment(target, {"name": "小李", "body": "尚在审核的回应"})
    with django_capture_on_commit_callbacks(execute=True):
        do_moderate_comment(published, CommentStatus.APPROVED, acting_user=mods.county)
    do_answer_comment(published, "明晚前修好。", acting_user=mods.county)
    client.force_login(lane.handler)
    html = client.get(reverse("cases:detail", args=[lane.case.pk])).content.decode()
    assert 'id="public-responses"' in html and f'href="{url(lane.case)}"' in html
    assert "路灯还是不亮。" in html and "明晚前修好。" in html and "老王" in html
    assert "尚在审核的回应" not in html  # only what the moderators published
