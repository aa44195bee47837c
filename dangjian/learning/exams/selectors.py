"""Every read of exams, scoped through core.scoping.

- Banks: editors (``exams.manage``) manage the banks of their scope; they may also *use* (read,
  draw papers from) the banks of the organizations above their scope — a county bank serves
  every branch under the county.
- Exams: editors see the exams of their scope; a member sees the published exams of their own
  organization and of the organizations above it (the exam's audience is its organization's
  subtree).
- Attempts: a member reaches only their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.ownmember import own_member
from dangjian.core.scoping import ALL, get_scoped_or_404, has_any, scope_paths, scoped, subtree_q
from dangjian.learning.exams import FINISHED, AttemptState, ExamStatus, QuestionKind
from dangjian.learning.exams.models import Attempt, Exam, Question, QuestionBank
from dangjian.members import MemberStatus
from dangjian.members.models import Member

MANAGE = "exams.manage"
STEP = 4  # one step of the organization tree's materialized path (orgs.Organization.steplen)
ACTIVE_MEMBER = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


def ancestor_paths(path: str) -> list[str]:
    """``path`` and the paths of the organizations above it."""
    return [path[:i] for i in range(STEP, len(path) + 1, STEP)]


def may_manage(user: Any) -> bool:
    return has_any(user, MANAGE)


# --- banks ---------------------------------------------------------------------------------------

def managed_banks(user: Any) -> QuerySet[QuestionBank]:
    return scoped(QuestionBank.objects.select_related("organization"), user, MANAGE, path_field="org_path")


def usable_banks(user: Any) -> QuerySet[QuestionBank]:
    """Banks of the user's scope and of the organizations above it."""
    paths = scope_paths(user, MANAGE)
    qs = QuestionBank.objects.select_related("organization")
    if paths is ALL:
        return qs
    above = {a for p in paths for a in ancestor_paths(p)}  # type: ignore[union-attr]
    return scoped(qs, user, MANAGE, path_field="org_path", extra=Q(org_path__in=above))


def access_managed_bank(user: Any, bank_id: Any) -> QuestionBank:
    return get_scoped_or_404(QuestionBank.objects.select_related("organization"), user, MANAGE,
                             path_field="org_path", pk=bank_id)


def access_usable_bank(user: Any, bank_id: Any) -> QuestionBank:
    try:
        return usable_banks(user).get(pk=int(bank_id))
    except (QuestionBank.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def banks_with_counts(qs: QuerySet[QuestionBank]) -> QuerySet[QuestionBank]:
    active = Q(questions__active=True)
    return qs.annotate(**{f"n_{k}": Count("questions", filter=active & Q(questions__kind=k))
                          for k in QuestionKind.values})


def pool_of(bank: QuestionBank) -> dict[str, list[int]]:
    """The active questions' ids of each kind (one query)."""
    pool: dict[str, list[int]] = {k: [] for k in QuestionKind.values}
    for pk, kind in Question.objects.filter(bank=bank, active=True).order_by("pk").values_list("pk", "kind"):
        pool[kind].append(pk)
    return pool


def questions_of(bank: QuestionBank) -> QuerySet[Question]:
    return Question.objects.filter(bank=bank).order_by("kind", "pk")


# --- exams (editors) -----------------------------------------------------------------------------

def managed_exams(user: Any) -> QuerySet[Exam]:
    return scoped(Exam.objects.select_related("organization", "bank"), user, MANAGE, path_field="org_path")


def access_managed_exam(user: Any, exam_id: Any) -> Exam:
    return get_scoped_or_404(Exam.objects.select_related("organization", "bank"), user, MANAGE,
                             path_field="org_path", pk=exam_id)


def audience(exam: Exam) -> QuerySet[Member]:
    """The members an exam is for: active members of its organization's subtree."""
    return Member.objects.filter(subtree_q(exam.org_path, "org_path"), status__in=ACTIVE_MEMBER)


def member_results(exam: Exam, user: Any) -> QuerySet[Member]:
    """The audience in ``user``'s scope, each annotated with attempts finished, best score, whether
    any attempt passed and when the last was submitted (one query per page)."""
    mine = Attempt.objects.filter(exam=exam, member=OuterRef("pk"), state__in=FINISHED)
    qs = scoped(audience(exam), user, MANAGE, path_field="org_path").select_related("person", "organization")
    return (qs.annotate(
        attempts=Coalesce(Subquery(mine.values("member").annotate(n=Count("pk")).values("n")[:1],
                                   output_field=IntegerField()), 0),
        best=Subquery(mine.order_by("-score", "number").values("score")[:1]),
        passed=Exists(mine.filter(passed=True)),
        last_submitted=Subquery(mine.order_by("-submitted_at").values("submitted_at")[:1]))
        .only("pk", "org_path", "person__name", "organization__name").order_by("org_path", "person__name", "pk"))


def org_results(exam: Exam, user: Any) -> list[dict[str, Any]]:
    """Per organization of the audience (in ``user``'s scope): members, members who finished an
    attempt, members who passed, pass rate of those who took part, average of finished attempts'
    scores (two queries)."""
    members = (scoped(audience(exam), user, MANAGE, path_field="org_path").values("organization_id",
               "organization__name", "org_path").annotate(n=Count("pk")).order_by("org_path"))
    attempts = {r["organization_id"]: r for r in scoped(
        Attempt.objects.filter(exam=exam, state__in=FINISHED), user, MANAGE, path_field="org_path")
        .values("organization_id").annotate(took=Count("member", distinct=True),
                                            passed=Count("member", distinct=True, filter=Q(passed=True)),
                                            average=Avg("score")).order_by()}
    rows = []
    for m in members:
        a: dict[str, Any] = dict(attempts.get(m["organization_id"], {}))
        took, passed = a.get("took", 0), a.get("passed", 0)
        rows.append({"organization": m["organization__name"], "members": m["n"], "took": took, "passed": passed,
                     "pass_rate": round(passed * 100 / took, 1) if took else None,
                     "average": round(a["average"], 1) if a.get("average") is not None else None})
    return rows


# --- exams and attempts (members) ----------------------------------------------------------------

def exams_for_member(member: Any) -> QuerySet[Exam]:
    """Published or closed exams whose audience includes ``member``."""
    if member is None or member.status not in ACTIVE_MEMBER:
        return Exam.objects.none()
    return (Exam.objects.filter(org_path__in=ancestor_paths(member.org_path),
                                status__in=[ExamStatus.PUBLISHED, ExamStatus.CLOSED])
            .select_related("organization"))


def exams_for(user: Any) -> QuerySet[Exam]:
    return exams_for_member(own_member(user))


def access_exam(user: Any, exam_id: Any) -> Exam:
    try:
        return exams_for(user).get(pk=int(exam_id))
    except (Exam.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def open_not_taken(member: Any, now: dt.datetime | None = None) -> QuerySet[Exam]:
    """Exams open now to ``member`` with no attempt started yet (the member's to-do)."""
    now = now or timezone.now()
    started = Attempt.objects.filter(exam=OuterRef("pk"), member=member).exclude(state=AttemptState.PREPARED)
    return (exams_for_member(member).filter(status=ExamStatus.PUBLISHED, opens_at__lte=now, closes_at__gt=now)
            .filter(~Exists(started)).order_by("closes_at", "pk"))


def with_own_attempts(exams: list[Exam], member: Any) -> dict[int, list[Attempt]]:
    """The member's started attempts of each exam (one query)."""
    out: dict[int, list[Attempt]] = {e.pk: [] for e in exams}
    if member is None:
        return out
    for a in (Attempt.objects.filter(exam_id__in=list(out), member=member).exclude(state=AttemptState.PREPARED)
              .defer("paper", "answers", "marks").order_by("number")):
        out[a.exam_id].append(a)
    return out


def own_attempts(user: Any) -> QuerySet[Attempt]:
    member = own_member(user)
    if member is None:
        return Attempt.objects.none()
    return Attempt.objects.filter(member=member).select_related("exam")


def access_attempt(user: Any, attempt_id: Any) -> Attempt:
    try:
        return own_attempts(user).exclude(state=AttemptState.PREPARED).get(pk=int(attempt_id))
    except (Attempt.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def paper_questions(attempt: Attempt) -> list[Question]:
    """The attempt's questions in paper order (one query)."""
    by_id = Question.objects.in_bulk(attempt.paper)
    return [by_id[q] for q in attempt.paper if q in by_id]


def best_scores(org_path: str, since: dt.datetime, until: dt.datetime) -> QuerySet[Attempt]:
    """Finished attempts submitted in [since, until) by members of the subtree."""
    return Attempt.objects.filter(subtree_q(org_path, "org_path"), state__in=FINISHED, submitted_at__gte=since,
                                  submitted_at__lt=until)


def score_max(qs: QuerySet[Attempt]) -> Any:
    return qs.aggregate(m=Max("score"))["m"]
