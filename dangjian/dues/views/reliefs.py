"""Reliefs (减免): proposing and deciding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import has_any
from dangjian.dues import ReliefStatus
from dangjian.dues.actions import PERM_MANAGE, do_decide_relief, do_propose_relief
from dangjian.dues.forms import DecisionForm, ReliefForm
from dangjian.dues.selectors import access_managed_member, access_relief, reliefs_for
from dangjian.dues.views.common import PAGE_SIZE, _org_and_month


@login_required
@require_http_methods(["GET", "POST"])
def reliefs(request: HttpRequest) -> HttpResponse:
    """Reductions and exemptions: the branch proposes (``?member=``), the committee above decides."""
    org, _month = _org_and_month(request) if has_any(request.user, PERM_MANAGE) else (None, None)
    if org is None:
        raise PermissionDenied
    member = access_managed_member(request.user, request.GET.get("member") or request.POST.get("member")) \
        if (request.GET.get("member") or request.POST.get("member")) else None
    form = ReliefForm(request.POST or None, initial={"member": member.pk if member else None})
    if request.method == "POST" and member is not None and form.is_valid():
        d = form.cleaned_data
        try:
            do_propose_relief(member, {"kind": d["kind"], "from_month": d["from_month"], "to_month": d["to_month"],
                                       "monthly_cents": d.get("monthly"), "reason": d["reason"],
                                       "evidence": d["evidence"]}, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Proposal sent to the higher committee."))
            return redirect(f"{reverse('dues:reliefs')}?org={org.pk}")
    page = Paginator(reliefs_for(request.user, org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/reliefs.html", {"org": org, "page": page, "form": form, "member": member,
                                                 "proposed": ReliefStatus.PROPOSED})


@login_required
@require_POST
def decide_relief(request: HttpRequest, relief_id: int) -> HttpResponse:
    relief = access_relief(request.user, relief_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            do_decide_relief(relief, approve=form.cleaned_data["decision"] == "approve",
                             note=form.cleaned_data.get("decision_note", ""), acting_user=request.user)
        except PermissionDenied:
            messages.error(request, _("Only the committee above the branch can decide."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    return HttpResponseRedirect(reverse("dues:reliefs"))
