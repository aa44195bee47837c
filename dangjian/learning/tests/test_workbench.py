"""The plan report, its workbook and its one reminder; figures, search, to-dos, home items; the demo."""

from __future__ import annotations

import io
import random
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.hooks import DemoContext, home_items
from dangjian.core.models import Notification
from dangjian.core.search import search_all
from dangjian.core.stats import get_figure
from dangjian.core.todos import todo_sources
from dangjian.learning import CourseStatus, MediaState
from dangjian.learning.actions import do_add_plan_course, do_record_progress, do_remind_plan, do_save_plan
from dangjian.learning.models import Course, Lesson
from dangjian.learning.progress import Report
from dangjian.learning.selectors import plan_report
from dangjian.learning.tests.conftest import T0, at
from dangjian.members.actions import do_link_account
from dangjian.testing.fixtures import make_user


def finish_course(school: Any, user: Any) -> None:
    """Watch the whole video and read both article pages, honestly."""
    do_record_progress(school.video, Report(position_s=0, start_s=0), acting_user=user, received_at=at(0))
    for n in range(1, 61):
        do_record_progress(school.video, Report(position_s=n * 10, start_s=(n - 1) * 10), acting_user=user,
                           received_at=at(n * 10))
    for page, t in ((1, 1000), (2, 1100)):
        for k in range(3):
            do_record_progress(school.article, Report(page=page), acting_user=user, received_at=at(t + k * 10))


@pytest.fixture
def plan(school: Any, users: Any, tree: Any, root_user: Any) -> Any:
    bob_user = make_user("member-bob", None, tree.branch_a1, acting_user=root_user)
    do_link_account(tree.bob, bob_user, acting_user=root_user)
    p = do_save_plan(tree.branch_a1, {"title": "四季度必修", "due_on": timezone.localdate()}, acting_user=users.secretary)
    do_add_plan_course(p, school.county, acting_user=users.secretary)
    finish_course(school, users.member)
    return SimpleNamespace(plan=p, bob_user=bob_user)


def test_plan_report_per_member_and_organization(plan: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(3):
        report = plan_report(plan.plan)
    by_name = {r["name"]: r for r in report["rows"]}
    assert by_name["张爱丽"]["finished"] is True and by_name["张爱丽"]["completed"] == 2
    assert by_name["张爱丽"]["minutes"] == round((600 + 40) / 60, 1)
    assert by_name["李博"]["finished"] is False and by_name["李博"]["completed"] == 0
    assert report["orgs"] == [{"organization": "甲镇一村党支部", "members": 2, "finished": 1, "rate": 50.0}]
    assert [(x["title"], x["started"], x["completed"], x["rate"]) for x in report["by_lesson"]] == [
        ("开篇视频", 1, 1, 50.0), ("原文导读", 1, 1, 50.0)]


def test_plan_report_per_lesson_counts_a_started_lesson_apart(plan: Any, school: Any) -> None:
    do_record_progress(school.video, Report(position_s=0, start_s=0), acting_user=plan.bob_user, received_at=at(0))
    do_record_progress(school.video, Report(position_s=10, start_s=0), acting_user=plan.bob_user,
                       received_at=at(10))
    video = plan_report(plan.plan)["by_lesson"][0]
    assert (video["title"], video["started"], video["completed"], video["rate"]) == ("开篇视频", 2, 1, 50.0)


def test_plan_report_page_and_workbook(plan: Any, users: Any) -> None:
    c = Client()
    c.force_login(users.secretary)
    page = c.get(f"/learning/manage/plans/{plan.plan.pk}/report/").content.decode()
    assert "张爱丽" in page and "50.0" in page
    book = c.get(f"/learning/manage/plans/{plan.plan.pk}/report/?export=xlsx")
    assert book["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(book.content)).worksheets[0].iter_rows()]
    assert rows[2][:4] == ["张爱丽", "甲镇一村党支部", 2, 2]
    lessons = [[c.value for c in r] for r in load_workbook(io.BytesIO(book.content)).worksheets[2].iter_rows()]
    assert lessons[1][:2] == ["学习二十大精神", "开篇视频"] and lessons[1][3:] == [1, 1, 50.0]
    assert 'id="plan-lessons"' in page
    other = Client()
    other.force_login(users.member)
    assert other.get(f"/learning/manage/plans/{plan.plan.pk}/report/").status_code == 404


def test_one_reminder_to_those_who_have_not_finished(plan: Any, users: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_remind_plan(plan.plan, acting_user=users.member)
    assert do_remind_plan(plan.plan, acting_user=users.secretary) == 1
    assert list(Notification.objects.filter(kind="learning.plan").values_list("recipient", flat=True)) == [
        plan.bob_user.pk]
    with pytest.raises(ValidationError):  # never a daily nag
        do_remind_plan(plan.plan, acting_user=users.secretary)
    assert Notification.objects.filter(kind="learning.plan").count() == 1


def test_member_home_shows_the_plan_lessons_left(plan: Any, rf: Any, school: Any) -> None:
    request = rf.get("/")
    request.user = plan.bob_user
    items = [i for i in home_items(request) if "四季度必修" in i["title"]]
    assert items and "2" in items[0]["body"] and items[0]["url"] == f"/learning/l/{school.video.pk}/"


def test_figures_search_and_todos(plan: Any, users: Any, tree: Any, school: Any) -> None:
    day = T0.date()  # the progress tests' clock
    courses, done = get_figure("learning.courses"), get_figure("learning.lessons_completed")
    assert courses and done and courses.rows and done.rows
    assert courses.rows(tree.county.path, timezone.localdate()).count() == 2
    assert done.rows(tree.town_a.path, day).count() == 2  # alice's two lessons
    assert done.rows(tree.town_b.path, day).count() == 0
    assert done.row and done.row(done.rows(tree.town_a.path, day).first())["name"] == "张爱丽"
    groups = {g["kind"]: g["items"] for g in search_all(users.member, "二十大")}
    assert [h.url for h in groups["learning"]] == [f"/learning/c/{school.county.pk}/"]
    Lesson.objects.filter(pk=school.video.pk).update(media_state=MediaState.FAILED)
    source = next(s for s in todo_sources() if s.key == "learning.media_failed")
    assert source.count(users.admin) == 1 and source.count(users.secretary) == 0


def test_demo_seeder(tree: Any, users: Any) -> None:
    from dangjian.learning.demo import seed_demo

    demo_users = {"demo-admin": users.admin, "demo-secretary": users.secretary, "demo-member": users.member}
    seed_demo(DemoContext(root=tree.county, branch=tree.branch_a1, users=demo_users, rng=random.Random(1),
                          today=timezone.localdate(), scale="small"))
    course = Course.objects.get()
    assert course.status == CourseStatus.PUBLISHED
    kinds = {x.kind: x for x in course.lessons.all()}
    assert kinds["video"].playable and kinds["video"].video_small and 7 <= kinds["video"].duration_s <= 9
    assert kinds["article"].body
    assert course.plan_items.get().plan.organization == tree.branch_a1
