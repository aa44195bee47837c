"""Read the opinion mailbox over IMAP (imap-tools) and turn each unread mail into an opinion.

Exactly-once: each mail is keyed by its Message-ID (or, lacking one, the folder's UIDVALIDITY and
the mail's UID) in ``InboundMessage``; the mail is flagged \\Seen only after its row is committed.
A poller that crashes in between leaves the mail unread, and the next run finds the row and only
flags it. The sender gets an e-mail with the tracking number."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags

from dangjian.opinions.inbound import EMAIL_CHANNEL, Inbound, do_receive_inbound

log = logging.getLogger(__name__)


@dataclass
class PollResult:
    read: int = 0
    created: int = 0
    already_had: int = 0
    rejected: int = 0
    tracking_numbers: list[str] = field(default_factory=list)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain(text: str, html: str) -> str:
    if text.strip():
        return text
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def mailbox_config() -> dict | None:
    conf = getattr(settings, "OPINION_IMAP", None) or {}
    return conf if conf.get("HOST") else None


def poll_mailbox(conf: dict | None = None, *, limit: int = 200) -> PollResult:
    """One pass over the unread mail (at most ``limit`` messages)."""
    conf = conf or mailbox_config()
    result = PollResult()
    if not conf:
        return result
    box_class = MailBox if conf.get("SSL", True) else MailBoxUnencrypted
    folder = conf.get("FOLDER", "INBOX")
    with box_class(conf["HOST"], int(conf.get("PORT") or (993 if conf.get("SSL", True) else 143)),
                   timeout=30).login(conf["USER"], conf["PASSWORD"], folder) as box:
        validity = box.folder.status(folder).get("UIDVALIDITY", "")
        for mail in box.fetch(AND(seen=False), mark_seen=False, limit=limit):
            result.read += 1
            message_id = (mail.headers.get("message-id") or ("",))[0].strip()
            inbound = Inbound(
                channel=EMAIL_CHANNEL, external_id=message_id or f"uid:{validity}:{mail.uid}",
                subject=mail.subject or "", text=_plain(mail.text or "", mail.html or ""),
                sender_name=mail.from_values.name if mail.from_values else "",
                sender_address=mail.from_values.email if mail.from_values else mail.from_,
                attachments=tuple((a.filename or "", a.payload) for a in mail.attachments
                                  if a.content_type.startswith("image/")),
            )
            row, new = do_receive_inbound(inbound)
            if not new:
                result.already_had += 1
            elif row.accepted and row.opinion is not None:
                result.created += 1
                result.tracking_numbers.append(row.opinion.tracking_no)
                if inbound.sender_address:
                    _acknowledge(inbound.sender_address, row.opinion.tracking_no)
            else:
                result.rejected += 1
                log.warning("opinion mail %s not accepted: %s", inbound.external_id, row.error)
            if mail.uid:
                box.flag([mail.uid], MailMessageFlags.SEEN, True)  # only after the row is committed
    return result


def _acknowledge(address: str, tracking_no: str) -> None:
    def send() -> None:
        try:
            send_mail(
                _("Your opinion was received: %(no)s") % {"no": tracking_no},
                _("Thank you. Your opinion was received and given tracking number %(no)s. Follow it on the "
                  "portal's opinion page with this number (and your phone number, if you gave one).") % {"no": tracking_no},
                None, [address],
            )
        except Exception:  # the opinion is saved; a failed courtesy mail must not undo it
            log.exception("acknowledgement to %s failed", address)

    transaction.on_commit(send)
