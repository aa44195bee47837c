"""Exams: scoping of banks, building an exam, papers drawn ahead, the clock on the server,
marking, several attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.learning.exams import AttemptState, ExamStatus
from dangjian.learning.exams.actions import (
    AttemptFinished,
    TimeUp,
    do_close_exam,
    do_create_bank,
    do_create_exam,
    do_publish_exam,
    do_save_answers,
    do_set_question_active,
    do_start_attempt,
    finish_expired,
    grace,
)
from dangjian.learning.exams.marking import draw
from dangjian.learning.exams.models import Attempt, Question
from dangjian.learning.exams.selectors import (
    access_managed_bank,
    access_usable_bank,
    exams_for,
    managed_banks,
    pool_of,
    usable_banks,
)
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db


def right_answers(attempt: Attempt) -> dict[str, Any]:
    qs = Question.objects.in_bulk(attempt.paper)
    return {str(q): qs[q].answer if qs[q].kind != "fill" else qs[q].answer[0] for q in attempt.paper}


def test_banks_are_managed_in_scope_and_usable_below(tree: Any, users: Any, ex: Any) -> None:
    town_bank = do_create_bank(tree.town_b, {"title": "乙镇题库"}, acting_user=users.admin)
    # the town A organizer manages nothing above town A, may use the county bank, never town B's
    assert ex.bank not in managed_banks(users.organizer)
    assert set(usable_banks(users.organizer)) == {ex.bank}
    assert access_usable_bank(users.secretary, ex.bank.pk) == ex.bank
    from django.http import Http404

    with pytest.raises(Http404):
        access_usable_bank(users.organizer, town_bank.pk)
    with pytest.raises(Http404):
        access_managed_bank(users.organizer, ex.bank.pk)
    with pytest.raises(PermissionDenied):
        do_create_bank(tree.county, {"title": "x"}, acting_user=users.organizer)
    with pytest.raises(PermissionDenied):
        do_create_bank(tree.branch_a1, {"title": "x"}, acting_user=users.member)
    with pytest.raises(ValidationError) as exc:
        do_create_bank(tree.branch_a1, {"title": " "}, acting_user=users.secretary)
    assert "title" in exc.value.message_dict


def _exam_data(**extra: Any) -> dict[str, Any]:
    now = timezone.now()
    return {"title": "测验", "single_count": 1, "opens_at": now, "closes_at": now + dt.timedelta(hours=2), **extra}


@pytest.mark.parametrize(("extra", "field"), [
    ({"single_count": 4}, "single_count"), ({"single_count": 0}, "single_count"), ({"fill_count": 3}, "fill_count"),
    ({"duration_minutes": 0}, "duration_minutes"), ({"max_attempts": 11}, "max_attempts"),
    ({"pass_percent": "x"}, "pass_percent"), ({"closes_at": timezone.now() - dt.timedelta(days=1)}, "closes_at"),
    ({"opens_at": "tomorrow"}, "opens_at"), ({"title": ""}, "title")])
def test_exam_settings_are_checked(tree: Any, users: Any, ex: Any, extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        do_create_exam(tree.town_a, ex.bank, _exam_data(**extra), acting_user=users.organizer)
    assert field in exc.value.message_dict


def test_an_exam_uses_a_bank_from_its_organization_or_above(tree: Any, users: Any, ex: Any) -> None:
    branch_bank = do_create_bank(tree.branch_a1, {"title": "支部题库"}, acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_create_exam(tree.town_a, branch_bank, _exam_data(single_count=0, true_false_count=0),
                       acting_user=users.organizer)
    assert "bank" in exc.value.message_dict
    exam = do_create_exam(tree.town_a, ex.bank, _exam_data(), acting_user=users.organizer)
    assert exam.status == ExamStatus.DRAFT and exam.org_path == tree.town_a.path


def test_publishing_draws_a_reproducible_paper_for_every_member_of_the_audience(tree: Any, users: Any,
                                                                                  ex: Any, publish: Any) -> None:
    assert exams_for(users.member).count() == 0  # a draft is nobody's exam
    exam = publish(ex.exam)  # the task runs at once in tests
    exam.refresh_from_db()
    attempts = list(Attempt.objects.filter(exam=exam))
    assert exam.audience_size == exam.prepared_count == len(attempts) == 4  # alice, bob, carol, dave
    assert {a.state for a in attempts} == {AttemptState.PREPARED}
    pool = pool_of(ex.bank)
    for a in attempts:
        assert a.paper == draw(pool, exam.counts(), a.seed) and len(a.paper) == 5
    assert len({a.seed for a in attempts}) == 4
    assert AuditEvent.objects.filter(action="exam.prepared").count() == 1
    with pytest.raises(ValidationError):
        do_publish_exam(exam, acting_user=users.admin)
    assert list(exams_for(users.member)) == [exam]


def test_start_claims_the_prepared_paper_with_one_update(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    prepared = Attempt.objects.get(exam=ex.exam, member=tree.alice)
    users.member.__dict__["_dj_own_member"] = tree.alice  # the member record, as a request caches it
    now = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        attempt = do_start_attempt(ex.exam, acting_user=users.member, now=now)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 1 and writes[0].startswith('UPDATE "exams_attempt"')
    assert len([q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]) == 1
    assert attempt.pk == prepared.pk and attempt.paper == prepared.paper
    assert attempt.deadline == now + dt.timedelta(minutes=10)
    # starting again resumes the same attempt (a second tab, a reload)
    assert do_start_attempt(ex.exam, acting_user=users.member).pk == attempt.pk


def test_a_member_who_joins_later_gets_a_paper_drawn_at_start(tree: Any, users: Any, ex: Any, publish: Any,
                                                              root_user: Any) -> None:
    publish(ex.exam)
    from dangjian.core.actions import do_create_user
    from dangjian.members.actions import do_link_account

    newcomer = make_member(tree.branch_b1, "钱新", acting_user=root_user)
    user = do_create_user(username="newcomer", password="x-long-password-1", name="钱新", acting_user=root_user)
    do_link_account(newcomer, user, acting_user=root_user)
    attempt = do_start_attempt(ex.exam, acting_user=user)
    assert attempt.state == AttemptState.RUNNING and len(attempt.paper) == 5
    assert attempt.paper == draw(pool_of(ex.bank), ex.exam.counts(), attempt.seed)


def test_who_may_start(tree: Any, users: Any, ex: Any, publish: Any, root_user: Any) -> None:
    with pytest.raises(ValidationError):  # not published
        do_start_attempt(ex.exam, acting_user=users.member)
    publish(ex.exam)
    with pytest.raises(PermissionDenied):
        do_start_attempt(ex.exam, acting_user=users.organizer)  # staff, no member record
    town_exam = do_create_exam(tree.town_b, ex.bank, _exam_data(), acting_user=users.admin)
    publish(town_exam)
    with pytest.raises(PermissionDenied):
        do_start_attempt(town_exam, acting_user=users.member)  # alice is in town A
    with pytest.raises(ValidationError):
        do_start_attempt(ex.exam, acting_user=users.member, now=ex.exam.closes_at)


def test_answers_are_checked_and_nothing_is_recorded_on_bad_input(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    attempt = do_start_attempt(ex.exam, acting_user=users.member)
    first = str(attempt.paper[0])
    do_save_answers(attempt, {first: 0}, acting_user=users.member)
    for bad in ({first: 9}, {"999999": 0}, {first: 1, str(attempt.paper[1]): "A"}, ["x"]):
        with pytest.raises(ValidationError):
            do_save_answers(attempt, bad, acting_user=users.member)
        attempt.refresh_from_db()
        assert attempt.answers == {first: 0} and attempt.state == AttemptState.RUNNING
    with pytest.raises(PermissionDenied):
        do_save_answers(attempt, {first: 1}, acting_user=users.secretary)


def test_submit_marks_all_right(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    attempt = do_start_attempt(ex.exam, acting_user=users.member)
    answers = right_answers(attempt)
    fill = next(q for q in (Question.objects.get(pk=pk) for pk in attempt.paper) if q.kind == "fill")
    # the drawn fill-in question (either of the bank's two) answered with its last alternative, with
    # outer space and a full stop that normalising drops: "共产主义社会" or "一"
    answers[str(fill.pk)] = f" {fill.answer[-1]}。"
    do_save_answers(attempt, answers, submit=True, acting_user=users.member)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.score == attempt.max_score == ex.exam.max_score == 2 * 2 + 3 + 1 + 2 and attempt.passed
    event = AuditEvent.objects.get(action="exam_attempt.submitted")
    assert event.after is not None and event.after["score"] == 10 and event.after["deadline"]
    with pytest.raises(AttemptFinished):
        do_save_answers(attempt, {}, acting_user=users.member)
    with pytest.raises(ValidationError):  # one attempt allowed
        do_start_attempt(ex.exam, acting_user=users.member)


def test_answers_after_deadline_and_grace_are_refused_and_the_attempt_marked(tree: Any, users: Any,
                                                                            ex: Any, publish: Any) -> None:
    publish(ex.exam)
    start = timezone.now()
    attempt = do_start_attempt(ex.exam, acting_user=users.member, now=start)
    answers = right_answers(attempt)
    first = str(attempt.paper[0])
    do_save_answers(attempt, {first: answers[first]}, acting_user=users.member, now=start + dt.timedelta(minutes=9))
    # within the grace: accepted
    late_ok = start + dt.timedelta(minutes=10) + grace() - dt.timedelta(seconds=1)
    second = str(attempt.paper[1])
    do_save_answers(attempt, {second: answers[second]}, acting_user=users.member, now=late_ok)
    with pytest.raises(TimeUp):
        do_save_answers(attempt, answers, submit=True, acting_user=users.member,
                        now=start + dt.timedelta(minutes=10) + grace() + dt.timedelta(seconds=1))
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.EXPIRED and attempt.score == 4  # the two saved in time
    assert attempt.submitted_at == attempt.deadline


def test_the_periodic_job_marks_expired_attempts(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    start = timezone.now() - dt.timedelta(minutes=30)
    attempt = do_start_attempt(ex.exam, acting_user=users.member, now=start - dt.timedelta(minutes=0))
    assert finish_expired(now=start + dt.timedelta(minutes=10)) == 0  # in its grace
    assert finish_expired() == 1
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.EXPIRED and attempt.score == 0 and attempt.passed is False
    assert finish_expired() == 0


def test_the_deadline_never_passes_the_closing_time(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    now = ex.exam.closes_at - dt.timedelta(minutes=3)
    attempt = do_start_attempt(ex.exam, acting_user=users.member, now=now)
    assert attempt.deadline == ex.exam.closes_at


def test_several_attempts_the_next_drawn_at_submission(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    ex.exam.max_attempts = 2
    ex.exam.save(update_fields=["max_attempts"])
    publish(ex.exam)
    first = do_start_attempt(ex.exam, acting_user=users.member)
    do_save_answers(first, {}, submit=True, acting_user=users.member)
    nxt = Attempt.objects.get(exam=ex.exam, member=tree.alice, number=2)
    assert nxt.state == AttemptState.PREPARED
    second = do_start_attempt(ex.exam, acting_user=users.member)
    assert second.pk == nxt.pk
    do_save_answers(second, right_answers(second), submit=True, acting_user=users.member)
    assert not Attempt.objects.filter(exam=ex.exam, member=tree.alice, number=3).exists()
    with pytest.raises(ValidationError):
        do_start_attempt(ex.exam, acting_user=users.member)


def test_closing_marks_running_attempts(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    attempt = do_start_attempt(ex.exam, acting_user=users.member)
    with pytest.raises(PermissionDenied):
        do_close_exam(ex.exam, acting_user=users.organizer)
    do_close_exam(ex.exam, acting_user=users.admin)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.EXPIRED


def test_a_question_taken_out_of_use_is_not_drawn(tree: Any, users: Any, ex: Any) -> None:
    q = Question.objects.filter(bank=ex.bank, kind="fill").first()
    assert q is not None
    do_set_question_active(q, False, acting_user=users.admin)
    assert pool_of(ex.bank)["fill"] == [x.pk for x in Question.objects.filter(bank=ex.bank, kind="fill", active=True)]
    assert q.pk not in pool_of(ex.bank)["fill"]
    with pytest.raises(PermissionDenied):
        do_set_question_active(q, True, acting_user=users.organizer)


def test_a_passed_exam_earns_points_once_where_the_organization_has_them_on(
        tree: Any, users: Any, ex: Any, publish: Any) -> None:
    from dangjian.learning import PointsKind
    from dangjian.learning.actions import do_save_points_settings
    from dangjian.learning.models import PointsEntry

    ex.exam.max_attempts = 3
    ex.exam.save(update_fields=["max_attempts"])
    publish(ex.exam)
    first = do_start_attempt(ex.exam, acting_user=users.member)
    do_save_answers(first, right_answers(first), submit=True, acting_user=users.member)
    assert not PointsEntry.objects.exists()  # points are off by default: a pass counts nothing
    do_save_points_settings(tree.county, {"enabled": "on", "exam_passed_points": "10", "exam_passed_cap": "20"},
                            acting_user=users.admin)
    second = do_start_attempt(ex.exam, acting_user=users.member)
    assert second.number == 2
    do_save_answers(second, right_answers(second), submit=True, acting_user=users.member)
    entry = PointsEntry.objects.get()
    assert (entry.user_id, entry.kind, entry.points, entry.label) == (users.member.pk, PointsKind.EXAM_PASSED, 10,
                                                                     "党章测试")
    assert entry.url == reverse("exams:result", args=[second.pk])
    third = do_start_attempt(ex.exam, acting_user=users.member)
    do_save_answers(third, right_answers(third), submit=True, acting_user=users.member)
    third.refresh_from_db()
    assert third.number == 3 and third.passed
    assert list(PointsEntry.objects.values_list("key", flat=True)) == [f"exams.exam:{ex.exam.pk}"]  # once per exam
