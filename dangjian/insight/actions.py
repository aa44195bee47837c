"""Every write of opinion insight: start a run (executed in the background by ``runner``), analyse
a new text on arrival, rename and merge topics. Each user action checks permission, writes in one
transaction and records its audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.logredact import redact
from dangjian.core.scoping import require
from dangjian.insight.models import DuplicateGroup, Run, RunState, TextAnalysis, Topic
from dangjian.insight.runner import MAX_LABEL, enqueue_run, to_record
from dangjian.orgs.models import Organization


def do_start_run(organization: Organization, *, acting_user: Any) -> Run:
    """Queue a full run over the texts of ``organization``'s subtree (the whole county, forum
    threads included, for a root organization)."""
    require(acting_user, "insight.run", organization.path)
    if Run.objects.filter(org_path=organization.path, state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
        raise ValidationError({"organization": _("A run for this organization is already queued or running.")})
    with transaction.atomic():
        run = Run.objects.create(organization=organization, org_path=organization.path, started_by=acting_user)
        audit.record(acting_user, "insight_run.requested", run, org_path=organization.path,
                     after={"organization": organization.pk})
    enqueue_run(run)
    return run


def start_scheduled_runs() -> list[int]:
    """The nightly full run: one per top-level organization (the whole county, forum included),
    unless one is already queued or running. Started by the system (audited without a user)."""
    started = []
    for org in Organization.objects.filter(depth=1).order_by("path"):
        if Run.objects.filter(org_path=org.path, state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
            continue
        with transaction.atomic():
            run = Run.objects.create(organization=org, org_path=org.path)
            audit.record(None, "insight_run.requested", run, org_path=org.path,
                         after={"organization": org.pk, "scheduled": True})
        enqueue_run(run)
        started.append(run.pk)
    return started


def analyse_new_text(source: str, row: dict[str, Any]) -> dict[str, Any] | None:
    """Keywords, near-duplicates among the latest run's recent texts, nearest topic and sentiment
    of a text that arrived after the run; stored with that run (``incremental``). The run is the
    newest finished one whose subtree holds the text (the narrowest). None without such a run."""
    from dangjian.insight.selectors import bundle_of

    record = to_record(source, row)
    runs = Run.objects.filter(state=RunState.DONE).exclude(bundle="").order_by("-org_path", "-finished_at", "-id")
    run = next((r for r in runs.only("id", "org_path", "bundle", "finished_at")[:50]
                if record.org_path.startswith(r.org_path) or (not record.org_path and len(r.org_path) <= 4)), None)
    if run is None:
        return None
    bundle = bundle_of(run)
    if bundle is None:
        return None
    found = bundle.analyse_one(record.text)
    topic = Topic.objects.filter(run=run, number=found["topic"]).first() if found["topic"] >= 0 else None
    exact = (TextAnalysis.objects.filter(run=run, text_hash=found["text_hash"]).exclude(key=record.key)
             .order_by("id").values_list("key", flat=True).first())
    duplicates = ([exact] if exact else []) + [k for k in found["duplicates"] if k != exact]
    group = None
    first = None
    if duplicates:
        first = TextAnalysis.objects.filter(run=run, key=duplicates[0]).select_related("duplicate_group").first()
        group = first.duplicate_group if first else None
    with transaction.atomic():
        if duplicates and group is None and first is not None:
            group = DuplicateGroup.objects.create(run=run, first_key=first.key, size=1, topic=first.topic)
            TextAnalysis.objects.filter(pk=first.pk).update(duplicate_group=group)
        if group is not None:
            DuplicateGroup.objects.filter(pk=group.pk).update(size=group.size + 1)
        TextAnalysis.objects.update_or_create(run=run, key=record.key, defaults={
            "source": source, "source_id": int(row["id"]), "org_path": record.org_path,
            "text": redact(record.text)[:4000], "place": record.place[:200], "category": record.category[:50],
            "created_at": record.created_at, "keywords": found["keywords"], "topic": topic,
            "similarity": found["similarity"], "duplicate_group": group, "sentiment": found["sentiment"],
            "text_hash": found["text_hash"], "resolved": record.resolved, "reopened": record.reopened,
            "incremental": True,
        })
    return {"run": run.pk, "topic": topic.pk if topic else None, "duplicates": duplicates,
            "keywords": found["keywords"], "sentiment": found["sentiment"]}


def do_rename_topic(topic: Topic, label: str, *, acting_user: Any) -> Topic:
    require(acting_user, "insight.manage", topic.run.org_path)
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Give the topic a name.")})
    if len(label) > MAX_LABEL:
        raise ValidationError({"label": _("At most 100 characters.")})
    with transaction.atomic():
        before = topic.label
        topic.label = label
        topic.save(update_fields=["label"])
        audit.record(acting_user, "insight_topic.renamed", topic, org_path=topic.run.org_path,
                     before={"label": before}, after={"label": label})
    return topic


def do_merge_topics(target: Topic, others: list[Topic], *, acting_user: Any) -> Topic:
    """Fold ``others`` into ``target`` (same run): their texts count for it from now on."""
    require(acting_user, "insight.manage", target.run.org_path)
    others = [t for t in others if t.pk != target.pk]
    if not others:
        raise ValidationError({"topics": _("Choose at least one other topic to merge.")})
    if any(t.run_id != target.run_id for t in others) or target.merged_into_id:
        raise PermissionDenied(_("Only live topics of the same run can be merged."))
    with transaction.atomic():
        ids = [t.pk for t in others]
        Topic.objects.filter(merged_into_id__in=ids).update(merged_into=target)
        Topic.objects.filter(pk__in=ids).update(merged_into=target)
        target.size += sum(t.size for t in others)
        target.recent += sum(t.recent for t in others)
        target.previous += sum(t.previous for t in others)
        target.growth = round((target.recent + 1) / (target.previous + 1), 4)
        target.save(update_fields=["size", "recent", "previous", "growth"])
        audit.record(acting_user, "insight_topic.merged", target, org_path=target.run.org_path,
                     after={"merged": ids})
    return target
