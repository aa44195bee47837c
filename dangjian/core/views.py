"""Core pages: home (landing / workbench / member home), preferences, and the PWA files."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.actions import do_update_preferences
from dangjian.core.forms import PreferencesForm, apply_action_errors
from dangjian.core.hooks import home_items
from dangjian.core.http import is_local_url
from dangjian.core.models import User
from dangjian.core.ui import is_staff_user, own_member, safe_reverse
from dangjian.core.ui import static_url as static
from dangjian.core.views_workbench import workbench_context

LARGE_FONT_COOKIE = "large_font"
#: Static files the service worker keeps for offline use (the app shell). base.html loads them.
SHELL_FILES = [
    "css/app.css",
    "js/app.js",
    "vendor/htmx-2.0.11/htmx.min.js",
    "img/icon-192.png",
    "img/favicon.png",
    "img/icons.svg",
]


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html")
    if is_staff_user(user):
        return render(request, "core/workbench.html", workbench_context(request))
    if own_member(user) is not None:
        return redirect("core:member_home")
    return render(request, "core/welcome.html")


@never_cache
@login_required
def member_home(request: HttpRequest) -> HttpResponse:
    member = own_member(request.user)
    if member is None:  # not a party member: their home is the workbench or the welcome page
        return redirect("core:home")
    return render(request, "core/member_home.html", {
        "member": member,
        "person": member.person,
        "org": member.organization,
        "items": home_items(request),
    })


@never_cache
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                do_update_preferences(
                    user, acting_user=user,
                    language=form.cleaned_data["language"], large_font=form.cleaned_data["large_font"],
                )
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("Your preferences were saved."))
                response = redirect("core:preferences")
                _set_large_font_cookie(response, form.cleaned_data["large_font"])
                if form.cleaned_data["language"]:
                    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"],
                                        max_age=365 * 24 * 3600, samesite="Lax")
                return response
    else:
        form = PreferencesForm(initial={"language": user.language, "large_font": user.large_font})
    return render(request, "core/preferences.html", {
        "form": form,
        "mfa_url": safe_reverse("mfa_index"),
        "password_url": safe_reverse("account_change_password"),
    })


def _set_large_font_cookie(response: HttpResponse, on: bool) -> None:
    if on:
        response.set_cookie(LARGE_FONT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(LARGE_FONT_COOKIE, samesite="Lax")


@require_POST
def toggle_large_font(request: HttpRequest) -> HttpResponse:
    """The header's "large text" button: a cookie for everyone, saved to the profile when signed in."""
    on = request.POST.get("large_font") == "1"
    user = request.user
    if user.is_authenticated and user.large_font != on:
        do_update_preferences(user, acting_user=user, large_font=on)
    target = request.POST.get("next") or "/"
    if not is_local_url(request, target):
        target = "/"
    response = HttpResponseRedirect(target)
    _set_large_font_cookie(response, on)
    return response


def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "core/offline.html")


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (数字组工 APP): installable from the browser, opens full screen."""
    name = settings.DANGJIAN.get("PLATFORM_NAME") or _("Dangjian Cloud")
    data = {
        "name": name,
        "short_name": _("Dangjian"),
        "description": _("Party building work and services for members, branches and the organization department."),
        "lang": get_language(),
        "dir": "ltr",
        "id": "/",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#b5121b",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("img/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js at the site root so that its scope is the whole site."""
    shell = [static(rel) for rel in SHELL_FILES]
    response = render(request, "core/sw.js", {"shell": shell, "offline_url": safe_reverse("core:offline"),
                                               "version": _shell_version(shell),
                                               "static_prefix": settings.STATIC_URL,
                                               "icon": static("img/icon-192.png"), "lang": get_language(),
                                               "platform_name": settings.DANGJIAN.get("PLATFORM_NAME")
                                               or _("Dangjian Cloud")},
                      content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def _shell_version(shell: list[str]) -> str:
    """Changes whenever a shell file changes: hashed names in production, contents in development."""
    import hashlib

    from django.contrib.staticfiles import finders

    h = hashlib.sha256("\n".join(shell).encode())
    for rel in SHELL_FILES:
        found = finders.find(rel)
        if isinstance(found, str):
            with open(found, "rb") as f:
                h.update(f.read())
    return h.hexdigest()[:12]


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
