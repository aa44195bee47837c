"""Opinions that arrive by e-mail (a mailbox read over IMAP) or from chat groups (a signed
webhook a group bot forwards messages to). Both go through ``do_receive_inbound``: one
``InboundMessage`` row per source message id makes intake exactly-once."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from dangjian.opinions import OpinionChannel, OpinionKind
from dangjian.opinions.actions import BODY_MAX, TITLE_MAX, TITLE_MIN, _create, clean_opinion_data
from dangjian.opinions.models import InboundMessage
from dangjian.opinions.photos import MAX_PHOTOS, check_photos

#: Words that tell what kind of opinion a message is; the first match wins, else a suggestion.
KIND_WORDS = (
    ("投诉", OpinionKind.COMPLAINT), ("举报", OpinionKind.COMPLAINT), ("反映", OpinionKind.COMPLAINT),
    ("咨询", OpinionKind.INQUIRY), ("请问", OpinionKind.INQUIRY), ("怎么办", OpinionKind.INQUIRY),
    ("表扬", OpinionKind.PRAISE), ("感谢", OpinionKind.PRAISE), ("点赞", OpinionKind.PRAISE),
)
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
#: How far a webhook's timestamp may be from our clock (seconds): older requests are replays.
WEBHOOK_MAX_SKEW = 300


@dataclass(frozen=True)
class Inbound:
    channel: str
    external_id: str
    text: str
    subject: str = ""
    sender_name: str = ""
    sender_address: str = ""  # e-mail address or chat account, for the record
    attachments: tuple[tuple[str, bytes], ...] = ()  # (file name, content): photos among them are kept


def usable_photos(attachments: tuple[tuple[str, bytes], ...]) -> list[tuple[Any, str]]:
    """The attachments that pass the portal's photo rules (type by signature, size, count);
    others (documents, oversized files) are left out rather than refusing the whole message."""
    good: list[tuple[Any, str]] = []
    for name, content in attachments:
        try:
            good += check_photos([SimpleUploadedFile(name or "photo", content)])
        except ValidationError:
            continue
    return good[:MAX_PHOTOS]


def guess_kind(text: str) -> str:
    for word, kind in KIND_WORDS:
        if word in text:
            return kind
    return OpinionKind.SUGGESTION


def _title(subject: str, text: str) -> str:
    title = " ".join(subject.split())
    for prefix in ("Re:", "RE:", "Fwd:", "FW:", "回复：", "转发："):
        title = title.removeprefix(prefix).strip()
    if len(title) < TITLE_MIN:
        title = " ".join(text.split())[:30]
    return title[:TITLE_MAX]


def do_receive_inbound(msg: Inbound) -> tuple[InboundMessage, bool]:
    """Turn one inbound message into an opinion (a system action: no acting user). Returns the
    row and whether it is new. A message seen before returns its row and creates nothing; a
    message that fails the opinion rules is recorded as not accepted, with the reason, so it is
    not tried again and staff can see why."""
    existing = InboundMessage.objects.filter(channel=msg.channel, external_id=msg.external_id).first()
    if existing is not None:
        return existing, False
    text = msg.text.strip()
    phone = _MOBILE.search(text)
    data = {
        "kind": guess_kind(msg.subject + text), "title": _title(msg.subject, text), "body": text[:BODY_MAX],
        "name": msg.sender_name[:64], "phone": phone.group(1) if phone else "", "is_public": False,
    }
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(channel=msg.channel, external_id=msg.external_id,
                                                sender=msg.sender_address[:255], excerpt=_excerpt(msg))
            try:
                clean = clean_opinion_data(data, phone_required=False)
            except ValidationError as exc:
                row.error = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in exc.message_dict.items())
                row.save(update_fields=["error"])
                return row, True
            row.opinion = _create(clean, usable_photos(msg.attachments), acting_user=None, sender=None,
                                  channel=msg.channel, ip=None)
            row.accepted = True
            row.save(update_fields=["opinion", "accepted"])
    except IntegrityError:  # another poller or request took the same message at the same time
        return InboundMessage.objects.get(channel=msg.channel, external_id=msg.external_id), False
    return row, True


def _excerpt(msg: Inbound) -> str:
    return " ".join(f"{msg.subject} {msg.text}".split())[:200]


def do_reject_inbound(msg: Inbound, reason: str) -> tuple[InboundMessage, bool]:
    """Record an authenticated message refused before it reached the opinion rules (e.g. a picture
    that failed the photo rules), so staff see it with the reason. A message seen before is kept
    as it was."""
    existing = InboundMessage.objects.filter(channel=msg.channel, external_id=msg.external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(channel=msg.channel, external_id=msg.external_id,
                                                sender=msg.sender_address[:255], excerpt=_excerpt(msg),
                                                error=reason[:2000])
    except IntegrityError:
        return InboundMessage.objects.get(channel=msg.channel, external_id=msg.external_id), False
    return row, True


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """The chat bot's signature: hex HMAC-SHA256 over ``"<timestamp>." + body``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def webhook_signature_ok(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None) -> bool:
    if not secret or not timestamp.isdigit() or not signature:
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > WEBHOOK_MAX_SKEW:
        return False
    return hmac.compare_digest(sign_webhook(secret, timestamp, body), signature)


CHAT_CHANNEL = OpinionChannel.CHAT_GROUP
EMAIL_CHANNEL = OpinionChannel.EMAIL
