"""Party dues on the workbench (issue 14): navigation entries, to-dos, the figure, the secretary's
offline-payment journey (months ticked, back on the branch's dues table)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse

from dangjian.core.actions import do_grant_role
from dangjian.core.todos import forget_counts, todos_for
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.billing import add_months
from dangjian.dues.collection import do_decide_handover, do_hand_up_dues
from dangjian.dues.models import Bill
from dangjian.dues.tests.conftest import give_base
from dangjian.dues.todos import arrears_count, workbench_cards
from dangjian.testing.fixtures import make_user
from dangjian.testing.navigation import entries_of, open_visible_entries


@pytest.fixture
def other_secretary(tree: Any, root_user: Any) -> Any:
    return make_user("secretary-b1", "secretary", tree.branch_b1, acting_user=root_user)


@pytest.fixture
def two_unpaid(tree: Any, users: Any, this_month: Any) -> list[Any]:
    """Alice has not paid the last two months."""
    months = [add_months(this_month, -2), add_months(this_month, -1)]
    give_base(tree.alice, 510000, acting_user=users.secretary, month=months[0].month, year=months[0].year)
    for m in months:
        do_generate_bills(m)
    return months


def _refs(user: Any, source: str) -> set[str]:
    forget_counts(user)
    return {t.ref for t in todos_for(user, sources=[source]).items}


def _dues_entries(user: Any, path: str = "") -> list[dict[str, Any]]:
    return list(entries_of(user, lambda key: key.startswith("dues:"), path).values())


@pytest.mark.django_db
def test_every_visible_entry_opens(client: Any, tree: Any, users: Any) -> None:
    seen = set(open_visible_entries(client, users, lambda key: key.startswith("dues:")))
    assert {"dues:ledger", "dues:member_year", "dues:arrears", "dues:my", "dues:calculator"} <= seen
    assert {e["key"] for e in _dues_entries(users.member)} == {"dues:my", "dues:notice", "dues:calculator"}
    assert {e["key"] for e in _dues_entries(users.nobody)} == {"dues:calculator"}


@pytest.mark.django_db
def test_my_dues_is_not_current_on_the_branch_pages(tree: Any, users: Any, root_user: Any) -> None:
    # Alice is a member and her branch's secretary: both "My dues" (/dues/) and the ledger show.
    do_grant_role(users.member, "secretary", tree.branch_a1, acting_user=root_user)
    for name in ("dues:ledger", "dues:member_year", "dues:arrears"):
        current = {e["key"] for e in _dues_entries(users.member, reverse(name)) if e["current"]}
        assert current == {name}
    current = {e["key"] for e in _dues_entries(users.member, reverse("dues:my")) if e["current"]}
    assert current == {"dues:my"}


@pytest.mark.django_db
def test_arrears_to_do_per_branch(tree: Any, users: Any, other_secretary: Any, two_unpaid: list[Any]) -> None:
    ref = f"dues.arrears:{tree.branch_a1.pk}"
    assert ref in _refs(users.secretary, "dues.arrears")
    assert ref in _refs(users.admin, "dues.arrears")
    assert ref not in _refs(other_secretary, "dues.arrears")
    assert _refs(users.member, "dues.arrears") == set()
    item = next(t for t in todos_for(users.secretary, sources=["dues.arrears"]).items if t.ref == ref)
    assert item.url == f"{reverse('dues:arrears')}?org={tree.branch_a1.pk}" and "1" in item.title
    assert arrears_count(users.admin) == 1  # one item per branch, not per bill
    do_record_offline_payment(tree.alice, months=two_unpaid, channel="cash", acting_user=users.secretary)
    assert ref not in _refs(users.secretary, "dues.arrears")
    assert arrears_count(users.admin) == 0


@pytest.mark.django_db
def test_handover_to_confirm(tree: Any, users: Any, two_unpaid: list[Any]) -> None:
    import datetime as dt

    from django.utils import timezone

    from dangjian.dues.models import Payment

    payment = do_record_offline_payment(tree.alice, months=two_unpaid[:1], channel="cash",
                                        acting_user=users.secretary)
    # the cash was taken in that month (a branch hands up what it received in the period)
    Payment.objects.filter(pk=payment.pk).update(
        paid_at=timezone.make_aware(dt.datetime.combine(two_unpaid[0], dt.time(10))))
    handover = do_hand_up_dues(tree.branch_a1, period_start=two_unpaid[0], months=1,
                               handed_up_cents=payment.amount_cents, acting_user=users.secretary)
    ref = f"dues.handover:{handover.pk}"
    # The committee above (town_a) confirms: its organizer and the county, not the branch.
    assert ref in _refs(users.organizer, "dues.handovers")
    assert ref in _refs(users.admin, "dues.handovers")
    assert ref not in _refs(users.secretary, "dues.handovers")
    assert _refs(users.member, "dues.handovers") == set()
    do_decide_handover(handover, confirm=True, acting_user=users.organizer)
    assert ref not in _refs(users.organizer, "dues.handovers")


@pytest.mark.django_db
def test_collection_rate_card(tree: Any, users: Any, this_month: Any, django_assert_max_num_queries: Any) -> None:
    give_base(tree.alice, 510000, acting_user=users.secretary, month=this_month.month, year=this_month.year)
    do_generate_bills(this_month)
    do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    request = RequestFactory().get("/")
    request.user = users.admin
    list(users.admin.role_assignments.all())
    with django_assert_max_num_queries(3):
        cards = list(workbench_cards(request))
    due = Bill.objects.filter(month=this_month).exclude(status="exempt").count()
    assert cards[0]["url"] == reverse("dues:ledger")
    assert cards[0]["value"] == f"{round(100 / due)} % (1/{due})"
    request.user = users.member
    assert list(workbench_cards(request)) == []


@pytest.mark.django_db
def test_todo_queries_are_bounded(tree: Any, users: Any, root_user: Any, this_month: Any,
                                  django_assert_max_num_queries: Any) -> None:
    from dangjian.testing.fixtures import make_member

    last = add_months(this_month, -1)
    for i in range(6):
        m = make_member(tree.branch_a2 if i % 2 else tree.branch_b1, f"欠费{i}", acting_user=root_user)
        give_base(m, 300000 + i, acting_user=users.admin, month=last.month, year=last.year)
    do_generate_bills(last)
    todos_for(users.admin)
    forget_counts(users.admin)
    with django_assert_max_num_queries(8):
        listed = todos_for(users.admin, sources=["dues.arrears", "dues.handovers"])
    assert listed.counts["dues.arrears"] == 2


@pytest.mark.django_db
def test_record_payment_by_ticking_months_lands_on_the_branch_table(client: Any, tree: Any, users: Any,
                                                                    two_unpaid: list[Any]) -> None:
    client.force_login(users.secretary)
    url = reverse("dues:record_payment", args=[tree.alice.pk])
    page = client.get(url).content.decode()
    for m in two_unpaid:
        assert f'name="months" value="{m:%Y-%m}"' in page
    from dangjian.core.workbench import recent_items

    assert [r.path for r in recent_items(users.secretary)] == [url]  # among the recent items
    response = client.post(url, {"member": tree.alice.pk, "months": [f"{m:%Y-%m}" for m in two_unpaid],
                                 "channel": "cash"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dues:member_year')}?org={tree.alice.organization_id}"
    assert not Bill.objects.filter(member=tree.alice, status="due").exists()
    landed = client.get(response["Location"]).content.decode()
    assert "张爱丽" in landed and reverse("dues:receipt", args=[
        tree.alice.dues_payments.get().out_trade_no]) in landed  # the message links the receipt
    # Nothing ticked: the rule is named, nothing written.
    response = client.post(url, {"member": tree.alice.pk, "channel": "cash"})
    assert response.status_code == 200 and "month-picks has-error" in response.content.decode()
    assert tree.alice.dues_payments.count() == 1


@pytest.mark.django_db
def test_dues_table_puts_the_button_by_the_name(client: Any, tree: Any, users: Any, two_unpaid: list[Any]) -> None:
    client.force_login(users.secretary)
    page = client.get(f"{reverse('dues:member_year')}?org={tree.branch_a1.pk}&year={two_unpaid[-1].year}")
    html = page.content.decode()
    cell = html[html.index('<span class="member-name">张爱丽</span>'):]
    cell = cell[:cell.index("</td>")]
    assert reverse("dues:record_payment", args=[tree.alice.pk]) in cell
    assert 'class="table dues-cards"' in html
