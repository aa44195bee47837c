import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.core.idgen import make_id_number
from dangjian.core.models import AuditEvent
from dangjian.members import MemberStatus
from dangjian.members.actions import (
    do_change_member_status,
    do_create_member,
    do_reveal_member_pii,
    do_update_member,
)
from dangjian.members.forms import MemberForm
from dangjian.members.models import Member, Person
from dangjian.testing.fixtures import make_member


def form_data(org, **over):
    data = {
        "name": "孙新人", "id_number": make_id_number("320321", dt.date(1990, 3, 3), 77), "phone": "13900001111",
        "organization": org.pk, "status": "probationary", "category": "in_service",
        "join_date": "2025-07-01", "add_type": "developed",
    }
    data.update(over)
    return data


def test_form_derives_birth_and_sex_from_id(tree):
    form = MemberForm(form_data(tree.branch_a1))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == dt.date(1990, 3, 3)
    assert form.cleaned_data["sex"] == "male"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"id_number": "320321199003030770"}, "id_number"),
        ({"phone": "12345"}, "phone"),
        ({"name": "  "}, "name"),
        ({"join_date": "2005-01-01"}, "join_date"),  # 14 years old
        ({"status": "full", "full_date": ""}, "full_date"),
        ({"full_date": "2026-01-01"}, "full_date"),  # probationary with full date
        ({"join_date": "2999-01-01"}, "join_date"),
    ],
)
def test_form_rejects_bad_data_naming_the_field(tree, over, field):
    form = MemberForm(form_data(tree.branch_a1, **over))
    assert not form.is_valid()
    assert field in form.errors


def test_secretary_creates_member_in_own_branch(users, tree):
    form = MemberForm(form_data(tree.branch_a1))
    assert form.is_valid()
    member = do_create_member(form.cleaned_data, acting_user=users.secretary)
    assert member.org_path == tree.branch_a1.path
    assert member.person.name_initials == "sxr"
    event = AuditEvent.objects.get(action="member.created", target_id=str(member.pk))
    assert event.actor == users.secretary
    assert member.person.id_number not in str(event.after)  # audit keeps masked data only
    assert event.after["id_number_masked"] == member.person.id_number_masked


def test_secretary_cannot_create_outside_branch(users, tree):
    form = MemberForm(form_data(tree.branch_a2))
    assert form.is_valid()
    with pytest.raises(PermissionDenied):
        do_create_member(form.cleaned_data, acting_user=users.secretary)
    assert not Person.objects.filter(name="孙新人").exists()


def test_members_belong_to_branches(users, tree):
    form = MemberForm(form_data(tree.town_a))
    assert form.is_valid()
    with pytest.raises(ValidationError) as exc:
        do_create_member(form.cleaned_data, acting_user=users.admin)
    assert "organization" in exc.value.message_dict


def test_duplicate_id_number_refused(users, tree):
    data = MemberForm(form_data(tree.branch_a1, id_number=tree.carol.person.id_number))
    assert data.is_valid()
    with pytest.raises(ValidationError) as exc:
        do_create_member(data.cleaned_data, acting_user=users.admin)
    assert "id_number" in exc.value.message_dict


def test_update_records_diff(users, tree):
    do_update_member(tree.alice, {"work_unit": "县供电公司"}, acting_user=users.secretary, reason="更正")
    event = AuditEvent.objects.filter(action="member.updated", target_id=str(tree.alice.pk)).get()
    assert event.before == {"work_unit": ""}
    assert event.after == {"work_unit": "县供电公司"}


def test_move_needs_rights_on_both_sides(users, tree):
    with pytest.raises(PermissionDenied):
        do_update_member(tree.alice, {"organization": tree.branch_b1.pk}, acting_user=users.secretary)
    do_update_member(tree.alice, {"organization": tree.branch_b1.pk}, acting_user=users.admin)
    tree.alice.refresh_from_db()
    assert tree.alice.org_path == tree.branch_b1.path


def test_status_transitions(users, tree):
    bob = tree.bob
    with pytest.raises(ValidationError):
        do_change_member_status(bob, MemberStatus.FULL, acting_user=users.secretary, reason="")
    do_change_member_status(bob, MemberStatus.FULL, acting_user=users.secretary, reason="支部大会通过", on_date=dt.date(2026, 7, 1))
    assert bob.status == MemberStatus.FULL and bob.full_date == dt.date(2026, 7, 1)
    do_change_member_status(bob, MemberStatus.DECEASED, acting_user=users.secretary, reason="病故")
    with pytest.raises(ValidationError) as exc:
        do_change_member_status(bob, MemberStatus.FULL, acting_user=users.secretary, reason="x")
    assert "status" in exc.value.message_dict
    assert AuditEvent.objects.filter(action="member.status_changed", target_id=str(bob.pk)).count() == 2


def test_organizer_cannot_change_status(users, tree):
    with pytest.raises(PermissionDenied):
        do_change_member_status(tree.alice, MemberStatus.SUSPENDED, acting_user=users.organizer, reason="失联")


def test_reveal_pii_needs_role_and_is_logged(users, tree):
    data = do_reveal_member_pii(tree.alice, acting_user=users.secretary, ip="10.0.0.1")
    assert data["id_number"] == tree.alice.person.id_number
    assert AuditEvent.objects.filter(action="member.pii_viewed", actor=users.secretary).count() == 1
    for user in (users.organizer, users.discipline, users.member, users.public):
        with pytest.raises(PermissionDenied):
            do_reveal_member_pii(tree.alice, acting_user=user)
    with pytest.raises(PermissionDenied):
        do_reveal_member_pii(tree.carol, acting_user=users.secretary)
    assert AuditEvent.objects.filter(action="member.pii_viewed").count() == 1


def test_party_standing(tree, root_user):
    m = make_member(tree.branch_a1, "党龄测试", acting_user=root_user)
    assert m.party_standing_years is not None and m.party_standing_years >= 14
    assert Member.objects.get(pk=tree.bob.pk).party_standing_years is None
