"""Month-grid calendar of a branch's and a member's activities."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from dangjian.orglife.tests.conftest import at, plan
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Any, user: Any) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def _cells(page: str) -> list[str]:
    grid = page.split('id="cal-grid"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", grid, re.S)


def test_branch_month_grid_links_activities_and_pages_by_month(client: Any, tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, topic="四月党员大会", starts_at=at(2026, 4, 1, 0, 30))  # UTC: 31 March
    b = plan(tree.branch_a1, users.secretary, topic="三月主题党日", kind="theme_day", starts_at=at(2026, 3, 31, 23, 0))
    plan(tree.branch_b1, users.admin, topic="乙镇活动", starts_at=at(2026, 4, 2))  # another town
    _login(client, users.secretary)
    url = reverse("orglife:calendar")
    page = client.get(f"{url}?org={tree.branch_a1.pk}&month=2026-04").content.decode()
    assert "2026年4月" in page
    detail_a = reverse("orglife:detail", args=[a.pk])
    assert f'href="{detail_a}"' in page and "00:30 四月党员大会" in page
    assert "三月主题党日" not in page.split('id="cal-list"')[1]  # only in the grid's leading days, if at all
    assert "乙镇活动" not in page
    cells = _cells(page)
    assert len(cells) % 7 == 0 and len(cells) >= 28
    april_first = next(c for c in cells if '<span class="cal-day">1</span>' in c and "四月党员大会" in c)
    assert "out" not in april_first
    assert f'id="cal-prev" href="?org={tree.branch_a1.pk}&amp;month=2026-03"' in page
    assert "month=2026-05" in page
    march = client.get(f"{url}?org={tree.branch_a1.pk}&month=2026-03").content.decode()
    assert reverse("orglife:detail", args=[b.pk]) in march.split('id="cal-list"')[1]
    # December → January of the next year
    dec = client.get(f"{url}?org={tree.branch_a1.pk}&month=2026-12").content.decode()
    assert "month=2027-01" in dec and "month=2026-11" in dec
    # a bad month falls back to the current month; an organization out of scope is a 404
    assert client.get(f"{url}?month=2026-13").status_code == 200
    assert client.get(f"{url}?org={tree.branch_b1.pk}").status_code == 404


def test_member_sees_own_activities_only(client: Any, tree: Any, users: Any, ol: Any) -> None:
    mine = plan(tree.branch_a1, users.secretary, topic="支部党员大会", starts_at=at(2026, 5, 8))
    plan(tree.branch_a1, users.secretary, topic="支委会", kind="committee_meeting", starts_at=at(2026, 5, 9),
         attendee_ids=[tree.bob.pk])
    _login(client, ol.alice)
    page = client.get(reverse("orglife:calendar") + "?month=2026-05").content.decode()
    assert "支部党员大会" in page and reverse("orglife:detail", args=[mine.pk]) in page
    assert "支委会" not in page.replace("支委会成员", "")
    # ?org= is ignored for a member: they only ever see their own attendances
    page = client.get(reverse("orglife:calendar") + f"?month=2026-05&org={tree.branch_b1.pk}")
    assert page.status_code == 200


def test_month_grid_queries_are_bounded(client: Any, tree: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    _login(client, users.secretary)
    url = reverse("orglife:calendar") + f"?org={tree.branch_a1.pk}&month=2026-06"
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for day in range(1, 31):
        plan(tree.branch_a1, users.secretary, topic=f"六月活动{day}", kind="theme_day", starts_at=at(2026, 6, day))
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        page = client.get(url).content.decode()
    assert page.count("六月活动") >= 60  # each in the grid and in the list
    assert len(many.captured_queries) == len(few.captured_queries)
