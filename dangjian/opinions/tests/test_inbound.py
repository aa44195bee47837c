"""Opinions by e-mail (IMAP against a real Dovecot) and from chat groups (signed webhook):
exactly one opinion per message, whatever the poller or the bot does twice."""

from __future__ import annotations

import email.utils
import io
import json
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from imap_tools import AND, MailBoxUnencrypted
from PIL import Image

from dangjian.opinions import OpinionChannel, OpinionKind
from dangjian.opinions.inbound import EMAIL_CHANNEL, Inbound, do_receive_inbound, sign_webhook
from dangjian.opinions.mail_intake import poll_mailbox
from dangjian.opinions.models import InboundMessage, Opinion
from dangjian.testing.dovecot import Dovecot, start_dovecot

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot, settings: Any) -> Iterator[Dovecot]:
    settings.OPINION_IMAP = dovecot.settings()
    yield dovecot
    with MailBoxUnencrypted(dovecot.host, dovecot.port).login(dovecot.user, dovecot.password) as box:
        box.delete([m.uid for m in box.fetch(mark_seen=False) if m.uid])


def deliver(server: Dovecot, subject: str, body: str, *, sender: str = "张三 <zs@example.com>",
            message_id: str | None = None, attachments: tuple[tuple[str, str, bytes], ...] = ()) -> str:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, sender, "yijian@example.gov.cn"
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain="example.com")
    msg.set_content(body)
    for name, mime, content in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    with MailBoxUnencrypted(server.host, server.port).login(server.user, server.password) as box:
        box.append(msg.as_bytes(), "INBOX", dt=None, flag_set=[])
    return msg["Message-ID"]


def unread(server: Dovecot) -> int:
    with MailBoxUnencrypted(server.host, server.port).login(server.user, server.password) as box:
        return len(list(box.fetch(AND(seen=False), mark_seen=False, headers_only=True)))


def test_a_new_mail_becomes_one_opinion_and_the_sender_gets_the_number(
        mailbox: Dovecot, django_capture_on_commit_callbacks: Any) -> None:
    deliver(mailbox, "投诉：村口路灯坏了", "村口的路灯坏了三个星期了，晚上出行很不方便。我的电话13912345678。")
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_mailbox()
    assert (result.read, result.created, result.already_had) == (1, 1, 0)
    opinion = Opinion.objects.get()
    assert opinion.channel == OpinionChannel.EMAIL and opinion.kind == OpinionKind.COMPLAINT
    assert opinion.title == "投诉：村口路灯坏了" and opinion.sender_name == "张三"
    assert opinion.sender_phone_masked.endswith("5678")  # the number in the text lets them track it
    assert unread(mailbox) == 0
    assert [m.to for m in django_mail.outbox] == [["zs@example.com"]]
    assert opinion.tracking_no in django_mail.outbox[0].body


def test_photos_attached_to_the_mail_are_kept_and_other_files_left_out(mailbox: Dovecot) -> None:
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    deliver(mailbox, "反映：垃圾没人清运", "小区门口的垃圾已经三天没人清运了，请看附件照片。", attachments=(
        ("photo.png", "image/png", png.getvalue()),
        ("fake.jpg", "image/jpeg", b"not really a picture"),
    ))
    poll_mailbox()
    opinion = Opinion.objects.get()
    assert [p.content_type for p in opinion.photos.all()] == ["image/png"]


def test_polling_twice_creates_nothing_new(mailbox: Dovecot) -> None:
    deliver(mailbox, "建议增加公交班次", "建议县城到镇上的公交车增加早晚班次，方便上学上班。")
    poll_mailbox()
    again = poll_mailbox()
    assert (again.read, again.created) == (0, 0)
    assert Opinion.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_crash_between_saving_and_marking_read_does_not_duplicate(mailbox: Dovecot) -> None:
    """The poller saved the opinion and died before flagging the mail: the mail is still unread,
    and the next run finds the message id, flags it and creates nothing."""
    message_id = deliver(mailbox, "咨询：医保怎么续交", "请问今年的城乡居民医保在哪里续交，截止到什么时候？")
    do_receive_inbound(Inbound(channel=EMAIL_CHANNEL, external_id=message_id, subject="咨询：医保怎么续交",
                               text="请问今年的城乡居民医保在哪里续交，截止到什么时候？"))
    assert unread(mailbox) == 1
    result = poll_mailbox()
    assert (result.read, result.created, result.already_had) == (1, 0, 1)
    assert Opinion.objects.count() == 1 and unread(mailbox) == 0


def test_a_mail_that_is_not_an_opinion_is_recorded_once_with_the_reason(mailbox: Dovecot) -> None:
    deliver(mailbox, "hi", "ok")  # too short for an opinion
    result = poll_mailbox()
    assert (result.created, result.rejected) == (0, 1)
    row = InboundMessage.objects.get()
    assert not row.accepted and "body" in row.error
    assert poll_mailbox().read == 0  # flagged: not retried for ever
    assert not Opinion.objects.exists()


def test_no_mailbox_configured_reads_nothing(settings: Any) -> None:
    settings.OPINION_IMAP = {"HOST": ""}
    assert poll_mailbox().read == 0


# --- chat-group webhook ------------------------------------------------------------------------
SECRET = "chat-bot-shared-secret"  # noqa: S105 - test value


def post(client: Any, payload: dict, *, secret: str = SECRET, timestamp: int | None = None,
         signature: str | None = None) -> Any:
    body = json.dumps(payload, ensure_ascii=False).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    sig = signature if signature is not None else sign_webhook(secret, ts, body)
    return client.post(reverse("opinions:chat_webhook"), body, content_type="application/json",
                       HTTP_X_DANGJIAN_TIMESTAMP=ts, HTTP_X_DANGJIAN_SIGNATURE=sig)


MESSAGE = {"message_id": "m-1001", "group": "北岭村民群", "sender": "wx_zhang", "sender_name": "老张",
           "text": "表扬一下村里新修的文化广场，晚上跳舞的人很多，灯光也很好。"}


def test_signed_message_becomes_an_opinion_once(client: Any, settings: Any) -> None:
    settings.OPINION_WEBHOOK_SECRET = SECRET
    first = post(client, MESSAGE)
    assert first.status_code == 201
    opinion = Opinion.objects.get(tracking_no=first.json()["tracking_no"])
    assert opinion.channel == OpinionChannel.CHAT_GROUP and opinion.kind == OpinionKind.PRAISE
    again = post(client, MESSAGE)  # the bot retries
    assert again.status_code == 200 and again.json() == {"tracking_no": opinion.tracking_no, "duplicate": True}
    assert Opinion.objects.count() == 1


def test_bad_stale_or_missing_signatures_are_refused(client: Any, settings: Any) -> None:
    settings.OPINION_WEBHOOK_SECRET = SECRET
    assert post(client, MESSAGE, secret="someone-else").status_code == 403
    assert post(client, MESSAGE, timestamp=int(time.time()) - 3600).status_code == 403  # a replay
    assert post(client, MESSAGE, signature="").status_code == 403
    tampered = post(client, MESSAGE, signature=sign_webhook(SECRET, str(int(time.time())), b"{}"))
    assert tampered.status_code == 403 and tampered.json()["code"] == "bad_signature"
    assert not Opinion.objects.exists() and not InboundMessage.objects.exists()


def test_bad_payloads_name_the_field(client: Any, settings: Any) -> None:
    settings.OPINION_WEBHOOK_SECRET = SECRET
    missing = post(client, {**MESSAGE, "text": ""})
    assert missing.status_code == 400 and missing.json()["field"] == "text"
    short = post(client, {**MESSAGE, "message_id": "m-2", "text": "好"})
    assert short.status_code == 400 and short.json()["code"] == "not_accepted"
    assert not Opinion.objects.exists()


def test_webhook_is_off_without_a_secret(client: Any, settings: Any) -> None:
    settings.OPINION_WEBHOOK_SECRET = ""
    assert post(client, MESSAGE).status_code == 404


# --- pictures from chat groups (WeCom-style {base64, md5}) ----------------------------------------

def picture(content: bytes) -> dict[str, str]:
    import base64
    import hashlib

    return {"base64": base64.b64encode(content).decode(), "md5": hashlib.md5(content, usedforsecurity=False).hexdigest()}


def png_bytes(colour: str = "red", size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "PNG")
    return out.getvalue()


def test_pictures_are_attached_to_the_opinion(client: Any, settings: Any) -> None:
    settings.OPINION_WEBHOOK_SECRET = SECRET
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(jpeg, "JPEG")
    answer = post(client, {**MESSAGE, "images": [picture(png_bytes()), picture(jpeg.getvalue())]})
    assert answer.status_code == 201, answer.content
    opinion = Opinion.objects.get(tracking_no=answer.json()["tracking_no"])
    photos = list(opinion.photos.order_by("pk"))
    assert [p.content_type for p in photos] == ["image/png", "image/jpeg"]
    photos[0].image.open("rb")
    assert photos[0].image.read() == png_bytes()
    photos[0].image.close()


def test_bad_pictures_refuse_the_message_and_name_the_field(client: Any, settings: Any) -> None:
    settings.OPINION_WEBHOOK_SECRET = SECRET
    good = picture(png_bytes())
    cases = {
        "wrong md5": [{**good, "md5": "0" * 32}],
        "not base64": [{"base64": "%%%not-base64%%%", "md5": good["md5"]}],
        "not a picture": [picture(b"MZ\x90\x00 this is an executable, not a photo")],
        "too many": [good, good, good, good],
        "missing md5": [{"base64": good["base64"]}],
        "not a list": {"base64": good["base64"], "md5": good["md5"]},
    }
    for n, (why, images) in enumerate(cases.items()):
        answer = post(client, {**MESSAGE, "message_id": f"bad-{n}", "images": images})
        assert answer.status_code == 400, why
        assert answer.json()["field"] == "images" and answer.json()["code"] == "bad_image", why
    assert not Opinion.objects.exists()
    # each refused message is recorded once, with the reason, for the staff page
    rows = list(InboundMessage.objects.order_by("pk"))
    assert len(rows) == len(cases) and not any(r.accepted for r in rows)
    assert "MD5" in rows[0].error and rows[0].excerpt.startswith("表扬一下")
    again = post(client, {**MESSAGE, "message_id": "bad-0", "images": cases["wrong md5"]})
    assert again.status_code == 400 and InboundMessage.objects.count() == len(cases)


def test_picture_over_the_size_limit_is_refused(client: Any, settings: Any) -> None:
    from dangjian.opinions import MAX_PHOTO_BYTES

    settings.OPINION_WEBHOOK_SECRET = SECRET
    big = png_bytes() + b"\x00" * (MAX_PHOTO_BYTES + 10)  # a PNG signature, but over 5 MB
    answer = post(client, {**MESSAGE, "images": [picture(big)]})
    assert answer.status_code == 400 and answer.json()["field"] == "images"
    assert "5 MB" in answer.json()["message"]
    assert not Opinion.objects.exists()


def test_a_body_larger_than_three_pictures_is_refused_unread(client: Any, settings: Any) -> None:
    from dangjian.opinions.views_webhook import MAX_BODY

    settings.OPINION_WEBHOOK_SECRET = SECRET
    answer = post(client, {**MESSAGE, "text": "长" * (MAX_BODY // 2)})
    assert answer.status_code == 413 and answer.json()["code"] == "too_large"


# --- the staff page of rejected messages ----------------------------------------------------------

def test_staff_page_lists_rejected_messages_with_reasons(client: Any, settings: Any, users: Any,
                                                         django_assert_max_num_queries: Any) -> None:
    from dangjian.testing.fixtures import PASSWORD

    settings.OPINION_WEBHOOK_SECRET = SECRET
    post(client, {**MESSAGE, "message_id": "short", "text": "好"})
    post(client, {**MESSAGE, "message_id": "bad-pic", "images": [picture(b"GIF89a not allowed")]})
    post(client, MESSAGE)  # accepted: not listed
    for i in range(25):
        do_receive_inbound(Inbound(channel=EMAIL_CHANNEL, external_id=f"<m{i}@example.com>", subject=f"短信{i}",
                                   text="", sender_address="someone@example.com"))
    url = reverse("opinions:staff_inbound")
    # the secretary sees opinions of their branch but not the county's inbound log
    assert client.login(username=users.secretary.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.login(username=users.admin.username, password=PASSWORD)
    assert 'id="inbound-link"' in client.get(reverse("opinions:staff_list")).content.decode()
    client.get(url)
    with django_assert_max_num_queries(10):
        page1 = client.get(url)
    html = page1.content.decode()
    assert page1.status_code == 200 and html.count('class="inbound-error"') == 20
    chat = client.get(url + "?channel=chat_group").content.decode()
    assert chat.count('class="inbound-error"') == 2 and "GIF89a" not in chat
    assert "北岭村民群:m-1001" not in chat and "表扬一下" in chat
    page2 = client.get(url + "?page=2").content.decode()
    assert page2.count('class="inbound-error"') == 7
