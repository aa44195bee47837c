from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.orglife import CheckinMethod, qr
from dangjian.orglife.actions import do_check_in_by_code
from dangjian.orglife.models import Attendee
from dangjian.orglife.tests.conftest import plan
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

T0 = 1_800_000_000.0  # a fixed moment, at the start of a 30-second window


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, t: float = T0) -> None:
        self.t = t
        monkeypatch.setattr(qr, "clock", lambda: self.t)


def test_codes_rotate_and_live_for_two_windows(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    code = qr.current_code(7)
    assert len(code) == qr.CODE_LENGTH and code != qr.current_code(8)
    assert qr.valid_window(7, code) is not None
    assert qr.valid_window(8, code) is None  # bound to the activity
    clock.t += 30
    assert qr.current_code(7) != code
    assert qr.valid_window(7, code) is not None  # previous window: still accepted
    clock.t += 30
    assert qr.valid_window(7, code) is None  # two rotations later: expired
    settings.ORGLIFE = {"QR_ROTATE_SECONDS": 60}
    assert qr.rotate_seconds() == 60
    assert qr.valid_window(7, "x" * 16) is None and qr.valid_window(7, "") is None


def test_code_depends_on_the_secret_key(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch)
    code = qr.current_code(7)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert qr.current_code(7) != code


def test_member_checks_in_by_code_once(tree: Any, users: Any, ol: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    a = plan(tree.branch_a1, users.secretary)
    code = qr.current_code(a.pk)
    att = do_check_in_by_code(a, code, acting_user=ol.alice)
    assert att.present and att.checkin_method == CheckinMethod.QR
    clock.t += 120
    again = do_check_in_by_code(a, code, acting_user=ol.alice)  # idempotent, even with an old code
    assert again.checked_in_at == att.checked_in_at


def test_expired_code_cannot_be_replayed_by_another_account(tree: Any, users: Any, ol: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    a = plan(tree.branch_a1, users.secretary)
    code = qr.current_code(a.pk)
    do_check_in_by_code(a, code, acting_user=ol.alice)
    clock.t += 65  # the photo reaches bob at home
    with pytest.raises(ValidationError) as exc:
        do_check_in_by_code(a, code, acting_user=ol.bob)
    assert "code" in exc.value.message_dict
    assert not Attendee.objects.get(activity=a, member=tree.bob).present
    with pytest.raises(PermissionDenied):
        do_check_in_by_code(a, qr.current_code(a.pk), acting_user=ol.carol)  # not expected here


def test_checkin_url_signs_in_and_refuses_expired(client: Any, tree: Any, users: Any, ol: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    a = plan(tree.branch_a1, users.secretary)
    url = reverse("orglife:checkin", args=[a.pk, qr.current_code(a.pk)])
    client.login(username=ol.alice.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200 and 'id="checkin-ok"' in response.content.decode()
    client.logout()
    clock.t += 90
    client.login(username=ol.bob.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 400 and 'id="checkin-error"' in response.content.decode()
    assert not Attendee.objects.get(activity=a, member=tree.bob).present


def test_signed_out_scan_completes_after_login_within_grace(client: Any, tree: Any, users: Any, ol: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    a = plan(tree.branch_a1, users.secretary)
    url = reverse("orglife:checkin", args=[a.pk, qr.current_code(a.pk)])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    clock.t += 100  # the code rotated while the member typed the password
    client.login(username=ol.alice.username, password=PASSWORD)
    assert client.get(url).status_code == 200
    assert Attendee.objects.get(activity=a, member=tree.alice).present
    # the grace is single-use and per session: a second account in the same browser is refused
    client.logout()
    client.login(username=ol.bob.username, password=PASSWORD)
    assert client.get(url).status_code == 400


def test_venue_page_shows_qr_to_managers_only(client: Any, tree: Any, users: Any, ol: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch)
    a = plan(tree.branch_a1, users.secretary)
    client.login(username=ol.alice.username, password=PASSWORD)
    assert client.get(reverse("orglife:venue", args=[a.pk])).status_code == 404
    client.login(username=users.secretary.username, password=PASSWORD)
    html = client.get(reverse("orglife:venue", args=[a.pk])).content.decode()
    assert 'src="data:image/svg+xml' in html and qr.current_code(a.pk) in html
    assert 'hx-trigger="every 10s"' in html and "<script>" not in html
    fragment = client.get(reverse("orglife:venue_qr", args=[a.pk])).content.decode()
    assert 'id="venue-qr"' in fragment and "<html" not in fragment
