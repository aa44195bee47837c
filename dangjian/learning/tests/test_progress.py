"""The anti-gaming suite: a player (or a script pretending to be one) gets credit only for what
the time that really passed allows, never for a jump, never twice for the same stretch."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEvent
from dangjian.learning.actions import Outcome, do_record_progress, do_record_progress_batch
from dangjian.learning.models import LessonProgress, ProgressReceipt
from dangjian.learning.progress import Report, merge
from dangjian.learning.tests.conftest import at


def rep(lesson: Any, user: Any, t: float, position: float, start: float | None = None, rate: float = 1.0,
        **extra: Any) -> Outcome:
    return do_record_progress(lesson, Report(position_s=position, start_s=start, rate=rate, **extra),
                              acting_user=user, received_at=at(t))


def covered(lesson: Any, user: Any) -> float:
    return LessonProgress.objects.get(lesson=lesson, user=user).covered_s


def play(lesson: Any, user: Any, t0: float, start: float, seconds: int, *, step: int = 10,
         rate: float = 1.0) -> float:
    """An honest player: a report when it starts, then one every ``step`` seconds of wall time."""
    rep(lesson, user, t0, start, start, rate)
    credited = 0.0
    pos = start
    for n in range(step, seconds + 1, step):
        new = start + n * rate
        credited += rep(lesson, user, t0 + n, new, pos, rate).credited_s
        pos = new
    return credited


def test_merge_keeps_a_sorted_union() -> None:
    intervals: list[list[float]] = []
    for a, b in ((10, 20), (30, 40), (15, 35), (50, 60), (0, 5)):
        intervals = merge(intervals, a, b)
    assert intervals == [[0, 5], [10, 40], [50, 60]]


def test_honest_viewing_completes_the_lesson(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    credited = play(v, me, 0, 0, 600)
    assert credited == 600
    row = LessonProgress.objects.get(lesson=v, user=me)
    assert row.intervals == [[0, 600]] and row.completed_at is not None
    assert AuditEvent.objects.filter(action="lesson.completed").count() == 1


def test_completion_needs_the_configured_coverage(school: Any, users: Any, settings: Any) -> None:
    settings.LEARNING_COMPLETION_COVERAGE = 0.5
    v, me = school.video, users.member
    play(v, me, 0, 0, 290)
    assert LessonProgress.objects.get(lesson=v, user=me).completed_at is None
    play(v, me, 1000, 290, 20)
    assert rep(v, me, 1030, 310, 310).completed is True


def test_seek_to_the_end_earns_nothing(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    play(v, me, 0, 0, 10)
    assert rep(v, me, 12, 600).credited_s == 0  # a jump from 10 to the end
    assert rep(v, me, 14, 600, 0).credited_s == 0  # "I played 0 → 600" in 14 seconds
    out = rep(v, me, 15, 600, 599)
    assert covered(v, me) == 10 + out.credited_s and out.credited_s <= 1
    assert out.completed is False
    assert out.position_s == 600  # the resume position still follows the player


def test_repeated_plus_15_seconds_earns_nothing(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    rep(v, me, 0, 0, 0)
    pos = 0.0
    for n in range(1, 40):  # "+15 s" tapped every second
        assert rep(v, me, n, pos + 15, pos).credited_s == 0
        pos += 15
    assert covered(v, me) == 0
    pos = 0.0
    for n in range(1, 10):  # and every 10 seconds: still more than 10 seconds can hold
        assert rep(v, me, 40 + n * 10, pos + 25, pos).credited_s == 0
        pos += 25
    assert covered(v, me) == 0


def test_double_speed_claiming_normal_speed_earns_nothing_extra(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    rep(v, me, 0, 0, 0)
    for n in range(1, 6):  # 20 media seconds every 10 wall seconds, reported as rate 1
        assert rep(v, me, n * 10, n * 20, (n - 1) * 20, rate=1.0).credited_s == 0
    assert covered(v, me) == 0
    # Said honestly, double speed is credited: the same 20 s per 10 s at rate 2.
    assert play(v, me, 100, 100, 50, rate=2.0) == 100
    # A rate above the fastest allowed (2×) is counted as 2×: 40 s per 10 s is a jump.
    rep(v, me, 300, 300, 300, rate=4.0)
    assert rep(v, me, 310, 340, 300, rate=4.0).credited_s == 0


def test_a_background_tab_that_stops_playing_earns_nothing(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    play(v, me, 0, 0, 10)
    # The tab was hidden for ten minutes; a script then claims the whole stretch, or a bit of it.
    assert rep(v, me, 610, 600, 10).credited_s == 0
    assert rep(v, me, 611, 300, 290).credited_s == 0
    assert covered(v, me) == 10
    # Playing again after the pause counts from the next report on.
    assert rep(v, me, 621, 310, 300).credited_s == 10


def test_replaying_the_same_stretch_earns_nothing(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    assert play(v, me, 0, 0, 60) == 60
    assert play(v, me, 100, 0, 60) == 0
    assert play(v, me, 200, 30, 60) == 30  # half of it was new
    row = LessonProgress.objects.get(lesson=v, user=me)
    assert row.intervals == [[0, 90]] and row.covered_s == 90


def test_two_devices_in_parallel_share_one_clock(school: Any, users: Any) -> None:
    """A phone and a computer playing different parts at the same time: the learner's time
    passes once, so together they earn no more than one player would."""
    v, me = school.video, users.member
    rep(v, me, 0, 0, 0)
    rep(v, me, 0.1, 300, 300)
    total = 0.0
    for n in range(1, 11):
        total += rep(v, me, n * 10, n * 10, (n - 1) * 10).credited_s
        total += rep(v, me, n * 10 + 0.1, 300 + n * 10, 300 + (n - 1) * 10).credited_s
    assert total <= 100.1 * 1.1 + 1
    assert covered(v, me) == total
    assert LessonProgress.objects.filter(lesson=v, user=me).count() == 1


def test_offline_batch_with_forged_times_is_bounded_by_the_server_clock(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    rep(v, me, 0, 0, 0)
    # Arrives 60 s later, claiming ten minutes of playback spread over times the server never saw
    # (before the last report, and in the future).
    forged = [(v, Report(position_s=(n + 1) * 10, start_s=n * 10, at=at(-3000 + n * 100), key=f"f{n}"))
              for n in range(30)]
    forged += [(v, Report(position_s=300 + (n + 1) * 10, start_s=300 + n * 10, at=at(10 + n * 10), key=f"g{n}"))
               for n in range(30)]
    results = do_record_progress_batch(forged, acting_user=me, received_at=at(60))
    assert sum(r.credited_s for r in results) <= 60 * 1.1 + 1
    assert covered(v, me) <= 60 * 1.1 + 1


def test_honest_offline_batch_is_credited_once(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    rep(v, me, 0, 0, 0)
    batch = [(v, Report(position_s=(n + 1) * 10, start_s=n * 10, at=at((n + 1) * 10), key=f"r{n}")) for n in range(12)]
    results = do_record_progress_batch(batch, acting_user=me, received_at=at(125))
    assert sum(r.credited_s for r in results) == 120
    again = do_record_progress_batch(batch, acting_user=me, received_at=at(130))
    assert all(r.duplicate and r.credited_s == 0 for r in again)
    assert covered(v, me) == 120


@pytest.mark.parametrize(("report", "field"), [
    ({"position_s": -1}, "position_s"),
    ({"position_s": 10_000}, "position_s"),
    ({"position_s": float("nan")}, "position_s"),
    ({"position_s": 10, "start_s": 20}, "start_s"),
    ({"position_s": 10, "rate": 0}, "rate"),
    ({"position_s": 10, "rate": 100}, "rate"),
    ({"position_s": 10, "device": "d" * 65, "seq": 1}, "device"),
    ({"position_s": 10, "device": "phone", "seq": -1}, "seq"),
])
def test_bad_reports_name_the_field_and_record_nothing(school: Any, users: Any, report: dict[str, Any],
                                                       field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        do_record_progress(school.video, Report(**report), acting_user=users.member, received_at=at(0))
    assert field in exc.value.message_dict
    assert not LessonProgress.objects.exists()


def test_a_batch_with_one_bad_report_records_nothing(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    batch = [(v, Report(position_s=10, start_s=0, at=at(10), key="ok")),
             (v, Report(position_s=-5, at=at(20), key="bad"))]
    with pytest.raises(ValidationError) as exc:
        do_record_progress_batch(batch, acting_user=me, received_at=at(30))
    assert "reports[1].position_s" in exc.value.message_dict
    assert not LessonProgress.objects.exists() and not ProgressReceipt.objects.exists()


def test_resume_position_follows_the_learner_across_devices(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    play(v, me, 0, 0, 40)
    out = rep(v, me, 45, 44, 40)  # paused at 44 s on the phone
    assert out.position_s == 44
    assert LessonProgress.objects.get(lesson=v, user=me).position_s == 44


def test_a_stale_report_of_a_device_cannot_move_the_resume_position_back(school: Any, users: Any) -> None:
    """The pause at 44 s (report 3) reaches the server before the heartbeat at 40 s (report 2) of
    the same phone: the late heartbeat changes nothing, and the next device resumes at 44 s."""
    v, me = school.video, users.member
    rep(v, me, 0, 0, 0, device="phone", seq=1)
    paused = rep(v, me, 44, 44, 0, device="phone", seq=3)
    assert paused.position_s == 44 and not paused.stale
    before = LessonProgress.objects.get(lesson=v, user=me)
    late = rep(v, me, 45, 40, 30, device="phone", seq=2)
    assert late.stale and late.credited_s == 0 and late.position_s == 44
    after = LessonProgress.objects.get(lesson=v, user=me)
    assert (after.position_s, after.intervals, after.reports, after.anchor_at) == (
        44, before.intervals, before.reports, before.anchor_at)
    # the same number again is stale too; another device's report is not
    assert rep(v, me, 46, 40, 30, device="phone", seq=3).stale
    assert not rep(v, me, 47, 30, 30, device="tablet", seq=1).stale
    assert LessonProgress.objects.get(lesson=v, user=me).devices == {"phone": 3, "tablet": 1}


def test_an_offline_batch_applies_a_device_report_once_in_number_order(school: Any, users: Any) -> None:
    v, me = school.video, users.member
    rep(v, me, 0, 0, 0, device="phone", seq=10)
    batch = [(v, Report(position_s=10, start_s=0, at=at(10), key="a", device="phone", seq=11)),
             (v, Report(position_s=20, start_s=10, at=at(20), key="b", device="phone", seq=12)),
             (v, Report(position_s=5, start_s=0, at=at(25), key="c", device="phone", seq=9))]
    results = do_record_progress_batch(batch, acting_user=me, received_at=at(30))
    assert [r.stale for r in results] == [False, False, True]
    assert LessonProgress.objects.get(lesson=v, user=me).position_s == 20 and covered(v, me) == 20


def test_a_progress_row_remembers_only_the_most_recent_devices(school: Any, users: Any) -> None:
    from dangjian.learning.progress import MAX_DEVICES

    v, me = school.video, users.member
    for n in range(MAX_DEVICES + 3):
        rep(v, me, n, 0, 0, device=f"d{n}", seq=1)
    devices = LessonProgress.objects.get(lesson=v, user=me).devices
    assert len(devices) == MAX_DEVICES and "d0" not in devices and f"d{MAX_DEVICES + 2}" in devices


def test_article_pages_count_only_when_really_shown(school: Any, users: Any) -> None:
    a, me = school.article, users.member
    rep(a, me, 0, 0, page=1)
    assert rep(a, me, 10, 0, page=1).credited_s == 10
    assert rep(a, me, 11, 0, page=2).credited_s == 0  # turned the page: counting starts now
    assert rep(a, me, 12, 0, page=1).credited_s == 0  # and back
    out = rep(a, me, 22, 0, page=1)
    assert out.credited_s == 10 and out.coverage == 0.5 and out.completed is False
    rep(a, me, 23, 0, page=2)
    assert rep(a, me, 100, 0, page=2).credited_s == 0  # more than the gap: nothing
    rep(a, me, 110, 0, page=2)
    out = rep(a, me, 120, 0, page=2)
    assert out.coverage == 1.0 and out.completed is True
    with pytest.raises(ValidationError) as exc:
        rep(a, me, 130, 0, page=3)
    assert "page" in exc.value.message_dict
