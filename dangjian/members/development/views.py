"""Pages of the development pipeline: dashboard, new file, timeline, next step, documents,
public notices. Thin: parse → scoped selector → one action → render."""

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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.ownmember import own_member
from dangjian.core.scoping import has_any, in_scope
from dangjian.core.workbench import note_visit
from dangjian.members.development import LAST_STEP, STAGE_ORDER, STEPS, FileStatus, Stage
from dangjian.members.development.actions import (
    check_role,
    clean_people,
    do_close_file,
    do_create_file,
    do_export_archive,
    do_extend_probation,
    do_publish_notice,
    do_record_step,
)
from dangjian.members.development.documents import DOCUMENTS, available_documents, render_document
from dangjian.members.development.forms import ExtendForm, FileForm, NoticeForm, ReasonForm, StepForm
from dangjian.members.development.models import ApplicantFile
from dangjian.members.development.selectors import (
    access_file,
    access_upload,
    branch_member_choices,
    dashboard,
    files_for,
    filter_files,
    masked_name,
    own_files,
    public_notice,
    public_notices,
    timeline,
)
from dangjian.orgs.selectors import access_org, org_choices, scope_roots

PAGE_SIZE = 25


def _require_view(request: HttpRequest) -> None:
    if not has_any(request.user, "development.view"):
        raise PermissionDenied(_("Your role does not include member development."))


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = request.user
    if request.GET.get("org"):
        org = access_org(user, request.GET["org"], perm="development.view")
    else:
        roots = scope_roots(user, "development.view")
        if not roots:
            raise PermissionDenied(_("Your role does not include member development."))
        org = roots[0]
    stage = request.GET.get("stage") or ""
    if stage not in Stage.values:
        stage = ""
    overdue = request.GET.get("overdue") == "1"
    qs = filter_files(files_for(user), org_path=org.path, stage=stage or None, overdue=overdue,
                      status=FileStatus.ACTIVE if (stage or overdue) else None,
                      q=(request.GET.get("q") or "")[:64]).order_by("org_path", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    board = dashboard(org)
    return render(request, "development/dashboard.html", {
        "org": org, "board": board, "page": page, "files": list(page.object_list), "stage": stage,
        "overdue_only": overdue, "stages": STAGE_ORDER, "today": timezone.localdate(), "q": request.GET.get("q", ""),
        "can_create": has_any(user, "development.manage"),
        "filter_qs": "&".join(f"{k}={v}" for k, v in (("org", org.pk), ("stage", stage), ("overdue", "1" if overdue else "")) if v),
    })


@login_required
@require_http_methods(["GET", "POST"])
def create_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_any(user, "development.manage"):
        raise PermissionDenied(_("Your role may not open applicant files."))
    choices = org_choices(user, "development.manage", branches_only=True, limit=2000)
    if request.method == "POST":
        form = FileForm(request.POST, request.FILES, org_choices=choices)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "documents"}
            try:
                f = do_create_file(data, form.cleaned_data["documents"], acting_user=user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("Applicant file opened: step 1 recorded."))
                return redirect("development:detail", f.pk)
    else:
        initial: dict[str, Any] = {"applied_on": timezone.localdate()}
        if request.GET.get("org"):
            initial["organization"] = request.GET["org"]
        form = FileForm(org_choices=choices, initial=initial)
    return render(request, "development/create.html", {"form": form})


def _detail_context(request: HttpRequest, f: ApplicantFile) -> dict[str, Any]:
    user = request.user
    staff = in_scope(user, "development.view", f.org_path)
    manage = in_scope(user, "development.manage", f.org_path)
    next_allowed = False
    pending_extension = None
    if f.member_id and 17 <= f.step <= 22:
        from dangjian.members.lifecycle import ChangeKind
        from dangjian.members.lifecycle.selectors import pending_request_of

        pending = pending_request_of(f.member_id)
        pending_extension = pending if pending is not None and pending.kind == ChangeKind.EXTEND else None
    if f.legal_steps:
        try:
            check_role(user, f, f.legal_steps[-1])
            next_allowed = True
        except (PermissionDenied, ValidationError):
            next_allowed = False
    return {
        "file": f, "person": f.person, "records": timeline(f), "staff": staff, "manage": manage,
        "next_step": f.next_step and STEPS[f.next_step], "next_allowed": next_allowed,
        "documents": [(k, DOCUMENTS[k][0]()) for k in available_documents(f)] if staff else [],
        "can_publish": manage and f.status == FileStatus.ACTIVE and 12 <= f.step < 15 and not f.notice_ends_on,
        "can_extend": (manage and f.status == FileStatus.ACTIVE and 17 <= f.step <= 22 and not f.probation_extended
                       and pending_extension is None),
        "pending_extension": pending_extension,
        "can_close": manage and f.status == FileStatus.ACTIVE and f.step < 17,
        "notice_form": NoticeForm(initial={"start": timezone.localdate()}),
        "reason_form": ReasonForm(), "extend_form": ExtendForm(),
        "today": timezone.localdate(), "last_step": LAST_STEP,
        "progress": int(100 * f.step / LAST_STEP),
    }


@login_required
@require_GET
def detail_view(request: HttpRequest, file_id: int) -> HttpResponse:
    f = access_file(request.user, file_id)
    note_visit(request, _("Applicant file: %(name)s") % {"name": f.person.name}, kind="development")
    return render(request, "development/detail.html", _detail_context(request, f))


@login_required
@require_http_methods(["GET", "POST"])
def step_view(request: HttpRequest, file_id: int) -> HttpResponse:
    """Record the next step: the form offers only the legal step(s) for this file."""
    user = request.user
    f = access_file(user, file_id)
    steps = f.legal_steps
    if not steps:
        messages.info(request, _("No further step can be recorded for this file."))
        return redirect("development:detail", f.pk)
    check_role(user, f, steps[-1])
    kwargs: dict[str, Any] = {"steps": steps, "member_choices": branch_member_choices(f)}
    if request.method == "POST":
        form = StepForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                people = clean_people(form.raw_people(), f)
                do_record_step(f, form.cleaned_data["step"], form.step_input(people),
                               form.cleaned_data["documents"], acting_user=user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("Recorded: %(step)s.") % {"step": STEPS[form.cleaned_data["step"]].name})
                return redirect("development:detail", f.pk)
    else:
        form = StepForm(initial={"date": timezone.localdate(), "step": steps[-1]}, **kwargs)
    return render(request, "development/step.html", {"file": f, "form": form, "step": STEPS[form.step_no],
                                                     "earliest": _earliest_day(f, form.step_no)})


def _earliest_day(f: ApplicantFile, step: int) -> Any:
    """Warn on the form before a minimum-time rule would refuse the step (DOMAIN §4: the system
    warns before a time rule is broken): the first legal day, when it is still to come."""
    from dangjian.members.development import rules

    day = None
    if step == 7 and f.activist_on:
        day = rules.candidate_earliest(f.activist_on)
    elif step == 22 and f.probation_ends_on:
        day = rules.full_application_earliest(f.probation_ends_on)
    elif step == 23 and f.probation_ends_on:
        day = f.probation_ends_on
    return day if day is not None and day > timezone.localdate() else None


@login_required
@require_POST
def notice_view(request: HttpRequest, file_id: int) -> HttpResponse:
    f = access_file(request.user, file_id)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            do_publish_notice(f, start=form.cleaned_data["start"], text=form.cleaned_data["text"],
                              acting_user=request.user)
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                for msg in msgs:
                    messages.error(request, msg)
        else:
            messages.success(request, _("Public notice published."))
    else:
        messages.error(request, _("Enter the start date of the notice."))
    return redirect("development:detail", f.pk)


@login_required
@require_POST
def close_view(request: HttpRequest, file_id: int) -> HttpResponse:
    f = access_file(request.user, file_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            do_close_file(f, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("File closed."))
    else:
        messages.error(request, _("Give the reason for closing the file."))
    return redirect("development:detail", f.pk)


@login_required
@require_POST
def extend_view(request: HttpRequest, file_id: int) -> HttpResponse:
    f = access_file(request.user, file_id)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            do_extend_probation(f, form.cleaned_data["months"], reason=form.cleaned_data["reason"],
                                acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The extension of probation was sent to the higher committee for approval."))
    else:
        messages.error(request, _("Probation may be extended by 6 to 12 months, with a reason."))
    return redirect("development:detail", f.pk)


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def document_view(request: HttpRequest, file_id: int, kind: str) -> HttpResponse:
    f = access_file(request.user, file_id, perm="development.view")
    if not in_scope(request.user, "development.view", f.org_path) or kind not in available_documents(f):
        raise Http404
    name, data = render_document(f, kind)
    return _attachment(data, name, _DOCX)


@login_required
@require_GET
def upload_view(request: HttpRequest, file_id: int, doc_id: int) -> HttpResponse:
    f = access_file(request.user, file_id)
    doc = access_upload(f, doc_id)
    with doc.file.open("rb") as fh:
        return _attachment(fh.read(), doc.name, doc.content_type)


@login_required
@require_GET
def export_view(request: HttpRequest, file_id: int) -> HttpResponse:
    f = access_file(request.user, file_id)
    if not in_scope(request.user, "development.view", f.org_path):
        raise Http404
    name, data = do_export_archive(f, acting_user=request.user)
    return _attachment(data, name, "application/zip")


@login_required
@require_GET
def mine_view(request: HttpRequest) -> HttpResponse:
    files = own_files(request.user)
    if not files and own_member(request.user) is not None:
        return redirect("core:member_home")  # a party member with no application to follow
    rows = [{"file": f, "records": timeline(f), "next": f.next_step and STEPS[f.next_step],
             "progress": int(100 * f.step / LAST_STEP)} for f in files]
    return render(request, "development/mine.html", {"rows": rows, "last_step": LAST_STEP})


@require_GET
def notices_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(public_notices(), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"file": f, "name": masked_name(f.person.name)} for f in page.object_list]
    return render(request, "development/notices.html", {"page": page, "items": items})


@require_GET
def notice_detail_view(request: HttpRequest, token: str) -> HttpResponse:
    f = public_notice(token)
    if f is None:
        raise Http404
    return render(request, "development/notice.html", {"file": f, "name": masked_name(f.person.name),
                                                        "person": f.person})
