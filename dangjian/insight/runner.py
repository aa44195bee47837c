"""A full run: collect the texts the registered sources offer for a subtree, run the pipeline,
store what it found (topics, duplicate groups, per-text results, the fitted models) with progress
kept on the run. Runs in the background (``run_analysis``)."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from dangjian.core.hooks import text_sources
from dangjian.core.logredact import redact
from dangjian.insight.alerting import evaluate_run
from dangjian.insight.models import (
    DictionaryWord,
    DuplicateGroup,
    Run,
    RunState,
    SentimentCorrection,
    TextAnalysis,
    Topic,
)
from dangjian.insight.pipeline.run import Analysis, TextRecord, analyse, train_sentiment
from dangjian.orgs.models import Organization

log = logging.getLogger(__name__)

BATCH = 2000
MAX_LABEL = 100


def to_record(source: str, row: dict[str, Any]) -> TextRecord:
    created = row["created_at"]
    if isinstance(created, str):  # through a task's JSON arguments
        created = datetime.fromisoformat(created)
    return TextRecord(f"{source}:{row['id']}", row["text"] or "", created or timezone.now(), place=row.get("place") or "",
                      org_path=row.get("org_path") or "", category=row.get("category") or "",
                      resolved=row.get("resolved"), reopened=bool(row.get("reopened")),
                      departments=tuple(row.get("departments") or ()))


def collect(organization: Organization, batch: int = 5000) -> list[TextRecord]:
    """Every text the registered sources offer for the subtree, in source order then id order."""
    paths = None if organization.depth == 1 else [organization.path]
    records: list[TextRecord] = []
    for source in text_sources():
        for rows in source.batches(paths, None, None, batch):
            records.extend(to_record(source.key, row) for row in rows)
    return records


def county_dictionary(organization: Organization, records: list[TextRecord]) -> list[str]:
    """Names of the subtree's organizations (grids included), of the departments in the routing
    histories, and the words added by hand."""
    words = set(Organization.objects.filter(path__startswith=organization.path).values_list("name", flat=True))
    words.update(d for r in records for d in r.departments)
    words.update(DictionaryWord.objects.values_list("word", flat=True))
    return sorted(w for w in words if 1 < len(w) <= 30)


def sentiment_corrections() -> list[tuple[str, str]]:
    """Analysts' corrections (masked text, sentiment), oldest first: trained with the labelled set."""
    return [(t, label) for t, label in
            SentimentCorrection.objects.order_by("corrected_at", "id").values_list("text", "sentiment")]


def _progress(run_id: int) -> Any:
    last = [-1]

    def report(fraction: float) -> None:
        percent = min(99, int(fraction * 100))
        if percent >= last[0] + 5:
            last[0] = percent
            Run.objects.filter(pk=run_id).update(progress=percent)

    return report


def execute_run(run_id: int) -> str:
    """Run the pipeline for a queued run and store what it found (called by the task)."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("organization").get(pk=run_id)
        if run.state != RunState.QUEUED:
            return run.state
        run.state, run.started_at, run.progress = RunState.RUNNING, timezone.now(), 0
        run.save(update_fields=["state", "started_at", "progress"])
    try:
        records = collect(run.organization)
        report = _progress(run.pk)
        dictionary = county_dictionary(run.organization, records)
        corrections = sentiment_corrections()
        sentiment = train_sentiment(dictionary, corrections) if corrections and records else None
        result = analyse(records, dictionary=dictionary, sentiment=sentiment,
                         as_of=timezone.now(), progress=lambda f: report(0.9 * f)) if records else None
        if result is not None:
            result.versions["sentiment_corrections"] = str(len(corrections))
            if corrections:
                result.versions["sentiment"] += f"+corrections-{len(corrections)}"
        _store(run, records, result)
    except Exception as exc:
        log.exception("insight run %s failed", run_id)
        Run.objects.filter(pk=run_id).update(state=RunState.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        return RunState.FAILED
    try:
        evaluate_run(run)
    except Exception:  # the run stands; the alerts are evaluated again by the next one
        log.exception("insight run %s: evaluating alerts failed", run_id)
    return RunState.DONE


def _store(run: Run, records: list[TextRecord], result: Analysis | None) -> None:
    import joblib

    bundle_file = None
    if result is not None:
        buffer = io.BytesIO()
        joblib.dump(result.bundle, buffer, compress=3)
        bundle_file = ContentFile(buffer.getvalue(), name=f"run-{run.pk}.joblib")
    with transaction.atomic():
        topics: dict[int, Topic] = {}
        if result is not None:
            for t in result.topics:
                f = t.figures
                topics[t.number] = Topic(run=run, number=t.number, label=t.label[:MAX_LABEL],
                                         auto_label=t.label[:MAX_LABEL], keywords=t.terms, size=f.size,
                                         recent=f.recent, previous=f.previous, growth=f.growth,
                                         negative_share=f.negative, unresolved_share=f.unresolved, pain=f.pain,
                                         places=[list(p) for p in t.places], sample_keys=t.sample_keys)
            Topic.objects.bulk_create(topics.values(), batch_size=BATCH)
            texts = result.texts
            firsts: dict[str, int] = {}
            for res in texts:
                if res.duplicate_of:
                    firsts[res.duplicate_of] = firsts.get(res.duplicate_of, 1) + 1
            topic_of = {res.key: res.topic for res in texts}
            groups = {key: DuplicateGroup(run=run, first_key=key, size=size, topic=topics.get(topic_of[key]))
                      for key, size in sorted(firsts.items())}
            DuplicateGroup.objects.bulk_create(groups.values(), batch_size=BATCH)
            rows = []
            for record, res in zip(records, texts, strict=True):
                source, _sep, ident = record.key.partition(":")
                group_key = res.duplicate_of or (record.key if record.key in groups else "")
                rows.append(TextAnalysis(
                    run=run, key=record.key, source=source, source_id=int(ident), org_path=record.org_path,
                    text=redact(record.text)[:4000], place=record.place[:200], category=record.category[:50],
                    created_at=record.created_at, keywords=res.keywords, topic=topics.get(res.topic),
                    similarity=res.similarity, duplicate_group=groups.get(group_key), sentiment=res.sentiment,
                    text_hash=res.text_hash, resolved=record.resolved, reopened=record.reopened,
                    departments=list(record.departments)))
                if len(rows) >= BATCH:
                    TextAnalysis.objects.bulk_create(rows)
                    rows = []
            TextAnalysis.objects.bulk_create(rows)
        run.state, run.progress, run.finished_at = RunState.DONE, 100, timezone.now()
        run.text_count = len(records)
        run.unassigned_count = result.unassigned if result else 0
        run.params = result.params if result else {}
        run.versions = result.versions if result else {}
        if bundle_file is not None:
            run.bundle.save(f"run-{run.pk}.joblib", bundle_file, save=False)
        run.save()



@task()
def run_analysis(run_id: int) -> str:
    """A full run (enqueued by ``actions.do_start_run``)."""
    return execute_run(run_id)


def enqueue_run(run: Run) -> None:
    """Start the run in the background once the caller's transaction has committed."""
    pk = run.pk
    transaction.on_commit(lambda: run_analysis.enqueue(pk))
