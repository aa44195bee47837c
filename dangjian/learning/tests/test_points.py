"""Points (积分): off by default, per organization and inherited down the tree, credited only
from verified activity (honest progress, attendance through the core hook), once per activity,
within daily caps; rankings only where turned on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.hooks import activities_verified
from dangjian.core.models import AuditEvent
from dangjian.learning import PointsKind
from dangjian.learning.actions import (
    Credit,
    credit_points,
    do_inherit_points_settings,
    do_record_progress,
    do_save_points_settings,
)
from dangjian.learning.models import PointsEntry, PointsTally
from dangjian.learning.points import effective, ranking, totals
from dangjian.learning.progress import Report
from dangjian.learning.tests.conftest import T0, at

RULES = {"enabled": "on", "lesson_completed_points": "5", "lesson_completed_cap": "10",
         "learning_minutes_points": "1", "learning_minutes_cap": "3",
         "meeting_attended_points": "2", "meeting_attended_cap": "4"}
DAY = T0.date()


def turn_on(org: Any, user: Any, **extra: str) -> Any:
    return do_save_points_settings(org, {**RULES, **extra}, acting_user=user)


def read_article(school: Any, user: Any, t0: float = 0) -> None:
    """Two pages of 20 s each, really shown: the article is completed (40 s counted)."""
    for t, page in ((0, 1), (20, 1), (21, 2), (41, 2)):
        do_record_progress(school.article, Report(page=page), acting_user=user, received_at=at(t0 + t))


def watch(school: Any, user: Any, seconds: int, t0: float = 0) -> None:
    """An honest player on the video: a report every 10 s of real time."""
    do_record_progress(school.video, Report(position_s=0, start_s=0), acting_user=user, received_at=at(t0))
    for n in range(10, seconds + 1, 10):
        do_record_progress(school.video, Report(position_s=n, start_s=n - 10), acting_user=user,
                           received_at=at(t0 + n))


def close_meeting(tree: Any, users: Any, *present: Any) -> Any:
    from dangjian.orglife.actions import do_check_in_member, do_close_activity, do_plan_activity, do_start_activity
    from dangjian.orglife.models import Attendee

    start = timezone.now() - dt.timedelta(minutes=10)
    activity = do_plan_activity(tree.branch_a1, {"kind": "branch_assembly", "topic": "学习党章", "starts_at": start,
                                                 "ends_at": start + dt.timedelta(hours=2), "place": "村委会议室"},
                                acting_user=users.secretary)
    do_start_activity(activity, acting_user=users.secretary)
    for member in present:
        do_check_in_member(Attendee.objects.get(activity=activity, member=member), acting_user=users.secretary)
    return do_close_activity(activity, {"minutes": "会议学习了党章。", "chair": "张书记", "minute_taker": "李委员"},
                             acting_user=users.secretary)


# --- off by default ------------------------------------------------------------------------------------

def test_points_are_off_by_default_and_nothing_is_counted(school: Any, users: Any, tree: Any) -> None:
    assert not effective(tree.branch_a1.path).enabled
    read_article(school, users.member)
    watch(school, users.member, 130, t0=100)
    close_meeting(tree, users, tree.alice)
    assert not PointsEntry.objects.exists()
    assert not PointsTally.objects.exists()


def test_settings_saved_but_off_count_nothing(school: Any, users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin, enabled="")
    read_article(school, users.member)
    assert not PointsEntry.objects.exists()


# --- settings --------------------------------------------------------------------------------------------

def test_settings_are_inherited_until_a_child_has_its_own(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    here = effective(tree.branch_a1.path)
    assert here.enabled and here.inherited and here.source is not None and here.source.organization == tree.county
    rule = here.rule(PointsKind.LESSON_COMPLETED)
    assert rule is not None and rule.points == 5
    do_save_points_settings(tree.branch_a1, {"enabled": ""}, acting_user=users.secretary)  # the branch opts out
    assert not effective(tree.branch_a1.path).enabled
    assert effective(tree.branch_a2.path).enabled  # its sibling still follows the county
    do_inherit_points_settings(tree.branch_a1, acting_user=users.secretary)
    assert effective(tree.branch_a1.path).enabled
    names = list(AuditEvent.objects.filter(action__startswith="points.").values_list("action", flat=True))
    assert sorted(names) == ["points.settings_removed", "points.settings_saved", "points.settings_saved"]


def test_only_the_organizations_managers_change_its_settings(users: Any, tree: Any) -> None:
    with pytest.raises(PermissionDenied):
        turn_on(tree.branch_a1, users.member)
    with pytest.raises(PermissionDenied):
        turn_on(tree.town_a, users.secretary)  # the secretary's scope is the branch
    with pytest.raises(PermissionDenied):
        turn_on(tree.branch_b1, users.organizer)  # town A's organizer, town B's branch
    with pytest.raises(PermissionDenied):
        turn_on(tree.branch_a1, users.publicity)  # edits courses, not points
    turn_on(tree.branch_a1, users.secretary)


@pytest.mark.parametrize(("data", "field"), [
    ({"lesson_completed_points": "5", "lesson_completed_cap": "4"}, "lesson_completed_cap"),
    ({"learning_minutes_points": "-1"}, "learning_minutes_points"),
    ({"meeting_attended_cap": "abc"}, "meeting_attended_cap"),
    ({"enabled": "", "rankings": "on"}, "rankings"),
])
def test_bad_settings_name_the_field_and_change_nothing(users: Any, tree: Any, data: dict[str, str],
                                                        field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        do_save_points_settings(tree.branch_a1, {**RULES, **data}, acting_user=users.secretary)
    assert field in exc.value.message_dict
    assert effective(tree.branch_a1.path).source is None


# --- crediting from honest progress --------------------------------------------------------------------

def test_a_completed_lesson_credits_once(school: Any, users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    read_article(school, users.member)
    read_article(school, users.member, t0=200)  # reading it again
    entries = list(PointsEntry.objects.filter(kind=PointsKind.LESSON_COMPLETED))
    assert [(e.points, e.label, e.day, e.key) for e in entries] == [
        (5, "原文导读", DAY, f"learning.lesson:{school.article.pk}")]
    assert entries[0].url == reverse("learning:lesson", args=[school.article.pk])


def test_minutes_count_only_new_coverage_and_stop_at_the_daily_cap(school: Any, users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    watch(school, users.member, 130)  # 130 s newly covered: two whole minutes
    assert totals(users.member, DAY)["today_by_kind"] == {PointsKind.LEARNING_MINUTES: 2}
    watch(school, users.member, 130, t0=1000)  # the same stretch again: nothing new
    assert totals(users.member, DAY)["today"] == 2
    # a jump to the end credits nothing
    do_record_progress(school.video, Report(position_s=590, start_s=130), acting_user=users.member,
                       received_at=at(1200))
    assert totals(users.member, DAY)["today"] == 2
    # three more honest minutes: the cap (3 a day) holds back two of them
    do_record_progress(school.video, Report(position_s=130, start_s=130), acting_user=users.member,
                       received_at=at(2000))
    for n in range(10, 181, 10):
        do_record_progress(school.video, Report(position_s=130 + n, start_s=120 + n), acting_user=users.member,
                           received_at=at(2000 + n))
    rows = list(PointsEntry.objects.filter(kind=PointsKind.LEARNING_MINUTES).order_by("pk"))
    assert sum(e.points for e in rows) == 3
    assert sum(e.units for e in rows) == 5
    assert rows[-1].capped and rows[-1].points == 0
    assert PointsTally.objects.get(user=users.member, day=DAY, kind=PointsKind.LEARNING_MINUTES).points == 3


def test_the_cap_is_per_day(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    uid = users.member.pk
    credits = [Credit(uid, PointsKind.LESSON_COMPLETED, f"test:{n}", DAY) for n in range(3)]
    credits.append(Credit(uid, PointsKind.LESSON_COMPLETED, "test:next-day", DAY + dt.timedelta(days=1)))
    credit_points(credits)
    by_day = {(e.key, e.points, e.capped) for e in PointsEntry.objects.all()}
    assert by_day == {("test:0", 5, False), ("test:1", 5, False), ("test:2", 0, True), ("test:next-day", 5, False)}


def test_the_same_event_twice_credits_once(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    event = Credit(users.member.pk, PointsKind.LESSON_COMPLETED, "test:once", DAY, label="x")
    assert len(credit_points([event])) == 1
    assert credit_points([event]) == []
    assert credit_points([event, event]) == []
    assert PointsEntry.objects.count() == 1
    assert PointsTally.objects.get().points == 5


def test_no_points_without_a_current_membership(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    credit_points([Credit(users.public.pk, PointsKind.LESSON_COMPLETED, "test:public", DAY),
                   Credit(users.secretary.pk, PointsKind.LESSON_COMPLETED, "test:staff", DAY)])
    assert not PointsEntry.objects.exists()


# --- attendance through the core hook ------------------------------------------------------------------

def test_attendance_confirmed_at_closing_credits_once(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    activity = close_meeting(tree, users, tree.alice, tree.bob)  # bob has no account: nothing to credit
    entry = PointsEntry.objects.get()
    assert (entry.user_id, entry.kind, entry.points, entry.label) == (
        users.member.pk, PointsKind.MEETING_ATTENDED, 2, "学习党章")
    assert entry.day == timezone.localtime(activity.starts_at).date()
    # the same activity announced again (a retried job, another module's bug): still one credit
    activities_verified([{"kind": "meeting_attended", "key": entry.key, "user_id": users.member.pk,
                          "day": entry.day, "label": "学习党章"}])
    assert PointsEntry.objects.count() == 1


def test_an_absent_member_gets_nothing_and_off_branches_get_nothing(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    do_save_points_settings(tree.branch_a1, {"enabled": ""}, acting_user=users.secretary)
    close_meeting(tree, users, tree.alice)
    do_inherit_points_settings(tree.branch_a1, acting_user=users.secretary)
    close_meeting(tree, users)  # nobody signed in
    assert not PointsEntry.objects.exists()


def test_confirmed_volunteering_credits_once_within_the_cap(users: Any, tree: Any) -> None:
    """The services module announces confirmed community volunteering (``do_confirm_volunteering``,
    key ``services.volunteer:<task>``); it is credited like attendance, once and within the cap,
    and the settings page no longer says that no module reports it."""
    turn_on(tree.county, users.admin, volunteering_points="3", volunteering_cap="3")
    event = {"kind": "volunteering", "key": "services.volunteer:7", "user_id": users.member.pk, "day": DAY,
             "label": "垃圾分类宣传"}
    activities_verified([event])
    activities_verified([event])  # announced again: still one credit
    activities_verified([{**event, "key": "services.volunteer:8", "label": "敬老院探访"}])
    assert list(PointsEntry.objects.filter(kind=PointsKind.VOLUNTEERING).order_by("pk")
                .values_list("label", "points", "capped")) == [("垃圾分类宣传", 3, False), ("敬老院探访", 0, True)]
    fields = _client(users.admin).get(reverse("learning:points_settings"), {"org": tree.county.pk}).context["fields"]
    assert all(f["reported"] for f in fields)


def test_unknown_kinds_from_the_hook_are_ignored(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    activities_verified([{"kind": "clicked_a_button", "key": "x:1", "user_id": users.member.pk, "day": DAY},
                         {"kind": "meeting_attended", "key": "x:2", "user_id": users.member.pk, "day": "today"}])
    assert not PointsEntry.objects.exists()


# --- pages and API -------------------------------------------------------------------------------------

def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_my_points_page_says_when_points_are_off(users: Any, tree: Any) -> None:
    c = _client(users.member)
    page = c.get(reverse("learning:points_mine"))
    assert page.status_code == 404  # nothing to show …
    assert b'id="points-off"' in page.content  # … and the page says why
    assert b'id="my-points"' not in c.get(reverse("learning:courses")).content
    turn_on(tree.county, users.admin)
    assert b'id="my-points"' in c.get(reverse("learning:courses")).content
    assert c.get(reverse("learning:points_mine")).status_code == 200


def test_my_points_page_shows_how_each_point_was_earned(users: Any, tree: Any, django_assert_max_num_queries: Any) -> None:
    turn_on(tree.county, users.admin)
    today = timezone.localdate()
    credit_points([Credit(users.member.pk, PointsKind.MEETING_ATTENDED, f"test:{n}", today - dt.timedelta(days=n),
                          label=f"会议{n}") for n in range(60)])
    credit_points([Credit(users.public.pk, PointsKind.MEETING_ATTENDED, "other", today, label="别人的")])
    c = _client(users.member)
    c.get(reverse("learning:points_mine"))  # warm the session and navigation caches
    with django_assert_max_num_queries(20):
        page = c.get(reverse("learning:points_mine"))
    text = page.content.decode()
    assert 'id="points-summary"' in text and 'id="points-caps"' in text
    assert "会议0" in text and "别人的" not in text
    assert text.count("<tr>") == 21  # a header and a page of 20
    assert 'id="ranking-link"' not in text  # rankings are off


def test_ranking_is_hidden_unless_turned_on(users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    credit_points([Credit(users.member.pk, PointsKind.MEETING_ATTENDED, "m:1", timezone.localdate())])
    c = _client(users.member)
    page = c.get(reverse("learning:points_ranking"))
    assert page.status_code == 404 and b'id="ranking-off"' in page.content
    assert _client(users.secretary).get(
        reverse("learning:points_ranking_org", args=[tree.branch_a1.pk])).status_code == 404
    turn_on(tree.branch_a1, users.secretary, rankings="on")
    page = c.get(reverse("learning:points_ranking"))
    assert page.status_code == 200 and "张爱丽" in page.content.decode()
    assert ranking(tree.branch_a1.path) == [{"rank": 1, "user_id": users.member.pk, "name": "张爱丽", "points": 2}]
    assert ranking(tree.branch_a2.path) == []
    # the secretary sees the branch's ranking, not one outside the branch
    assert _client(users.secretary).get(
        reverse("learning:points_ranking_org", args=[tree.branch_a1.pk])).status_code == 200
    assert _client(users.secretary).get(
        reverse("learning:points_ranking_org", args=[tree.town_a.pk])).status_code == 404


def test_settings_page_saves_and_names_bad_fields(users: Any, tree: Any) -> None:
    c = _client(users.secretary)
    url = reverse("learning:points_settings")
    assert c.get(url).status_code == 200
    assert c.get(url, {"org": tree.branch_b1.pk}).status_code == 404  # outside the secretary's scope
    bad = c.post(url, {**RULES, "org": tree.branch_a1.pk, "lesson_completed_cap": "1"})
    assert bad.status_code == 400 and 'class="field-error"' in bad.content.decode()
    assert effective(tree.branch_a1.path).source is None
    ok = c.post(url, {**RULES, "org": tree.branch_a1.pk})
    assert ok.status_code == 302
    assert effective(tree.branch_a1.path).enabled
    c.post(reverse("learning:points_inherit"), {"org": tree.branch_a1.pk})
    assert effective(tree.branch_a1.path).source is None
    assert _client(users.member).get(url).status_code == 403
    assert _client(users.publicity).get(url).status_code == 403


def test_api_lists_the_callers_ledger_a_page_at_a_time(users: Any, tree: Any,
                                                        django_assert_max_num_queries: Any) -> None:
    turn_on(tree.county, users.admin)
    today = timezone.localdate()
    credit_points([Credit(users.member.pk, PointsKind.MEETING_ATTENDED, f"t:{n}", today - dt.timedelta(days=n),
                          label=f"会议{n}") for n in range(30)])
    c = _client(users.member)
    url = "/api/v1/learning/points"
    c.get(url)
    with django_assert_max_num_queries(12):
        body = c.get(url, {"page": 2, "page_size": 25}).json()
    assert body["enabled"] is True and body["count"] == 30 and len(body["items"]) == 5
    assert body["today"] == 2 and body["year"] >= 2
    first = c.get(url, {"page_size": 1}).json()["items"][0]
    assert first["kind"] == "meeting_attended" and first["points"] == 2 and first["label"] == "会议0"
    bad = c.get(url, {"page_size": 500})
    assert bad.status_code in (400, 422) and {"code", "message", "field"} <= set(bad.json())
    assert Client().get(url).status_code == 401


def test_home_item_only_when_points_are_on(users: Any, tree: Any) -> None:
    from django.test import RequestFactory

    from dangjian.learning.workbench import points_items

    request = RequestFactory().get("/")
    request.user = users.member
    assert points_items(request) == []
    turn_on(tree.county, users.admin)
    request.user = type(users.member).objects.get(pk=users.member.pk)  # a fresh request
    items = points_items(request)
    assert len(items) == 1 and items[0]["url"] == reverse("learning:points_mine")


# --- the plan-completion figure --------------------------------------------------------------------------

def test_plan_completion_figure_drills_to_the_members_who_finished(school: Any, users: Any, tree: Any) -> None:
    from dangjian.core.stats import figure_value, filtered_rows, get_figure
    from dangjian.learning.actions import do_add_plan_course, do_save_course, do_save_lesson, do_save_plan

    today = timezone.localdate()
    figure, finished = get_figure("learning.plan_completion"), get_figure("learning.plan_finished")
    assert figure is not None and finished is not None and figure.drill == "learning.plan_finished"
    assert figure_value(figure, tree.branch_a1.path, today) is None  # no plan yet
    short = do_save_course(tree.county, {"title": "短课"}, acting_user=users.admin)
    do_save_lesson(short, {"kind": "article", "title": "一页", "body": "<p>x</p>", "page_count": 1,
                           "page_seconds": 20}, acting_user=users.admin)
    from dangjian.learning.actions import do_publish_course

    do_publish_course(short, acting_user=users.admin)
    plan = do_save_plan(tree.county, {"title": "第四季度", "due_on": today + dt.timedelta(days=30)},
                        acting_user=users.admin)
    do_add_plan_course(plan, short, acting_user=users.admin)
    assert figure_value(figure, tree.branch_a1.path, today) == 0
    lesson = short.lessons.get()
    now = timezone.now()
    for t in (0, 20):
        do_record_progress(lesson, Report(page=1), acting_user=users.member, received_at=now + dt.timedelta(seconds=t))
    # branch A1 has alice and bob (current members); alice finished
    assert str(figure_value(figure, tree.branch_a1.path, today)) == "50.0"
    assert [m.person.name for m in filtered_rows(finished, tree.branch_a1.path, today)] == ["张爱丽"]
    assert figure_value(finished, tree.branch_a2.path, today) == 0
    assert figure_value(finished, tree.county.path, today) == 1


def test_my_points_explain_minutes_and_the_cap(school: Any, users: Any, tree: Any) -> None:
    turn_on(tree.county, users.admin)
    today = timezone.localdate()
    credit_points([Credit(users.member.pk, PointsKind.LEARNING_MINUTES, "m:1", today, seconds=250, label="开篇视频")])
    text = _client(users.member).get(reverse("learning:points_mine")).content.decode()
    assert "开篇视频" in text and "4 分钟" in text and "× 1" in text and "已达每日上限" in text
    assert "今天 3 分，上限 3 分" in text
