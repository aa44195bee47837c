"""Member info-set pages: add a record of one kind, remove one (DESIGN.md §4 rule 2: thin views).

The records themselves are listed on the member detail page (members/infosets/_section.html).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import in_scope
from dangjian.members.infoset_actions import do_add_info, do_remove_info, get_info_record, info_kind
from dangjian.members.models import Member
from dangjian.members.selectors import access_member


def _editable_member(request: HttpRequest, member_id: int) -> Member:
    member = access_member(request.user, member_id)
    if not in_scope(request.user, "members.change", member.org_path):
        raise PermissionDenied(_("Your role may not edit this member."))
    return member


@login_required
@require_http_methods(["GET", "POST"])
def info_add(request: HttpRequest, member_id: int, kind: str) -> HttpResponse:
    info = info_kind(kind)
    member = _editable_member(request, member_id)
    form = info.form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            do_add_info(member, kind, request.POST, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)  # type: ignore[arg-type]  # works on any BaseForm
        else:
            messages.success(request, _("Record added."))
            return redirect("members:detail", member_id=member.pk)
    return render(request, "members/infosets/form.html", {"form": form, "member": member, "info": info})


@login_required
@require_POST
def info_remove(request: HttpRequest, member_id: int, kind: str, pk: int) -> HttpResponse:
    info_kind(kind)
    member = _editable_member(request, member_id)
    record = get_info_record(member, kind, pk)
    do_remove_info(record, acting_user=request.user)
    messages.success(request, _("Record removed."))
    return redirect("members:detail", member_id=member.pk)
