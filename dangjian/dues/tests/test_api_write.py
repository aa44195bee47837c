"""API: self-reported bases, listing bases, proposing reliefs and starting a payment — scope and
validation (field named in every 400)."""

from __future__ import annotations

import json

from dangjian.dues import ConsentKind
from dangjian.dues.actions import do_generate_bills
from dangjian.dues.billing import add_months
from dangjian.dues.consent import do_grant_consent
from dangjian.dues.models import DuesBase, DuesRelief, Payment
from dangjian.dues.tests.conftest import give_base
from dangjian.dues.tests.test_api_bills import bearer


def post(client, url, data, user):
    return client.post(url, data=json.dumps(data), content_type="application/json", **bearer(user))


def test_member_reports_base_and_branch_lists_it(client, tree, users, this_month):
    data = {"year": this_month.year, "category": "in_service",
            "income_breakdown": [{"item": "基本工资", "cents": 600000}, {"item": "个人所得税", "cents": -90000}]}
    response = post(client, "/api/v1/dues/my/base", data, users.member)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["base_cents"] == 510000 and body["status"] == "submitted" and body["member"] == tree.alice.pk
    bad = post(client, "/api/v1/dues/my/base", {**data, "category": "astronaut"}, users.member)
    assert bad.status_code == 400 and bad.json()["field"] == "category"
    assert post(client, "/api/v1/dues/my/base", data, users.public).status_code == 404
    listing = client.get(f"/api/v1/dues/bases?org={tree.branch_a1.pk}&year={this_month.year}", **bearer(users.secretary))
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert listing.json()["items"][0]["member_name"] == "张爱丽"
    assert client.get(f"/api/v1/dues/bases?org={tree.branch_b1.pk}&year={this_month.year}",
                      **bearer(users.secretary)).status_code == 404
    assert client.get(f"/api/v1/dues/bases?org={tree.branch_a1.pk}&year={this_month.year}&status=x",
                      **bearer(users.secretary)).json()["field"] == "status"
    assert client.get(f"/api/v1/dues/bases?org={tree.branch_a1.pk}&year={this_month.year}",
                      **bearer(users.member)).status_code == 404
    assert DuesBase.objects.count() == 1


def test_branch_proposes_relief(client, tree, users, this_month):
    data = {"member": tree.alice.pk, "kind": "reduction", "from_month": f"{this_month:%Y-%m}",
            "to_month": f"{add_months(this_month, 5):%Y-%m}", "monthly_cents": 100, "reason": "家庭困难，支部讨论同意",
            "evidence": "困难证明（村委会）"}
    response = post(client, "/api/v1/dues/reliefs", data, users.secretary)
    assert response.status_code == 201 and response.json()["status"] == "proposed"
    assert post(client, "/api/v1/dues/reliefs", {**data, "to_month": "2026-13"}, users.secretary).json()["field"] \
        == "to_month"
    assert post(client, "/api/v1/dues/reliefs", {**data, "reason": "x"}, users.secretary).json()["field"] == "reason"
    assert post(client, "/api/v1/dues/reliefs", {**data, "member": tree.dave.pk}, users.secretary).status_code == 404
    assert post(client, "/api/v1/dues/reliefs", data, users.member).status_code == 404
    assert DuesRelief.objects.count() == 1


def test_start_payment_returns_what_the_app_opens(client, tree, users, this_month, wechat_sim):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    response = post(client, "/api/v1/dues/payments", {"months": [f"{this_month:%Y-%m}"], "channel": "wechat",
                                                      "mode": "h5"}, users.member)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["amount_cents"] == 7650 and body["pay_mode"] == "h5"
    assert body["pay_url"].startswith(wechat_sim.url) and body["months"] == [f"{this_month:%Y-%m}"]
    again = post(client, "/api/v1/dues/payments", {"months": [f"{this_month:%Y-%m}"], "channel": "wechat"},
                 users.member)
    assert again.status_code == 201  # the bill is still due until paid
    assert post(client, "/api/v1/dues/payments", {"months": ["2026-99"], "channel": "wechat"},
                users.member).json()["field"] == "months"
    assert post(client, "/api/v1/dues/payments", {"months": [f"{this_month:%Y-%m}"], "channel": "paypal"},
                users.member).json()["field"] == "channel"
    assert post(client, "/api/v1/dues/payments", {"voluntary_cents": -5, "channel": "wechat"},
                users.member).json()["field"] == "voluntary"
    # someone else's dues: not without the branch's consent
    assert post(client, "/api/v1/dues/payments", {"months": [f"{this_month:%Y-%m}"], "channel": "wechat",
                                                  "member": tree.alice.pk}, users.publicity).status_code == 404
    do_grant_consent(tree.alice, kind=ConsentKind.PROXY, from_month=this_month, to_month=this_month,
                     reason="委托代缴", proxy=users.publicity, acting_user=users.secretary)
    proxied = post(client, "/api/v1/dues/payments", {"months": [f"{this_month:%Y-%m}"], "channel": "wechat",
                                                     "member": tree.alice.pk}, users.publicity)
    assert proxied.status_code == 201
    # each new order closed the one before it at the gateway: the proxy's is the one left to pay
    assert Payment.objects.get(out_trade_no=body["out_trade_no"]).status == "closed"
    no = proxied.json()["out_trade_no"]
    wechat_sim.pay(no, notify=False)
    state = client.get(f"/api/v1/dues/payments/{no}?sync=true", **bearer(users.member))
    assert state.status_code == 200 and state.json()["status"] == "paid" and state.json()["pay_url"] == ""
    assert client.get(f"/api/v1/dues/payments/{no}", **bearer(users.public)).status_code == 404
    assert Payment.objects.filter(member=tree.alice).count() == 3
