"""Inbox, preferences and web-push subscription endpoints. Thin: parse → selector → action → render."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core.http import is_local_url
from dangjian.core.models.notifications import ALL_KINDS, Channel
from dangjian.core.notifications import actions, channels, selectors, unread_count

PAGE_SIZE = 20


def _inbox_redirect(request: HttpRequest) -> HttpResponseRedirect:
    url = reverse("notifications:inbox")
    page = request.POST.get("page", "")
    if page.isdigit():
        url += f"?page={page}"
    return HttpResponseRedirect(url)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox_for(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {
        "page": page,
        "unread": unread_count(request.user),
        "unread_only": unread_only,
    })


@login_required
@require_POST
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    item = selectors.access_notification(request.user, notification_id)
    actions.do_mark_read(item, acting_user=request.user)
    if is_local_url(request, item.url):
        return HttpResponseRedirect(item.url)
    return _inbox_redirect(request)


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    item = selectors.access_notification(request.user, notification_id)
    actions.do_mark_read(item, acting_user=request.user)
    return _inbox_redirect(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = actions.do_mark_all_read(request.user, acting_user=request.user)
    if count:
        messages.success(request, _("Marked %(count)s notifications as read.") % {"count": count})
    return _inbox_redirect(request)


def _parse_preferences(request: HttpRequest, enabled: set[str]) -> dict[str, dict[str, bool | None]]:
    choices: dict[str, dict[str, bool | None]] = {}
    for row in selectors.preference_rows(request.user):
        kind = row["kind"]
        flags: dict[str, bool | None] = {}
        for ch in Channel.values:
            if ch not in enabled:
                continue
            name = f"{kind}:{ch}"
            if kind == ALL_KINDS:
                flags[ch] = request.POST.get(name) == "on"
            else:
                value = request.POST.get(name, "")
                flags[ch] = True if value == "on" else False if value == "off" else None
        choices[kind] = flags
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    enabled = channels.enabled_channels()
    if request.method == "POST":
        try:
            actions.do_update_notification_preferences(
                request.user, _parse_preferences(request, enabled), acting_user=request.user
            )
        except ValidationError as e:
            for msg in e.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    shown = [ch for ch in Channel if ch.value in enabled]
    rows = selectors.preference_rows(request.user)
    for row in rows:
        row["cells"] = [{"channel": ch, "name": f"{row['kind']}:{ch.value}", "value": row["flags"][ch.value]} for ch in shown]
    return render(request, "notifications/preferences.html", {
        "rows": rows,
        "channels": shown,
        "has_email": bool(getattr(request.user, "email", "")),
        "has_phone": channels.sms.has_phone(request.user) if Channel.SMS in enabled else False,
        "webpush_enabled": Channel.WEBPUSH in enabled,
        "vapid_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
        "push_devices": selectors.push_subscription_count(request.user),
    })


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def _error(e: ValidationError) -> JsonResponse:
    fields = list(getattr(e, "message_dict", {}) or {})
    return JsonResponse(
        {"code": "invalid", "message": " ".join(e.messages), "field": fields[0] if fields else None}, status=400
    )


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    if not channels.webpush.configured():
        raise Http404(_("Not found."))
    try:
        sub = actions.do_subscribe_webpush(
            request.user, _json_body(request), acting_user=request.user,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as e:
        return _error(e)
    return JsonResponse({"ok": True, "id": sub.pk}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    data = _json_body(request)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return JsonResponse({"code": "invalid", "message": _("The endpoint is missing."), "field": "endpoint"}, status=400)
    removed = actions.do_unsubscribe_webpush(request.user, endpoint, acting_user=request.user)
    return JsonResponse({"ok": True, "removed": removed})
