from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.images import ImageFile

from dangjian.core.actions import do_grant_role
from dangjian.core.actors import ActingUser
from dangjian.core.roles import Role
from dangjian.portal import ReviewStage, SectionKind
from dangjian.portal.actions import (
    do_create_article,
    do_create_section,
    do_publish_page,
    do_set_reviewer,
    do_setup_portal,
    do_sync_editor_groups,
)
from dangjian.testing.fixtures import make_user


@pytest.fixture(autouse=True)
def _portal_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_COMMENT_RATE_LIMIT = "1000/m"
    settings.WAGTAILADMIN_BASE_URL = "http://testserver"
    from django.core.cache import cache

    cache.clear()


def text(html: str) -> list[tuple[str, str]]:
    return [("text", html)]


def make_image(title: str = "照片", user: Any = None) -> Any:
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    buf = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    buf.seek(0)
    return Image.objects.create(title=title, file=ImageFile(buf, name="t.png"), uploaded_by_user=user)


@pytest.fixture
def portal(tree: SimpleNamespace, users: SimpleNamespace, root_user: Any) -> SimpleNamespace:
    """The portal home, a county news section, a notices section, one section per town; the
    town-A publicity officer (fixture ``users.publicity``) and a town-B one; three reviewers."""
    p = SimpleNamespace()
    p.home = do_setup_portal(acting_user=root_user, title="演示县党建门户", root_org=tree.county)
    p.news = do_create_section(p.home, title="资讯动态", kind=SectionKind.NEWS, slug="xinwen",
                               organization=tree.county, acting_user=root_user)
    p.notices = do_create_section(p.home, title="通知公告", kind=SectionKind.NOTICES, slug="notices",
                                  organization=tree.county, acting_user=root_user)
    p.results = do_create_section(p.home, title="成果展示", kind=SectionKind.RESULTS, slug="results",
                                  organization=tree.county, acting_user=root_user)
    p.town_a = do_create_section(p.home, title="甲镇", kind=SectionKind.TOWN, slug="town-a",
                                 organization=tree.town_a, acting_user=root_user)
    p.town_b = do_create_section(p.home, title="乙镇", kind=SectionKind.TOWN, slug="town-b",
                                 organization=tree.town_b, acting_user=root_user)
    p.editor_a = users.publicity
    p.editor_b = make_user("publicity-b", Role.PUBLICITY, tree.town_b, acting_user=root_user)
    p.county_editor = make_user("publicity-county", Role.PUBLICITY, tree.county, acting_user=root_user)
    p.reviewers = {}
    for stage in ReviewStage:
        u = make_user(f"reviewer-{stage.value}", None, None, acting_user=root_user)
        do_set_reviewer(u, stage, acting_user=root_user)
        p.reviewers[stage] = u
    for u in (p.editor_a, p.editor_b, p.county_editor):
        do_sync_editor_groups(u)
    p.root = root_user
    return p


def published_article(section: Any, title: str, *, acting_user: ActingUser, body: Any = None, **data: Any) -> Any:
    article = do_create_article(section, {"title": title, "body": body or text(f"<p>{title} 正文</p>"), **data},
                                acting_user=acting_user)
    do_publish_page(article, acting_user=acting_user)
    article.refresh_from_db()
    return article


__all__ = ["do_grant_role", "make_image", "published_article", "text"]
