"""Staff workbench pages for the member registry: list, detail, create, edit, status, reveal.

Thin views (DESIGN.md §4 rule 2): parse → selector → one action → render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.hooks import member_actions
from dangjian.core.http import client_ip
from dangjian.core.logredact import redact
from dangjian.core.scoping import has_any, in_scope
from dangjian.core.ui import safe_reverse
from dangjian.core.workbench import note_visit
from dangjian.members import TRANSITIONS, MemberCategory, MemberStatus
from dangjian.members.actions import (
    do_change_member_status,
    do_create_member,
    do_reveal_member_pii,
    do_update_member,
)
from dangjian.members.forms import MemberForm
from dangjian.members.history import history_for_display
from dangjian.members.models import Member
from dangjian.members.selectors import (
    access_member,
    can_view_pii,
    filter_members,
    full_number_kind,
    members_for,
    without_plaintext,
)
from dangjian.orgs.selectors import access_org, org_choices

FILTER_KEYS = ("q", "org", "status", "category")


def _html5_dates(form: forms.Form) -> None:
    for f in form.fields.values():
        if isinstance(f, forms.DateField):
            f.widget.input_type = "date"
            f.widget.format = "%Y-%m-%d"  # type: ignore[attr-defined]


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=64)
    org = forms.TypedChoiceField(label=gettext_lazy("Organization"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False,
        choices=[("", gettext_lazy("Any status")), ("current", gettext_lazy("Current members")), *MemberStatus.choices],
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), required=False, choices=[("", gettext_lazy("Any category")), *MemberCategory.choices]
    )

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.choices = [("", _("All organizations in my scope")), *org_choices]


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request: HttpRequest) -> HttpResponse:
    """GET for ordinary filters; the search form POSTs (static/js/members.js turns a search without
    a long number into a GET), so a full ID-card or phone number never lands in URLs, history or
    access logs."""
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    if not has_any(user, "members.view"):
        raise PermissionDenied(_("Your role does not include the member registry."))
    choices = org_choices(user, "members.view", branches_only=False, levels=2, limit=200)
    org = None
    if data.get("org"):
        # An organization deeper than the drop-down shows (reached from the tree): in scope →
        # offered as the selected choice; otherwise → 404.
        org = access_org(user, data["org"], perm="members.view")
        if all(pk != org.pk for pk, _name in choices):
            choices.append((org.pk, org.name))
    form = MemberFilterForm(data or None, org_choices=choices)
    # Keep the valid parts of a partly bad query (an unknown status is ignored, for instance).
    form.is_valid()
    params: dict[str, Any] = dict(getattr(form, "cleaned_data", {}))
    qs = filter_members(
        without_plaintext(members_for(user)),
        user=user,
        org_path=org.path if org else None,
        status=params.get("status") or None,
        category=params.get("category") or None,
        q=params.get("q") or "",
    ).order_by("org_path", "id")
    page_size: int = settings.DANGJIAN["MEMBERS_PAGE_SIZE"]  # type: ignore[assignment]
    page = Paginator(qs, page_size).get_page(data.get("page"))
    kept = {k: data[k] for k in FILTER_KEYS if data.get(k)}
    # A full number, however typed (spaces, hyphens…), is never echoed into a link.
    full_number = full_number_kind(kept.get("q", "")) is not None or redact(kept.get("q", "")) != kept.get("q", "")
    if full_number:
        kept.pop("q")  # never echo a full number into links (pagination, language switch, export)
    filter_qs = urlencode(kept)
    export_url = None if full_number else (safe_reverse("members_excel:export") if has_any(user, "members.export") else None)
    import_url = safe_reverse("members_excel:import") if has_any(user, "members.import") else None
    return render(request, "members/list.html", {
        "form": form,
        "page": page,
        "members": list(page.object_list),
        "org": org,
        "filter_qs": filter_qs,
        "filtered": bool(kept),
        "export_url": f"{export_url}?{filter_qs}" if export_url and filter_qs else export_url,
        "import_url": import_url,
        "can_add": has_any(user, "members.add"),
    })


def _detail_context(request: HttpRequest, member: Member, revealed: dict[str, str] | None = None) -> dict[str, Any]:
    user = request.user
    staff = in_scope(user, "members.view", member.org_path)
    return {
        "member": member,
        "person": member.person,
        "revealed": revealed,
        "can_reveal": can_view_pii(user, member),
        "can_edit": in_scope(user, "members.change", member.org_path),
        "can_change_status": in_scope(user, "members.change_status", member.org_path)
        and bool(TRANSITIONS.get(member.status)),
        "history": history_for_display(member, user) if staff else None,
        "module_actions": member_actions(request, member) if staff else [],
    }


@login_required
@require_GET
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    member = access_member(request.user, member_id)
    note_visit(request, member.person.name, kind="member")
    return render(request, "members/detail.html", _detail_context(request, member))


@login_required
@require_POST
def member_reveal(request: HttpRequest, member_id: int) -> HttpResponse:
    member = access_member(request.user, member_id)
    revealed = do_reveal_member_pii(
        member, acting_user=request.user, ip=client_ip(request),
        purpose=request.POST.get("purpose", "")[:200],
    )
    ctx = _detail_context(request, member, revealed)
    if request.headers.get("HX-Request"):
        return render(request, "members/_pii.html", ctx)
    return render(request, "members/detail.html", ctx)


def _member_form(request: HttpRequest, choices: list[tuple[int, str]], **kwargs: Any) -> MemberForm:
    form = MemberForm(request.POST if request.method == "POST" else None, org_choices=[("", "—"), *choices], **kwargs)  # type: ignore[list-item]
    _html5_dates(form)
    return form


def _check_org_choice(form: MemberForm, choices: list[tuple[int, str]]) -> None:
    org_id = form.cleaned_data.get("organization")
    if org_id is not None and org_id not in {pk for pk, _name in choices}:
        form.add_error("organization", _("Choose a branch from the list."))


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    choices = org_choices(request.user, "members.add")
    if not choices:
        raise PermissionDenied(_("Your role may not register members."))
    form = _member_form(request, choices)
    org_param = request.GET.get("org", "")
    if request.method == "GET" and org_param.isascii() and org_param.isdecimal():
        form.initial["organization"] = int(request.GET["org"])
    if request.method == "POST" and form.is_valid():
        _check_org_choice(form, choices)
        if form.is_valid():
            try:
                member = do_create_member(form.cleaned_data, acting_user=request.user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("Member %(name)s registered.") % {"name": member.person.name})
                return redirect("members:detail", member_id=member.pk)
    return render(request, "members/form.html", {"form": form, "member": None})


def _edit_initial(member: Member) -> dict[str, Any]:
    p = member.person
    return {
        "name": p.name, "sex": p.sex, "ethnicity": p.ethnicity, "birth_date": p.birth_date,
        "education": p.education, "address": p.address, "work_unit": p.work_unit, "job_post": p.job_post,
        "organization": member.organization_id, "category": member.category, "join_date": member.join_date,
        "full_date": member.full_date, "add_type": member.add_type, "note": member.note,
    }


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = access_member(request.user, member_id)
    if not in_scope(request.user, "members.change", member.org_path):
        raise PermissionDenied(_("Your role may not edit this member."))
    choices = org_choices(request.user, "members.change")
    if member.organization_id not in {pk for pk, _name in choices}:
        choices = [(member.organization_id, member.organization.name), *choices]
    form = _member_form(request, choices, editing=True, initial=_edit_initial(member))
    if not can_view_pii(request.user, member):
        # The full birth date narrows the masked ID number down to a handful of candidates:
        # editors without the personal-data right neither see nor change it.
        del form.fields["birth_date"]
        form.initial.pop("birth_date", None)
    # ID-card number and phone are never put in the page: blank keeps the stored number.
    keep = _("Leave blank to keep the current number (%(masked)s).")
    form.fields["id_number"].help_text = keep % {"masked": member.person.id_number_masked or "—"}
    form.fields["phone"].help_text = keep % {"masked": member.person.phone_masked or "—"}
    if request.method == "POST" and form.is_valid():
        _check_org_choice(form, choices)
        if form.is_valid():
            data = dict(form.cleaned_data)
            for key in ("id_number", "phone"):
                if not data.get(key):
                    data.pop(key, None)
            try:
                do_update_member(member, data, acting_user=request.user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("members:detail", member_id=member.pk)
    return render(request, "members/form.html", {"form": form, "member": member})


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    on_date = forms.DateField(label=gettext_lazy("Effective date"), required=False,
                              help_text=gettext_lazy("Leave blank for today."))

    def __init__(self, *args: Any, current: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(current, frozenset())
        status_field: Any = self.fields["status"]
        status_field.choices = [(v, label) for v, label in MemberStatus.choices if v in allowed]


@login_required
@require_http_methods(["GET", "POST"])
def member_status(request: HttpRequest, member_id: int) -> HttpResponse:
    member = access_member(request.user, member_id)
    if not in_scope(request.user, "members.change_status", member.org_path):
        raise PermissionDenied(_("Your role may not change this member's status."))
    form = StatusForm(request.POST if request.method == "POST" else None, current=member.status)
    _html5_dates(form)
    if request.method == "POST" and form.is_valid():
        try:
            do_change_member_status(
                member, form.cleaned_data["status"], acting_user=request.user,
                reason=form.cleaned_data["reason"], on_date=form.cleaned_data.get("on_date"),
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect("members:detail", member_id=member.pk)
    return render(request, "members/status.html", {"form": form, "member": member})
