"""The demo county (``seed_demo``): deterministic, a valid tree, valid members, demo accounts."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangjian.core import validators
from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEvent, RoleAssignment, User
from dangjian.core.roles import Role
from dangjian.demo.actions import DEMO_PASSWORD, decode_step, do_seed_demo, encode_step
from dangjian.demo.generator import Namer, add_years, iter_branch_members, plan_tree, resolve_scale
from dangjian.members import CURRENT_STATUSES, MemberCategory, MemberStatus
from dangjian.members.forms import MemberForm
from dangjian.members.models import Member, Person
from dangjian.members.pinyin import full_pinyin, initials
from dangjian.members.selectors import members_for, subtree_member_count
from dangjian.orgs import BRANCH_KINDS, PARENT_KINDS, GridType, OrgKind
from dangjian.orgs.models import Organization, PartyGroup
from dangjian.orgs.selectors import with_member_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch):
    """The base load alone (tree, members, accounts); the modules' seeders are tested below."""
    monkeypatch.setattr("dangjian.demo.actions.run_demo_seeders", lambda ctx: None)
    return do_seed_demo("small", seed=7)


def test_modules_add_their_demo_data_in_the_same_load():
    """Every registered module seeder runs inside the load, through audited actions: the chain
    stays valid and the load stays far from one event per member."""
    from dangjian.core.hooks import _demo_seeders

    assert len(_demo_seeders) >= 5  # development, transfers, lifecycle, dues, orglife, cases, portal
    result = do_seed_demo("small", seed=7)
    assert result.timings["modules"] >= 0
    assert AuditEvent.objects.count() < result.members
    assert list(verify_chain()) == []
    # the modules' data agree with each other: every cross-check of this year's tables passes
    # (the members developed this year were admitted through development files)
    from dangjian.stats import tables

    checks = tables.compute_tables(result.root.path, timezone.localdate()).checks
    assert [c.check.key for c in checks if c.failed] == []


def _snapshot() -> tuple[list, list]:
    orgs = list(Organization.objects.order_by("path").values_list("path", "name", "kind", "secretary_name"))
    people = [
        (m.org_path, m.person.name, m.person.id_number, m.person.phone, m.join_date, m.full_date, m.status, m.category)
        for m in Member.objects.select_related("person").order_by("org_path", "person__id_number_digest")
    ]
    return orgs, people


def test_same_seed_gives_the_same_county():
    with transaction.atomic():
        do_seed_demo("small", seed=3)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not Organization.objects.exists()
    do_seed_demo("small", seed=3)
    assert _snapshot() == first
    assert len(first[1]) == 600


def test_generator_is_pure_and_seed_dependent():
    today = dt.date(2026, 11, 25)

    def run(seed: int) -> list[tuple[str, str]]:
        rng = random.Random(seed)
        namer = Namer(rng)
        root = plan_tree(rng, namer, resolve_scale("small"))
        return [(r.name, r.id_number) for _node, recs in iter_branch_members(rng, namer, root, today) for r in recs]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_small_scale_shape(demo):
    assert 35 <= demo.organizations <= 50
    assert demo.members == Member.objects.count() == 600
    root = demo.root
    assert root.is_root() and root.kind == OrgKind.COMMITTEE and root.name.startswith("中共") and root.name.endswith("县委员会")
    towns = [o for o in root.get_children() if o.name.endswith(("镇委员会", "乡委员会"))]
    assert len(towns) == 3
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    for kind in (OrgKind.WORKING_COMMITTEE, OrgKind.BRANCH, OrgKind.FLOATING_BRANCH):
        assert kinds[kind] >= 1, kind
    names = list(Organization.objects.values_list("name", flat=True))
    assert any("村支部委员会" in n for n in names)
    assert any("社区" in n for n in names)
    assert any("有限公司" in n for n in names)
    assert any(n.endswith(("学支部委员会", "幼儿园支部委员会", "学校支部委员会")) for n in names)
    assert any("机关" in n for n in names)
    assert PartyGroup.objects.exists()
    assert Member.objects.filter(party_group__isnull=False).exists()
    # every member sits in their own branch's group, if any
    assert not Member.objects.exclude(party_group__isnull=True).exclude(party_group__branch=F("organization")).exists()


def test_county_scale_plan_has_every_kind():
    rng = random.Random(1)
    root = plan_tree(rng, Namer(rng), resolve_scale("county"))
    nodes = list(root.walk())
    assert 1800 <= len(nodes) <= 2200
    assert sum(n.members for n in nodes) == 50_000
    kinds = Counter(n.kind for n in nodes)
    assert set(kinds) == {
        OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH,
        OrgKind.JOINT_BRANCH, OrgKind.FLOATING_BRANCH, OrgKind.GRID_BRANCH,
    }
    grid_types = {n.grid_type for n in nodes if n.kind == OrgKind.GRID_BRANCH}
    assert GridType.COMMUNITY in grid_types
    assert all(n.children for n in nodes if n.kind == OrgKind.GENERAL_BRANCH)
    assert all(n.members >= 3 for n in nodes if n.is_branch)
    province = resolve_scale("province", 1_000_000)
    assert province.counties == 20 and province.members == 1_000_000


def test_tree_is_valid(demo):
    assert all(problem == [] for problem in Organization.find_problems())
    for org in Organization.objects.all():
        assert org.numchild == Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).count()
        assert org.depth == len(org.path) // 4
        if org.numchild:
            assert org.kind in PARENT_KINDS
        if org.kind == OrgKind.GRID_BRANCH:
            assert org.grid_type
    assert not Member.objects.exclude(organization__kind__in=BRANCH_KINDS).exists()
    for m in Member.objects.select_related("organization")[:200]:
        assert m.org_path == m.organization.path


def test_seeding_beside_an_existing_tree_keeps_it_valid(tree):
    result = do_seed_demo("small", seed=2)
    assert result.root.path == encode_step(decode_step(tree.county.path) + 1)
    assert all(problem == [] for problem in Organization.find_problems())
    assert Organization.get_root_nodes().count() == 2


def test_path_steps_match_treebeard():
    assert encode_step(1) == "0001"
    assert encode_step(36) == "0010"
    assert encode_step(36**4 - 1) == "ZZZZ"
    assert decode_step("00A1") == 10 * 36 + 1


def test_people_are_valid(demo):
    today = timezone.localdate()
    people = list(Person.objects.all())
    assert len(people) == 600
    assert len({p.id_number for p in people}) == 600
    males = 0
    for p in people:
        assert validators.validate_id_number(p.id_number) == p.id_number
        assert p.id_number.startswith("3299")
        assert validators.birth_date_from_id(p.id_number) == p.birth_date
        assert validators.sex_from_id(p.id_number) == p.sex
        assert 20 <= (today - p.birth_date).days // 365 <= 90
        if p.phone:
            assert validators.validate_phone(p.phone) == p.phone
        assert p.name_pinyin == full_pinyin(p.name) and p.name_initials == initials(p.name)
        assert p.id_number_masked == p.id_number[:2] + "*" * 14 + p.id_number[-2:]
        males += p.sex == "male"
    assert 0.6 <= males / len(people) <= 0.8


def test_memberships_follow_the_rules(demo):
    today = timezone.localdate()
    members = list(Member.objects.select_related("person", "organization"))
    statuses = Counter(m.status for m in members)
    assert statuses[MemberStatus.FULL] > 0.9 * len(members)
    assert 0.01 * len(members) <= statuses[MemberStatus.PROBATIONARY] <= 0.06 * len(members)
    categories = Counter(m.category for m in members)
    assert categories[MemberCategory.FARMER] > 0 and categories[MemberCategory.RETIRED] > 0
    assert categories[MemberCategory.STUDENT] <= 0.02 * len(members)
    for m in members:
        birth = m.person.birth_date
        assert m.join_date and m.join_date <= today
        assert add_years(birth, 18) <= m.join_date
        if m.status == MemberStatus.PROBATIONARY:
            assert m.full_date is None
            assert (today - m.join_date).days <= 366
        else:
            assert m.full_date == add_years(m.join_date, 1) and m.full_date <= today
        if m.category == MemberCategory.FARMER:
            assert "村" in m.organization.name
        if m.category == MemberCategory.STUDENT:
            assert (today - birth).days < 30 * 365


def test_members_pass_the_member_form(demo):
    sample = list(
        Member.objects.select_related("person").filter(status__in=CURRENT_STATUSES).order_by("?")[:150]
    )
    assert any(m.status == MemberStatus.PROBATIONARY for m in Member.objects.all())
    sample += list(Member.objects.select_related("person").filter(status=MemberStatus.PROBATIONARY)[:5])
    for m in sample:
        p = m.person
        data = {
            "name": p.name, "sex": p.sex, "ethnicity": p.ethnicity, "birth_date": p.birth_date, "id_number": p.id_number,
            "phone": p.phone, "education": p.education, "address": p.address, "work_unit": p.work_unit,
            "job_post": p.job_post, "organization": m.organization_id, "status": m.status, "category": m.category,
            "join_date": m.join_date, "full_date": m.full_date or "", "add_type": m.add_type, "note": "",
        }
        form = MemberForm(data=data)
        assert form.is_valid(), (p.name, form.errors.as_json())


def test_demo_users_roles_and_scopes(demo):
    branch = demo.demo_branch
    assert branch is not None and branch.kind == OrgKind.BRANCH and "村" in branch.name
    admin = User.objects.get(username="demo-admin")
    secretary = User.objects.get(username="demo-secretary")
    member_user = User.objects.get(username="demo-member")
    for user in (admin, secretary, member_user):
        assert user.check_password(DEMO_PASSWORD)
    assert list(RoleAssignment.objects.filter(user=admin).values_list("role", "organization")) == [
        (Role.COUNTY_ADMIN, demo.root.pk)]
    assert list(RoleAssignment.objects.filter(user=secretary).values_list("role", "organization")) == [
        (Role.SECRETARY, branch.pk)]
    assert list(RoleAssignment.objects.filter(user=member_user).values_list("role", "organization")) == [
        (Role.MEMBER, branch.pk)]

    branch.refresh_from_db()
    sec_person = Person.objects.get(user=secretary)
    assert branch.secretary_name == sec_person.name
    assert sec_person.member.organization_id == branch.pk

    seen = list(members_for(secretary))
    assert seen and {m.org_path for m in seen} == {branch.path}
    assert len(seen) == Member.objects.filter(organization=branch).count()
    assert members_for(admin).count() == 600

    own = Person.objects.get(user=member_user)
    assert [m.pk for m in members_for(member_user)] == [own.member.pk]
    assert own.member.organization_id == branch.pk


def test_one_audit_event_for_the_load(demo):
    seeded = AuditEvent.objects.filter(action="demo.seeded")
    assert seeded.count() == 1
    assert seeded.get().after["members"] == 600
    # the load is not one event per row
    assert AuditEvent.objects.count() < 15
    assert list(verify_chain()) == []


def test_member_counts_agree_with_brute_force(demo):
    members = list(Member.objects.values_list("org_path", "status"))
    orgs = list(Organization.objects.all())

    def brute(path: str) -> int:
        return sum(1 for p, s in members if p.startswith(path) and s in CURRENT_STATUSES)

    for org in orgs:
        assert subtree_member_count(org.path) == brute(org.path), org.name
    kids = with_member_counts(list(demo.root.get_children()))
    for org in kids:
        assert org.member_count == brute(org.path)  # type: ignore[attr-defined]
    assert sum(o.member_count for o in kids) == brute(demo.root.path)  # type: ignore[attr-defined]
    assert brute(demo.root.path) < 600  # suspended members are not counted


def test_command_loads_and_prints_logins():
    out = io.StringIO()
    call_command("seed_demo", "--scale", "small", "--seed", "4", stdout=out)
    text = out.getvalue()
    assert Member.objects.count() == 600
    for username in ("demo-admin", "demo-secretary", "demo-member"):
        assert username in text
    assert DEMO_PASSWORD in text


def test_if_empty_is_a_no_op_on_a_seeded_database(demo):
    before = (Organization.objects.count(), Member.objects.count(), User.objects.count(), AuditEvent.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--scale", "small", "--if-empty", stdout=out)
    after = (Organization.objects.count(), Member.objects.count(), User.objects.count(), AuditEvent.objects.count())
    assert after == before
    assert "demo-admin" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "small", stdout=io.StringIO())


def test_no_demo_users_without_demo_data(tree):
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    assert not User.objects.filter(username__startswith="demo-").exists()
