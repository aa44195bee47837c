from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dangjian.core.models import AuditEvent, Notification
from dangjian.opinions import MAX_PHOTO_BYTES, OpinionChannel, OpinionStatus
from dangjian.opinions.actions import do_log_opinion_for_caller, do_submit_opinion
from dangjian.opinions.models import Opinion, OpinionEvent, OpinionPhoto
from dangjian.opinions.tests.helpers import JPEG, PHONE, PNG, opinion_data

pytestmark = pytest.mark.django_db


def _files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_anonymous_submit_creates_opinion_event_and_audit_without_plain_phone(tree: Any) -> None:
    opinion = do_submit_opinion(opinion_data(place=tree.town_a.pk), [], acting_user=AnonymousUser(), ip="10.0.0.1")
    opinion.refresh_from_db()
    assert opinion.tracking_no.startswith("YJ") and opinion.tracking_no.endswith("-0001")
    assert opinion.status == OpinionStatus.RECEIVED
    assert opinion.org_path == tree.town_a.path
    assert opinion.sender is None
    assert opinion.sender_phone == PHONE
    assert opinion.sender_phone_masked == "139****5678"
    assert list(OpinionEvent.objects.filter(opinion=opinion).values_list("kind", flat=True)) == ["received"]
    event = AuditEvent.objects.get(action="opinion.submitted")
    assert event.target_id == str(opinion.pk)
    assert event.org_path == tree.town_a.path
    assert PHONE not in str(event.after) and PHONE not in str(event.before)
    assert event.after is not None and event.after["sender_phone"] == "139****5678"
    with connection.cursor() as cur:
        cur.execute("SELECT sender_phone FROM opinions_opinion WHERE id = %s", [opinion.pk])
        row = cur.fetchone()
    assert row is not None and row[0] and PHONE not in row[0]


def test_signed_in_sender_needs_no_phone(tree: Any, users: Any) -> None:
    opinion = do_submit_opinion(opinion_data(phone="", name=""), [], acting_user=users.public,
                                channel=OpinionChannel.PHONE_APP)
    assert opinion.sender == users.public
    assert opinion.channel == "phone_app"
    assert opinion.sender_name == users.public.display_name
    assert opinion.sender_phone_digest == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "abc"),
        ("title", "x" * 101),
        ("body", "too short"),
        ("body", "x" * 2001),
        ("kind", "rant"),
        ("phone", ""),
        ("phone", "12345"),
        ("place", 999999),
        ("place", "abc"),
    ],
)
def test_validation_names_the_field_and_writes_nothing(tree: Any, settings: Any, field: str, value: Any) -> None:
    audit_before = AuditEvent.objects.count()
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        do_submit_opinion(opinion_data(**{field: value}), [photo], acting_user=AnonymousUser())
    assert field in exc.value.message_dict
    assert Opinion.objects.count() == 0
    assert OpinionPhoto.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before
    assert _files(settings) == []


def test_inactive_place_refused(tree: Any, root_user: Any) -> None:
    from dangjian.orgs.actions import do_update_organization

    do_update_organization(tree.town_b, {"name": tree.town_b.name, "kind": tree.town_b.kind, "is_active": False},
                           acting_user=root_user)
    tree.town_b.refresh_from_db()
    assert not tree.town_b.is_active
    with pytest.raises(ValidationError) as exc:
        do_submit_opinion(opinion_data(place=tree.town_b.pk), [], acting_user=AnonymousUser())
    assert "place" in exc.value.message_dict


def test_photos_checked_by_signature_and_stored(tree: Any, settings: Any) -> None:
    photos = [SimpleUploadedFile("p.png", PNG), SimpleUploadedFile("j.jpg", JPEG),
              SimpleUploadedFile("w.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ")]
    opinion = do_submit_opinion(opinion_data(), photos, acting_user=AnonymousUser())
    stored = list(opinion.photos.order_by("pk"))
    assert [p.content_type for p in stored] == ["image/png", "image/jpeg", "image/webp"]
    for p in stored:
        name = str(p.image.name)
        assert name.startswith("opinions/")
        assert (Path(settings.MEDIA_ROOT) / name).exists()
    assert str(stored[0].image.name).endswith(".png")


def test_text_file_renamed_jpg_is_refused(tree: Any, settings: Any) -> None:
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        do_submit_opinion(opinion_data(), [fake], acting_user=AnonymousUser())
    assert "photos" in exc.value.message_dict
    assert Opinion.objects.count() == 0 and _files(settings) == []


def test_photo_size_and_count_limits(tree: Any) -> None:
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * MAX_PHOTO_BYTES)
    with pytest.raises(ValidationError) as exc:
        do_submit_opinion(opinion_data(), [big], acting_user=AnonymousUser())
    assert "photos" in exc.value.message_dict
    four = [SimpleUploadedFile(f"{i}.png", PNG) for i in range(4)]
    with pytest.raises(ValidationError) as exc:
        do_submit_opinion(opinion_data(), four, acting_user=AnonymousUser())
    assert "photos" in exc.value.message_dict
    assert Opinion.objects.count() == 0


def test_tracking_numbers_follow_a_daily_sequence(tree: Any) -> None:
    nos = [do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser()).tracking_no for _ in range(3)]
    assert [n[-4:] for n in nos] == ["0001", "0002", "0003"]
    assert len({n[:10] for n in nos}) == 1


def test_county_admin_notified_after_submit(tree: Any, users: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        opinion = do_submit_opinion(opinion_data(place=tree.branch_a1.pk), [], acting_user=AnonymousUser())
    notes = Notification.objects.filter(kind="opinions.new")
    assert list(notes.values_list("recipient_id", flat=True)) == [users.admin.pk]
    assert opinion.tracking_no in notes.get().title
    assert PHONE not in notes.get().title + notes.get().body


def test_county_admin_notified_without_place(tree: Any, users: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser())
    assert list(Notification.objects.filter(kind="opinions.new").values_list("recipient_id", flat=True)) == [users.admin.pk]


def test_staff_log_needs_permission(tree: Any, users: Any) -> None:
    opinion = do_log_opinion_for_caller(opinion_data(place=tree.branch_a1.pk), [], acting_user=users.secretary)
    assert opinion.channel == OpinionChannel.STAFF_LOGGED
    assert opinion.sender is None
    with pytest.raises(PermissionDenied):
        do_log_opinion_for_caller(opinion_data(place=tree.branch_b1.pk), [], acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_log_opinion_for_caller(opinion_data(), [], acting_user=users.organizer)
    with pytest.raises(ValidationError) as exc:
        do_log_opinion_for_caller(opinion_data(phone=""), [], acting_user=users.admin)
    assert "phone" in exc.value.message_dict


def test_status_transition_table(tree: Any) -> None:
    opinion = do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser())
    opinion.check_transition(OpinionStatus.ACCEPTED)
    with pytest.raises(ValidationError):
        opinion.check_transition(OpinionStatus.ANSWERED)
    with pytest.raises(ValidationError):
        opinion.check_transition("bogus")


@pytest.mark.django_db(transaction=True)
def test_tracking_numbers_unique_under_concurrent_submits(tree: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time; the race needs PostgreSQL")
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(do_submit_opinion(opinion_data(), [], acting_user=AnonymousUser()).tracking_no)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 8 and len(set(results)) == 8
