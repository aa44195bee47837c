from __future__ import annotations

import random

import pytest

from dangjian.core.hooks import DemoContext
from dangjian.portal.demo import seed_portal
from dangjian.portal.models import ArticlePage, PortalHomePage, SectionPage

pytestmark = pytest.mark.django_db


def test_demo_seeder_builds_a_small_live_portal(tree, root_user, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    import datetime as dt

    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={}, rng=random.Random(1),
                      today=dt.date(2026, 11, 25), scale="small")
    seed_portal(ctx)
    seed_portal(ctx)  # idempotent
    assert PortalHomePage.objects.count() == 1
    assert SectionPage.objects.filter(organization=tree.town_a).exists()
    assert ArticlePage.objects.live().count() == 9
    html = client.get("/portal/").content.decode()
    assert "党员志愿服务进社区" in html and "关于召开组织生活会的通知" in html
    assert client.get("/feeds/news.json").json()["items"]
    assert len(client.get("/search/", {"q": "党建"}).context["results"]) >= 1


def test_demo_portal_images_are_served(tree, root_user, client, settings, tmp_path):
    """`make run` served no /media/: the demo home page's images were 404 (core/views_media.py)."""
    import datetime as dt
    import re

    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={}, rng=random.Random(1),
                      today=dt.date(2026, 11, 25), scale="small")
    seed_portal(ctx)
    html = client.get("/portal/").content.decode()
    images = re.findall(r'src="(/media/[^"]+)"', html)
    assert images
    for src in images:
        response = client.get(src)
        assert response.status_code == 200 and response["Content-Type"].startswith("image/"), src
