"""The transition functions: order, time rules, roles, people, votes, admission and full membership."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.idgen import make_id_number
from dangjian.core.models import AuditEvent
from dangjian.members import MemberStatus
from dangjian.members.development import FileStatus, PersonRole, Stage, rules
from dangjian.members.development.actions import (
    Votes,
    clean_people,
    do_close_file,
    do_create_file,
    do_extend_probation,
    do_publish_notice,
    do_record_step,
)
from dangjian.members.development.models import ApplicantFile, StepDocument, StepRecord
from dangjian.members.development.tests.helpers import actor, advance, create, step_input
from dangjian.members.models import Member

pytestmark = pytest.mark.django_db
APPLIED = dt.date(2023, 3, 1)
ID = make_id_number("320321", dt.date(1998, 2, 28), 24, male=False)


def _msg(exc: pytest.ExceptionInfo[Any]) -> str:
    return " ".join(exc.value.messages) if isinstance(exc.value, ValidationError) else str(exc.value)


@pytest.fixture
def f(tree: Any, users: Any, clock: Any) -> ApplicantFile:
    clock.set(APPLIED)
    return create(tree, users.secretary, APPLIED)


def test_create_file_records_step_1_with_encrypted_pii(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED, id_number=ID, birth_date=None)
    assert f.step == 1 and f.stage == Stage.APPLICATION and f.status == FileStatus.ACTIVE
    assert f.person.birth_date == dt.date(1998, 2, 28)
    assert f.person.id_number_masked.endswith(ID[-2:]) and "1998" not in f.person.id_number_masked
    assert f.person.id_number == ID
    assert f.next_due_on == dt.date(2023, 4, 1) and f.due_kind == "talk"
    assert StepRecord.objects.get(file=f).step == 1
    assert AuditEvent.objects.filter(action="development.file_created").count() == 1


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"birth_date": dt.date(2005, 3, 2)}, "birth_date", "18"),
    ({"applied_on": dt.date(2023, 3, 2)}, "applied_on", "future"),
    ({"id_number": ID[:17] + ("1" if ID[17] != "1" else "2")}, "id_number", "check digit"),
    ({"name": " "}, "name", "name"),
])
def test_create_file_refusals(tree: Any, users: Any, clock: Any, extra: dict, field: str, words: str) -> None:
    clock.set(APPLIED)
    with pytest.raises(ValidationError) as exc:
        create(tree, users.secretary, extra.pop("applied_on", APPLIED), **extra)
    assert field in exc.value.message_dict and words in " ".join(exc.value.message_dict[field])
    assert ApplicantFile.objects.count() == 0


def test_age_18_on_the_application_day_is_enough(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED, birth_date=dt.date(2005, 3, 1))
    assert f.step == 1


def test_create_file_needs_branch_and_role(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    with pytest.raises(ValidationError) as exc:
        create(tree, users.organizer, APPLIED, organization=tree.town_a)
    assert "not a branch" in _msg(exc)
    for user in (users.member, users.publicity, users.discipline):
        with pytest.raises(PermissionDenied):
            create(tree, user, APPLIED)
    with pytest.raises(PermissionDenied):  # the secretary's scope is branch_a1 only
        create(tree, users.secretary, APPLIED, organization=tree.branch_a2)


def test_full_pipeline_to_full_member(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 16, tree, users, clock)
    assert f.stage == Stage.ADMISSION and f.member is None
    assert f.probation_ends_on == rules.probation_end(f.assembly_on)  # type: ignore[arg-type]
    f = advance(f, 17, tree, users, clock)
    assert f.member_id is not None
    member = Member.objects.get(pk=f.member_id)
    assert member.person_id == f.person_id and member.status == MemberStatus.PROBATIONARY
    assert member.join_date == f.assembly_on and member.organization == tree.branch_a1
    assert member.add_type == "developed"
    f = advance(f, 25, tree, users, clock)
    member.refresh_from_db()
    assert member.status == MemberStatus.FULL and member.full_date == f.probation_ends_on
    assert f.status == FileStatus.FULL and f.next_step is None and f.next_due_on is None
    assert sorted(set(StepRecord.objects.filter(file=f).values_list("step", flat=True))) == list(range(1, 26))
    assert AuditEvent.objects.filter(action="development.step_recorded").count() == 24
    assert AuditEvent.objects.filter(action="member.status_changed", target_id=str(member.pk)).exists()


def test_no_skipping_and_no_going_back(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    day = APPLIED + dt.timedelta(days=3)
    clock.set(day)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 3, step_input(f, 3, day, tree), acting_user=users.secretary)
    assert "next step is 2" in _msg(exc)
    advance(f, 3, tree, users, clock)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, step_input(f, 2, clock.today, tree), acting_user=users.secretary)
    assert "in order" in _msg(exc)
    assert StepRecord.objects.filter(file=f).count() == 3


def test_date_rules(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, step_input(f, 2, APPLIED + dt.timedelta(days=1), tree), acting_user=users.secretary)
    assert "future" in _msg(exc)
    clock.set(APPLIED + dt.timedelta(days=10))
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, step_input(f, 2, APPLIED - dt.timedelta(days=1), tree), acting_user=users.secretary)
    assert "before the previous step" in _msg(exc)


def test_talk_after_one_month_needs_a_reason(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    late = dt.date(2023, 4, 2)  # applied 1 March: due 1 April
    clock.set(late)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, step_input(f, 2, late, tree), acting_user=users.secretary)
    assert "within one month" in _msg(exc) and "2023-04-01" in _msg(exc)
    record = do_record_step(f, 2, step_input(f, 2, late, tree, late_reason="申请人外出务工"), acting_user=users.secretary)
    assert record.late_reason == "申请人外出务工"
    on_time = dt.date(2023, 4, 1)
    assert rules.talk_due(APPLIED) == on_time


def test_talk_needs_who_talked(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, step_input(f, 2, APPLIED, tree, people=[]), acting_user=users.secretary)
    assert "talked" in _msg(exc)


def test_candidate_only_after_a_full_year_as_activist(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 6, tree, users, clock)
    one_year = rules.add_years(f.activist_on, 1)  # type: ignore[arg-type]
    clock.set(one_year)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 7, step_input(f, 7, one_year, tree), acting_user=users.secretary)
    assert "more than one year" in _msg(exc)
    clock.set(one_year + dt.timedelta(days=1))
    do_record_step(f, 7, step_input(f, 7, one_year + dt.timedelta(days=1), tree), acting_user=users.secretary)
    f.refresh_from_db()
    assert f.stage == Stage.CANDIDATE and f.candidate_on == one_year + dt.timedelta(days=1)


def test_assessment_may_be_repeated(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 6, tree, users, clock)
    assert f.legal_steps == [6, 7]
    day = clock.today + dt.timedelta(days=180)
    clock.set(day)
    do_record_step(f, 6, step_input(f, 6, day, tree), acting_user=users.secretary)
    assert StepRecord.objects.filter(file=f, step=6).count() == 2


def test_higher_committee_steps_need_the_committee(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 3, tree, users, clock)
    with pytest.raises(PermissionDenied) as exc:
        do_record_step(f, 4, step_input(f, 4, clock.today, tree), acting_user=users.secretary)
    assert "higher committee" in str(exc.value) and tree.town_a.name in str(exc.value)
    do_record_step(f, 4, step_input(f, 4, clock.today, tree), acting_user=users.organizer)
    with pytest.raises(PermissionDenied):
        do_record_step(f, 5, step_input(f, 5, clock.today, tree), acting_user=users.discipline)


def test_mentors_and_sponsors(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 4, tree, users, clock)
    day = clock.today
    for people, words in (
        ([], "one or two"),
        ([{"role": PersonRole.MENTOR, "name": n} for n in "甲乙丙"], "one or two"),
        ([{"role": PersonRole.MENTOR, "member": tree.bob.pk}], "full party members"),
    ):
        with pytest.raises(ValidationError) as exc:
            do_record_step(f, 5, step_input(f, 5, day, tree, people=clean_people(people, f)), acting_user=users.secretary)
        assert words in _msg(exc)
    with pytest.raises(ValidationError):
        clean_people([{"role": PersonRole.MENTOR, "member": 10**9}], f)
    f = advance(f, 8, tree, users, clock)
    one = clean_people([{"role": PersonRole.SPONSOR, "member": tree.alice.pk}], f)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 9, step_input(f, 9, clock.today, tree, people=one), acting_user=users.secretary)
    assert "two sponsors" in _msg(exc)
    same = clean_people([{"role": PersonRole.SPONSOR, "member": tree.alice.pk}] * 2, f)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 9, step_input(f, 9, clock.today, tree, people=same), acting_user=users.secretary)
    assert "different" in _msg(exc)


def test_training_length(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 10, tree, users, clock)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 11, step_input(f, 11, clock.today, tree, details={"training_days": 2, "training_hours": 20}),
                       acting_user=users.secretary)
    assert "24" in _msg(exc)
    do_record_step(f, 11, step_input(f, 11, clock.today, tree, details={"training_hours": 24}), acting_user=users.secretary)


@pytest.mark.parametrize(("votes", "field", "words"), [
    (None, "votes", "enter the vote"),
    (Votes(entitled=3, present=1, yes=1, no=0, abstain=0), "present", "No quorum"),
    (Votes(entitled=3, present=3, yes=1, no=2, abstain=0), "yes", "did not pass"),
    (Votes(entitled=3, present=2, yes=1, no=0, abstain=0), "yes", "add up"),
    (Votes(entitled=3, present=4, yes=4, no=0, abstain=0), "present", "More committee"),
])
def test_committee_review_vote(f: ApplicantFile, tree: Any, users: Any, clock: Any, votes: Any, field: str, words: str) -> None:
    f = advance(f, 11, tree, users, clock)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 12, step_input(f, 12, clock.today, tree, votes=votes), acting_user=users.secretary)
    assert field in exc.value.message_dict and words in " ".join(exc.value.message_dict[field])
    f.refresh_from_db()
    assert f.step == 11


def _to_vote(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> ApplicantFile:
    from dangjian.testing.fixtures import make_member

    for i in range(4):  # the branch: alice + 4 more full members = 5 entitled
        make_member(tree.branch_a1, f"党员{i}", acting_user=users.admin)
    return advance(f, 14, tree, users, clock)


def test_assembly_vote_quorum_and_majority(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = _to_vote(f, tree, users, clock)
    day = max(clock.today, f.notice_ends_on + dt.timedelta(days=1))  # type: ignore[operator]
    clock.set(day)
    cases = [
        (Votes(entitled=6, present=6, yes=6, no=0, abstain=0), "entitled", "only 5"),
        (Votes(entitled=5, present=2, written=1, yes=3, no=0, abstain=0), "present", "No quorum"),
        # yes 2 of 5 entitled is no majority, although 2 is half of the 4 votes cast
        (Votes(entitled=5, present=3, written=1, yes=2, no=1, abstain=1), "yes", "did not pass"),
        (Votes(entitled=5, present=3, written=0, yes=3, no=1, abstain=0), "yes", "add up"),
        (Votes(entitled=5, present=4, written=2, yes=6, no=0, abstain=0), "present", "cannot exceed"),
    ]
    for votes, field, words in cases:
        with pytest.raises(ValidationError) as exc:
            do_record_step(f, 15, step_input(f, 15, day, tree, votes=votes), acting_user=users.secretary)
        assert field in exc.value.message_dict and words in " ".join(exc.value.message_dict[field]), votes
    # 3 present of 5 is a quorum; 2 yes present + 1 written yes = 3 > 5/2: passes.
    ok = Votes(entitled=5, present=3, written=1, yes=3, no=1, abstain=0)
    record = do_record_step(f, 15, step_input(f, 15, day, tree, votes=ok), acting_user=users.secretary)
    assert (record.entitled, record.present, record.written, record.yes) == (5, 3, 1, 3)


def test_vote_waits_for_the_public_notice(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 12, tree, users, clock)
    day = clock.today
    for step in (13, 14):
        do_record_step(f, step, step_input(f, step, day, tree), acting_user=actor(step, users))
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 15, step_input(f, 15, day, tree), acting_user=users.secretary)
    assert "public notice" in _msg(exc)
    f = do_publish_notice(f, start=day, acting_user=users.secretary)
    assert f.notice_ends_on == rules.notice_end(day)
    clock.set(f.notice_ends_on)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 15, step_input(f, 15, f.notice_ends_on, tree), acting_user=users.secretary)  # type: ignore[arg-type]
    assert "after it has ended" in _msg(exc)


def test_notice_only_between_review_and_vote(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_publish_notice(f, start=clock.today, acting_user=users.secretary)
    assert "step 12" in _msg(exc)
    f = advance(f, 12, tree, users, clock)
    with pytest.raises(ValidationError):
        do_publish_notice(f, start=clock.today - dt.timedelta(days=1), acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_publish_notice(f, start=clock.today, acting_user=users.publicity)


def test_approval_within_three_months(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 16, tree, users, clock)
    late = rules.approval_due(f.assembly_on) + dt.timedelta(days=1)  # type: ignore[arg-type]
    clock.set(late)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 17, step_input(f, 17, late, tree), acting_user=users.organizer)
    assert "within 3 months" in _msg(exc)
    too_late = rules.approval_due(f.assembly_on, special=True) + dt.timedelta(days=1)  # type: ignore[arg-type]
    clock.set(too_late)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 17, step_input(f, 17, too_late, tree, special=True, late_reason="x"), acting_user=users.organizer)
    assert "6 months" in _msg(exc)
    clock.set(late)
    do_record_step(f, 17, step_input(f, 17, late, tree, special=True, late_reason="上级党委换届"), acting_user=users.organizer)
    f.refresh_from_db()
    assert f.member is not None


def test_full_membership_vote_not_before_one_year(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 22, tree, users, clock)
    assert f.probation_ends_on is not None
    day = f.probation_ends_on - dt.timedelta(days=1)
    clock.set(day)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 23, step_input(f, 23, day, tree), acting_user=users.secretary)
    assert "one year" in _msg(exc)


def test_full_application_not_too_early(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 21, tree, users, clock)
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 22, step_input(f, 22, clock.today, tree), acting_user=users.secretary)
    assert "probation is ending" in _msg(exc)


def test_step_24_needs_status_right(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    f = advance(f, 23, tree, users, clock)
    with pytest.raises(PermissionDenied):
        do_record_step(f, 24, step_input(f, 24, clock.today, tree), acting_user=users.organizer)
    f.refresh_from_db()
    assert f.step == 23 and f.member.status == MemberStatus.PROBATIONARY  # type: ignore[union-attr]


def test_extend_probation_once(f: ApplicantFile, tree: Any, users: Any, clock: Any) -> None:
    """The branch decides, the higher committee approves (a lifecycle status-change request); only
    then does the file's end of probation move, and the full-membership vote waits for it."""
    from dangjian.members.lifecycle.actions import do_approve_status_request

    f = advance(f, 20, tree, users, clock)
    before = f.probation_ends_on
    with pytest.raises(ValidationError) as exc:
        do_extend_probation(f, 3, reason="x", acting_user=users.secretary)
    assert "6 to 12 months" in _msg(exc)
    req = do_extend_probation(f, 6, reason="表现需进一步考察", acting_user=users.secretary)
    f.refresh_from_db()
    assert f.probation_ends_on == before and not f.probation_extended  # not yet approved
    with pytest.raises(PermissionDenied):
        do_approve_status_request(req, acting_user=users.secretary)  # the branch cannot approve itself
    do_approve_status_request(req, acting_user=users.admin)
    f.refresh_from_db()
    assert f.probation_extended and f.probation_ends_on == rules.add_months(before, 6)  # type: ignore[arg-type]
    assert f.next_due_on == f.probation_ends_on and f.member.status == MemberStatus.PROBATIONARY  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as exc:
        do_extend_probation(f, 6, reason="again", acting_user=users.secretary)
    assert "only once" in _msg(exc)


def test_close_file(f: ApplicantFile, users: Any) -> None:
    with pytest.raises(ValidationError):
        do_close_file(f, reason=" ", acting_user=users.secretary)
    f = do_close_file(f, reason="本人撤回申请", acting_user=users.secretary)
    assert f.status == FileStatus.CLOSED and f.legal_steps == []
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, step_input(f, 2, APPLIED, None), acting_user=users.secretary)
    assert "Closed" in _msg(exc) or "closed" in _msg(exc)


def test_uploads_checked(f: ApplicantFile, tree: Any, users: Any, clock: Any, media: Any) -> None:
    inp = step_input(f, 2, APPLIED, tree)
    fake = SimpleUploadedFile("谈话.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, inp, [fake], acting_user=users.secretary)
    assert "not really a PDF" in _msg(exc)
    exe = SimpleUploadedFile("x.exe", b"MZ....", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        do_record_step(f, 2, inp, [exe], acting_user=users.secretary)
    good = SimpleUploadedFile("谈话记录.pdf", b"%PDF-1.4 hello", content_type="application/pdf")
    record = do_record_step(f, 2, inp, [good], acting_user=users.secretary)
    doc = StepDocument.objects.get(record=record)
    assert doc.name == "谈话记录.pdf" and doc.size == len(b"%PDF-1.4 hello") and doc.content_type == "application/pdf"


def test_upload_size_limit(f: ApplicantFile, tree: Any, users: Any, settings: Any, media: Any) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "DEVELOPMENT": {"MAX_UPLOAD_MB": 1}}
    big = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        do_record_step(f, 2, step_input(f, 2, APPLIED, tree), [big], acting_user=users.secretary)
    assert "1 MB" in _msg(exc)
    assert StepRecord.objects.filter(file=f).count() == 1


def test_create_file_with_account_and_duplicate_id(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    do_create_file({"name": "甲", "organization": tree.branch_a1, "applied_on": APPLIED,
                    "id_number": ID, "user": users.public}, acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_create_file({"name": "乙", "organization": tree.branch_a1, "applied_on": APPLIED,
                        "id_number": ID}, acting_user=users.secretary)
    assert "id_number" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_create_file({"name": "丙", "organization": tree.branch_a1, "applied_on": APPLIED,
                        "birth_date": dt.date(1990, 1, 1), "user": users.public}, acting_user=users.secretary)
    assert "user" in exc.value.message_dict
