"""Bill generation: idempotent, probationary from the vote month, only current members, reliefs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.dues import BillStatus, ReliefStatus
from dangjian.dues.actions import do_decide_relief, do_generate_bills, do_propose_relief
from dangjian.dues.billing import add_months
from dangjian.dues.models import Bill
from dangjian.dues.tasks import generate_monthly_bills
from dangjian.dues.tests.conftest import give_base
from dangjian.members.actions import do_change_member_status
from dangjian.testing.fixtures import make_member


def test_generation_is_idempotent(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    first = do_generate_bills(this_month)
    assert first.created == 1 and first.missing_base == 3  # bob, carol, dave have no base
    again = do_generate_bills(this_month)
    assert again.created == 0 and again.existing == 1
    assert Bill.objects.filter(month=this_month).count() == 1
    assert Bill.objects.get(member=tree.alice, month=this_month).amount_cents == 7650


def test_periodic_task_creates_this_months_bills_once(tree, users, this_month):
    give_base(tree.alice, 300000, acting_user=users.secretary)
    generate_monthly_bills.enqueue()
    generate_monthly_bills.enqueue()
    assert Bill.objects.filter(member=tree.alice, month=this_month).count() == 1
    assert Bill.objects.get(member=tree.alice, month=this_month).amount_cents == 1500  # 3000 × 0.5 %


def test_flat_categories_need_no_base(tree, users, root_user, this_month):
    student = make_member(tree.branch_a1, "学生党员", acting_user=root_user, category="student")
    do_generate_bills(this_month)
    assert Bill.objects.get(member=student, month=this_month).amount_cents == 20


def test_probationary_pays_from_vote_month(tree, users, root_user, this_month):
    voted = add_months(this_month, -1) + dt.timedelta(days=14)
    newbie = make_member(tree.branch_a1, "新预备党员", acting_user=root_user, status="probationary",
                         join_date=voted, full_date=None)
    give_base(newbie, 400000, acting_user=users.secretary, year=add_months(this_month, -3).year)
    do_generate_bills(add_months(this_month, -2))
    do_generate_bills(add_months(this_month, -1))
    assert list(Bill.objects.filter(member=newbie).values_list("month", flat=True)) == [add_months(this_month, -1)]


def test_members_who_are_not_current_get_no_bill(tree, users, root_user, this_month):
    give_base(tree.carol, 400000, acting_user=root_user)
    do_change_member_status(tree.carol, "deceased", acting_user=root_user, reason="病故")
    do_generate_bills(this_month)
    assert not Bill.objects.filter(member=tree.carol).exists()


def test_generate_from_a_page_needs_permission(tree, users, this_month):
    with pytest.raises(PermissionDenied):
        do_generate_bills(this_month, org_path=tree.branch_b1.path, acting_user=users.secretary)


def test_relief_branch_proposes_committee_decides(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    relief = do_propose_relief(tree.alice, {"kind": "exemption", "from_month": this_month,
                                            "to_month": add_months(this_month, 2), "reason": "重病住院，支部讨论同意",
                                            "evidence": "医院诊断证明"}, acting_user=users.secretary)
    assert relief.status == ReliefStatus.PROPOSED
    with pytest.raises(PermissionDenied):  # the branch cannot approve its own proposal
        do_decide_relief(relief, approve=True, acting_user=users.secretary)
    relief = do_decide_relief(relief, approve=True, acting_user=users.organizer)  # the town committee
    assert relief.status == ReliefStatus.APPROVED
    bill = Bill.objects.get(member=tree.alice, month=this_month)
    assert bill.status == BillStatus.EXEMPT and bill.amount_cents == 0
    with pytest.raises(ValidationError):
        do_decide_relief(relief, approve=False, note="x", acting_user=users.organizer)


def test_relief_needs_reason_and_evidence(tree, users, this_month):
    with pytest.raises(ValidationError) as exc:
        do_propose_relief(tree.alice, {"kind": "reduction", "from_month": this_month, "to_month": this_month,
                                       "reason": "", "evidence": ""}, acting_user=users.secretary)
    assert {"reason", "evidence", "monthly_cents"} <= set(exc.value.message_dict)


def test_reduction_lowers_the_amount(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    relief = do_propose_relief(tree.alice, {"kind": "reduction", "from_month": this_month, "to_month": this_month,
                                            "monthly_cents": 1000, "reason": "家庭困难，支部讨论",
                                            "evidence": "困难证明"}, acting_user=users.secretary)
    do_decide_relief(relief, approve=True, acting_user=users.admin)
    do_generate_bills(this_month)
    assert Bill.objects.get(member=tree.alice, month=this_month).amount_cents == 1000


def test_generation_in_chunks_is_exact_and_every_amount_is_the_calculation(
        tree, users, root_user, this_month, django_assert_max_num_queries):
    """Chunks of two members, one bill already made (by a payment, say) in the middle: the counts
    are exact, each bill's amount is ``calculate``'s for that member's own base (the calculation is
    remembered per base within a run: two bases, two amounts), and the queries are per chunk, not
    per member."""
    from dangjian.dues.calc import calculate

    give_base(tree.alice, 510000, acting_user=users.secretary)
    give_base(tree.carol, 300000, acting_user=users.admin)
    students = [make_member(tree.branch_a2, f"学生{i}", acting_user=root_user, category="student") for i in range(3)]
    do_generate_bills(this_month, org_path=tree.branch_a2.path)  # carol and the students first
    Bill.objects.filter(member=students[1], month=this_month).delete()
    before = set(Bill.objects.filter(month=this_month).values_list("member_id", flat=True))
    assert tree.carol.pk in before and students[1].pk not in before
    # 7 current members in chunks of 2: 4 chunks of ≤ 5 statements each, the audit event, the end
    with django_assert_max_num_queries(4 * 5 + 6):
        result = do_generate_bills(this_month, chunk=2)
    assert (result.created, result.existing, result.missing_base) == (2, 3, 2)  # alice, students[1]; bob, dave
    amounts = dict(Bill.objects.filter(month=this_month).values_list("member_id", "amount_cents"))
    assert amounts[tree.alice.pk] == calculate("in_service", 510000).amount_cents == 7650
    assert amounts[tree.carol.pk] == calculate("in_service", 300000).amount_cents == 1500
    flat = calculate("student", None).amount_cents
    assert [amounts[s.pk] for s in students] == [flat, flat, flat]
    assert do_generate_bills(this_month, chunk=2).created == 0
