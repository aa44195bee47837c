"""API: a member's bills and the branch ledger (bearer token), scoped."""

from __future__ import annotations

from dangjian.core.actions import do_issue_api_token
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.tests.conftest import give_base


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {do_issue_api_token(user)}"}


def test_my_bills(client, tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    response = client.get("/api/v1/dues/my/bills", **bearer(users.member))
    assert response.status_code == 200
    data = response.json()
    assert data["items"] == [{"month": f"{this_month:%Y-%m}", "amount": "76.50", "amount_cents": 7650,
                              "status": "due", "basis": "in_service_brackets:5000.00<base<=10000.00"}]
    assert client.get("/api/v1/dues/my/bills", **bearer(users.public)).status_code == 404
    assert client.get("/api/v1/dues/my/bills").status_code == 401
    assert client.get("/api/v1/dues/my/bills?year=1900", **bearer(users.member)).json()["field"] == "year"


def test_ledger_api_matches_and_is_scoped(client, tree, users, this_month, django_assert_max_num_queries):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    give_base(tree.carol, 300000, acting_user=users.admin)
    do_generate_bills(this_month)
    do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    headers = bearer(users.organizer)
    with django_assert_max_num_queries(15):
        response = client.get(f"/api/v1/dues/ledger?org={tree.town_a.pk}&month={this_month:%Y-%m}", **headers)
    total = response.json()["total"]
    assert (total["due_cents"], total["paid_cents"], total["unpaid_cents"]) == (7650 + 1500, 7650, 1500)
    assert client.get(f"/api/v1/dues/ledger?org={tree.town_b.pk}&month={this_month:%Y-%m}",
                      **headers).status_code == 404
    assert client.get(f"/api/v1/dues/ledger?org={tree.town_a.pk}&month=2026-13", **headers).json()["field"] == "month"
