"""Pages of exams. Thin: parse → selector/access → one action → render.

Members: ``mine`` (the exams open to them), ``exam`` (rules, own attempts, start), ``attempt``
(the paper: save or submit), ``result``. Editors: banks (list, new, questions, import, template)
and exams (list, new, results on screen and in Excel, publish, close)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.ownmember import own_member
from dangjian.core.spreadsheets import xlsx_response
from dangjian.learning.exams import AttemptState, ExamStatus, QuestionKind, excel
from dangjian.learning.exams import actions as act
from dangjian.learning.exams.excel import OPTION_LETTERS
from dangjian.learning.exams.forms import BankForm, ExamForm, ImportForm
from dangjian.learning.exams.models import Question
from dangjian.learning.exams.selectors import (
    MANAGE,
    access_attempt,
    access_exam,
    access_managed_bank,
    access_managed_exam,
    access_usable_bank,
    banks_with_counts,
    exams_for,
    managed_banks,
    managed_exams,
    may_manage,
    member_results,
    org_results,
    paper_questions,
    questions_of,
    usable_banks,
    with_own_attempts,
)
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 25


def _errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def _require_editor(request: HttpRequest) -> None:
    if not may_manage(request.user):
        raise PermissionDenied(_("You do not manage exams."))


# --- members -------------------------------------------------------------------------------------

@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if own_member(request.user) is None:
        raise PermissionDenied(_("Exams are for party members with a linked account."))
    page = Paginator(exams_for(request.user).order_by("-closes_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    exams = list(page.object_list)
    attempts = with_own_attempts(exams, own_member(request.user))
    now = timezone.now()
    rows = [{"exam": e, "attempts": attempts[e.pk], "open": e.status == ExamStatus.PUBLISHED and e.opens_at <= now < e.closes_at,
             "best": max((a.score for a in attempts[e.pk] if a.score is not None), default=None)} for e in exams]
    return render(request, "exams/mine.html", {"page": page, "rows": rows})


@login_required
def exam(request: HttpRequest, exam_id: int) -> HttpResponse:
    e = access_exam(request.user, exam_id)
    attempts = [act.finish_if_expired(a) for a in with_own_attempts([e], own_member(request.user))[e.pk]]
    now = timezone.now()
    running = next((a for a in attempts if a.state == AttemptState.RUNNING), None)
    is_open = e.status == ExamStatus.PUBLISHED and e.opens_at <= now < e.closes_at
    return render(request, "exams/exam.html", {
        "exam": e, "attempts": attempts, "running": running, "is_open": is_open,
        "can_start": is_open and (running is not None or len(attempts) < e.max_attempts)})


@login_required
@require_POST
def start(request: HttpRequest, exam_id: int) -> HttpResponse:
    e = access_exam(request.user, exam_id)
    try:
        attempt = act.do_start_attempt(e, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exams:exam", e.pk)
    return redirect("exams:attempt", attempt.pk)


def _posted_answers(questions: list[Question], post: Any) -> dict[str, Any]:
    """The answers on the form, in the API's shapes (left as typed when they do not parse, so the
    action names the question)."""
    out: dict[str, Any] = {}
    for q in questions:
        name = f"q{q.pk}"
        if q.kind == QuestionKind.MULTIPLE:
            values = post.getlist(name)
            if values:
                try:
                    out[str(q.pk)] = [int(v) for v in values]
                except ValueError:
                    out[str(q.pk)] = values
            elif f"{name}_shown" in post:
                out[str(q.pk)] = None
            continue
        raw = post.get(name)
        if raw is None:
            continue
        if q.kind == QuestionKind.SINGLE:
            try:
                out[str(q.pk)] = int(raw)
            except ValueError:
                out[str(q.pk)] = raw
        elif q.kind == QuestionKind.TRUE_FALSE:
            out[str(q.pk)] = {"true": True, "false": False}.get(raw, raw)
        else:
            out[str(q.pk)] = raw if raw.strip() else None
    return out


def _paper_rows(questions: list[Question], answers: dict[str, Any], marks: dict[str, int] | None = None,
                reveal: bool = False) -> list[dict[str, Any]]:
    rows = []
    for n, q in enumerate(questions, start=1):
        given = answers.get(str(q.pk))
        chosen = set(given) if isinstance(given, list) else {given}
        rows.append({
            "n": n, "q": q, "given": given, "options": [
                {"index": i, "letter": OPTION_LETTERS[i], "text": text, "checked": i in chosen}
                for i, text in enumerate(q.options)],
            "right": None if marks is None else bool(marks.get(str(q.pk))),
            "answer": _answer_text(q) if reveal else ""})
    return rows


def _answer_text(q: Question) -> str:
    if q.kind == QuestionKind.SINGLE:
        return OPTION_LETTERS[q.answer]
    if q.kind == QuestionKind.MULTIPLE:
        return "".join(OPTION_LETTERS[i] for i in q.answer)
    if q.kind == QuestionKind.TRUE_FALSE:
        return _("True") if q.answer else _("False")
    return " / ".join(q.answer)


@login_required
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    a = act.finish_if_expired(access_attempt(request.user, attempt_id))
    if a.finished:
        return redirect("exams:result", a.pk)
    questions = paper_questions(a)
    errors: dict[str, str] = {}
    answers = a.answers
    if request.method == "POST":
        posted = _posted_answers(questions, request.POST)
        submit = "submit" in request.POST
        try:
            act.do_save_answers(a, posted, submit=submit, acting_user=request.user)
        except act.TimeUp as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("exams:result", a.pk)
        except act.AttemptFinished:
            return redirect("exams:result", a.pk)
        except ValidationError as exc:
            errors = _errors(exc)
            answers = {**a.answers, **posted}
        else:
            if submit:
                return redirect("exams:result", a.pk)
            messages.success(request, _("Your answers are saved."))
            return redirect("exams:attempt", a.pk)
    remaining = max(0, int((a.deadline - timezone.now()).total_seconds())) if a.deadline else 0
    return render(request, "exams/attempt.html", {
        "attempt": a, "exam": a.exam, "rows": _paper_rows(questions, answers), "errors": errors,
        "remaining": remaining, "remaining_min": remaining // 60, "remaining_sec": remaining % 60},
        status=400 if errors else 200)


@login_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    a = act.finish_if_expired(access_attempt(request.user, attempt_id))
    if not a.finished:
        return redirect("exams:attempt", a.pk)
    # The right answers are shown once the exam has closed (members still taking it would see them).
    reveal = timezone.now() >= a.exam.closes_at
    return render(request, "exams/result.html", {
        "attempt": a, "exam": a.exam, "reveal": reveal,
        "rows": _paper_rows(paper_questions(a), a.answers, a.marks, reveal)})


# --- editors: banks ------------------------------------------------------------------------------

@login_required
def banks(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    qs = banks_with_counts(usable_banks(request.user)).order_by("org_path", "title", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    managed = set(managed_banks(request.user).filter(pk__in=[b.pk for b in page.object_list]).values_list("pk", flat=True))
    return render(request, "exams/banks.html", {"page": page, "banks": list(page.object_list), "managed": managed})


@login_required
def bank_new(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    choices = org_choices(request.user, MANAGE, branches_only=False)
    form = BankForm(request.POST or None, org_choices=choices)
    if request.method == "POST" and form.is_valid():
        org = access_org(request.user, form.cleaned_data["organization"], MANAGE)
        try:
            bank = act.do_create_bank(org, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            for field, message in _errors(exc).items():
                form.add_error(field if field in form.fields else None, message)
        else:
            return redirect("exams:bank", bank.pk)
    return render(request, "exams/bank_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def bank(request: HttpRequest, bank_id: int) -> HttpResponse:
    _require_editor(request)
    b = access_usable_bank(request.user, bank_id)
    can_edit = managed_banks(request.user).filter(pk=b.pk).exists()
    page = Paginator(questions_of(b), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exams/bank.html", {
        "bank": b, "page": page, "rows": _paper_rows(list(page.object_list), {}, reveal=True), "can_edit": can_edit,
        "form": ImportForm()})


@login_required
def bank_import(request: HttpRequest, bank_id: int) -> HttpResponse:
    _require_editor(request)
    b = access_managed_bank(request.user, bank_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and form.is_valid():
        check = excel.check_file(form.cleaned_data["file"])
        if check.ok:
            n = act.do_import_questions(b, check, acting_user=request.user)
            messages.success(request, _("%(n)d questions imported.") % {"n": n})
            return redirect("exams:bank", b.pk)
    return render(request, "exams/bank_import.html", {"bank": b, "form": form, "check": check},
                  status=400 if (check is not None or form.errors) else 200)


@login_required
def bank_template(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    return xlsx_response(excel.bank_template(), "question-bank-template.xlsx")


@login_required
@require_POST
def question_active(request: HttpRequest, bank_id: int, question_id: int) -> HttpResponse:
    _require_editor(request)
    b = access_managed_bank(request.user, bank_id)
    q = Question.objects.filter(bank=b, pk=question_id).first()
    if q is None:
        raise Http404(_("Not found."))
    act.do_set_question_active(q, request.POST.get("active") == "1", acting_user=request.user)
    return redirect("exams:bank", b.pk)


# --- editors: exams ------------------------------------------------------------------------------

@login_required
def exams(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    page = Paginator(managed_exams(request.user).order_by("-opens_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "exams/exams.html", {"page": page, "exams": list(page.object_list)})


@login_required
def exam_new(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    orgs = org_choices(request.user, MANAGE, branches_only=False)
    bank_choices = [(b.pk, f"{b.title} · {b.organization.name}") for b in usable_banks(request.user)[:500]]
    form = ExamForm(request.POST or None, org_choices=orgs, bank_choices=bank_choices)
    if request.method == "POST" and form.is_valid():
        org = access_org(request.user, form.cleaned_data["organization"], MANAGE)
        b = access_usable_bank(request.user, form.cleaned_data["bank"])
        try:
            e = act.do_create_exam(org, b, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            for field, message in _errors(exc).items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The exam is saved as a draft; publish it to open it to members."))
            return redirect("exams:results", e.pk)
    return render(request, "exams/exam_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def results(request: HttpRequest, exam_id: int) -> HttpResponse:
    _require_editor(request)
    e = access_managed_exam(request.user, exam_id)
    page = Paginator(member_results(e, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exams/results.html", {
        "exam": e, "page": page, "members": list(page.object_list), "orgs": org_results(e, request.user),
        "progress": round(e.prepared_count * 100 / e.audience_size) if e.audience_size else 100})


@login_required
def results_xlsx(request: HttpRequest, exam_id: int) -> HttpResponse:
    _require_editor(request)
    e = access_managed_exam(request.user, exam_id)
    members = [{"name": m.person.name, "organization": m.organization.name, "attempts": m.attempts,  # type: ignore[attr-defined]
                "score": m.best, "max_score": e.max_score, "passed": m.passed,  # type: ignore[attr-defined]
                "submitted_at": timezone.localtime(m.last_submitted).replace(tzinfo=None)  # type: ignore[attr-defined]
                if m.last_submitted else None}  # type: ignore[attr-defined]
               for m in member_results(e, request.user).iterator(chunk_size=2000)]
    return xlsx_response(excel.results_workbook(e, members, org_results(e, request.user)), f"exam-{e.pk}-results.xlsx")


@login_required
@require_POST
def publish(request: HttpRequest, exam_id: int) -> HttpResponse:
    _require_editor(request)
    e = access_managed_exam(request.user, exam_id)
    try:
        act.do_publish_exam(e, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The exam is published; papers are being drawn for its members."))
    return redirect("exams:results", e.pk)


@login_required
@require_POST
def close(request: HttpRequest, exam_id: int) -> HttpResponse:
    _require_editor(request)
    e = access_managed_exam(request.user, exam_id)
    try:
        act.do_close_exam(e, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("exams:results", e.pk)
