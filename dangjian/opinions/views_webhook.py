"""The chat-group webhook: a group bot forwards members' messages here, signed with the shared
secret ``OPINION_WEBHOOK_SECRET``.

Request: ``POST /opinions/webhook/chat/`` with headers ``X-Dangjian-Timestamp`` (Unix seconds)
and ``X-Dangjian-Signature`` (hex HMAC-SHA256 of ``"<timestamp>." + body``), and a JSON body
``{"message_id", "group", "text", "sender"?, "sender_name"?}``. Answers ``201 {tracking_no}``
for a new opinion, ``200 {tracking_no, duplicate: true}`` for a message seen before, ``400`` for
bad input or a message that is not an acceptable opinion, ``403`` for a bad or stale signature,
``404`` while no secret is configured."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dangjian.opinions.inbound import CHAT_CHANNEL, Inbound, do_receive_inbound, webhook_signature_ok


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


@csrf_exempt  # authenticated by the signature, not by a browser session
@require_POST
def chat_webhook(request: HttpRequest) -> JsonResponse:
    secret = getattr(settings, "OPINION_WEBHOOK_SECRET", "")
    if not secret:
        raise Http404
    if not webhook_signature_ok(secret, request.headers.get("X-Dangjian-Timestamp", ""), request.body,
                                request.headers.get("X-Dangjian-Signature", "")):
        return _error(403, "bad_signature", _("The signature is missing, wrong or too old."))
    try:
        payload = json.loads(request.body)
    except ValueError:
        return _error(400, "bad_request", _("The body must be JSON."))
    if not isinstance(payload, dict):
        return _error(400, "bad_request", _("The body must be a JSON object."))
    for name in ("message_id", "group", "text"):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            return _error(400, "bad_request", _("“%(field)s” is required and must be text.") % {"field": name}, name)
    if len(payload["message_id"]) + len(payload["group"]) > 250:
        return _error(400, "bad_request", _("The group and message id are too long."), "message_id")
    row, new = do_receive_inbound(Inbound(
        channel=CHAT_CHANNEL, external_id=f'{payload["group"].strip()}:{payload["message_id"].strip()}',
        text=payload["text"], sender_name=str(payload.get("sender_name") or "")[:64],
        sender_address=str(payload.get("sender") or "")[:255],
    ))
    if not row.accepted or row.opinion is None:
        return _error(400, "not_accepted", _("The message was not accepted as an opinion: %(why)s") % {"why": row.error},
                      "text")
    body: dict[str, Any] = {"tracking_no": row.opinion.tracking_no}
    if not new:
        body["duplicate"] = True
    return JsonResponse(body, status=201 if new else 200)
