"""Reads of opinion insight, all scoped by the run's organization subtree (``insight.view``)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When

from dangjian.core.scoping import get_scoped_or_404, scope_paths, scoped
from dangjian.insight.models import Briefing, Run, RunState, TextAnalysis, Topic
from dangjian.insight.pipeline.run import Bundle
from dangjian.insight.pipeline.scores import Change, diff_runs

VIEW = "insight.view"


def runs_for(user: Any) -> QuerySet[Run]:
    return scoped(Run.objects.select_related("organization"), user, VIEW, path_field="org_path")


def access_run(user: Any, run_id: Any) -> Run:
    return get_scoped_or_404(Run.objects.select_related("organization"), user, VIEW, path_field="org_path",
                             pk=run_id)


def access_topic(user: Any, topic_id: Any) -> Topic:
    return get_scoped_or_404(Topic.objects.select_related("run"), user, VIEW, path_field="run__org_path",
                             pk=topic_id)


def latest_run(user: Any, org_path: str | None = None) -> Run | None:
    """The newest finished run of ``org_path`` (one the user may see), or of the broadest subtree
    the user sees when none is named."""
    qs = runs_for(user).filter(state=RunState.DONE)
    if org_path is not None:
        return qs.filter(org_path=org_path).order_by("-finished_at", "-id").first()
    paths = scope_paths(user, VIEW)
    own = Case(When(org_path__in=paths, then=Value(0)), default=Value(1)) if isinstance(paths, list) and paths else Value(0)
    return qs.annotate(own=own).order_by("own", "org_path", "-finished_at", "-id").first()  # one query


def topics_of(run: Run, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[Topic]:
    """The run's live topics (not merged away), biggest pain first; with a time window, ``size``
    is the number of the topic's texts inside it (merged topics' texts included) and topics
    without any are left out. Two queries."""
    topics = list(run.topics.filter(merged_into__isnull=True).order_by("-pain", "number"))
    if since is None and until is None:
        return topics
    window = Q()
    if since is not None:
        window &= Q(created_at__gte=since)
    if until is not None:
        window &= Q(created_at__lt=until)
    counts: dict[int, int] = {}
    rows = (TextAnalysis.objects.filter(window, run=run, topic__isnull=False)
            .values("topic_id", "topic__merged_into_id").annotate(n=Count("id")))
    for row in rows:
        owner = row["topic__merged_into_id"] or row["topic_id"]
        counts[owner] = counts.get(owner, 0) + row["n"]
    kept = []
    for topic in topics:
        if counts.get(topic.pk):
            topic.size = counts[topic.pk]
            kept.append(topic)
    return kept


def topic_texts(topic: Topic) -> QuerySet[TextAnalysis]:
    """The texts of ``topic`` and of the topics merged into it, most central first."""
    return (TextAnalysis.objects.filter(Q(topic=topic) | Q(topic__merged_into=topic))
            .order_by("-similarity", "id"))


def unassigned_texts(run: Run) -> QuerySet[TextAnalysis]:
    return TextAnalysis.objects.filter(run=run, topic__isnull=True).order_by("created_at", "id")


def previous_run(run: Run) -> Run | None:
    return (Run.objects.filter(org_path=run.org_path, state=RunState.DONE, finished_at__lt=run.finished_at)
            .order_by("-finished_at", "-id").first()) if run.finished_at else None


def _members(run: Run) -> dict[int, list[str]]:
    members: dict[int, list[str]] = {}
    rows = (TextAnalysis.objects.filter(run=run, topic__isnull=False, incremental=False)
            .values_list("topic__merged_into_id", "topic_id", "key"))
    for merged, topic, key in rows:
        members.setdefault(merged or topic, []).append(key)
    return members


def run_diff(run: Run) -> tuple[Run | None, list[Change]]:
    """What changed since the previous finished run of the same subtree (two queries per run)."""
    before = previous_run(run)
    if before is None:
        return None, []
    return before, diff_runs(_members(before), _members(run))


@functools.lru_cache(maxsize=2)
def _load_bundle(path: str, run_id: int) -> Bundle:
    import joblib

    return joblib.load(path)


def bundle_of(run: Run) -> Bundle | None:
    """The fitted models of a finished run (loaded once per process)."""
    if not run.bundle:
        return None
    return _load_bundle(run.bundle.path, run.pk)


def briefings_for(user: Any) -> QuerySet[Briefing]:
    return scoped(Briefing.objects.select_related("run__organization", "published_by"), user, VIEW,
                  path_field="org_path")


def access_briefing(user: Any, briefing_id: Any) -> Briefing:
    return get_scoped_or_404(Briefing.objects.select_related("run__organization"), user, VIEW,
                             path_field="org_path", pk=briefing_id)


def public_briefing(briefing_id: Any) -> Briefing:
    """A briefing published on the public page (anyone may read it; it carries no texts)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Briefing.objects.select_related("run__organization"), pk=briefing_id, public=True)


def public_briefings() -> Any:
    """Briefings published as public, newest first (the public list; no texts in them)."""
    return Briefing.objects.filter(public=True).select_related("run__organization").order_by("-published_at", "-pk")


def reviewed_topics(run: Run) -> list[Topic]:
    """The topics of ``run`` a briefing would carry: live and reviewed, biggest pain first."""
    return list(run.topics.filter(merged_into__isnull=True, reviewed_at__isnull=False).order_by("-pain", "number"))


def analysed_text(user: Any, key: str) -> TextAnalysis | None:
    """The newest analysis of the text ``key`` ("<source>:<id>") in a finished run the user sees
    (the narrowest subtree first), with its run."""
    qs = scoped(TextAnalysis.objects.select_related("run"), user, VIEW, path_field="run__org_path")
    return qs.filter(key=key, run__state=RunState.DONE).order_by("-run__org_path", "-run__finished_at", "-id").first()
