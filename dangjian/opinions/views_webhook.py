"""The chat-group webhook: a group bot forwards members' messages here, signed with the shared
secret ``OPINION_WEBHOOK_SECRET``.

Request: ``POST /opinions/webhook/chat/`` with headers ``X-Dangjian-Timestamp`` (Unix seconds)
and ``X-Dangjian-Signature`` (hex HMAC-SHA256 of ``"<timestamp>." + body``), and a JSON body
``{"message_id", "group", "text", "sender"?, "sender_name"?, "images"?}``; ``images`` is a list of
at most three ``{"base64", "md5"}`` objects — the format group bots use for pictures (WeCom's
``image`` message: the picture base64-encoded, and the hex MD5 of the raw bytes). Each picture
must decode, match its MD5 and pass the portal's photo rules (JPEG/PNG/WebP by signature, size);
otherwise the whole message is refused with ``400`` and ``field: "images"``. Answers ``201 {tracking_no}``
for a new opinion, ``200 {tracking_no, duplicate: true}`` for a message seen before, ``400`` for
bad input or a message that is not an acceptable opinion, ``403`` for a bad or stale signature,
``404`` while no secret is configured."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dangjian.opinions import MAX_PHOTO_BYTES, MAX_PHOTOS
from dangjian.opinions.inbound import (
    CHAT_CHANNEL,
    Inbound,
    do_receive_inbound,
    do_reject_inbound,
    webhook_signature_ok,
)
from dangjian.opinions.photos import check_photos

#: The largest request body the webhook reads: three pictures at the size limit, base64-encoded
#: (4/3), plus the text. Larger bodies get 413 before anything is parsed.
MAX_BODY = MAX_PHOTOS * (MAX_PHOTO_BYTES * 4 // 3 + 4) + 64 * 1024


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def decode_images(value: Any) -> tuple[tuple[str, bytes], ...]:
    """``[{"base64", "md5"}, …]`` → (file name, bytes) pairs that passed the photo rules, or
    ValidationError on ``images`` naming the picture and the rule."""
    if value in (None, []):
        return ()
    if not isinstance(value, list):
        raise ValidationError({"images": _("“images” must be a list of {base64, md5} objects.")})
    if len(value) > MAX_PHOTOS:
        raise ValidationError({"images": _("At most %(max)d photos can be attached.") % {"max": MAX_PHOTOS}})
    decoded: list[tuple[str, bytes]] = []
    for n, item in enumerate(value, start=1):
        raw = item.get("base64") if isinstance(item, dict) else None
        md5 = item.get("md5") if isinstance(item, dict) else None
        if not isinstance(raw, str) or not isinstance(md5, str):
            raise ValidationError({"images": _("Picture %(n)d needs “base64” and “md5”.") % {"n": n}})
        if len(raw) > MAX_PHOTO_BYTES * 4 // 3 + 4:
            raise ValidationError({"images": _("Photo “%(name)s” is larger than %(mb)d MB.") % {
                "name": n, "mb": MAX_PHOTO_BYTES // (1024 * 1024)}})
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({"images": _("Picture %(n)d is not valid base64.") % {"n": n}}) from None
        if hashlib.md5(content, usedforsecurity=False).hexdigest() != md5.strip().lower():
            raise ValidationError({"images": _("Picture %(n)d does not match its MD5 checksum.") % {"n": n}})
        decoded.append((f"chat-{n}", content))
    # the portal's photo rules: type by signature, size
    check_photos([SimpleUploadedFile(name, content) for name, content in decoded])
    return tuple(decoded)


@csrf_exempt  # authenticated by the signature, not by a browser session
@require_POST
def chat_webhook(request: HttpRequest) -> JsonResponse:
    secret = getattr(settings, "OPINION_WEBHOOK_SECRET", "")
    if not secret:
        raise Http404
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _error(413, "too_large", _("The message is too large."))
    # read the stream ourselves: pictures make bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE
    raw_body = request.read(MAX_BODY + 1)
    if len(raw_body) > MAX_BODY:
        return _error(413, "too_large", _("The message is too large."))
    if not webhook_signature_ok(secret, request.headers.get("X-Dangjian-Timestamp", ""), raw_body,
                                request.headers.get("X-Dangjian-Signature", "")):
        return _error(403, "bad_signature", _("The signature is missing, wrong or too old."))
    try:
        payload = json.loads(raw_body)
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
    message = Inbound(
        channel=CHAT_CHANNEL, external_id=f'{payload["group"].strip()}:{payload["message_id"].strip()}',
        text=payload["text"], sender_name=str(payload.get("sender_name") or "")[:64],
        sender_address=str(payload.get("sender") or "")[:255],
    )
    try:
        images = decode_images(payload.get("images"))
    except ValidationError as exc:
        reason = " ".join(exc.messages)
        row, _new = do_reject_inbound(message, reason)
        if row.accepted and row.opinion is not None:  # a retry of a message taken before
            return JsonResponse({"tracking_no": row.opinion.tracking_no, "duplicate": True}, status=200)
        return _error(400, "bad_image", reason, "images")
    row, new = do_receive_inbound(dataclasses.replace(message, attachments=images))
    if not row.accepted or row.opinion is None:
        return _error(400, "not_accepted", _("The message was not accepted as an opinion: %(why)s") % {"why": row.error},
                      "text")
    body: dict[str, Any] = {"tracking_no": row.opinion.tracking_no}
    if not new:
        body["duplicate"] = True
    return JsonResponse(body, status=201 if new else 200)
