""""Suggest a correction" (S4): from a published page to the section's editors, answered; an
accepted correction is noted on the (cached) page; scope, validation, transitions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.core.models import Notification
from dangjian.portal import CorrectionStatus
from dangjian.portal.actions import do_answer_correction, do_suggest_correction
from dangjian.portal.models import CorrectionSuggestion
from dangjian.portal.tests.conftest import published_article
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(portal: Any) -> Any:
    return published_article(portal.town_a, "甲镇召开党员大会", acting_user=portal.root)


def test_a_visitor_suggests_a_correction_and_the_section_editors_are_told(article: Any, portal: Any, client: Any,
                                                                          django_capture_on_commit_callbacks: Any) -> None:
    html = client.get(article.url).content.decode()
    assert 'id="correction"' in html and reverse("portal:suggest_correction", args=[article.pk]) in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:suggest_correction", args=[article.pk]),
                               {"correction-quote": "党员大会", "correction-body": "应为党员代表大会。", "correction-name": "王"})
    assert response.status_code == 302 and response["Location"].endswith("#correction")
    s = CorrectionSuggestion.objects.get()
    assert s.status == CorrectionStatus.PENDING and s.page_id == article.pk and s.org_path == article_org(portal)
    told = set(Notification.objects.filter(kind="portal.correction").values_list("recipient_id", flat=True))
    # town A's publicity officer and the county's, not town B's
    assert portal.editor_a.pk in told and portal.county_editor.pk in told and portal.editor_b.pk not in told


def article_org(portal: Any) -> str:
    return portal.town_a.organization.path


def test_accepted_correction_is_noted_on_the_cached_page(article: Any, portal: Any, client: Any) -> None:
    s = do_suggest_correction(article, {"body": "日期应为11月20日。"})
    assert "日期应为" not in client.get(article.url).content.decode()  # cached now, nothing to note
    do_answer_correction(s, CorrectionStatus.ACCEPTED, "已更正：会议日期为11月20日。", acting_user=portal.editor_a)
    html = client.get(article.url).content.decode()
    assert "已更正：会议日期为11月20日。" in html and 'id="h-corrections"' in html


def test_declined_correction_stays_private_and_cannot_change_again(article: Any, portal: Any, client: Any) -> None:
    s = do_suggest_correction(article, {"body": "我觉得标题不好。"})
    do_answer_correction(s, CorrectionStatus.DECLINED, "标题无误。", acting_user=portal.editor_a)
    assert "标题无误" not in client.get(article.url).content.decode()
    with pytest.raises(ValidationError):
        do_answer_correction(s, CorrectionStatus.ACCEPTED, "改主意了", acting_user=portal.editor_a)


def test_only_the_sections_editors_answer(article: Any, portal: Any, client: Any) -> None:
    s = do_suggest_correction(article, {"body": "错别字：党建。"})
    with pytest.raises(PermissionDenied):
        do_answer_correction(s, CorrectionStatus.ACCEPTED, "好", acting_user=portal.editor_b)
    client.login(username=portal.editor_b.username, password=PASSWORD)
    assert "错别字" not in client.get(reverse("portal:corrections")).content.decode()
    assert client.post(reverse("portal:answer_correction", args=[s.pk]),
                       {"status": "accepted", "answer": "x"}).status_code == 404
    client.login(username=portal.editor_a.username, password=PASSWORD)
    assert "错别字" in client.get(reverse("portal:corrections")).content.decode()
    response = client.post(reverse("portal:answer_correction", args=[s.pk]),
                           {"status": "accepted", "answer": "已改正。"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.status == CorrectionStatus.ACCEPTED and s.answered_by == portal.editor_a


def test_bad_input_names_the_field_and_writes_nothing(article: Any, client: Any) -> None:
    response = client.post(reverse("portal:suggest_correction", args=[article.pk]), {"correction-body": "x"})
    assert response.status_code == 400 and 'class="field-error"' in response.content.decode()
    assert not CorrectionSuggestion.objects.exists()
    with pytest.raises(ValidationError) as exc:
        do_suggest_correction(article, {"body": "正文" * 600})
    assert "body" in exc.value.message_dict


def test_unpublished_or_unknown_pages_refuse_corrections(article: Any, portal: Any, client: Any) -> None:
    article.unpublish(user=portal.root)
    assert client.post(reverse("portal:suggest_correction", args=[article.pk]), {"correction-body": "应改正"}).status_code == 404
    assert client.post(reverse("portal:suggest_correction", args=[999999]), {"correction-body": "应改正"}).status_code == 404
    assert not CorrectionSuggestion.objects.exists()


def test_xss_in_a_correction_is_escaped(article: Any, portal: Any, client: Any) -> None:
    s = do_suggest_correction(article, {"body": "<script>alert(1)</script>", "quote": "<img src=x onerror=alert(1)>"})
    do_answer_correction(s, CorrectionStatus.ACCEPTED, "<b>已改</b>", acting_user=portal.root)
    html = client.get(article.url).content.decode()
    assert "<img src=x" not in html and "&lt;b&gt;已改&lt;/b&gt;" in html


def test_the_editors_queue_is_paginated_with_bounded_queries(article: Any, portal: Any, client: Any,
                                                             django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        do_suggest_correction(article, {"body": f"第{i}处需要改正"})
    client.login(username=portal.editor_a.username, password=PASSWORD)
    client.get(reverse("portal:corrections"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("portal:corrections"))
    assert response.content.decode().count('class="comment moderation-item"') == 25
