"""The portal figures against hand-counted articles published through the actions, then dated:
    A1  county news                              1 Mar 2026   views: 10 (web, 5 Mar)
    A2  town_a's section                         1 May 2026   views: 5 (WeChat official account, 5 May)
    A3  branch_a1's section (inside town_a's)    1 Jun 2026   views: 3 (web, 5 Jun)
    A4  town_b's section                         1 Oct 2025   views: 7 (web, 5 Oct 2025)
    A5  a section linked to no organization      1 Jul 2026   views: 4 (web, 5 Jul)
and 100 views of the portal home (the county's) on 1 Feb 2026.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core import stats
from dangjian.portal import SectionKind
from dangjian.portal.actions import do_create_section
from dangjian.portal.models import ArticlePage
from dangjian.portal.stats import do_set_channel_views
from dangjian.portal.tests.conftest import published_article
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db


def _first_published(page: Any, day: dt.date) -> None:
    ArticlePage.objects.filter(pk=page.pk).update(
        first_published_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))))


@pytest.fixture
def articles(tree: Any, portal: Any) -> None:
    root = portal.root
    branch = do_create_section(portal.town_a, title="一村", kind=SectionKind.RESULTS, slug="cun-1",
                               organization=tree.branch_a1, acting_user=root)
    shared = do_create_section(portal.home, title="公共服务", kind=SectionKind.NOTICES, slug="shared", acting_user=root)
    d = dt.date
    for section, title, published, channel, views, seen in (
            (portal.news, "县里新闻", d(2026, 3, 1), "web", 10, d(2026, 3, 5)),
            (portal.town_a, "甲镇动态", d(2026, 5, 1), "wechat_mp", 5, d(2026, 5, 5)),
            (branch, "一村成果", d(2026, 6, 1), "web", 3, d(2026, 6, 5)),
            (portal.town_b, "乙镇动态", d(2025, 10, 1), "web", 7, d(2025, 10, 5)),
            (shared, "办事指南", d(2026, 7, 1), "web", 4, d(2026, 7, 5))):
        article = published_article(section, title, acting_user=root)
        _first_published(article, published)
        do_set_channel_views(article, channel, views, day=seen)
    do_set_channel_views(portal.home, "web", 100, day=d(2026, 2, 1))


def test_end_of_november(tree: Any, articles: None) -> None:
    day = dt.date(2026, 11, 30)
    assert value("portal.published", tree.county, day) == 4                 # A1, A2, A3, A5
    assert value("portal.published", tree.town_a, day) == 2                 # A2, A3
    assert value("portal.published", tree.branch_a1, day) == 1
    fig = figure("portal.published")
    assert stats.breakdown(fig, tree.county.path, day, "section") == {"news": 1, "town": 1, "results": 1,
                                                                      "notices": 1}
    assert stats.breakdown(fig, tree.county.path, day, stats.CHILD) == {tree.county.path: 2, tree.town_a.path: 2}
    assert value("portal.reads", tree.county, day) == 122
    assert value("portal.reads", tree.town_a, day) == 8
    assert value("portal.reads", tree.branch_a1, day) == 3


def test_as_of_earlier_dates(tree: Any, articles: None) -> None:
    assert value("portal.published", tree.county, dt.date(2026, 4, 30)) == 1
    assert value("portal.reads", tree.county, dt.date(2026, 4, 30)) == 110
    assert value("portal.published", tree.county, dt.date(2025, 12, 31)) == 1   # A4
    assert value("portal.reads", tree.town_b, dt.date(2025, 12, 31)) == 7
    assert value("portal.reads", tree.town_b, dt.date(2026, 11, 30)) == 0


def test_records_page_and_scope(client: Any, tree: Any, users: Any, articles: None) -> None:
    day = dt.date(2026, 11, 30)
    response = assert_records(client, users.admin, "portal.published", tree.county, day, 4)
    assert "县里新闻" in response.content.decode()
    admin = assert_records(client, users.admin, "portal.published", tree.town_a, day, 2)
    own = assert_records(client, users.publicity, "portal.published", tree.town_a, day, 2)  # portal.edit on town_a
    assert admin.context["rows"] == own.context["rows"]
    assert figure("portal.reads").drill_key == "portal.published"
    assert_not_found(client, users.secretary, "portal.published", tree.branch_a1, day)  # no portal.edit
    assert_not_found(client, users.publicity, "portal.published", tree.county, day)    # outside the scope
