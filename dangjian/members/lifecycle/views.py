"""Pages of the lifecycle module: floating members (list, issue, detail, print, public check) and
status changes (list, propose, decide). Thin views: parse → selector → one action → render."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import has_any, in_scope
from dangjian.members.lifecycle import RequestStatus
from dangjian.members.lifecycle.actions import (
    can_decide,
    can_record_report,
    do_approve_status_request,
    do_issue_certificate,
    do_propose_status_change,
    do_record_report_back,
    do_reject_status_request,
    do_renew_certificate,
    do_return_certificate,
    do_revoke_certificate,
    do_withdraw_status_request,
    report_due_on,
)
from dangjian.members.lifecycle.forms import (
    DecisionForm,
    EndForm,
    FloatingFilterForm,
    IssueForm,
    ProposeForm,
    RenewForm,
    ReportForm,
)
from dangjian.members.lifecycle.selectors import (
    access_certificate,
    access_request,
    can_manage_certificate,
    certificate_by_token,
    certificates_for,
    filter_certificates,
    mask_name,
    member_choices,
    requests_for,
)
from dangjian.members.selectors import access_member
from dangjian.orgs.search import keep_search, search_requested
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 25


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _need(user: Any, perm: str) -> None:
    if not has_any(user, perm):
        raise PermissionDenied(_("Your role does not give access to this page."))


# --- floating members -----------------------------------------------------------------------------

@login_required
@require_GET
def floating_list(request: HttpRequest) -> HttpResponse:
    _need(request.user, "lifecycle.view")
    form = FloatingFilterForm(request.GET or None,
                              org_choices=org_choices(request.user, "lifecycle.view", branches_only=False, levels=3))
    org_path = None
    direction = status = ""
    if form.is_valid():
        if form.cleaned_data["org"]:
            org_path = access_org(request.user, form.cleaned_data["org"], perm="lifecycle.view").path
        direction = form.cleaned_data["dir"]
        status = form.cleaned_data["status"]
    qs = filter_certificates(certificates_for(request.user), user=request.user, org_path=org_path, direction=direction, status=status)
    page = _page(request, qs.order_by("-issued_on", "-pk"))
    query = urlencode({k: str(v) for k, v in request.GET.items() if k != "page" and v})
    return render(request, "lifecycle/floating_list.html", {
        "form": form, "page": page, "query": query, "today": timezone.localdate(),
        "can_issue": has_any(request.user, "lifecycle.manage"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def certificate_issue(request: HttpRequest) -> HttpResponse:
    _need(request.user, "lifecycle.manage")
    initial = {"member": request.GET.get("member")} if request.GET.get("member") else None
    post = request.POST if request.method == "POST" else None
    searching = search_requested(post, "host_org")
    form = IssueForm(None if searching else post, initial=initial,
                     member_choices=member_choices(request.user, "lifecycle.manage"), user=request.user)
    if searching:
        keep_search(form, "host_org", post)
    elif request.method == "POST" and form.is_valid():
        member = access_member(request.user, form.cleaned_data["member"], perm="lifecycle.manage")
        try:
            cert = do_issue_certificate(member, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Floating certificate %(number)s issued.") % {"number": cert.number})
            return redirect("lifecycle:certificate", cert.pk)
    return render(request, "lifecycle/issue.html", {"form": form})


def _detail(request: HttpRequest, cert: Any, **forms: Any) -> HttpResponse:
    reports = list(cert.reports.all()[:50])
    last = reports[0].reported_on if reports else None
    manage = can_manage_certificate(request.user, cert)
    return render(request, "lifecycle/certificate.html", {
        "cert": cert, "reports": reports, "today": timezone.localdate(),
        "next_report": report_due_on(cert, last) if cert.status == "issued" else None,
        "can_manage": manage, "can_report": can_record_report(request.user, cert) and cert.status == "issued",
        "renew_form": forms.get("renew_form") or RenewForm(),
        "end_form": forms.get("end_form") or EndForm(),
        "report_form": forms.get("report_form") or ReportForm(),
    })


@login_required
@require_GET
def certificate_detail(request: HttpRequest, cert_id: int) -> HttpResponse:
    return _detail(request, access_certificate(request.user, cert_id))


@login_required
@require_POST
def certificate_renew(request: HttpRequest, cert_id: int) -> HttpResponse:
    cert = access_certificate(request.user, cert_id)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            do_renew_certificate(cert, expires_on=form.cleaned_data["expires_on"], acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Certificate renewed."))
            return redirect("lifecycle:certificate", cert.pk)
    return _detail(request, cert, renew_form=form)


@login_required
@require_POST
def certificate_end(request: HttpRequest, cert_id: int) -> HttpResponse:
    cert = access_certificate(request.user, cert_id)
    form = EndForm(request.POST)
    if form.is_valid():
        action = do_return_certificate if form.cleaned_data["action"] == "return" else do_revoke_certificate
        try:
            action(cert, reason=form.cleaned_data["reason"], on_date=form.cleaned_data.get("on_date"),
                   acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Certificate ended."))
            return redirect("lifecycle:certificate", cert.pk)
    return _detail(request, cert, end_form=form)


@login_required
@require_POST
def certificate_report(request: HttpRequest, cert_id: int) -> HttpResponse:
    cert = access_certificate(request.user, cert_id)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            do_record_report_back(cert, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Report-back recorded."))
            return redirect("lifecycle:certificate", cert.pk)
    return _detail(request, cert, report_form=form)


def verify_url(request: HttpRequest, cert: Any) -> str:
    return request.build_absolute_uri(reverse("lifecycle:verify", args=[cert.token]))


@login_required
@require_GET
def certificate_print(request: HttpRequest, cert_id: int) -> HttpResponse:
    cert = access_certificate(request.user, cert_id)
    if not can_manage_certificate(request.user, cert) and cert.member.person.user_id != request.user.pk:
        raise Http404(_("Not found."))
    url = verify_url(request, cert)
    qr = segno.make(url, error="m").svg_inline(scale=3, dark="#000", light="#fff")
    return render(request, "lifecycle/print.html", {
        "cert": cert, "qr": mark_safe(qr), "verify_url": url,  # noqa: S308 - SVG generated by segno
        "platform": settings.DANGJIAN.get("PLATFORM_NAME", ""),
    })


@require_GET
def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: anyone holding the QR link sees the number, masked name, branches and validity."""
    cert = certificate_by_token(token)
    if cert is None:
        return render(request, "lifecycle/verify.html", {"cert": None}, status=404)
    today = timezone.localdate()
    return render(request, "lifecycle/verify.html", {
        "cert": cert, "masked_name": mask_name(cert.member.person.name), "valid": cert.is_valid_on(today),
        "today": today,
    })


# --- status changes -------------------------------------------------------------------------------

@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    _need(request.user, "lifecycle.view")
    status = request.GET.get("status", "")
    qs = requests_for(request.user)
    if status in RequestStatus.values:
        qs = qs.filter(status=status)
    page = _page(request, qs.order_by("-created_at", "-pk"))
    return render(request, "lifecycle/request_list.html", {
        "page": page, "status": status, "statuses": RequestStatus.choices,
        "can_propose": has_any(request.user, "lifecycle.propose"),
        "query": urlencode({"status": status} if status else {}),
    })


@login_required
@require_http_methods(["GET", "POST"])
def request_propose(request: HttpRequest) -> HttpResponse:
    _need(request.user, "lifecycle.propose")
    initial = {"member": request.GET.get("member")} if request.GET.get("member") else None
    form = ProposeForm(request.POST if request.method == "POST" else None,
                       request.FILES if request.method == "POST" else None, initial=initial,
                       member_choices=member_choices(request.user, "lifecycle.propose"))
    if request.method == "POST" and form.is_valid():
        member = access_member(request.user, form.cleaned_data["member"], perm="lifecycle.propose")
        try:
            req = do_propose_status_change(member, form.cleaned_data, form.cleaned_data.get("evidence") or [],
                                           acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Request sent to the higher committee for approval."))
            return redirect("lifecycle:request", req.pk)
    return render(request, "lifecycle/propose.html", {"form": form})


def _request_page(request: HttpRequest, req: Any, form: DecisionForm | None = None) -> HttpResponse:
    return render(request, "lifecycle/request.html", {
        "req": req, "evidence": list(req.evidence.all()),
        "can_decide": req.status == RequestStatus.PENDING and can_decide(request.user, req),
        "can_withdraw": req.status == RequestStatus.PENDING and in_scope(request.user, "lifecycle.propose", req.org_path),
        "form": form or DecisionForm(),
    })


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _request_page(request, access_request(request.user, request_id))


@login_required
@require_POST
def request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    req = access_request(request.user, request_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                do_approve_status_request(req, acting_user=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("Approved; the member's status has changed."))
            else:
                do_reject_status_request(req, acting_user=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("Request rejected."))
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            return redirect("lifecycle:request", req.pk)
    return _request_page(request, req, form)


@login_required
@require_POST
def request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    req = access_request(request.user, request_id)
    try:
        do_withdraw_status_request(req, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Request withdrawn."))
    return redirect("lifecycle:request", req.pk)


@login_required
@require_GET
def evidence_download(request: HttpRequest, request_id: int, evidence_id: int) -> FileResponse:
    req = access_request(request.user, request_id)
    item = req.evidence.filter(pk=evidence_id).first()
    if item is None:
        raise Http404(_("Not found."))
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name or "evidence")
