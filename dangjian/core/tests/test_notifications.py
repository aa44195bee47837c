"""notify(): inbox items and deliveries per preferences; the inbox UI, its scope and actions;
preferences; the push-subscribe endpoint."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from dangjian.core.models import AuditEvent, Delivery, Notification, NotificationPreference, WebPushSubscription
from dangjian.core.notifications import (
    KINDS,
    Message,
    channel_flags,
    notify,
    notify_each,
    redact_sent,
    register_kind,
    unread_count,
)
from dangjian.core.notifications.actions import (
    do_mark_all_read,
    do_mark_read,
    do_subscribe_webpush,
    do_update_notification_preferences,
)
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_backends(settings):
    """Pin the test backends here too: conftest's environment defaults can come after settings
    were loaded (pytest-django loads them first), leaving the production ones in place."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(pub), "auth": b64url(os.urandom(16))}


@pytest.fixture
def all_channels(settings):
    """Every external channel configured (no sending happens unless on_commit callbacks run)."""
    settings.SMS_SECRET_ID = "AKIDtest"
    settings.SMS_SECRET_KEY = "secret"
    settings.SMS_APP_ID = "1400000000"
    settings.SMS_TEMPLATE_ID = "100001"
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "unused-in-these-tests"
    settings.WEBPUSH_VAPID_PUBLIC_KEY = "unused-in-these-tests"
    settings.WEBPUSH_ENDPOINT_HOSTS = ["push.example.net"]
    return settings


@pytest.fixture
def kind():
    register_kind("test.reminder", "Test reminders")
    yield "test.reminder"
    KINDS.pop("test.reminder", None)


def set_email(user, address="someone@example.com"):
    user.email = address
    user.save(update_fields=["email"])
    return user


def add_subscription(user, n=1):
    keys = browser_keys()
    return do_subscribe_webpush(
        user, {"endpoint": f"https://push.example.net/send/{user.pk}-{n}", "keys": keys}, acting_user=user
    )


# --- notify() ---------------------------------------------------------------------------------

def test_inbox_only_by_default(users, all_channels):
    set_email(users.member)
    add_subscription(users.member)
    items = notify(users.member, "test.reminder", title="Meeting tomorrow", body="Room 3", url="/orgs/")
    assert [(n.recipient_id, n.title, n.body, n.url) for n in items] == [(users.member.pk, "Meeting tomorrow", "Room 3", "/orgs/")]
    assert Notification.objects.get().read_at is None
    assert not Delivery.objects.exists()
    assert unread_count(users.member) == 1
    assert unread_count(users.secretary) == 0


def test_deliveries_follow_preferences_with_kind_overrides(users, all_channels, kind):
    member = set_email(users.member)  # linked to alice, who has a phone
    add_subscription(member, 1)
    add_subscription(member, 2)
    do_update_notification_preferences(
        member, {"*": {"email": True, "sms": False, "webpush": True}, kind: {"sms": True, "webpush": False}},
        acting_user=member,
    )
    other = set_email(users.secretary, "sec@example.com")
    do_update_notification_preferences(other, {"*": {"email": True}, kind: {"email": False}}, acting_user=other)

    notify([member, other, member], kind, title="t")
    assert Notification.objects.filter(recipient=member).count() == 1  # duplicates collapsed
    assert Notification.objects.filter(recipient=other).count() == 1
    assert sorted(Delivery.objects.filter(notification__recipient=member).values_list("channel", flat=True)) == [
        "email", "sms"
    ]
    assert not Delivery.objects.filter(notification__recipient=other).exists()

    # another kind: only the "*" row applies → e-mail and one push per subscribed device
    notify(member, "test.other", title="t2")
    chans = sorted(Delivery.objects.filter(notification__kind="test.other").values_list("channel", flat=True))
    assert chans == ["email", "webpush", "webpush"]
    assert channel_flags(member, kind) == {"email": True, "sms": True, "webpush": False}
    assert channel_flags(other, "test.other") == {"email": True, "sms": False, "webpush": False}


def test_channels_need_configuration_and_contact_details(users, settings):
    settings.SMS_SECRET_ID = ""  # SMS off on this installation
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    for u in (users.member, users.secretary):
        NotificationPreference.objects.create(user=u, kind="*", email=True, sms=True, webpush=True)
    set_email(users.member)
    notify([users.member, users.secretary], "k", title="t")
    # secretary has no e-mail address; nobody gets SMS or push while they are not configured
    assert list(Delivery.objects.values_list("notification__recipient", "channel")) == [(users.member.pk, "email")]


def test_sms_needs_a_linked_phone(users, all_channels):
    for u in (users.member, users.secretary):
        NotificationPreference.objects.create(user=u, kind="*", sms=True)
    notify([users.member, users.secretary], "k", title="t")
    assert list(Delivery.objects.values_list("notification__recipient", "channel")) == [(users.member.pk, "sms")]


def test_inactive_users_are_skipped(users):
    users.nobody.is_active = False
    users.nobody.save(update_fields=["is_active"])
    notify([users.nobody, users.public.pk], "k", title="t")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [users.public.pk]


def test_notify_many_recipients_in_bounded_queries(root_user, all_channels, django_assert_max_num_queries):
    people = [make_user(f"u{i}", None, None, acting_user=root_user) for i in range(40)]
    for u in people:
        NotificationPreference.objects.create(user=u, kind="*", email=True)
        set_email(u, f"u{u.pk}@example.com")
    with django_assert_max_num_queries(12):
        notify(people, "k", title="t")
    assert Notification.objects.count() == 40
    assert Delivery.objects.filter(channel="email").count() == 40


def test_notify_each_gives_everyone_their_own_text_in_bounded_queries(root_user, all_channels,
                                                                    django_assert_max_num_queries):
    people = [make_user(f"e{i}", None, None, acting_user=root_user) for i in range(30)]
    for u in people:
        NotificationPreference.objects.create(user=u, kind="*", email=True)
        set_email(u, f"e{u.pk}@example.com")
    messages = [Message(u, title=f"code for {u.pk}", body=f"your code {u.pk}", url=f"/x/#{u.pk}") for u in people]
    messages.append(Message(people[0].pk, title="a second message to the same person"))  # ignored
    with django_assert_max_num_queries(12):
        items = notify_each("k", messages)
    assert len(items) == 30
    got = {n.recipient_id: (n.title, n.body, n.url, n.sms_params) for n in Notification.objects.all()}
    assert got == {u.pk: (f"code for {u.pk}", f"your code {u.pk}", f"/x/#{u.pk}", [f"code for {u.pk}"])
                   for u in people}
    assert Delivery.objects.filter(channel="email").count() == 30
    assert notify_each("k", []) == []


def test_tasks_are_enqueued_only_after_commit(users, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    set_email(users.member)
    NotificationPreference.objects.create(user=users.member, kind="*", email=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(users.member, "k", title="t")
    assert default_task_backend.results == []
    for cb in callbacks:
        cb()
    delivery = Delivery.objects.get()
    assert [(r.task.name, r.args) for r in default_task_backend.results] == [("send_delivery", [delivery.pk])]


# --- inbox UI and actions ---------------------------------------------------------------------

def test_inbox_lists_only_own_notifications(client, users):
    notify(users.member, "k", title="For the member", body="hello")
    notify(users.secretary, "k", title="For the secretary")
    client.force_login(users.member)
    resp = client.get(reverse("notifications:inbox"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "For the member" in html and "For the secretary" not in html
    assert resp.context["unread"] == 1


def test_inbox_needs_login(client):
    resp = client.get(reverse("notifications:inbox"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_inbox_is_paginated_in_bounded_queries(client, users, django_assert_max_num_queries):
    client.force_login(users.member)
    notify(users.member, "k", title="first")
    client.get(reverse("notifications:inbox"))  # warm session/user caches
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("notifications:inbox"))
    for i in range(60):
        notify(users.member, "k", title=f"n{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = client.get(reverse("notifications:inbox"))
    assert len(resp.context["page"].object_list) == 20
    assert resp.context["page"].paginator.num_pages == 4
    resp = client.get(reverse("notifications:inbox") + "?page=4")
    assert [n.title for n in resp.context["page"].object_list] == ["first"]


def test_other_users_notification_is_not_found(client, users):
    (theirs,) = notify(users.secretary, "k", title="secret")
    client.force_login(users.member)
    for name in ("notifications:open", "notifications:mark_read"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_and_open(client, users):
    (a,) = notify(users.member, "k", title="a", url="/members/")
    (b,) = notify(users.member, "k", title="b", url="https://evil.example/")
    client.force_login(users.member)
    assert client.get(reverse("notifications:mark_read", args=[a.pk])).status_code == 405
    resp = client.post(reverse("notifications:mark_read", args=[a.pk]), {"page": "1"})
    assert resp.status_code == 302 and resp["Location"] == reverse("notifications:inbox") + "?page=1"
    a.refresh_from_db()
    assert a.read_at is not None
    assert unread_count(users.member) == 1
    resp = client.post(reverse("notifications:open", args=[a.pk]))
    assert resp["Location"] == "/members/"
    resp = client.post(reverse("notifications:open", args=[b.pk]))
    assert resp["Location"] == reverse("notifications:inbox")  # no open redirect off-site
    b.refresh_from_db()
    assert b.read_at is not None
    assert AuditEvent.objects.filter(action="notification.read", target_id=str(a.pk)).count() == 1


def test_mark_all_read_touches_only_own(client, users):
    notify(users.member, "k", title="a")
    notify(users.member, "k", title="b")
    notify(users.secretary, "k", title="c")
    client.force_login(users.member)
    client.post(reverse("notifications:mark_all_read"))
    assert unread_count(users.member) == 0
    assert unread_count(users.secretary) == 1


def test_actions_refuse_other_users(users):
    (item,) = notify(users.secretary, "k", title="x")
    with pytest.raises(PermissionDenied):
        do_mark_read(item, acting_user=users.member)
    with pytest.raises(PermissionDenied):
        do_mark_all_read(users.secretary, acting_user=users.member)
    with pytest.raises(PermissionDenied):
        do_update_notification_preferences(users.secretary, {"*": {"email": True}}, acting_user=users.member)


# --- preferences ------------------------------------------------------------------------------

def test_preferences_page_saves_toggles(client, users, all_channels, kind):
    client.force_login(users.member)
    resp = client.get(reverse("notifications:preferences"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'name="*:email"' in html and f'name="{kind}:sms"' in html
    assert "data-push-subscribe" in html and 'src="/static/js/push.js"' in html
    assert "style=" not in html
    resp = client.post(reverse("notifications:preferences"), {"*:email": "on", f"{kind}:sms": "on", f"{kind}:email": "off"})
    assert resp.status_code == 302
    assert channel_flags(users.member, kind) == {"email": False, "sms": True, "webpush": False}
    assert channel_flags(users.member, "unregistered") == {"email": True, "sms": False, "webpush": False}
    event = AuditEvent.objects.get(action="notification.preferences_changed")
    assert event.after["*"]["email"] is True
    # saving the same again writes no new audit event
    client.post(reverse("notifications:preferences"), {"*:email": "on", f"{kind}:sms": "on", f"{kind}:email": "off"})
    assert AuditEvent.objects.filter(action="notification.preferences_changed").count() == 1


def test_preferences_page_hides_unconfigured_channels(client, users, settings):
    settings.SMS_SECRET_ID = ""
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    client.force_login(users.member)
    html = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="*:email"' in html
    assert 'name="*:sms"' not in html and "data-push-subscribe" not in html


def test_preferences_reject_unknown_kind_and_channel(users):
    with pytest.raises(ValidationError) as e:
        do_update_notification_preferences(users.member, {"no.such.kind": {"email": True}}, acting_user=users.member)
    assert "kind" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        do_update_notification_preferences(users.member, {"*": {"fax": True}}, acting_user=users.member)
    assert "channel" in e.value.message_dict
    assert not NotificationPreference.objects.exists()


# --- push subscription endpoint ---------------------------------------------------------------

def test_push_subscribe_endpoint(users, all_channels):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.member)
    page = client.get(reverse("notifications:preferences"))
    token = page.context["csrf_token"]
    url = reverse("notifications:push_subscribe")
    body = {"endpoint": "https://push.example.net/send/abc", "expirationTime": None, "keys": browser_keys()}

    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 403  # no CSRF token
    resp = client.post(url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert resp.status_code == 201, resp.content
    sub = WebPushSubscription.objects.get()
    assert (sub.user, sub.endpoint, sub.p256dh) == (users.member, body["endpoint"], body["keys"]["p256dh"])

    bad = dict(body, keys={"p256dh": "abc", "auth": body["keys"]["auth"]})
    resp = client.post(url, json.dumps(bad), content_type="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert resp.status_code == 400 and resp.json()["field"] == "p256dh"
    internal = dict(body, endpoint="https://169.254.169.254/latest")
    resp = client.post(url, json.dumps(internal), content_type="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert resp.status_code == 400 and resp.json()["field"] == "endpoint"
    plain = dict(body, endpoint="http://push.example.net/x")
    resp = client.post(url, json.dumps(plain), content_type="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert resp.status_code == 400
    resp = client.post(url, b"not json", content_type="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert resp.status_code == 400
    assert WebPushSubscription.objects.count() == 1

    resp = client.post(reverse("notifications:push_unsubscribe"), json.dumps({"endpoint": body["endpoint"]}),
                       content_type="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert resp.json() == {"ok": True, "removed": 1}
    assert not WebPushSubscription.objects.exists()


def test_push_subscribe_is_404_when_push_is_off(client, users, settings):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    client.force_login(users.member)
    body = {"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": browser_keys()}
    resp = client.post(reverse("notifications:push_subscribe"), json.dumps(body), content_type="application/json")
    assert resp.status_code == 404


# --- redact_sent() ----------------------------------------------------------------------------

def test_redact_sent_takes_back_the_text_of_one_kind_and_link_only(users, all_channels,
                                                                  django_assert_max_num_queries):
    set_email(users.member)
    NotificationPreference.objects.create(user=users.member, kind="*", email=True)
    notify_each("k.code", [Message(users.member, title="Your code", body="code SECRET-1", url="/e/1/go/#SECRET-1",
                                   sms_params=["SECRET-1"]),
                           Message(users.secretary, title="Your code", body="code SECRET-2", url="/e/1/go/#SECRET-2")])
    notify_each("k.code", [Message(users.organizer, title="Other", body="code SECRET-3", url="/e/2/go/#SECRET-3")])
    notify(users.member, "k.other", title="Same link, other kind", body="SECRET-4", url="/e/1/go/#SECRET-4")
    sent = Delivery.objects.get(notification__body="code SECRET-1")
    # only the member's item: the recipients filter
    assert redact_sent("k.code", url_prefix="/e/1/", body="taken back", url="/e/1/go/",
                       recipients=[users.member.pk]) == 1
    assert Notification.objects.get(recipient=users.secretary).body == "code SECRET-2"
    with django_assert_max_num_queries(4):  # two UPDATEs in a savepoint
        assert redact_sent("k.code", url_prefix="/e/1/", body="taken back", url="/e/1/go/") == 2
    rows = {n.recipient_id: (n.title, n.body, n.url, n.sms_params)
            for n in Notification.objects.filter(kind="k.code", url__startswith="/e/1/")}
    assert rows == {users.member.pk: ("Your code", "taken back", "/e/1/go/", []),
                    users.secretary.pk: ("Your code", "taken back", "/e/1/go/", [])}
    # other links and other kinds are left alone; the unsent e-mail is not sent any more
    assert Notification.objects.get(recipient=users.organizer).body == "code SECRET-3"
    assert Notification.objects.get(kind="k.other").body == "SECRET-4"
    sent.refresh_from_db()
    assert sent.status == "gave_up"
    with pytest.raises(ValueError):
        redact_sent("k.code", url_prefix="", body="x")
