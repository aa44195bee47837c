"""Drawing the audience's papers ahead (the background task queued when an exam is published),
so that starting an attempt is one conditional UPDATE however many members start at once."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django_tasks import task

from dangjian.core import audit
from dangjian.learning.exams import ExamStatus
from dangjian.learning.exams.marking import draw, new_seed
from dangjian.learning.exams.models import Attempt, Exam
from dangjian.learning.exams.selectors import audience, pool_of

PREPARE_BATCH = 500


def prepare_attempts(exam_id: int, *, batch: int = PREPARE_BATCH) -> int:
    """Draw a first attempt for every member of the audience who has none (the background task;
    run again it only fills the gaps). ``exam.prepared_count`` shows the progress after each batch.
    Returns the number of attempts drawn."""
    exam = Exam.objects.select_related("bank").get(pk=exam_id)
    if exam.status != ExamStatus.PUBLISHED:
        return 0
    pool, counts = pool_of(exam.bank), exam.counts()
    have = set(Attempt.objects.filter(exam=exam).values_list("member_id", flat=True))
    members = audience(exam).exclude(pk__in=have).values_list("pk", "organization_id", "org_path").order_by("pk")
    made = 0
    chunk: list[Attempt] = []

    def flush() -> None:
        nonlocal made
        with transaction.atomic():
            Attempt.objects.bulk_create(chunk, ignore_conflicts=True)
            Exam.objects.filter(pk=exam.pk).update(prepared_count=F("prepared_count") + len(chunk))
        made += len(chunk)
        chunk.clear()

    for member_id, org_id, org_path in members.iterator(chunk_size=2000):
        seed = new_seed()
        chunk.append(Attempt(exam=exam, member_id=member_id, organization_id=org_id, org_path=org_path, number=1,
                             seed=seed, paper=draw(pool, counts, seed), max_score=exam.max_score))
        if len(chunk) >= batch:
            flush()
    if chunk:
        flush()
    if made:
        with transaction.atomic():
            audit.record(None, "exam.prepared", exam, after={"attempts": made}, org_path=exam.org_path,
                         target_label=exam.title)
    return made


@task()
def prepare_exam(exam_id: int) -> int:
    """Draw a paper for every member of the exam's audience (progress in ``Exam.prepared_count``)."""
    return prepare_attempts(exam_id)
