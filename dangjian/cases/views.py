"""Case pages: department inbox, case detail with timeline and actions, supervision board,
accountability list, department administration. Thin: parse → access_* → one action → render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.cases import INCIDENT_SOURCE, CaseState, Rating, actions, rules, sources
from dangjian.cases.forms import (
    AccountabilityForm,
    CaseFilterForm,
    CloseForm,
    CoInputForm,
    DepartmentEditForm,
    DepartmentForm,
    IncidentForm,
    MemberForm,
    NoteForm,
    ReasonForm,
    ReassignForm,
    ReplyForm,
    StatementForm,
    WaiveForm,
)
from dangjian.cases.models import Case
from dangjian.cases.selectors import (
    access_case,
    access_department,
    access_membership,
    accountability_for,
    acting_co_department,
    active_user_by_username,
    board,
    case_timeline,
    cases_for,
    co_department_of,
    co_inputs,
    departments_for,
    events,
    filter_cases,
    memberships,
    public_incident,
)
from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import has_any, in_scope
from dangjian.orgs.selectors import org_choices

PAGE_SIZE = 25


def _may_list(user: Any) -> bool:
    from dangjian.cases.workbench import may_list

    return may_list(user)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My department's cases (handlers) or the cases in my scope (staff), filterable."""
    user = request.user
    if not _may_list(user):
        raise PermissionDenied(_("Your role does not include cases."))
    depts = list(departments_for(user).values_list("pk", "name")[:300])
    form = CaseFilterForm(request.GET or None, dept_choices=depts)
    form.is_valid()
    params: dict[str, Any] = dict(getattr(form, "cleaned_data", {}))
    overdue = {"1": True, "0": False}.get(params.get("overdue") or "")
    qs = filter_cases(cases_for(user), dept=params.get("dept"), state=params.get("state") or None, overdue=overdue)
    qs = qs.select_related("lead_department").order_by("deadline", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = {k: request.GET[k] for k in ("state", "dept", "overdue") if request.GET.get(k)}
    return render(request, "cases/inbox.html", {
        "form": form, "page": page, "cases": list(page.object_list), "filter_qs": urlencode(kept),
        "today": timezone.localdate(), "filtered": bool(kept),
    })


def _detail_context(request: HttpRequest, case: Case, forms_: dict[str, Any] | None = None) -> dict[str, Any]:
    from dangjian.cases.actions import accountability_grounds

    user = request.user
    acting = rules.acts_for(user, case.lead_department_id)
    assign = rules.can_assign(user, case)
    cooperation = co_inputs(case)
    mine = rules.acting_department_ids(user)
    is_open = case.state in (CaseState.ASSIGNED, CaseState.ACCEPTED, CaseState.IN_PROGRESS)
    ctx: dict[str, Any] = {
        "co_inputs": cooperation,
        "co_pending": [c.department.name for c in cooperation if c.state == "pending"],
        "my_co_inputs": [c for c in cooperation if is_open and c.state == "pending" and c.department_id in mine],
        "can_waive": is_open and rules.can_supervise(user, case) and any(c.state == "pending" for c in cooperation),
        "case": case,
        "events": events(case),
        "source": sources.describe(case),
        "co_departments": list(case.co_departments.all()),
        "today": timezone.localdate(),
        "overdue": case.is_overdue(),
        "can_accept": acting and case.state == CaseState.ASSIGNED,
        "can_start": acting and case.state == CaseState.ACCEPTED,
        "can_reply": acting and case.state in (CaseState.ACCEPTED, CaseState.IN_PROGRESS),
        "can_reassign": assign and case.state == CaseState.SENT_BACK,
        "can_reopen": assign and case.state == CaseState.RATED and (
            case.rating == Rating.NOT_SATISFIED or case.rated_not_satisfied > 0),
        "can_close": assign and case.state in (CaseState.REPLIED, CaseState.RATED, CaseState.SENT_BACK),
        "can_note": rules.can_supervise(user, case),
        "can_state": case.source_kind == INCIDENT_SOURCE and case.state != CaseState.CLOSED and (
            rules.can_assign(user, case) or case.lead_department_id in rules.supervised_department_ids(user)),
        "can_hold_accountable": rules.can_hold_accountable(user, case) and bool(accountability_grounds(case)),
        "accountability": list(case.accountability.all()) if rules.can_hold_accountable(user, case) else [],
        "voices": sources.voices(case),
        "public_responses": _public_responses(case),
    }
    departments = departments_for(user, "cases.assign").filter(is_active=True)
    defaults = {
        "send_back": ReasonForm(), "reply": ReplyForm(), "note": NoteForm(), "close": CloseForm(),
        "statement": StatementForm(), "co_input": CoInputForm(), "waive": WaiveForm(),
        "reopen": ReasonForm(), "accountability": AccountabilityForm(),
        "reassign": ReassignForm(departments=departments.exclude(pk=case.lead_department_id)),
    }
    defaults.update(forms_ or {})
    ctx["forms"] = defaults
    return ctx


def _public_responses(case: Case) -> dict[str, Any] | None:
    """The public's published responses on the case's matter page (S3), with the page's address;
    None when the case is not public."""
    from dangjian.cases.disclosure import KIND, public_cases
    from dangjian.core.hooks import matter_responses
    from dangjian.core.ui import safe_reverse

    if not public_cases().filter(pk=case.pk).exists():
        return None
    return {"url": safe_reverse("portal:matter", KIND, case.number),
            "items": matter_responses(KIND, case.number)}




@login_required
@require_GET
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    from dangjian.core.workbench import note_visit

    case = access_case(request.user, case_id)
    note_visit(request, f"{case.number} {case.title}", kind="case")
    return render(request, "cases/detail.html", _detail_context(request, case))


def _run_accept(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_accept_case(case, acting_user=request.user)


def _run_start(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_start_case(case, acting_user=request.user)


def _run_send_back(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_send_back_case(case, reason=form.cleaned_data["reason"], acting_user=request.user)


def _run_reply(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_reply_case(case, reply=form.cleaned_data["reply"], acting_user=request.user)


def _run_reassign(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_reassign_case(case, lead_department=form.cleaned_data["lead_department"],
                             co_departments=form.cleaned_data["co_departments"], note=form.cleaned_data["note"],
                             acting_user=request.user)


def _run_reopen(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_reopen_case(case, reason=form.cleaned_data["reason"], acting_user=request.user)


def _run_close(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_close_case(case, note=form.cleaned_data["note"], acting_user=request.user)


def _run_note(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_add_supervision_note(case, text=form.cleaned_data["text"], acting_user=request.user)


def _run_statement(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_publish_statement(case, text=form.cleaned_data["text"], acting_user=request.user)


def _run_co_input(request: HttpRequest, case: Case, form: Any) -> None:
    department = acting_co_department(request.user, case, form.cleaned_data["department"])
    actions.do_submit_co_input(case, department, text=form.cleaned_data["text"], acting_user=request.user)


def _run_waive(request: HttpRequest, case: Case, form: Any) -> None:
    department = co_department_of(case, form.cleaned_data["department"])
    actions.do_waive_co_input(case, department, reason=form.cleaned_data["reason"], acting_user=request.user)


def _run_accountability(request: HttpRequest, case: Case, form: Any) -> None:
    actions.do_create_accountability(case, form.cleaned_data, acting_user=request.user)


_ACTIONS: dict[str, tuple[Callable[..., Any] | None, Callable[[HttpRequest, Case, Any], None]]] = {
    "accept": (None, _run_accept),
    "start": (None, _run_start),
    "send_back": (ReasonForm, _run_send_back),
    "reply": (ReplyForm, _run_reply),
    "reassign": (ReassignForm, _run_reassign),
    "reopen": (ReasonForm, _run_reopen),
    "close": (CloseForm, _run_close),
    "note": (NoteForm, _run_note),
    "accountability": (AccountabilityForm, _run_accountability),
    "statement": (StatementForm, _run_statement),
    "co_input": (CoInputForm, _run_co_input),
    "waive": (WaiveForm, _run_waive),
}


def _done_message(key: str) -> str:
    return {
        "accept": _("Accepted."), "start": _("Handling started."), "send_back": _("Sent back."),
        "reply": _("Reply sent."), "reassign": _("Reassigned."), "reopen": _("Reopened."), "close": _("Closed."),
        "note": _("Supervision note added."), "accountability": _("Accountability record added."),
        "statement": _("Statement published."), "co_input": _("Your department's input was sent."),
        "waive": _("The lead department no longer waits for this input."),
    }[key]


@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    if action not in _ACTIONS:
        raise Http404(_("Not found."))
    case = access_case(request.user, case_id)
    form_class, run = _ACTIONS[action]
    form: Any = None
    if form_class is not None:
        kwargs: dict[str, Any] = {}
        if form_class is ReassignForm:
            kwargs["departments"] = departments_for(request.user, "cases.assign").filter(is_active=True)
        form = form_class(request.POST, **kwargs)
    if form is None or form.is_valid():
        try:
            run(request, case, form)
        except ValidationError as exc:
            if form is None:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("cases:detail", case_id=case.pk)
            apply_action_errors(form, exc)
        else:
            messages.success(request, _done_message(action))
            return redirect("cases:detail", case_id=case.pk)
    ctx = _detail_context(request, case, {action: form})
    ctx["open_form"] = action
    return render(request, "cases/detail.html", ctx, status=400)


@login_required
@require_GET
def board_view(request: HttpRequest) -> HttpResponse:
    from dangjian.cases.workbench import may_see_board

    if not may_see_board(request.user):
        raise PermissionDenied(_("Your role does not include case supervision."))
    rows = board(request.user)
    return render(request, "cases/board.html", {
        "rows": rows, "today": timezone.localdate(), "due_soon": rules.due_soon_workdays(),
    })


@login_required
@require_GET
def accountability_list(request: HttpRequest) -> HttpResponse:
    if not has_any(request.user, "cases.accountability"):
        raise PermissionDenied(_("Your role does not include accountability."))
    page = Paginator(accountability_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/accountability.html", {"page": page, "records": list(page.object_list)})


# --- incidents -------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    """Open a public-opinion incident (舆情): due in hours; leaders are alerted at once."""
    user = request.user
    if not has_any(user, "cases.assign"):
        raise PermissionDenied(_("Your role does not include assigning cases."))
    departments = departments_for(user, "cases.assign").filter(is_active=True)
    form = IncidentForm(request.POST or None, departments=departments, initial={"hours": rules.incident_hours()})
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.do_open_incident(
                title=form.cleaned_data["title"], summary=form.cleaned_data["summary"],
                lead_department=form.cleaned_data["lead_department"], hours=form.cleaned_data["hours"],
                acting_user=user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Incident opened as case %(no)s.") % {"no": case.number})
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/incident_new.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def incident_public(request: HttpRequest, number: str) -> HttpResponse:
    """The public statement timeline of an incident (no sign-in; public steps only)."""
    case = public_incident(number)
    return render(request, "cases/incident_public.html", {"case": case, "steps": case_timeline(case)})


# --- departments -----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def department_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_any(user, "cases.manage_departments"):
        raise PermissionDenied(_("Your role does not include managing departments."))
    choices = org_choices(user, "cases.manage_departments", branches_only=False, levels=2, limit=300)
    form = DepartmentForm(request.POST or None, org_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            dept = actions.do_create_department(form.cleaned_data, acting_user=user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Department created."))
            return redirect("cases:department", department_id=dept.pk)
    page = Paginator(departments_for(user, "cases.manage_departments"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/departments.html", {"form": form, "page": page, "departments": list(page.object_list)},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def department_detail(request: HttpRequest, department_id: int) -> HttpResponse:
    user = request.user
    dept = access_department(user, department_id, perm="cases.manage_departments")
    edit_form = DepartmentEditForm(initial={"name": dept.name, "is_active": dept.is_active})
    member_form = MemberForm()
    status = 200
    if request.method == "POST":
        what = request.POST.get("form")
        try:
            if what == "edit":
                edit_form = DepartmentEditForm(request.POST)
                if edit_form.is_valid():
                    actions.do_update_department(dept, edit_form.cleaned_data, acting_user=user)
                    messages.success(request, _("Department saved."))
                    return redirect("cases:department", department_id=dept.pk)
            elif what == "add_member":
                member_form = MemberForm(request.POST)
                if member_form.is_valid():
                    person = active_user_by_username(member_form.cleaned_data["username"])
                    actions.do_add_department_member(dept, person, member_form.cleaned_data["role"], acting_user=user)
                    messages.success(request, _("Member added."))
                    return redirect("cases:department", department_id=dept.pk)
            elif what == "remove_member":
                membership = access_membership(dept, request.POST.get("membership"))
                actions.do_remove_department_member(membership, acting_user=user)
                messages.success(request, _("Member removed."))
                return redirect("cases:department", department_id=dept.pk)
            else:
                raise Http404(_("Not found."))
        except ValidationError as exc:
            target: forms.Form = edit_form if what == "edit" else member_form
            apply_action_errors(target, exc)
        status = 400
    return render(request, "cases/department.html", {
        "department": dept, "edit_form": edit_form, "member_form": member_form, "memberships": memberships(dept),
        "can_view_cases": in_scope(user, "cases.view", dept.org_path),
    }, status=status)
