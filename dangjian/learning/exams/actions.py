"""Every write of exams. Each action checks permission, validates (translated messages naming
the field), writes in one transaction and records its audit event.

Starting an attempt is the hot path (many members open an exam in the same minute): the papers
are drawn ahead by ``prepare_attempts`` (a background task queued when the exam is published), so
``do_start_attempt`` reads the member's attempts (one query) and claims the prepared one with one
conditional UPDATE. The start and the saving of answers are the member's own working state and
are not audited one by one; the submission (or the marking at the time limit) is, with the
attempt's start, deadline and score.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.ownmember import own_member
from dangjian.core.scoping import require
from dangjian.learning import PointsKind
from dangjian.learning.actions import Credit, credit_points
from dangjian.learning.exams import AttemptState, ExamStatus, QuestionKind
from dangjian.learning.exams.excel import ImportCheck
from dangjian.learning.exams.marking import clean_answer, draw, mark, new_seed
from dangjian.learning.exams.models import Attempt, Exam, Question, QuestionBank
from dangjian.learning.exams.preparation import prepare_exam
from dangjian.learning.exams.selectors import ACTIVE_MEMBER, MANAGE, ancestor_paths, audience, pool_of
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

MAX_TITLE = 120
MAX_DESCRIPTION = 4000
#: Bounds of an exam's settings.
LIMITS = {"duration_minutes": (1, 600), "max_attempts": (1, 10), "pass_percent": (0, 100)}
COUNT_FIELDS = {QuestionKind.SINGLE: "single_count", QuestionKind.MULTIPLE: "multiple_count",
                QuestionKind.TRUE_FALSE: "true_false_count", QuestionKind.FILL: "fill_count"}
POINT_FIELDS = ("single_points", "multiple_points", "true_false_points", "fill_points")
DEFAULTS = {"duration_minutes": 30, "max_attempts": 1, "pass_percent": 60, "single_points": 2, "multiple_points": 3,
            "true_false_points": 1, "fill_points": 2}


class TimeUp(ValidationError):
    """Answers arrived after the deadline and its grace: refused (the attempt is marked as it was)."""


class AttemptFinished(ValidationError):
    """The attempt was already submitted."""


def grace() -> dt.timedelta:
    """How late answers may arrive after the deadline (the network's delay, not extra time)."""
    return dt.timedelta(seconds=getattr(settings, "EXAMS_GRACE_SECONDS", 30))


def _title(value: Any, field: str = "title") -> str:
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > MAX_TITLE:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": MAX_TITLE}})
    return text


def _description(value: Any) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError({"description": _("At most %(n)d characters.") % {"n": MAX_DESCRIPTION}})
    return text


def _int(data: dict[str, Any], field: str, low: int, high: int, default: int | None = None) -> int:
    raw = data.get(field, default)
    try:
        value = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError({field: _("Give a whole number.")}) from None
    if not low <= value <= high:
        raise ValidationError({field: _("Give a number from %(low)d to %(high)d.") % {"low": low, "high": high}})
    return value


# --- banks and questions -------------------------------------------------------------------------

def do_create_bank(org: Organization, data: dict[str, Any], *, acting_user: ActingUser) -> QuestionBank:
    require(acting_user, MANAGE, org.path)
    title, description = _title(data.get("title")), _description(data.get("description"))
    with transaction.atomic():
        bank = QuestionBank.objects.create(organization=org, org_path=org.path, title=title,
                                           description=description, created_by=as_user(acting_user))
        audit.record(acting_user, "exam_bank.created", bank, after={"title": title}, org_path=bank.org_path,
                     target_label=title)
    return bank


def do_import_questions(bank: QuestionBank, check: ImportCheck, *, acting_user: ActingUser) -> int:
    """Add the checked rows of an import to ``bank``, all or nothing. A check with errors (or no
    rows) writes nothing."""
    require(acting_user, MANAGE, bank.org_path)
    if not check.ok:
        raise ValidationError({"file": _("The file has errors; nothing was imported.")})
    with transaction.atomic():
        Question.objects.bulk_create([
            Question(bank=bank, kind=r["kind"], text=r["text"], options=r["options"], answer=r["answer"],
                     explanation=r["explanation"]) for r in check.rows], batch_size=500)
        audit.record(acting_user, "exam_bank.imported", bank, after={"questions": len(check.rows)},
                     org_path=bank.org_path, target_label=bank.title)
    return len(check.rows)


def do_set_question_active(question: Question, active: bool, *, acting_user: ActingUser) -> Question:
    """Take a question out of use (no new paper draws it; papers already drawn keep it) or back."""
    bank = question.bank
    require(acting_user, MANAGE, bank.org_path)
    with transaction.atomic():
        Question.objects.filter(pk=question.pk).update(active=bool(active))
        question.active = bool(active)
        audit.record(acting_user, "exam_question.changed", question, after={"active": question.active},
                     org_path=bank.org_path, target_label=question.text[:60])
    return question


# --- exams ---------------------------------------------------------------------------------------

def clean_exam(org: Organization, bank: QuestionBank, data: dict[str, Any]) -> dict[str, Any]:
    """The exam's settings from ``data``, or a ValidationError naming the first bad field."""
    if bank.org_path not in ancestor_paths(org.path):
        raise ValidationError({"bank": _("Choose a bank of this organization or of one above it.")})
    out: dict[str, Any] = {"title": _title(data.get("title")), "description": _description(data.get("description"))}
    for field, (low, high) in LIMITS.items():
        out[field] = _int(data, field, low, high, DEFAULTS[field])
    for field in POINT_FIELDS:
        out[field] = _int(data, field, 0, 100, DEFAULTS[field])
    pool = pool_of(bank)
    total = 0
    for kind, field in COUNT_FIELDS.items():
        n = _int(data, field, 0, 200, 0)
        if n > len(pool[kind]):
            raise ValidationError({field: _("The bank has only %(n)d questions of this kind in use.")
                                   % {"n": len(pool[kind])}})
        out[field] = n
        total += n
    if not total:
        raise ValidationError({"single_count": _("An exam needs at least one question.")})
    for field in ("opens_at", "closes_at"):
        value = data.get(field)
        if not isinstance(value, dt.datetime):
            raise ValidationError({field: _("Give a date and time.")})
        out[field] = value if timezone.is_aware(value) else timezone.make_aware(value)
    if out["closes_at"] <= out["opens_at"]:
        raise ValidationError({"closes_at": _("The exam must close after it opens.")})
    return out


def do_create_exam(org: Organization, bank: QuestionBank, data: dict[str, Any], *, acting_user: ActingUser) -> Exam:
    require(acting_user, MANAGE, org.path)
    values = clean_exam(org, bank, data)
    with transaction.atomic():
        exam = Exam.objects.create(organization=org, org_path=org.path, bank=bank, created_by=as_user(acting_user),
                                   **values)
        audit.record(acting_user, "exam.created", exam, after={"title": exam.title, "bank": bank.pk},
                     org_path=exam.org_path, target_label=exam.title)
    return exam


def do_publish_exam(exam: Exam, *, acting_user: ActingUser) -> Exam:
    """Open the exam to its audience and queue the drawing of their papers."""
    require(acting_user, MANAGE, exam.org_path)
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        if locked.status != ExamStatus.DRAFT:
            raise ValidationError({"status": _("Only a draft exam can be published.")})
        if locked.closes_at <= timezone.now():
            raise ValidationError({"closes_at": _("The exam would already be closed.")})
        pool = pool_of(locked.bank)
        for kind, field in COUNT_FIELDS.items():
            if getattr(locked, field) > len(pool[kind]):
                raise ValidationError({field: _("The bank has only %(n)d questions of this kind in use.")
                                       % {"n": len(pool[kind])}})
        locked.status = ExamStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.audience_size = audience(locked).count()
        locked.save(update_fields=["status", "published_at", "audience_size"])
        exam.status, exam.published_at, exam.audience_size = locked.status, locked.published_at, locked.audience_size
        audit.record(acting_user, "exam.published", locked, after={"audience": locked.audience_size},
                     org_path=locked.org_path, target_label=locked.title)
        pk = locked.pk
        transaction.on_commit(lambda: prepare_exam.enqueue(pk))
    return locked


def do_close_exam(exam: Exam, *, acting_user: ActingUser) -> Exam:
    """Close the exam now: no new starts; running attempts are marked (as at their time limit)."""
    require(acting_user, MANAGE, exam.org_path)
    now = timezone.now()
    with transaction.atomic():
        n = Exam.objects.filter(pk=exam.pk, status=ExamStatus.PUBLISHED).update(
            status=ExamStatus.CLOSED, closes_at=now)
        if not n:
            raise ValidationError({"status": _("Only a published exam can be closed.")})
        exam.status, exam.closes_at = ExamStatus.CLOSED, now
        audit.record(acting_user, "exam.closed", exam, org_path=exam.org_path, target_label=exam.title)
        for attempt in Attempt.objects.filter(exam=exam, state=AttemptState.RUNNING).select_related("exam"):
            _finish(attempt, AttemptState.EXPIRED, now)
    return exam


# --- attempts ------------------------------------------------------------------------------------

def _member_for(acting_user: ActingUser, exam: Exam) -> Any:
    member = own_member(acting_user)
    if member is None or member.status not in ACTIVE_MEMBER:
        raise PermissionDenied(_("Only party members take exams."))
    if exam.org_path not in ancestor_paths(member.org_path):
        raise PermissionDenied(_("This exam is not for your organization."))
    return member


def do_start_attempt(exam: Exam, *, acting_user: ActingUser, now: dt.datetime | None = None) -> Attempt:
    """Start (or resume) the member's attempt: the running one if there is one; otherwise claim the
    prepared paper with one conditional UPDATE (drawn here only when none was prepared). The
    deadline is fixed now: the time allowed, but never after the exam closes."""
    now = now or timezone.now()
    member = _member_for(acting_user, exam)
    if exam.status != ExamStatus.PUBLISHED or now < exam.opens_at or now >= exam.closes_at:
        raise ValidationError({"exam": _("The exam is not open now.")})
    attempts = list(Attempt.objects.filter(exam=exam, member=member).defer("answers", "marks").order_by("number"))
    running = next((a for a in attempts if a.state == AttemptState.RUNNING), None)
    if running is not None:
        if now <= running.deadline + grace():  # type: ignore[operator]
            return running
        with transaction.atomic():
            _finish(running, AttemptState.EXPIRED, now)
        return do_start_attempt(exam, acting_user=acting_user, now=now)  # the next one, if any is left
    used = sum(1 for a in attempts if a.state != AttemptState.PREPARED)
    if used >= exam.max_attempts:
        raise ValidationError({"exam": _("You have used all your attempts at this exam.")})
    deadline = min(now + dt.timedelta(minutes=exam.duration_minutes), exam.closes_at)
    prepared = next((a for a in attempts if a.state == AttemptState.PREPARED), None)
    if prepared is not None:
        with transaction.atomic():
            claimed = Attempt.objects.filter(pk=prepared.pk, state=AttemptState.PREPARED).update(
                state=AttemptState.RUNNING, started_at=now, deadline=deadline)
        if claimed:
            prepared.state, prepared.started_at, prepared.deadline = AttemptState.RUNNING, now, deadline
            return prepared
        return _running_of(exam, member)  # a second tab claimed it a moment ago
    seed = new_seed()
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                exam=exam, member=member, organization_id=member.organization_id, org_path=member.org_path,
                number=used + 1, seed=seed, paper=draw(pool_of(exam.bank), exam.counts(), seed),
                max_score=exam.max_score, state=AttemptState.RUNNING, started_at=now, deadline=deadline)
    except IntegrityError:
        return _running_of(exam, member)
    except ValueError:
        raise ValidationError({"exam": _("The question bank no longer has enough questions for this exam.")}) from None


def _running_of(exam: Exam, member: Any) -> Attempt:
    attempt = Attempt.objects.filter(exam=exam, member=member, state=AttemptState.RUNNING).first()
    if attempt is None:
        raise ValidationError({"exam": _("The exam could not be started; try again.")})
    return attempt


def clean_answers(attempt: Attempt, answers: Any) -> dict[str, Any]:
    """``answers`` ({question id: answer}) checked against the attempt's paper; a ValidationError
    names the first bad one (``answers.<id>``)."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give the answers as an object of question ids.")})
    on_paper = {str(q) for q in attempt.paper}
    questions = {str(q.pk): q for q in Question.objects.filter(pk__in=attempt.paper).only("pk", "kind", "options")}
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        field = f"answers.{key}"
        key = str(key)
        if key not in on_paper or key not in questions:
            raise ValidationError({field: _("This question is not on your paper.")})
        q = questions[key]
        cleaned[key] = clean_answer(q.kind, q.options, value, field)
    return cleaned


def do_save_answers(attempt: Attempt, answers: Any, *, submit: bool = False, acting_user: ActingUser,
                    now: dt.datetime | None = None) -> Attempt:
    """Record the member's answers (merged with those saved before; ``None`` clears one) and, with
    ``submit``, mark the attempt. Refused: another member's attempt, a finished attempt, answers
    after the deadline and its grace (the attempt is then marked with what was saved before), bad
    answers (nothing recorded)."""
    now = now or timezone.now()
    member = own_member(acting_user)
    if member is None or member.pk != attempt.member_id:
        raise PermissionDenied
    if attempt.state != AttemptState.RUNNING:
        raise AttemptFinished({"attempt": _("This attempt has already been submitted.")})
    if now > attempt.deadline + grace():  # type: ignore[operator]
        with transaction.atomic():
            _finish(attempt, AttemptState.EXPIRED, now)
        raise TimeUp({"answers": _("Time is up: answers sent after the deadline are not accepted. "
                                   "Your answers saved before it have been marked.")})
    cleaned = clean_answers(attempt, answers)
    merged = {k: v for k, v in {**attempt.answers, **cleaned}.items() if v is not None}
    with transaction.atomic():
        if not Attempt.objects.filter(pk=attempt.pk, state=AttemptState.RUNNING).update(answers=merged):
            raise AttemptFinished({"attempt": _("This attempt has already been submitted.")})
        attempt.answers = merged
        if submit:
            _finish(attempt, AttemptState.SUBMITTED, now, actor=acting_user)
    return attempt


def _credit_pass(attempt: Attempt, exam: Exam, when: dt.datetime) -> None:
    """Points for a passed exam, where the member's organization has them on (``credit_points``
    decides): once per member and exam, however many attempts pass, on the day it was marked."""
    user_id = Member.objects.filter(pk=attempt.member_id).values_list("person__user_id", flat=True).first()
    if user_id is None:
        return
    credit_points([Credit(user_id, PointsKind.EXAM_PASSED, f"exams.exam:{exam.pk}", timezone.localdate(when),
                          label=exam.title, url=reverse("exams:result", args=[attempt.pk]))])


def _finish(attempt: Attempt, state: str, now: dt.datetime, *, actor: ActingUser | None = None) -> bool:
    """Mark ``attempt`` (inside the caller's transaction) if it is still running; returns whether it
    did. A second attempt, when the exam allows one, is drawn at once."""
    exam = attempt.exam
    questions = Question.objects.in_bulk(attempt.paper)
    score, maximum, marks = mark(questions, attempt.paper, attempt.answers, exam.points())
    passed = score * 100 >= exam.pass_percent * maximum if maximum else False
    submitted_at = min(now, attempt.deadline) if state == AttemptState.EXPIRED and attempt.deadline else now
    done = Attempt.objects.filter(pk=attempt.pk, state=AttemptState.RUNNING).update(
        state=state, submitted_at=submitted_at, score=score, max_score=maximum, passed=passed, marks=marks)
    if not done:
        return False
    attempt.state, attempt.submitted_at, attempt.score = state, submitted_at, score
    attempt.max_score, attempt.passed, attempt.marks = maximum, passed, marks
    event = "exam_attempt.submitted" if state == AttemptState.SUBMITTED else "exam_attempt.expired"
    audit.record(actor, event, attempt, after={
        "exam": exam.pk, "member": attempt.member_id, "number": attempt.number, "score": score, "max_score": maximum,
        "passed": passed, "started_at": attempt.started_at, "deadline": attempt.deadline}, org_path=attempt.org_path,
        target_label=exam.title)
    if passed:
        _credit_pass(attempt, exam, submitted_at)
    if attempt.number < exam.max_attempts and exam.status == ExamStatus.PUBLISHED and now < exam.closes_at:
        seed = new_seed()
        try:
            paper = draw(pool_of(exam.bank), exam.counts(), seed)
        except ValueError:
            return True  # the bank shrank: the next start reports it
        Attempt.objects.bulk_create([Attempt(
            exam=exam, member_id=attempt.member_id, organization_id=attempt.organization_id,
            org_path=attempt.org_path, number=attempt.number + 1, seed=seed, paper=paper,
            max_score=exam.max_score)], ignore_conflicts=True)
    return True


def finish_expired(now: dt.datetime | None = None, *, limit: int = 5000) -> int:
    """Mark every running attempt whose deadline and grace have passed (the periodic job)."""
    now = now or timezone.now()
    done = 0
    overdue = (Attempt.objects.filter(state=AttemptState.RUNNING, deadline__lt=now - grace())
               .select_related("exam__bank").order_by("deadline")[:limit])
    for attempt in overdue:
        with transaction.atomic():
            done += _finish(attempt, AttemptState.EXPIRED, now)
    return done


def finish_if_expired(attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """Mark ``attempt`` now if its time ran out (a page showing it need not wait for the job)."""
    now = now or timezone.now()
    if attempt.state == AttemptState.RUNNING and attempt.deadline and now > attempt.deadline + grace():
        with transaction.atomic():
            _finish(attempt, AttemptState.EXPIRED, now)
        attempt.refresh_from_db()
    return attempt

