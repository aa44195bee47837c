"""A full run through the real hook and task, per-text results stored masked, scoping by the
run's subtree, the incremental path, review actions (rename, merge) and the run-to-run diff."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from dangjian.core.audit import AuditEvent
from dangjian.insight.actions import analyse_new_text, do_merge_topics, do_rename_topic, do_start_run
from dangjian.insight.models import Run, RunState, TextAnalysis, Topic
from dangjian.insight.selectors import access_run, access_topic, latest_run, run_diff, topic_texts, topics_of

pytestmark = pytest.mark.django_db


def start(org: Any, user: Any, capture: Any) -> Run:
    with capture(execute=True):
        run = do_start_run(org, acting_user=user)
    run.refresh_from_db()
    return run


def test_a_full_run_stores_topics_texts_and_duplicates(tree, users, eval_source,
                                                       django_capture_on_commit_callbacks):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    assert run.state == RunState.DONE and run.progress == 100
    assert run.text_count == 801 and run.versions["pipeline"] and run.params["topics"]["seed"] == 17
    assert run.unassigned_count < 0.15 * run.text_count
    assert run.bundle.name.endswith(".joblib")
    topics = topics_of(run)
    assert len(topics) >= 8
    assert all(len(t.sample_keys) >= 3 and t.keywords for t in topics)
    assert topics == sorted(topics, key=lambda t: (-t.pain, t.number))
    phone = TextAnalysis.objects.get(run=run, key=f"eval:{len(eval_source.rows)}")
    assert "13912345678" not in phone.text and "13*******78" in phone.text
    assert TextAnalysis.objects.filter(run=run, duplicate_group__isnull=False).count() > 50
    assert AuditEvent.objects.filter(action="insight_run.requested", target_id=str(run.pk)).exists()


def test_a_town_run_reads_only_its_subtree_and_scoping_hides_the_rest(tree, users, eval_source,
                                                                       django_capture_on_commit_callbacks):
    county = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    town = start(tree.town_a, users.admin, django_capture_on_commit_callbacks)
    assert town.text_count == 401
    assert not TextAnalysis.objects.filter(run=town).exclude(org_path__startswith=tree.town_a.path).exists()
    # the town A publicity officer sees the town's run, not the county's
    assert latest_run(users.publicity) == town
    assert access_run(users.publicity, town.pk) == town
    with pytest.raises(Http404):
        access_run(users.publicity, county.pk)
    with pytest.raises(Http404):
        access_topic(users.publicity, county.topics.first().pk)
    with pytest.raises(Http404):
        access_run(users.member, town.pk)
    # reading is not running
    with pytest.raises(PermissionDenied):
        do_start_run(tree.town_a, acting_user=users.publicity)


def test_two_runs_on_the_same_texts_find_the_same_topics(tree, users, eval_source,
                                                         django_capture_on_commit_callbacks):
    one = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    two = start(tree.county, users.admin, django_capture_on_commit_callbacks)

    def shape(run):
        return [(t.number, t.auto_label, t.keywords, t.size, t.sample_keys) for t in run.topics.order_by("number")]

    assert shape(one) == shape(two)
    before, changes = run_diff(two)
    assert before == one and {c.kind for c in changes} == {"kept"}


def test_the_diff_sees_a_topic_appear(tree, users, eval_source, django_capture_on_commit_callbacks):
    streetlight = [r for r in eval_source.rows if r["category"] == "streetlight"]
    eval_source.rows = [r for r in eval_source.rows if r["category"] != "streetlight"]
    start(tree.county, users.admin, django_capture_on_commit_callbacks)
    eval_source.rows += streetlight
    second = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    _before, changes = run_diff(second)
    appeared = [c for c in changes if c.kind == "appeared"]
    assert appeared
    assert any("路灯" in Topic.objects.get(pk=c.new).keywords[:3] for c in appeared)


def test_a_second_run_waits_for_the_first(tree, users, eval_source):
    do_start_run(tree.county, acting_user=users.admin)  # not executed: no commit in this test
    with pytest.raises(ValidationError) as err:
        do_start_run(tree.county, acting_user=users.admin)
    assert "organization" in err.value.message_dict


def test_a_new_text_gets_its_topic_and_duplicates(tree, users, eval_source, django_capture_on_commit_callbacks):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    base = TextAnalysis.objects.filter(run=run, topic__isnull=False, sentiment="neg").order_by("-created_at").first()
    row = next(r for r in eval_source.rows if f"eval:{r['id']}" == base.key)
    new = {**row, "id": 99_999, "text": "您好，" + row["text"] + "急！"}
    result = analyse_new_text("eval", new)
    assert result["run"] == run.pk and result["topic"] == base.topic_id
    assert base.key in result["duplicates"] or base.duplicate_group.first_key in result["duplicates"]
    stored = TextAnalysis.objects.get(run=run, key="eval:99999")
    assert stored.incremental and stored.duplicate_group_id is not None and stored.keywords
    # an exact repeat of it is found by the hash too
    again = analyse_new_text("eval", {**new, "id": 100_000})
    assert "eval:99999" in again["duplicates"]
    assert analyse_new_text("eval", {**new, "id": 100_001, "text": "哈哈"})["topic"] is None


def test_no_run_no_incremental_answer(tree, eval_source):
    assert analyse_new_text("eval", eval_source.rows[0]) is None


def test_rename_and_merge_are_audited_and_need_the_manage_permission(tree, users, eval_source,
                                                                      django_capture_on_commit_callbacks):
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    first, second, third = list(run.topics.order_by("number")[:3])
    with pytest.raises(ValidationError) as err:
        do_rename_topic(first, "  ", acting_user=users.admin)
    assert "label" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        do_rename_topic(first, "路灯", acting_user=users.publicity)
    do_rename_topic(first, "路灯不亮", acting_user=users.admin)
    assert Topic.objects.get(pk=first.pk).label == "路灯不亮"
    total = first.size + second.size + third.size
    texts = topic_texts(first).count() + topic_texts(second).count() + topic_texts(third).count()
    do_merge_topics(first, [second, third], acting_user=users.admin)
    first.refresh_from_db()
    assert first.size == total and topic_texts(first).count() == texts
    live = topics_of(run)
    assert second.pk not in {t.pk for t in live} and first.pk in {t.pk for t in live}
    assert AuditEvent.objects.filter(action="insight_topic.merged", target_id=str(first.pk)).exists()
    assert AuditEvent.objects.filter(action="insight_topic.renamed", target_id=str(first.pk)).exists()
    with pytest.raises(ValidationError):
        do_merge_topics(first, [first], acting_user=users.admin)


def test_the_nightly_job_runs_each_county_once(tree, users, eval_source, django_capture_on_commit_callbacks):
    from dangjian.insight.actions import start_scheduled_runs

    with django_capture_on_commit_callbacks(execute=True):
        started = start_scheduled_runs()
    run = Run.objects.get(pk__in=started)
    assert run.org_path == tree.county.path and run.state == RunState.DONE and run.started_by is None
    event = AuditEvent.objects.get(action="insight_run.requested", target_id=str(run.pk))
    assert event.actor_id is None and event.after["scheduled"] is True
    Run.objects.filter(pk=run.pk).update(state=RunState.RUNNING)
    assert start_scheduled_runs() == []
