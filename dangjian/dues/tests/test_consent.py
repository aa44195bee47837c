"""Quarterly payment and proxy payment with the branch's consent; floating members paying to their
host branch (the ledgers of both sides)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.core.roles import Role
from dangjian.dues import BillStatus, ConsentKind, PaymentStatus
from dangjian.dues.actions import (
    do_create_online_payment,
    do_generate_bills,
    do_record_offline_payment,
    do_sync_payment,
)
from dangjian.dues.billing import add_months
from dangjian.dues.collection import collected_cents
from dangjian.dues.consent import do_grant_consent, do_revoke_consent, quarter_end
from dangjian.dues.models import Bill, Payment
from dangjian.dues.tests.conftest import give_base
from dangjian.members.lifecycle.actions import do_issue_certificate
from dangjian.testing.fixtures import make_user


@pytest.fixture
def billed(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    if quarter_end(this_month).year != this_month.year:  # pragma: no cover - quarter ends in the year
        give_base(tree.alice, 510000, acting_user=users.secretary, year=this_month.year + 1)
    do_generate_bills(this_month)


def test_quarterly_consent_allows_the_whole_quarter(settings, tree, users, this_month, billed, wechat_sim):
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES": {**settings.DANGJIAN["DUES"], "ADVANCE_MAX_MONTHS": 0}}
    quarter = [m for m in (this_month, add_months(this_month, 1), add_months(this_month, 2))
               if m <= quarter_end(this_month)]
    if len(quarter) > 1:
        with pytest.raises(ValidationError):
            do_create_online_payment(tree.alice, months=quarter, channel="wechat", acting_user=users.member)
    do_grant_consent(tree.alice, kind=ConsentKind.QUARTERLY, from_month=this_month,
                     to_month=add_months(this_month, 11), reason="外出务工，按季度缴纳", acting_user=users.secretary)
    payment = do_create_online_payment(tree.alice, months=quarter, channel="wechat", acting_user=users.member)
    assert payment.bills.count() == len(quarter) and payment.amount_cents == 7650 * len(quarter)


def test_proxy_pays_only_with_consent(client, tree, users, this_month, billed, wechat_sim,
                                      django_capture_on_commit_callbacks):
    from dangjian.core.models import Notification

    proxy = users.publicity
    with pytest.raises(PermissionDenied):
        do_create_online_payment(tree.alice, months=[this_month], channel="wechat", acting_user=proxy)
    with django_capture_on_commit_callbacks(execute=True):
        consent = do_grant_consent(tree.alice, kind=ConsentKind.PROXY, from_month=this_month,
                                   to_month=add_months(this_month, 2), reason="本人住院，委托家属代缴", proxy=proxy,
                                   acting_user=users.secretary)
    assert Notification.objects.filter(kind="dues.proxy_consent", recipient=proxy).exists()
    payment = do_create_online_payment(tree.alice, months=[this_month], channel="wechat", acting_user=proxy)
    assert payment.created_by == proxy and payment.member == tree.alice
    client.force_login(proxy)
    assert client.get(reverse("dues:pay", args=[payment.out_trade_no])).status_code == 200
    wechat_sim.pay(payment.out_trade_no, notify=False)
    assert do_sync_payment(payment, acting_user=proxy).status == PaymentStatus.PAID
    assert client.get(reverse("dues:pay_for", args=[tree.alice.pk])).status_code == 200
    receipt = client.get(reverse("dues:receipt", args=[payment.out_trade_no]))
    assert receipt.status_code == 200 and "paid-by-proxy" in receipt.content.decode()
    do_revoke_consent(consent, acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_create_online_payment(tree.alice, months=[add_months(this_month, 1)], channel="wechat", acting_user=proxy)
    assert client.get(reverse("dues:pay_for", args=[tree.alice.pk])).status_code == 404


def test_consent_rules(client, tree, users, this_month):
    base = {"from_month": this_month, "to_month": this_month, "reason": "委托代缴"}
    for kwargs, field in (({"kind": "weekly"}, "kind"),
                          ({"kind": ConsentKind.PROXY}, "proxy"),
                          ({"kind": ConsentKind.PROXY, "proxy": users.member}, "proxy"),  # herself
                          ({"kind": ConsentKind.QUARTERLY, "proxy": users.publicity}, "proxy"),
                          ({"kind": ConsentKind.QUARTERLY, "to_month": add_months(this_month, -1)}, "to_month"),
                          ({"kind": ConsentKind.QUARTERLY, "to_month": add_months(this_month, 24)}, "to_month"),
                          ({"kind": ConsentKind.QUARTERLY, "reason": " "}, "reason")):
        with pytest.raises(ValidationError) as exc:
            do_grant_consent(tree.alice, **{**base, **kwargs}, acting_user=users.secretary)
        assert field in exc.value.message_dict, kwargs
    with pytest.raises(PermissionDenied):
        do_grant_consent(tree.dave, kind=ConsentKind.QUARTERLY, **base, acting_user=users.secretary)
    client.force_login(users.secretary)
    url = reverse("dues:consents", args=[tree.alice.pk])
    response = client.post(url, {"kind": "proxy", "from_month": f"{this_month:%Y-%m}", "to_month": f"{this_month:%Y-%m}",
                                 "reason": "委托代缴", "proxy": users.publicity.username})
    assert response.status_code == 302 and "委托代缴" in client.get(url).content.decode()
    assert client.get(reverse("dues:consents", args=[tree.dave.pk])).status_code == 404


@pytest.fixture
def floating(tree, users, root_user, this_month, billed):
    """Alice works away with a certificate naming branch_b1 as host; b1 has its own secretary."""
    today = dt.date.today()  # noqa: DTZ011 - the certificate's issue date
    do_issue_certificate(tree.alice, {"reason": "外出务工", "host_unit": "某电子厂", "host_org": tree.branch_b1.pk,
                                      "issued_on": today.isoformat(),
                                      "expires_on": (today + dt.timedelta(days=150)).isoformat()},
                         acting_user=root_user)
    return make_user("secretary-b1", Role.SECRETARY, tree.branch_b1, acting_user=root_user)


def test_floating_member_pays_cash_at_host(client, tree, users, this_month, floating):
    host_secretary = floating
    payment = do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=host_secretary)
    assert payment.collected_org == tree.branch_b1 and payment.status == PaymentStatus.PAID
    # the home branch's ledger shows the month paid; the money counts where it was collected
    assert Bill.objects.get(member=tree.alice, month=this_month).status == BillStatus.PAID
    assert collected_cents(tree.branch_b1, this_month, this_month) == 7650
    assert collected_cents(tree.branch_a1, this_month, this_month) == 0
    client.force_login(users.secretary)
    ledger = client.get(reverse("dues:ledger") + f"?org={tree.branch_a1.pk}").content.decode()
    assert "76.50" in ledger.split('id="total-paid"')[1][:40]
    client.force_login(host_secretary)
    assert client.get(reverse("dues:record_payment", args=[tree.alice.pk])).status_code == 200
    receipt = client.get(reverse("dues:receipt", args=[payment.out_trade_no])).content.decode()
    assert "collected-by" in receipt
    assert client.get(reverse("dues:record_payment", args=[tree.carol.pk])).status_code == 404
    with pytest.raises(PermissionDenied):  # not a guest of b1
        do_record_offline_payment(tree.carol, months=[this_month], channel="cash", acting_user=host_secretary)


def test_floating_member_pays_online_to_host(client, tree, users, this_month, floating, wechat_sim):
    payment = do_create_online_payment(tree.alice, months=[this_month], channel="wechat", at_host=True,
                                       acting_user=users.member)
    assert payment.collected_org == tree.branch_b1
    client.force_login(users.member)
    assert "id_at_host" in client.get(reverse("dues:my")).content.decode()
    assert Payment.objects.filter(collected_org=tree.branch_b1).count() == 1


def test_paying_to_a_host_needs_a_certificate(tree, users, this_month, billed, wechat_sim):
    with pytest.raises(ValidationError) as exc:
        do_create_online_payment(tree.alice, months=[this_month], channel="wechat", at_host=True,
                                 acting_user=users.member)
    assert "channel" in exc.value.message_dict
