"""The public list of briefings published as public: linked from the portal's public pages, no
login, newest first, paginated, only public ones, no citizen's text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.hooks import public_links
from dangjian.insight.models import Briefing, Run, RunState


def _briefing(run: Run, title: str, *, public: bool, days_ago: int) -> Briefing:
    return Briefing.objects.create(run=run, org_path=run.org_path, title=title, summary=f"{title}的摘要",
                                   findings=[], public=public,
                                   published_at=timezone.now() - timedelta(days=days_ago))


def test_the_public_list_shows_only_public_briefings_newest_first(tree: Any, django_assert_max_num_queries: Any) -> None:
    assert reverse("insight:public_briefings") in [link["url"] for link in public_links()]
    anonymous = Client()
    empty = anonymous.get(reverse("insight:public_briefings"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert empty.status_code == 200 and "还没有面向公众发布的简报" in empty.content.decode()
    run = Run.objects.create(organization=tree.county, org_path=tree.county.path, state=RunState.DONE)
    _briefing(run, "上月简报", public=True, days_ago=30)
    _briefing(run, "内部简报", public=False, days_ago=1)
    for n in range(25):
        _briefing(run, f"本周简报{n:02d}", public=True, days_ago=0)
    with django_assert_max_num_queries(3):
        page = anonymous.get(reverse("insight:public_briefings")).content.decode()
    assert "内部简报" not in page and "上月简报" not in page and "本周简报" in page  # 20 a page, newest first
    last = anonymous.get(reverse("insight:public_briefings"), {"page": 2}).content.decode()
    assert "上月简报" in last and "内部简报" not in last
    newest = Briefing.objects.filter(public=True).order_by("-published_at", "-pk").first()
    assert newest is not None and reverse("insight:public_briefing", args=[newest.pk]) in page
