"""The membership history (members/spells.py): every write path keeps the open spell equal to the
member's row; changes close spells, same-day changes replace, backdated changes apply from their
date; the history check and its repair."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.members import MemberStatus, SpellChange
from dangjian.members.actions import do_change_member_status, do_update_member
from dangjian.members.development_support import do_register_probationary_member
from dangjian.members.import_actions import do_import_members
from dangjian.members.models import Member, MemberSpell, Person
from dangjian.members.spells import history_problems, mismatched_members
from dangjian.members.transfer_support import move_member_for_transfer
from dangjian.members.transfers.actions import do_register_incoming, do_start_transfer
from dangjian.members.transfers.tests.helpers import approve_through, start_data
from dangjian.testing.history import assert_history_whole

pytestmark = pytest.mark.django_db


def spells(member: Member) -> list[tuple[Any, ...]]:
    return list(MemberSpell.objects.filter(member=member).order_by("valid_from").values_list(
        "org_path", "status", "valid_from", "valid_to", "prev_status", "change"))


def test_a_new_member_has_history_from_the_join_date(tree):
    a1 = tree.branch_a1.path
    assert spells(tree.alice) == [
        (a1, "probationary", dt.date(2010, 7, 1), dt.date(2011, 7, 1), "", "created"),
        (a1, "full", dt.date(2011, 7, 1), None, "probationary", "status"),
    ]
    assert spells(tree.bob) == [(a1, "probationary", dt.date(2010, 7, 1), None, "", "created")]


def test_a_status_change_closes_the_open_spell_on_its_date(tree, root_user):
    do_change_member_status(tree.alice, MemberStatus.DECEASED, acting_user=root_user, reason="病故",
                            on_date=dt.date(2026, 3, 10))
    assert spells(tree.alice)[-2:] == [
        (tree.branch_a1.path, "full", dt.date(2011, 7, 1), dt.date(2026, 3, 10), "probationary", "status"),
        (tree.branch_a1.path, "deceased", dt.date(2026, 3, 10), None, "full", "status"),
    ]


def test_a_second_change_on_the_same_day_replaces_the_first(tree, root_user):
    day = dt.date(2026, 3, 10)
    do_change_member_status(tree.alice, MemberStatus.SUSPENDED, acting_user=root_user, reason="失联", on_date=day)
    do_change_member_status(tree.alice, MemberStatus.FULL, acting_user=root_user, reason="误报", on_date=day)
    # suspended for no day at all: back to the two spells the member had
    assert [s[1:4] for s in spells(tree.alice)] == [
        ("probationary", dt.date(2010, 7, 1), dt.date(2011, 7, 1)), ("full", dt.date(2011, 7, 1), None)]


def test_a_backdated_change_applies_from_its_date(tree, root_user):
    """A death reported after the transfer that followed it was recorded."""
    with transaction.atomic():
        move_member_for_transfer(tree.alice, tree.branch_b1, acting_user=root_user, reason="调动", letter_number="X1",
                                 on_date=dt.date(2026, 3, 1))
    do_change_member_status(tree.alice, MemberStatus.DECEASED, acting_user=root_user, reason="补报",
                            on_date=dt.date(2026, 2, 20))
    a1, b1 = tree.branch_a1.path, tree.branch_b1.path
    assert spells(tree.alice)[1:] == [
        (a1, "full", dt.date(2011, 7, 1), dt.date(2026, 2, 20), "probationary", "status"),
        (a1, "deceased", dt.date(2026, 2, 20), dt.date(2026, 3, 1), "full", "status"),
        (b1, "deceased", dt.date(2026, 3, 1), None, "deceased", "transferred"),
    ]


def test_a_backdated_change_that_would_overwrite_a_later_one_is_refused(tree, root_user):
    do_change_member_status(tree.alice, MemberStatus.SUSPENDED, acting_user=root_user, reason="失联",
                            on_date=dt.date(2026, 3, 1))
    before = spells(tree.alice)
    with pytest.raises(ValidationError) as exc:
        do_change_member_status(tree.alice, MemberStatus.DECEASED, acting_user=root_user, reason="补报",
                                on_date=dt.date(2026, 2, 1))
    assert "2026-03-01" in exc.value.message_dict["on_date"][0]
    tree.alice.refresh_from_db()
    assert tree.alice.status == MemberStatus.SUSPENDED  # nothing written
    assert spells(tree.alice) == before


def test_a_change_before_the_history_begins_is_refused(tree, root_user):
    with pytest.raises(ValidationError) as exc:
        do_change_member_status(tree.alice, MemberStatus.DECEASED, acting_user=root_user, reason="补报",
                                on_date=dt.date(2009, 1, 1))
    assert "2010-07-01" in exc.value.message_dict["on_date"][0]


def test_editing_other_fields_writes_no_spell(tree, root_user):
    before = spells(tree.alice)
    do_update_member(tree.alice, {"address": "新地址", "note": "备注"}, acting_user=root_user)
    assert spells(tree.alice) == before


def test_a_corrected_birth_date_is_written_on_every_spell_without_a_new_one(tree, root_user):
    do_update_member(tree.alice, {"birth_date": dt.date(1988, 8, 8), "sex": "female"}, acting_user=root_user)
    rows = MemberSpell.objects.filter(member=tree.alice).values_list("birth_date", "sex")
    assert list(rows) == [(dt.date(1988, 8, 8), "female")] * 2


def test_every_member_write_path_keeps_the_open_spell_equal_to_the_row(tree, root_user):
    """The invariant over every action that writes a member (a new path that forgets
    ``record_change`` also fails the check run after every test: testing/history.py)."""
    today = timezone.localdate()
    # edit: organization, category, education
    do_update_member(tree.carol, {"organization": tree.branch_a1.pk}, acting_user=root_user)
    do_update_member(tree.carol, {"category": "retired"}, acting_user=root_user)
    do_update_member(tree.dave, {"education": "bachelor"}, acting_user=root_user)
    assert MemberSpell.objects.get(member=tree.dave, valid_to__isnull=True).education == "bachelor"
    # status change
    do_change_member_status(tree.bob, MemberStatus.FULL, acting_user=root_user, reason="转正")
    # a transfer through its approvals (branch_a1 → branch_a2 in one town)
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=root_user)
    approve_through(t, [root_user] * 3)
    tree.alice.refresh_from_db()
    assert tree.alice.organization_id == tree.branch_a2.pk
    assert MemberSpell.objects.get(member=tree.alice, valid_to__isnull=True).change == SpellChange.TRANSFERRED
    # admission from the development pipeline
    person = Person(name="钱新")
    person.save()
    developed = do_register_probationary_member(person, tree.branch_b1, join_date=dt.date(2026, 6, 1),
                                                acting_user=root_user)
    assert spells(developed) == [(tree.branch_b1.path, "probationary", dt.date(2026, 6, 1), None, "", "developed")]
    # arrival with a letter from outside the platform: on the roll from the receipt
    incoming = do_register_incoming(
        {"name": "孙来", "organization": tree.branch_b1.pk, "status": "full", "category": "in_service",
         "join_date": dt.date(2000, 7, 1), "full_date": dt.date(2001, 7, 1), "sex": "female"},
        {"number": "外2026-1", "from_org_name": "外省某支部", "valid_until": today + dt.timedelta(days=10),
         "received_on": today},
        acting_user=root_user).member
    assert spells(incoming) == [(tree.branch_b1.path, "full", today, None, "", "created")]
    # the Excel import (bulk)
    summary = do_import_members([
        {"name": "周一", "organization": tree.branch_a1, "status": "full", "category": "farmer",
         "join_date": dt.date(1990, 1, 1), "full_date": dt.date(1991, 1, 1), "education": "junior"},
        {"name": "吴二", "organization": tree.branch_a2, "status": "probationary", "category": "in_service"},
    ], acting_user=root_user, filename="x.xlsx")
    assert len(summary.member_ids) == 2
    imported = Member.objects.get(person__name="吴二")
    assert spells(imported) == [(tree.branch_a2.path, "probationary", today, None, "", "imported")]
    assert_history_whole()
    assert not mismatched_members().exists()


@pytest.mark.history_unchecked
def test_the_check_reports_and_repairs(tree, root_user):
    Member.objects.filter(pk=tree.alice.pk).update(status=MemberStatus.DECEASED)  # a write that forgot the history
    MemberSpell.objects.filter(member=tree.dave).delete()
    first = MemberSpell.objects.get(member=tree.carol, valid_from=dt.date(2010, 7, 1))
    MemberSpell.objects.filter(pk=first.pk).update(valid_to=dt.date(2012, 1, 1))  # overlaps the next spell
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_member_history", stdout=out)
    text = out.getvalue()
    assert f"member {tree.alice.pk}: mismatch" in text
    assert f"member {tree.dave.pk}: mismatch" in text
    assert f"member {tree.carol.pk}: tiling: overlap" in text
    assert f"member {tree.bob.pk}" not in text

    call_command("check_member_history", "--repair", stdout=io.StringIO())
    assert history_problems() == []
    today = timezone.localdate()
    assert spells(tree.alice)[-1] == (tree.branch_a1.path, "deceased", today, None, "full", "corrected")
    assert spells(tree.dave)[0][5] == "corrected" and spells(tree.dave)[0][2] == dt.date(2010, 7, 1)
    assert AuditEvent.objects.filter(action="member.history_corrected").count() == 3
    out = io.StringIO()
    call_command("check_member_history", stdout=out)
    assert "in step" in out.getvalue()
