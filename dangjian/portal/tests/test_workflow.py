"""三审三校: draft → first review → second review → final approval → publish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

from dangjian.portal import ReviewStage
from dangjian.portal.actions import do_assign_workflow, do_create_article, do_review, do_submit_for_review
from dangjian.portal.models import ArticlePage
from dangjian.portal.tests.conftest import text

pytestmark = pytest.mark.django_db


def _draft(portal, title="甲镇召开党员大会"):
    return do_create_article(portal.town_a, {"title": title, "body": text("<p>正文</p>")}, acting_user=portal.editor_a)


def test_three_reviews_then_published(portal):
    article = _draft(portal)
    do_submit_for_review(article, acting_user=portal.editor_a)
    article.refresh_from_db()
    assert not article.live
    do_review(article, acting_user=portal.reviewers[ReviewStage.FIRST], approve=True, comment="一审通过")
    article.refresh_from_db()
    assert not article.live
    do_review(article, acting_user=portal.reviewers[ReviewStage.SECOND], approve=True)
    article.refresh_from_db()
    assert not article.live
    do_review(article, acting_user=portal.reviewers[ReviewStage.FINAL], approve=True, comment="同意发布")
    article.refresh_from_db()
    assert article.live
    assert article.workflow_states.get().status == "approved"


def test_stages_cannot_be_skipped(portal):
    article = _draft(portal)
    do_submit_for_review(article, acting_user=portal.editor_a)
    # The final approver cannot act on the first review, nor can the editor review their own work.
    with pytest.raises(PermissionDenied):
        do_review(article, acting_user=portal.reviewers[ReviewStage.FINAL], approve=True)
    with pytest.raises(PermissionDenied):
        do_review(article, acting_user=portal.editor_a, approve=True)
    article.refresh_from_db()
    assert not article.live


def test_rejection_sends_back_with_comment(portal):
    article = _draft(portal)
    do_submit_for_review(article, acting_user=portal.editor_a)
    do_review(article, acting_user=portal.reviewers[ReviewStage.FIRST], approve=False, comment="标题需修改")
    article.refresh_from_db()
    assert not article.live
    state = article.workflow_states.get()
    assert state.status == "needs_changes"
    assert state.task_states.get().comment == "标题需修改"
    with pytest.raises(ValidationError):
        do_review(article, acting_user=portal.reviewers[ReviewStage.SECOND], approve=True)


def test_section_can_have_its_own_workflow(portal, root_user):
    task = GroupApprovalTask.objects.create(name="乙镇审核")
    task.groups.add(portal.reviewers[ReviewStage.SECOND].groups.first())
    wf = Workflow.objects.create(name="乙镇一审")
    WorkflowTask.objects.create(workflow=wf, task=task, sort_order=0)
    do_assign_workflow(portal.town_b, wf, acting_user=root_user)
    article = do_create_article(portal.town_b, {"title": "乙镇新闻", "body": text("<p>x</p>")}, acting_user=portal.editor_b)
    assert article.get_workflow().pk == wf.pk
    do_submit_for_review(article, acting_user=portal.editor_b)
    do_review(article, acting_user=portal.reviewers[ReviewStage.SECOND], approve=True)
    article.refresh_from_db()
    assert article.live
    assert _draft(portal).get_workflow().name.startswith("三审三校")


def test_reviewer_must_be_granted_by_admin(portal, users):
    from dangjian.portal.actions import do_set_reviewer

    with pytest.raises(PermissionDenied):
        do_set_reviewer(users.publicity, ReviewStage.FINAL, acting_user=users.publicity)


def test_scheduled_publishing_and_expiry(portal, root_user):
    from dangjian.portal.tasks import publish_scheduled

    article = _draft(portal)
    article.go_live_at = timezone.now() + dt.timedelta(hours=1)
    article.expire_at = timezone.now() + dt.timedelta(hours=3)
    revision = article.save_revision(user=root_user)
    revision.publish(user=root_user)  # scheduled, not yet live
    article.refresh_from_db()
    assert not article.live
    # The time comes: move the schedule into the past.
    past = timezone.now() - dt.timedelta(minutes=1)
    revision.refresh_from_db()
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    publish_scheduled.enqueue()
    article.refresh_from_db()
    assert article.live
    ArticlePage.objects.filter(pk=article.pk).update(expire_at=timezone.now() - dt.timedelta(minutes=1))
    publish_scheduled.enqueue()
    article.refresh_from_db()
    assert not article.live and article.expired


def test_jobs_are_registered():
    from dangjian.core.scheduler import JOBS

    assert JOBS["portal.publish_scheduled"].task_path == "dangjian.portal.tasks.publish_scheduled"
