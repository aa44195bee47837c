"""What exams plug into core: the member's to-do and home item, statistics figures, search,
navigation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dangjian.core import hooks
from dangjian.core.navigation import can_see, nav_entries
from dangjian.core.search import search_all
from dangjian.core.stats import figure_value, filtered_rows, get_figure
from dangjian.core.todos import todos_for
from dangjian.learning.exams.actions import do_save_answers, do_start_attempt

pytestmark = pytest.mark.django_db


def test_todo_and_home_item_until_the_exam_is_taken(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    assert not [t for t in todos_for(users.member).items if t.source == "exams.open"]
    publish(ex.exam)
    items = [t for t in todos_for(users.member).items if t.source == "exams.open"]
    assert len(items) == 1 and "党章测试" in items[0].title and items[0].due == timezone.localtime(ex.exam.closes_at).date()
    assert items[0].url == reverse("exams:exam", args=[ex.exam.pk])
    request = RequestFactory().get("/")
    request.user = users.member
    home = [i for i in hooks.home_items(request) if i.get("url") == reverse("exams:mine")]
    assert len(home) == 1 and "党章测试" in home[0]["body"]
    do_start_attempt(ex.exam, acting_user=users.member)
    users.member.__dict__.pop("_dj_own_member", None)
    assert not [t for t in todos_for(users.member).items if t.source == "exams.open"]
    assert not [i for i in hooks.home_items(request) if i.get("url") == reverse("exams:mine")]
    assert not [t for t in todos_for(users.secretary).items if t.source == "exams.open"]


def test_pass_rate_figure(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    attempt = do_start_attempt(ex.exam, acting_user=users.member)
    do_save_answers(attempt, {}, submit=True, acting_user=users.member)
    today = timezone.localdate()
    assert figure_value(get_figure("exams.pass_rate"), tree.county.path, today) == 0.0  # type: ignore[arg-type]
    finished = get_figure("exams.finished")
    assert finished is not None
    assert filtered_rows(finished, tree.town_a.path, today).count() == 1
    assert filtered_rows(finished, tree.town_b.path, today).count() == 0


def test_search_and_navigation(tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    hits = [h for group in search_all(users.member, "党章") for h in group["items"] if "党章测试" in h.title]
    assert hits
    entries = {e.url_name: e for e in nav_entries()}
    assert can_see(users.member, entries["exams:mine"]) and not can_see(users.member, entries["exams:exams"])
    assert can_see(users.organizer, entries["exams:banks"]) and not can_see(users.organizer, entries["exams:mine"])
