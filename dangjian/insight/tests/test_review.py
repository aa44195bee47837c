"""Review before publishing: conclusions mark topics reviewed, splitting moves texts into a new
topic with recounted figures, only reviewed live topics reach the briefing (its PDF and, when
chosen, the public page without citizens' texts); scope and permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from dangjian.core.audit import AuditEvent
from dangjian.dues.tests.pdftext import pdf_text
from dangjian.insight.actions import (
    do_merge_topics,
    do_publish_briefing,
    do_review_topic,
    do_split_topic,
)
from dangjian.insight.models import Briefing, TextAnalysis, Topic
from dangjian.insight.tests.test_runs import start

pytestmark = pytest.mark.django_db


def _texts(topic: Topic):
    return TextAnalysis.objects.filter(Q(topic=topic) | Q(topic__merged_into=topic))


def test_review_split_and_publish_only_reviewed_topics(tree, users, eval_source, django_capture_on_commit_callbacks):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    first, second, third = list(run.topics.order_by("-pain", "number")[:3])
    with pytest.raises(ValidationError) as err:
        do_publish_briefing(run, "三季度民情", "", public=False, acting_user=users.admin)
    assert "topics" in err.value.message_dict and not Briefing.objects.exists()
    with pytest.raises(ValidationError) as err:
        do_review_topic(first, "  ", acting_user=users.admin)
    assert "conclusion" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        do_review_topic(first, "结论", acting_user=users.publicity)

    do_review_topic(first, "路灯维修慢，建议城管局一周内排查。", acting_user=users.admin)
    do_review_topic(third, "已在处理。", acting_user=users.admin)
    do_merge_topics(second, [third], acting_user=users.admin)  # a reviewed topic merged away drops out
    assert AuditEvent.objects.filter(action="insight_topic.reviewed").count() == 2

    # split: the chosen texts leave, both topics' figures are recounted from their texts
    size_before = first.size
    moved = list(_texts(first).order_by("id").values_list("pk", flat=True)[:5])
    with pytest.raises(ValidationError) as err:
        do_split_topic(first, [], "新话题", acting_user=users.admin)
    assert "texts" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        do_split_topic(first, list(_texts(first).values_list("pk", flat=True)), "新话题", acting_user=users.admin)
    assert "texts" in err.value.message_dict
    new = do_split_topic(first, moved, "路灯夜间不亮", acting_user=users.admin)
    first.refresh_from_db()
    assert new.split_from_id == first.pk and new.size == 5 and first.size == size_before - 5
    assert set(_texts(new).values_list("pk", flat=True)) == set(moved)
    assert first.size == _texts(first).count() and len(first.sample_keys) >= 3
    assert not set(new.sample_keys) & set(first.sample_keys) and new.keywords and new.reviewed_at is None

    briefing = do_publish_briefing(run, "三季度民情", "群众最关心路灯。", public=False, acting_user=users.admin)
    assert [f["topic"] for f in briefing.findings] == [first.pk]  # not the merged one, not the unreviewed
    finding = briefing.findings[0]
    assert finding["conclusion"] == "路灯维修慢，建议城管局一周内排查。" and len(finding["samples"]) == 3
    # a later rename does not change what was issued
    Topic.objects.filter(pk=first.pk).update(label="改过的名字")
    briefing.refresh_from_db()
    assert briefing.findings[0]["label"] != "改过的名字"
    assert AuditEvent.objects.filter(action="insight_briefing.published").count() == 1


def test_briefing_pages_pdf_public_page_and_scope(tree, users, eval_source, django_capture_on_commit_callbacks,
                                                   django_assert_max_num_queries):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    lamp = next(t for t in run.topics.all() if "路灯" in t.keywords[:3])
    admin = Client()
    admin.force_login(users.admin)
    form = admin.get(reverse("insight:briefings")).content.decode()
    assert "publish-briefing" in form and "还没有已审核的话题" in form
    answer = admin.post(reverse("insight:publish", args=[run.pk]), {"title": "简报"}, follow=True)
    assert Briefing.objects.count() == 0 and "发布前请至少审核一个话题" in answer.content.decode()
    admin.post(reverse("insight:review", args=[lamp.pk]), {"conclusion": "夜间照明是首要痛点。"})
    # the phone number in one lamp text must stay masked everywhere it is quoted
    phone = TextAnalysis.objects.get(run=run, key=f"eval:{len(eval_source.rows)}")
    Topic.objects.filter(pk=lamp.pk).update(sample_keys=[phone.key, *lamp.sample_keys[:2]])
    answer = admin.post(reverse("insight:publish", args=[run.pk]),
                        {"title": "县民情简报", "summary": "本期一个重点。", "public": "1"})
    briefing = Briefing.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("insight:briefing", args=[briefing.pk])
    page = admin.get(reverse("insight:briefing", args=[briefing.pk])).content.decode()
    assert "夜间照明是首要痛点。" in page and "13*******78" in page and "13912345678" not in page
    pdf = admin.get(reverse("insight:briefing_pdf", args=[briefing.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    assert "县民情简报" in text and "夜间照明是首要痛点" in text and "13912345678" not in text
    # the public page: anyone, findings and conclusions, no texts
    public = Client().get(reverse("insight:public_briefing", args=[briefing.pk]))
    body = public.content.decode()
    assert public.status_code == 200 and "夜间照明是首要痛点。" in body and "13*******78" not in body
    assert not any(s in body for s in briefing.findings[0]["samples"])
    with django_assert_max_num_queries(12):
        admin.get(reverse("insight:briefings"))
    # not public → not found for the public; outside the scope → not found for staff
    Briefing.objects.filter(pk=briefing.pk).update(public=False)
    assert Client().get(reverse("insight:public_briefing", args=[briefing.pk])).status_code == 404
    publicity = Client()
    publicity.force_login(users.publicity)
    assert publicity.get(reverse("insight:briefing", args=[briefing.pk])).status_code == 404
    assert publicity.get(reverse("insight:briefing_pdf", args=[briefing.pk])).status_code == 404
    assert publicity.post(reverse("insight:publish", args=[run.pk]), {"title": "x"}).status_code == 404
    assert publicity.post(reverse("insight:review", args=[lamp.pk]), {"conclusion": "x"}).status_code == 404
    assert "briefing-list" not in publicity.get(reverse("insight:briefings")).content.decode()
