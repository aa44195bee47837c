"""The overview screen's pages: the screen (``/stats/screen/`` for the top of the caller's scope,
``/stats/screen/<org id>/`` for one organization), its JSON (fetched every minute by the page)
and its configuration. Thin: parse, access (``selectors.access_stats_org``), one action, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangjian.orgs import PARENT_KINDS
from dangjian.orgs.models import Organization
from dangjian.stats import screen
from dangjian.stats import screen_forms as sf
from dangjian.stats import selectors as sel
from dangjian.stats.screen_actions import do_reset_screen_layout, do_save_screen_layout


def _screen_url(org: Organization | None, name: str = "screen") -> str:
    if org is None:
        return reverse(f"stats:{name}")
    return reverse(f"stats:{name.replace('screen', 'screen_org', 1)}", args=[org.pk])


@login_required
def screen_page(request: HttpRequest, org_id: int | None = None) -> HttpResponse:
    """The screen: numbers rendered on the server (readable without JavaScript), charts drawn by
    ``stats/screen.js`` from the same data, refreshed from the JSON endpoint."""
    org = sel.access_stats_org(request.user, org_id)
    errors: dict[str, Any] = {}
    try:
        as_of = sel.parse_as_of(request.GET.get("date"))
    except ValidationError as exc:
        errors, as_of = exc.message_dict, sel.parse_as_of(None)
    payload = screen.screen_payload(request.user, org, as_of)
    data_url = _screen_url(org if org_id is not None else None, "screen_data")
    if request.GET.get("date") and not errors:
        data_url += "?date=" + as_of.isoformat()
    children = [c for c in Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1, is_active=True)
                .order_by("path").only("pk", "name", "kind") if c.kind in PARENT_KINDS]
    return render(request, "stats/screen.html", {
        "org": org, "as_of": as_of, "screen": payload, "data_url": data_url, "errors": errors,
        "numbers": [w for w in payload["widgets"] if w["kind"] == screen.NUMBER],
        "charts": [w for w in payload["widgets"] if w["kind"] != screen.NUMBER],
        "children": children, "parent": org.get_parent() if org.depth > 1 else None,
        "configure_url": _screen_url(org, "screen_configure") if screen.may_configure(request.user, org) else "",
    })


@never_cache
def screen_data(request: HttpRequest, org_id: int | None = None) -> HttpResponse:
    """The screen's values as JSON (what the page fetches every ``refresh`` seconds)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Sign in again to keep the screen up to date.")}, status=401)
    org = sel.access_stats_org(request.user, org_id)
    try:
        as_of = sel.parse_as_of(request.GET.get("date"))
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    return JsonResponse(screen.screen_payload(request.user, org, as_of), json_dumps_params={"ensure_ascii": False})


@login_required
@require_http_methods(["GET", "POST"])
def screen_configure(request: HttpRequest, org_id: int | None = None) -> HttpResponse:
    """Choose, order and shape the screen's widgets: one organization's screen, or (without an
    organization) the default of every screen."""
    org = sel.access_stats_org(request.user, org_id) if org_id is not None else None
    if not screen.may_configure(request.user, org):
        raise PermissionDenied
    layout = screen.layout_for(org) if org is not None else screen.default_layout()
    errors: list[str] = []
    if request.method == "POST" and "reset" in request.POST:
        if do_reset_screen_layout(org, acting_user=request.user):
            messages.success(request, _("The screen shows the default layout again."))
        return redirect(_screen_url(org, "screen_configure"))
    if request.method == "POST":
        form = sf.ScreenLayoutForm(request.POST)
        formset = sf.WidgetFormSet(request.POST, prefix="w")
        if form.is_valid() and formset.is_valid():
            widgets = sf.widgets_from(formset)
            try:
                do_save_screen_layout(org, title=form.cleaned_data["title"], widgets=widgets, acting_user=request.user)
            except ValidationError as exc:
                for field, problems in exc.message_dict.items():
                    if field == "title":
                        form.add_error("title", problems)
                    else:
                        errors += problems
                # Shown again in the order they were submitted in, so "widget 3" is the third row.
                formset = sf.WidgetFormSet(initial=sf.initial_rows(widgets), prefix="w")
            else:
                messages.success(request, _("The screen layout is saved; open screens show it at their next refresh."))
                return redirect(_screen_url(org))
        else:
            errors += [str(e) for e in formset.non_form_errors()]
    else:
        form = sf.ScreenLayoutForm(initial={"title": layout.title})
        formset = sf.WidgetFormSet(initial=sf.initial_rows([w.as_json() for w in layout.widgets]), prefix="w")
    return render(request, "stats/screen_configure.html", {
        "org": org, "layout": layout, "form": form, "formset": formset, "errors": errors,
        "rules": sf.figure_rules(), "screen_url": _screen_url(org),
        "default_url": reverse("stats:screen_configure") if org is not None and screen.may_configure(request.user, None) else "",
        "has_figures": bool(sf.figure_choices()[1:]),
    })
