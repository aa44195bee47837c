"""Recording the paper development files of members admitted before the platform (补录)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.core.hooks import DemoContext
from dangjian.core.models import AuditEvent
from dangjian.members.development import FileStatus, Stage
from dangjian.members.development.actions import ArchivedFile, do_record_archived_files
from dangjian.members.development.demo import seed_development
from dangjian.members.development.models import ApplicantFile, StepRecord
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


def _entry(m: Any, **dates: dt.date) -> ArchivedFile:
    join = m.join_date
    values = {"applied_on": join - dt.timedelta(days=700), "activist_on": join - dt.timedelta(days=600),
              "candidate_on": join - dt.timedelta(days=100), "approved_on": join + dt.timedelta(days=20), **dates}
    return ArchivedFile(member=m, **values)


@pytest.fixture
def members(tree: Any, users: Any, clock: Any) -> Any:
    new = make_member(tree.branch_a1, "新党员", acting_user=users.admin, status="probationary",
                      join_date=dt.date(2026, 5, 1), full_date=None)
    old = make_member(tree.branch_a1, "老党员", acting_user=users.admin, join_date=dt.date(2024, 7, 1),
                      full_date=dt.date(2025, 7, 1))
    return new, old


def test_archived_files_record_the_key_steps_and_finish_a_full_members_file(members: Any, users: Any) -> None:
    new, old = members
    files = do_record_archived_files([_entry(new), _entry(old)], acting_user=users.admin)
    f_new, f_old = (ApplicantFile.objects.get(pk=f.pk) for f in files)
    assert (f_new.step, f_new.stage, f_new.status) == (17, Stage.ADMISSION, FileStatus.ACTIVE)
    assert f_new.member_id == new.pk and f_new.person_id == new.person_id
    assert f_new.assembly_on == dt.date(2026, 5, 1) and f_new.probation_ends_on == dt.date(2027, 5, 1)
    assert (f_new.next_due_on, f_new.due_kind) == (dt.date(2027, 5, 1), "probation")  # not overdue
    assert list(StepRecord.objects.filter(file=f_new).values_list("step", "date")) == [
        (1, dt.date(2024, 5, 31)), (3, dt.date(2024, 9, 8)), (7, dt.date(2026, 1, 21)), (15, dt.date(2026, 5, 1)),
        (17, dt.date(2026, 5, 21))]
    assert all(r.details == {"archived": True} for r in StepRecord.objects.filter(file=f_new))
    assert (f_old.step, f_old.status, f_old.next_due_on) == (25, FileStatus.FULL, None)
    assert [s for s, in StepRecord.objects.filter(file=f_old).values_list("step")] == [1, 3, 7, 15, 17, 24, 25]
    assert AuditEvent.objects.filter(action="development.file_archived").count() == 2


@pytest.mark.parametrize(("dates", "field", "words"), [
    ({"activist_on": dt.date(2023, 1, 1)}, "activist_on", "order"),          # before the application
    ({"candidate_on": dt.date(2025, 1, 1)}, "candidate_on", "more than one year"),
    ({"approved_on": dt.date(2026, 12, 1)}, "approved_on", "within 6 months"),
    ({"approved_on": dt.date(2026, 4, 30)}, "approved_on", "order"),          # before the assembly's vote
])
def test_a_bad_date_refuses_the_whole_batch_naming_the_member(members: Any, users: Any, clock: Any,
                                                                dates: Any, field: str, words: str) -> None:
    clock.set(dt.date(2027, 1, 10))
    new, old = members
    with pytest.raises(ValidationError) as exc:
        do_record_archived_files([_entry(old), _entry(new, **dates)], acting_user=users.admin)
    assert field in exc.value.message_dict and words in " ".join(exc.value.message_dict[field])
    assert "新党员" in " ".join(exc.value.message_dict[field])
    assert not ApplicantFile.objects.exists() and not StepRecord.objects.exists()


def test_a_future_approval_is_refused(members: Any, users: Any, clock: Any) -> None:
    clock.set(dt.date(2026, 5, 10))
    with pytest.raises(ValidationError) as exc:
        do_record_archived_files([_entry(members[0])], acting_user=users.admin)
    assert "future" in " ".join(exc.value.message_dict["approved_on"])


def test_a_member_with_a_file_refuses_the_batch(members: Any, users: Any) -> None:
    new, old = members
    do_record_archived_files([_entry(new)], acting_user=users.admin)
    with pytest.raises(ValidationError) as exc:
        do_record_archived_files([_entry(old), _entry(new)], acting_user=users.admin)
    assert "新党员 already has a development file" in exc.value.messages[0]
    assert ApplicantFile.objects.count() == 1
    with pytest.raises(ValidationError):
        do_record_archived_files([_entry(old), _entry(old)], acting_user=users.admin)


def test_only_who_manages_development_there_may_record(tree: Any, members: Any, users: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_record_archived_files([_entry(members[0])], acting_user=users.member)
    assert not ApplicantFile.objects.exists()


def test_the_demo_files_the_members_developed_since_last_year(tree: Any, users: Any, members: Any,
                                                              clock: Any) -> None:
    new, old = members
    older = make_member(tree.branch_a1, "早年党员", acting_user=users.admin)  # joined 2010: not filed
    moved = make_member(tree.branch_a1, "转入党员", acting_user=users.admin, add_type="transferred_in",
                        join_date=dt.date(2026, 3, 1), status="probationary", full_date=None)
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={"demo-admin": users.admin},
                      rng=random.Random(3), today=TODAY, scale="small")
    seed_development(ctx)
    filed = set(ApplicantFile.objects.values_list("member_id", flat=True))
    assert filed == {new.pk}  # 老党员 joined in 2024, 早年党员 in 2010; 转入党员 was transferred in
    assert {old.pk, older.pk, moved.pk}.isdisjoint(filed)
    approved = StepRecord.objects.get(file__member=new, step=17).date
    assert dt.date(2026, 5, 1) <= approved <= dt.date(2026, 12, 31)
    seed_development(ctx)  # idempotent
    assert ApplicantFile.objects.count() == 1
