"""Transfer pages: list (awaiting my approval / outgoing / incoming), start, detail with the route,
decisions, letter PDF, public verification, ledger, registration from an outside letter, and the
member's own request. Thin views: parse → selector → one action → render."""

from __future__ import annotations

from typing import Any

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

from dangjian.core.forms import apply_action_errors
from dangjian.core.http import client_ip
from dangjian.core.scoping import has_any, in_scope, scoped
from dangjian.core.spreadsheets import xlsx_response
from dangjian.core.ui import own_member
from dangjian.core.workbench import note_visit
from dangjian.members import CURRENT_STATUSES
from dangjian.members.forms import MemberForm
from dangjian.members.selectors import access_member, members_for
from dangjian.members.transfers import ACTIVE_STATUSES, HopState, TransferKind, TransferStatus
from dangjian.members.transfers import actions as act
from dangjian.members.transfers import selectors as sel
from dangjian.members.transfers.forms import (
    DecisionForm,
    IncomingLetterForm,
    ReasonForm,
    ReceiptForm,
    RequestForm,
    StartForm,
)
from dangjian.members.transfers.models import Transfer, TransferHop
from dangjian.orgs.models import Organization
from dangjian.orgs.search import keep_search, search_requested
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 25
TABS = ("awaiting", "outgoing", "incoming", "receipts", "all")
MEMBER_CHOICES_MAX = 1000
LEDGER_EXPORT_MAX = 50_000


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _member_choices(user: Any) -> list[tuple[int, str]]:
    qs = scoped(members_for(user).filter(status__in=CURRENT_STATUSES), user, "transfers.start", path_field="org_path")
    rows = qs.order_by("org_path", "person__name_pinyin", "pk").values_list("pk", "person__name", "organization__name")
    return [(pk, f"{name} · {org}") for pk, name, org in rows[:MEMBER_CHOICES_MAX]]


def _apply_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict") and "to_external" in exc.error_dict:
        exc.error_dict["external_name"] = exc.error_dict.pop("to_external")
    apply_action_errors(form, exc)


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_any(user, "transfers.view"):
        member = own_member(user)
        if member is not None:
            return redirect("transfers:mine")
        raise PermissionDenied(_("Your role does not include transfers."))
    tab = request.GET.get("tab") or "awaiting"
    if tab not in TABS:
        tab = "awaiting"
    qs = {"awaiting": sel.awaiting, "outgoing": sel.outgoing, "incoming": sel.incoming,
          "receipts": sel.overdue_receipts, "all": sel.transfers_for}[tab](user)
    page = _page(request, sel.for_list(qs))
    return render(request, "transfers/list.html", {
        "tab": tab, "page": page, "transfers": list(page.object_list),
        "overdue_receipts": sel.overdue_receipts(user).count(), "today": timezone.localdate(),
        "can_start": has_any(user, "transfers.start"),
        "can_register": has_any(user, "transfers.approve") and has_any(user, "members.add"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def transfer_start(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_any(user, "transfers.start"):
        raise PermissionDenied(_("Your role may not start transfers."))
    post = request.POST if request.method == "POST" else None
    searching = search_requested(post, "to_org")
    form = StartForm(None if searching else post, member_choices=_member_choices(user), user=user,
                     max_days=act.validity_max(),
                     initial={"validity_days": act.validity_default(), "target": "platform"})
    member_param = request.GET.get("member", "")
    if request.method == "GET" and member_param.isascii() and member_param.isdecimal():
        form.initial["member"] = int(member_param)
    if searching:
        keep_search(form, "to_org", post)
    elif request.method == "POST" and form.is_valid():
        member = access_member(user, form.cleaned_data["member"])
        try:
            transfer = act.do_start_transfer(member, form.action_data(), acting_user=user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Transfer %(number)s started.") % {"number": transfer.number})
            return redirect("transfers:detail", transfer_id=transfer.pk)
    return render(request, "transfers/start.html", {"form": form, "mine": False})


@login_required
@require_http_methods(["GET", "POST"])
def my_transfer(request: HttpRequest) -> HttpResponse:
    """The member's own page: their transfers, and a request form when none is active."""
    member = own_member(request.user)
    if member is None:
        raise Http404(_("Not found."))
    mine = list(sel.for_list(Transfer.objects.filter(member_id=member.pk))[:20])
    active = next((t for t in mine if t.status in ACTIVE_STATUSES), None)
    form = None
    if active is None and member.status in CURRENT_STATUSES:
        post = request.POST if request.method == "POST" else None
        searching = search_requested(post, "to_org")
        form = RequestForm(None if searching else post, member_choices=[], user=request.user,
                           max_days=act.validity_max(),
                           initial={"validity_days": act.validity_default(), "target": "platform"})
        if searching:
            keep_search(form, "to_org", post)
        elif request.method == "POST" and form.is_valid():
            try:
                transfer = act.do_start_transfer(member, form.action_data(), acting_user=request.user)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Your request was sent to your branch for approval."))
                return redirect("transfers:detail", transfer_id=transfer.pk)
    return render(request, "transfers/mine.html", {"member": member, "transfers": mine, "form": form})


def _detail_context(request: HttpRequest, transfer: Transfer, **extra: Any) -> dict[str, Any]:
    user = request.user
    hops = sel.hops_of(transfer)
    current = next((h for h in hops if h.state != HopState.APPROVED), None)
    if transfer.status not in ACTIVE_STATUSES:
        current = None
    sender = sel.is_sender(user, transfer)
    today = timezone.localdate()
    ctx = {
        "transfer": transfer, "hops": hops, "current": current,
        "can_decide": transfer.status == TransferStatus.IN_PROGRESS and current is not None
        and current.state == HopState.PENDING and sel.can_approve(user, current),
        "can_cancel": sender and transfer.status in ACTIVE_STATUSES,
        "can_resubmit": sender and transfer.status == TransferStatus.RETURNED,
        "can_receipt": transfer.status == TransferStatus.LETTER_ISSUED and transfer.sending_org is not None
        and in_scope(user, "transfers.approve", transfer.sending_org.path),
        "can_print": transfer.issued_on is not None and transfer.kind != TransferKind.INCOMING_EXTERNAL
        and bool(transfer.from_path) and in_scope(user, "members.view_pii", transfer.from_path),
        "expired": bool(transfer.valid_until and transfer.valid_until < today and transfer.status in ACTIVE_STATUSES),
        "decision_form": DecisionForm(initial={"hop": current.pk if current else None}),
        "reason_form": ReasonForm(),
        "receipt_form": ReceiptForm(initial={"received_on": today}),
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = sel.access_transfer(request.user, transfer_id)
    note_visit(request, _("Transfer %(number)s: %(name)s") % {"number": transfer.number, "name": transfer.name},
               kind="transfer")
    return render(request, "transfers/detail.html", _detail_context(request, transfer))


def _hop_of(transfer: Transfer, hop_id: Any) -> TransferHop:
    hop = TransferHop.objects.filter(transfer=transfer, pk=hop_id).select_related("transfer").first()
    if hop is None:
        raise Http404(_("Not found."))
    return hop


@login_required
@require_POST
def transfer_decide(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = sel.access_transfer(request.user, transfer_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        hop = _hop_of(transfer, form.cleaned_data["hop"])
        try:
            if form.cleaned_data["decision"] == "approve":
                act.do_approve_hop(hop, acting_user=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("Approved."))
            else:
                act.do_return_hop(hop, acting_user=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("The transfer was returned."))
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            return redirect("transfers:detail", transfer_id=transfer.pk)
    transfer.refresh_from_db()
    return render(request, "transfers/detail.html", _detail_context(request, transfer, decision_form=form), status=400)


@login_required
@require_POST
def transfer_cancel(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = sel.access_transfer(request.user, transfer_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            act.do_cancel_transfer(transfer, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("The transfer was cancelled."))
            return redirect("transfers:detail", transfer_id=transfer.pk)
    return render(request, "transfers/detail.html", _detail_context(request, transfer, reason_form=form), status=400)


@login_required
@require_POST
def transfer_resubmit(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = sel.access_transfer(request.user, transfer_id)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        act.do_resubmit_transfer(transfer, acting_user=request.user, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return render(request, "transfers/detail.html", _detail_context(request, transfer, reason_form=form), status=400)
    messages.success(request, _("The transfer was sent again."))
    return redirect("transfers:detail", transfer_id=transfer.pk)


@login_required
@require_POST
def transfer_receipt(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = sel.access_transfer(request.user, transfer_id)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            act.do_record_receipt(transfer, received_on=form.cleaned_data["received_on"],
                                  note=form.cleaned_data["note"], acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Receipt recorded; the member is transferred out."))
            return redirect("transfers:detail", transfer_id=transfer.pk)
    return render(request, "transfers/detail.html", _detail_context(request, transfer, receipt_form=form), status=400)


@login_required
@require_GET
def letter_pdf(request: HttpRequest, transfer_id: int) -> HttpResponse:
    from dangjian.members.transfers.letter import render_letter_pdf

    transfer = sel.access_transfer(request.user, transfer_id)
    try:
        act.do_print_letter(transfer, acting_user=request.user, ip=client_ip(request))
    except ValidationError:
        raise Http404(_("The letter has not been issued yet.")) from None
    pdf = render_letter_pdf(transfer, request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{transfer.number}.pdf"'
    return response


def mask_name(name: str) -> str:
    """张三丰 → 张**: the first character, then stars (at least two)."""
    name = (name or "").strip()
    return name[0] + "*" * max(len(name) - 1, 2) if name else ""


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: anyone holding the letter checks it. Masked data only."""
    transfer = sel.find_by_token(token)
    if transfer is None or transfer.kind == TransferKind.INCOMING_EXTERNAL or transfer.issued_on is None:
        return render(request, "transfers/verify.html", {"transfer": None}, status=404)
    today = timezone.localdate()
    valid = transfer.status in ACTIVE_STATUSES and bool(transfer.valid_until and transfer.valid_until >= today)
    return render(request, "transfers/verify.html", {
        "transfer": transfer, "masked_name": mask_name(transfer.name), "valid": valid,
    })


def _ledger_query(request: HttpRequest) -> tuple[Organization, str, Any]:
    user = request.user
    if not has_any(user, "transfers.view"):
        raise PermissionDenied(_("Your role does not include transfers."))
    org_param = request.GET.get("org", "")
    if org_param:
        org = access_org(user, org_param, perm="transfers.view")
    else:
        roots = org_choices(user, "transfers.view", branches_only=False, levels=1, limit=1)
        if not roots:
            raise PermissionDenied(_("Your role does not include transfers."))
        org = access_org(user, roots[0][0], perm="transfers.view")
    direction = request.GET.get("direction", "")
    if direction not in ("in", "out"):
        direction = ""
    qs = sel.ledger_for(org.path)
    if direction:
        qs = qs.filter(direction=direction)
    return org, direction, qs.select_related("organization")


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    org, direction, qs = _ledger_query(request)
    page = _page(request, qs)
    filter_qs = urlencode({"org": org.pk, **({"direction": direction} if direction else {})})
    return render(request, "transfers/ledger.html", {
        "org": org, "page": page, "entries": list(page.object_list), "direction": direction,
        "filter_qs": filter_qs,
        "orgs": org_choices(request.user, "transfers.view", branches_only=False, levels=2, limit=200),
    })


@login_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The ledger as an Excel workbook (names only, no ID numbers)."""
    from dangjian.members.transfers.ledger_excel import ledger_workbook

    org, _direction, qs = _ledger_query(request)
    return xlsx_response(ledger_workbook(org, qs[:LEDGER_EXPORT_MAX]), f"transfer-ledger-{org.pk}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def register_incoming(request: HttpRequest) -> HttpResponse:
    """A receiving branch registers a member from a letter issued outside the platform, with the
    members' own form (prefix ``m``) beside the letter's fields."""
    user = request.user
    addable = {pk for pk, _name in org_choices(user, "members.add")}
    choices = [c for c in org_choices(user, "transfers.approve") if c[0] in addable]
    if not choices:
        raise PermissionDenied(_("Your role may not register members transferred in."))
    post = request.POST if request.method == "POST" else None
    member_form = MemberForm(post, prefix="m", org_choices=[("", "—"), *choices])  # type: ignore[list-item]
    for name in ("birth_date", "join_date", "full_date"):
        member_form.fields[name].widget.input_type = "date"  # type: ignore[attr-defined]
    del member_form.fields["add_type"]
    letter_form = IncomingLetterForm(post, initial={"received_on": timezone.localdate()})
    if post is not None and member_form.is_valid() and letter_form.is_valid():
        if member_form.cleaned_data["organization"] not in {pk for pk, _name in choices}:
            member_form.add_error("organization", _("Choose a branch from the list."))
        else:
            try:
                transfer = act.do_register_incoming(member_form.cleaned_data, letter_form.cleaned_data,
                                                    acting_user=user)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    member_keys = {k: v for k, v in exc.error_dict.items() if k in member_form.fields}
                    letter_keys = {k: v for k, v in exc.error_dict.items() if k not in member_form.fields}
                    if member_keys:
                        apply_action_errors(member_form, ValidationError(member_keys))
                    if letter_keys:
                        apply_action_errors(letter_form, ValidationError(letter_keys))
                else:
                    apply_action_errors(letter_form, exc)
            else:
                messages.success(request, _("%(name)s registered from letter %(number)s.") % {
                    "name": transfer.name, "number": transfer.external_number})
                return redirect("transfers:detail", transfer_id=transfer.pk)
    return render(request, "transfers/incoming.html", {"form": member_form, "letter_form": letter_form})
