"""Account management for administrators: create staff accounts, grant and revoke roles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.core.accounts_selectors import access_account, access_assignment, accounts_for, assignments_in_scope
from dangjian.core.actions import do_create_account, do_grant_role, do_reset_password, do_revoke_role, may_administer
from dangjian.core.forms import apply_action_errors
from dangjian.core.hooks import org_picker_access, org_picker_choices
from dangjian.core.roles import Role
from dangjian.core.scoping import has_any

GRANTABLE = [(r.value, r.label) for r in Role if r != Role.PUBLIC]


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=GRANTABLE)
    organization = forms.IntegerField(label=gettext_lazy("Organization"), widget=forms.Select)

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].widget.choices = org_choices


class AccountForm(GrantForm):
    username = forms.RegexField(label=gettext_lazy("Username"), max_length=150, regex=r"^[\w.@+-]+$",
                                help_text=gettext_lazy("Letters, digits and @/./+/-/_ only."))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)

    field_order = ["username", "name", "email", "role", "organization"]


def _guard(request: HttpRequest) -> None:
    if not has_any(request.user, "roles.grant"):
        raise PermissionDenied(_("Only administrators manage accounts."))


def _org(request: HttpRequest, form: forms.Form) -> Any:
    return org_picker_access(request.user, form.cleaned_data["organization"], "roles.grant")


@never_cache
@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    _guard(request)
    q = request.GET.get("q", "").strip()
    page = Paginator(accounts_for(request.user, q), 25).get_page(request.GET.get("page"))
    return render(request, "core/accounts/list.html", {"page": page, "accounts": page.object_list, "q": q})


@never_cache
@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    _guard(request)
    choices = org_picker_choices(request.user, "roles.grant")
    form = AccountForm(request.POST or None, org_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = do_create_account(
                username=form.cleaned_data["username"], name=form.cleaned_data["name"],
                email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                organization=_org(request, form), acting_user=request.user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            return render(request, "core/accounts/password.html", {"account": user, "password": password})
    return render(request, "core/accounts/form.html", {"form": form})


@never_cache
@login_required
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    _guard(request)
    account = access_account(request.user, account_id)
    choices = org_picker_choices(request.user, "roles.grant")
    form = GrantForm(request.POST or None, org_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            do_grant_role(account, form.cleaned_data["role"], _org(request, form), acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("The role was granted."))
            return redirect("core:account_detail", account.pk)
    revocable = set(assignments_in_scope(request.user).filter(user=account).values_list("pk", flat=True))
    return render(request, "core/accounts/detail.html", {
        "account": account, "form": form, "revocable": revocable,
        "can_reset": may_administer(request.user, account),
    })


@login_required
@require_POST
def assignment_revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    _guard(request)
    assignment = access_assignment(request.user, assignment_id)
    account_id = assignment.user_id
    do_revoke_role(assignment, acting_user=request.user)
    messages.success(request, _("The role was revoked."))
    if accounts_for(request.user).filter(pk=account_id).exists():
        return redirect("core:account_detail", account_id)
    return redirect("core:account_list")


@never_cache
@login_required
@require_POST
def account_reset_password(request: HttpRequest, account_id: int) -> HttpResponse:
    _guard(request)
    account = access_account(request.user, account_id)
    password = do_reset_password(account, acting_user=request.user)
    return render(request, "core/accounts/password.html", {"account": account, "password": password, "reset": True})
