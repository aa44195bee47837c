"""The yearly public notice (党费公示) and dues handed up to the committee above (上缴)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import Notification
from dangjian.dues import HandoverStatus
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.billing import add_months
from dangjian.dues.collection import do_decide_handover, do_hand_up_dues, do_publish_notice, notice_data
from dangjian.dues.models import DuesHandover, Payment
from dangjian.dues.reconcile import day_range
from dangjian.dues.tests.conftest import give_base


@pytest.fixture
def paid_months(tree, users, this_month):
    """Alice (base 5100 → 76.50) pays last month in cash plus 10 yuan voluntary; Bob (probationary,
    flat category) is billed too."""
    last = add_months(this_month, -1)
    for member, cents in ((tree.alice, 510000), (tree.bob, 300000)):
        give_base(member, cents, acting_user=users.secretary, year=last.year)
        if last.year != this_month.year:
            give_base(member, cents, acting_user=users.secretary)
    do_generate_bills(last)
    do_generate_bills(this_month)
    payment = do_record_offline_payment(tree.alice, months=[last], channel="cash", voluntary_cents=1000,
                                        acting_user=users.secretary)
    # the cash was taken last month (what a branch hands up is what it received in the period)
    Payment.objects.filter(pk=payment.pk).update(paid_at=day_range(last)[0] + dt.timedelta(hours=10))
    return last, Payment.objects.get(pk=payment.pk)


def test_notice_shows_names_months_and_amounts_only(client, tree, users, this_month, paid_months,
                                                    django_capture_on_commit_callbacks):
    last, _payment = paid_months
    data = notice_data(tree.branch_a1, last.year)
    alice = next(r for r in data.rows if r["name"] == "张爱丽")
    assert alice["months"][last.month - 1] == "paid" and alice["paid_cents"] == 7650
    assert set(alice) == {"name", "months", "paid_cents", "paid_yuan"}  # no base, category, ID or phone
    with django_capture_on_commit_callbacks(execute=True):
        notice = do_publish_notice(tree.branch_a1, last.year, acting_user=users.secretary)
    assert notice.total_paid_cents == 7650 and notice.voluntary_cents == 1000
    assert Notification.objects.filter(kind="dues.notice_published", recipient=users.member).exists()
    client.force_login(users.member)
    page = client.get(reverse("dues:notice") + f"?year={last.year}").content.decode()
    assert "张爱丽" in page and "76.50" in page and "5100" not in page and "5,100" not in page
    assert "notice-publish" not in page


def test_notice_is_frozen_until_published_again(client, tree, users, this_month, paid_months):
    last, _payment = paid_months
    first = do_publish_notice(tree.branch_a1, last.year, acting_user=users.secretary)
    do_record_offline_payment(tree.bob, months=[last], channel="cash", acting_user=users.secretary)
    first.refresh_from_db()
    assert {r["name"]: r for r in first.rows}["李博"]["months"][last.month - 1] == "due"  # frozen
    again = do_publish_notice(tree.branch_a1, last.year, acting_user=users.secretary)
    assert again.pk == first.pk
    assert {r["name"]: r for r in again.rows}["李博"]["months"][last.month - 1] == "paid"


def test_notice_rules(client, tree, users, this_month, paid_months):
    last, _payment = paid_months
    with pytest.raises(PermissionDenied):
        do_publish_notice(tree.branch_a2, last.year, acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_publish_notice(tree.branch_a1, timezone.localdate().year + 1, acting_user=users.secretary)
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError):
        do_publish_notice(tree.branch_a2, last.year, acting_user=users.organizer)  # no bills there
    client.force_login(users.member)
    assert "notice-none" in client.get(reverse("dues:notice")).content.decode()
    client.force_login(users.secretary)
    page = client.get(reverse("dues:manage_notice") + f"?org={tree.branch_a1.pk}&year={last.year}")
    assert page.status_code == 200 and "张爱丽" in page.content.decode()
    assert client.get(reverse("dues:manage_notice") + f"?org={tree.branch_b1.pk}").status_code == 404
    response = client.post(reverse("dues:manage_notice"), {"org": tree.branch_a1.pk, "year": last.year})
    assert response.status_code == 302


def test_hand_up_and_confirm(client, tree, users, this_month, paid_months, django_capture_on_commit_callbacks):
    last, _payment = paid_months
    with django_capture_on_commit_callbacks(execute=True):
        handover = do_hand_up_dues(tree.branch_a1, period_start=last, months=1, handed_up_cents=8650,
                                   reference="银行回单 001", acting_user=users.secretary)
    assert (handover.collected_cents, handover.handed_up_cents, handover.to_organization) == (8650, 8650, tree.town_a)
    assert Notification.objects.filter(kind="dues.handed_up", recipient=users.organizer).exists()
    with pytest.raises(PermissionDenied):  # the branch cannot confirm its own hand-over
        do_decide_handover(handover, confirm=True, acting_user=users.secretary)
    handover = do_decide_handover(handover, confirm=True, acting_user=users.organizer)
    assert handover.status == HandoverStatus.CONFIRMED
    with pytest.raises(ValidationError):
        do_decide_handover(handover, confirm=False, note="金额不符", acting_user=users.organizer)
    client.force_login(users.organizer)
    page = client.get(reverse("dues:ledger") + f"?org={tree.town_a.pk}&month={last:%Y-%m}").content.decode()
    assert "86.50" in page.split('id="handover-summary"')[1].split("</p>")[0]


def test_hand_up_rules(tree, users, this_month, paid_months):
    last, _payment = paid_months
    for kwargs, field in (({"period_start": this_month, "months": 1}, "period_start"),  # not ended
                          ({"period_start": last, "months": 2}, "months"),
                          ({"period_start": last, "months": 1, "handed_up_cents": 8651}, "handed_up"),
                          ({"period_start": last, "months": 1, "handed_up_cents": -1}, "handed_up")):
        with pytest.raises(ValidationError) as exc:
            do_hand_up_dues(tree.branch_a1, **{"handed_up_cents": 100, **kwargs}, acting_user=users.secretary)
        assert field in exc.value.message_dict
    if last.month not in (1, 4, 7, 10):
        with pytest.raises(ValidationError) as exc:
            do_hand_up_dues(tree.branch_a1, period_start=last, months=3, handed_up_cents=0, acting_user=users.secretary)
        assert "period_start" in exc.value.message_dict
    with pytest.raises(ValidationError):
        do_hand_up_dues(tree.county, period_start=last, months=1, handed_up_cents=0, acting_user=users.admin)
    first = do_hand_up_dues(tree.branch_a1, period_start=last, months=1, handed_up_cents=100,
                            acting_user=users.secretary)
    with pytest.raises(ValidationError):  # the same period twice
        do_hand_up_dues(tree.branch_a1, period_start=last, months=1, handed_up_cents=100, acting_user=users.secretary)
    with pytest.raises(ValidationError):  # returning needs a reason
        do_decide_handover(first, confirm=False, acting_user=users.organizer)
    do_decide_handover(first, confirm=False, note="金额不符", acting_user=users.organizer)
    again = do_hand_up_dues(tree.branch_a1, period_start=last, months=1, handed_up_cents=8650,
                            acting_user=users.secretary)
    assert DuesHandover.objects.filter(organization=tree.branch_a1).count() == 2 and again.status == "handed_up"
    with pytest.raises(PermissionDenied):
        do_hand_up_dues(tree.branch_b1, period_start=last, months=1, handed_up_cents=0, acting_user=users.secretary)


def test_refunded_payments_are_not_collected(tree, users, this_month, paid_months):
    last, payment = paid_months
    Payment.objects.filter(pk=payment.pk).update(status="refunded")
    handover = do_hand_up_dues(tree.branch_a1, period_start=last, months=1, handed_up_cents=0,
                               acting_user=users.secretary)
    assert handover.collected_cents == 0


def test_handover_page(client, tree, users, this_month, paid_months):
    last, _payment = paid_months
    client.force_login(users.secretary)
    url = reverse("dues:handovers") + f"?org={tree.branch_a1.pk}"
    assert "handover-form" in client.get(url).content.decode()
    response = client.post(reverse("dues:handovers"), {"org": tree.branch_a1.pk, "period_start": f"{last:%Y-%m}",
                                                       "months": "1", "handed_up": "86.5"})
    assert response.status_code == 302
    handover = DuesHandover.objects.get()
    assert handover.handed_up_cents == 8650
    response = client.post(reverse("dues:handovers"), {"org": tree.branch_a1.pk, "period_start": f"{last:%Y-%m}",
                                                       "months": "1", "handed_up": "1.234"}, follow=True)
    assert "最多两位小数" in response.content.decode()  # the field's rule, in the default language
    client.force_login(users.organizer)
    page = client.get(reverse("dues:handovers") + f"?org={tree.town_a.pk}").content.decode()
    assert "Confirm receipt" in page or "确认收到" in page
    client.post(reverse("dues:handovers"), {"org": tree.town_a.pk, "handover": handover.pk, "decision": "confirm"})
    assert DuesHandover.objects.get().status == HandoverStatus.CONFIRMED
    client.force_login(users.secretary)
    assert client.post(reverse("dues:handovers"), {"org": tree.branch_b1.pk, "handover": handover.pk,
                                                   "decision": "confirm"}).status_code == 404
