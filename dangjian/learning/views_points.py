"""Pages of the points (积分): my points, the organization's settings, the ranking. Thin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.ownmember import own_member
from dangjian.learning import POINTS_REPORTED, PointsKind, points
from dangjian.learning import actions as act
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 20


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My ledger (how each point was earned), today's points against the caps. Where points are
    off and nothing was ever earned, the page says so with a 404 (there is nothing to show)."""
    effective = points.for_user(request.user)
    page = Paginator(points.ledger(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    t = points.totals(request.user)
    caps = []
    if effective is not None and effective.enabled:
        for kind in PointsKind:
            rule = effective.rule(kind)
            if rule is not None:
                caps.append({"label": kind.label, "points": rule.points, "cap": rule.daily_cap,
                             "today": t["today_by_kind"].get(kind.value, 0),
                             "per_minute": kind == PointsKind.LEARNING_MINUTES})
    entries = list(page.object_list)
    on = effective is not None and effective.enabled
    return render(request, "learning/points_mine.html", {
        "effective": effective, "page": page, "entries": entries, "totals": t, "caps": caps,
        "kinds": dict(PointsKind.choices)}, status=200 if on or entries else 404)


@login_required
def ranking(request: HttpRequest, org_id: int | None = None) -> HttpResponse:
    """The ranking of an organization's members this year: only where it turned rankings on.
    Members see their own organization's; those who manage points, any organization of theirs."""
    if org_id is None:
        member = own_member(request.user)
        path = points.member_path(request.user)
        org = member.organization if member is not None and path is not None else None
    else:
        org = access_org(request.user, org_id, perm=points.POINTS)
    effective = points.effective(org.path) if org is not None else None
    if org is None or effective is None or not effective.rankings:
        return render(request, "learning/points_ranking.html", {"org": org, "rows": None}, status=404)
    today = timezone.localdate()
    return render(request, "learning/points_ranking.html", {
        "org": org, "rows": points.ranking(org.path, today), "year": today.year, "me": request.user.pk})


def _fields(effective: points.Effective | None) -> list[dict[str, Any]]:
    rules = effective.rules if effective is not None and effective.source is not None else {}
    return [{"kind": k.value, "label": k.label, "points": rules[k].points if k in rules else 0,
             "cap": rules[k].daily_cap if k in rules else 0, "reported": k in POINTS_REPORTED} for k in PointsKind]


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    choices = org_choices(request.user, points.POINTS, branches_only=False)
    if not choices:
        raise PermissionDenied(_("Your role may not change points settings."))
    org = access_org(request.user, request.POST.get("org") or request.GET.get("org") or choices[0][0],
                     perm=points.POINTS)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            act.do_save_points_settings(org, request.POST.dict(), acting_user=request.user)
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        else:
            messages.success(request, _("The points settings are saved."))
            return redirect(f"{request.path}?org={org.pk}")
    effective = points.effective(org.path)
    fields = _fields(effective)
    if errors:
        for f in fields:
            f["points"] = request.POST.get(f"{f['kind']}_points", f["points"])
            f["cap"] = request.POST.get(f"{f['kind']}_cap", f["cap"])
            f["error"] = errors.get(f"{f['kind']}_points", "") or errors.get(f"{f['kind']}_cap", "")
    return render(request, "learning/points_settings.html", {
        "org": org, "org_choices": choices, "effective": effective, "fields": fields, "errors": errors,
        "own": effective.source is not None and not effective.inherited}, status=400 if errors else 200)


@login_required
@require_POST
def settings_inherit(request: HttpRequest) -> HttpResponse:
    org = access_org(request.user, request.POST.get("org"), perm=points.POINTS)
    try:
        act.do_inherit_points_settings(org, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The organization now follows the settings above it."))
    return redirect(f"{reverse('learning:points_settings')}?org={org.pk}")
