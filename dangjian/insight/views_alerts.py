"""Pages of opinion insight's alerts (rules, the alerts with their masked texts, opening an
incident case), routing (re-dispatch before and after suggestions) and one text (an analyst's
sentiment correction). Thin: selectors read, actions write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.cases.selectors import departments_for
from dangjian.core.scoping import get_scoped_or_404, has_any, in_scope
from dangjian.insight.actions import do_correct_sentiment, do_dismiss_alert, do_open_alert_case, do_save_alert_rule
from dangjian.insight.alert_selectors import access_alert, alert_texts, alerts_for, redispatch_rates, rules_visible
from dangjian.insight.models import AlertKind, AlertState, Sentiment, SentimentCorrection, TextAnalysis
from dangjian.insight.selectors import latest_run
from dangjian.insight.views import _errors
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 20


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    """The alerts of the user's subtree (and those sent to their department); open ones first by
    default, ``?state=all`` for every one. The rules, editable with ``insight.manage``."""
    user = request.user
    may_view = has_any(user, "insight.view")
    state = request.GET.get("state", AlertState.OPEN)
    qs = alerts_for(user, None if state == "all" else state if state in AlertState.values else AlertState.OPEN)
    if not may_view and not qs.exists():
        raise PermissionDenied(_("Your role may not see opinion analysis."))
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = has_any(user, "insight.manage")
    return render(request, "insight/alerts.html", {
        "page": page, "alerts": list(page.object_list), "state": state, "states": AlertState.choices,
        "rules": list(rules_visible(user)) if may_view else [], "can_manage": can_manage, "kinds": AlertKind.choices,
        "org_choices": org_choices(user, "insight.manage", branches_only=False, levels=2) if can_manage else [],
    })


@login_required
@require_POST
def alert_rule_save(request: HttpRequest) -> HttpResponse:
    org_id: Any = request.POST.get("organization", "")
    if not str(org_id).isdigit():
        messages.error(request, _("Choose the organization the rule is for."))
        return redirect("insight:alerts")
    org = access_org(request.user, int(org_id), perm="insight.manage")
    try:
        do_save_alert_rule(org, kind=request.POST.get("kind", ""), threshold=request.POST.get("threshold", ""),
                           min_texts=request.POST.get("min_texts", ""), active=request.POST.get("active") == "on",
                           acting_user=request.user)
        messages.success(request, _("Alert rule saved; it is checked after every analysis."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("insight:alerts")


@login_required
def alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = request.user
    a = access_alert(user, alert_id)
    page = Paginator(alert_texts(a), PAGE_SIZE).get_page(request.GET.get("page"))
    is_open = a.state == AlertState.OPEN
    analyst = in_scope(user, "insight.view", a.org_path)
    can_open = is_open and analyst and has_any(user, "cases.assign")
    departments = list(departments_for(user, "cases.assign").filter(is_active=True)) if can_open else []
    return render(request, "insight/alert.html", {
        "alert": a, "page": page, "texts": list(page.object_list), "can_open": can_open,
        "departments": departments, "can_dismiss": is_open and in_scope(user, "insight.manage", a.org_path),
        "can_correct": in_scope(user, "insight.manage", a.org_path),
    })


@login_required
@require_POST
def alert_case(request: HttpRequest, alert_id: int) -> HttpResponse:
    a = access_alert(request.user, alert_id)
    dept_id = request.POST.get("lead_department", "")
    department = (departments_for(request.user, "cases.assign").filter(is_active=True, pk=dept_id).first()
                  if dept_id.isdigit() else None)
    try:
        case = do_open_alert_case(a, lead_department=department, hours=request.POST.get("hours") or None,
                                  title=request.POST.get("title", ""), acting_user=request.user)
        messages.success(request, _("Incident case %(no)s opened.") % {"no": case.number})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("insight:alert", alert_id=a.pk)


@login_required
@require_POST
def alert_dismiss(request: HttpRequest, alert_id: int) -> HttpResponse:
    a = access_alert(request.user, alert_id)
    try:
        do_dismiss_alert(a, note=request.POST.get("note", ""), acting_user=request.user)
        messages.success(request, _("Alert dismissed."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("insight:alert", alert_id=a.pk)


@login_required
def routing(request: HttpRequest) -> HttpResponse:
    """Re-dispatch rate before and after the dispatchers saw routing suggestions (newest run)."""
    if not has_any(request.user, "insight.view"):
        raise PermissionDenied(_("Your role may not see opinion analysis."))
    return render(request, "insight/routing.html", {"rates": redispatch_rates(latest_run(request.user))})


def _access_text(user: Any, text_id: Any) -> TextAnalysis:
    return get_scoped_or_404(TextAnalysis.objects.select_related("run", "topic"), user, "insight.view",
                             path_field="run__org_path", pk=text_id)


@login_required
def text(request: HttpRequest, text_id: int) -> HttpResponse:
    t = _access_text(request.user, text_id)
    correction = SentimentCorrection.objects.filter(key=t.key).select_related("corrected_by").first()
    return render(request, "insight/text.html", {
        "text": t, "correction": correction, "sentiments": Sentiment.choices,
        "can_correct": in_scope(request.user, "insight.manage", t.run.org_path)})


@login_required
@require_POST
def text_sentiment(request: HttpRequest, text_id: int) -> HttpResponse:
    t = _access_text(request.user, text_id)
    try:
        do_correct_sentiment(t, request.POST.get("sentiment", ""), acting_user=request.user)
        messages.success(request, _("Sentiment corrected; the next analysis learns from it."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("insight:text", text_id=t.pk)
