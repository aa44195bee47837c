"""Public pages: home blocks, sections, articles, breadcrumbs, sitemap, the admin's CSP."""

from __future__ import annotations

import pytest

from dangjian.portal.tests.conftest import make_image, published_article, text

pytestmark = pytest.mark.django_db


def test_home_shows_news_notices_and_results(portal, client):
    published_article(portal.news, "县委召开党建工作会议", acting_user=portal.root)
    published_article(portal.notices, "关于收缴党费的通知", acting_user=portal.root)
    img = make_image("成果照片", portal.root)
    published_article(portal.results, "乡村振兴成果", acting_user=portal.root, cover_image=img)
    resp = client.get("/portal/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "县委召开党建工作会议" in html and "关于收缴党费的通知" in html and "乡村振兴成果" in html
    assert "<img" in html  # the result's cover rendition
    assert 'rel="alternate" type="application/atom+xml"' in html
    # The strict CSP (nonces, no unsafe-inline) stays on public pages.
    assert "unsafe-inline" not in resp["Content-Security-Policy"]


def test_drafts_are_not_public(portal, client):
    from dangjian.portal.actions import do_create_article

    draft = do_create_article(portal.town_a, {"title": "草稿不可见", "body": text("<p>x</p>")}, acting_user=portal.editor_a)
    assert "草稿不可见" not in client.get("/portal/").content.decode()
    assert client.get(f"/portal/town-a/{draft.slug}/").status_code == 404


def test_article_page_with_breadcrumbs_gallery_and_video(portal, client):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    img = make_image("图1", portal.root)
    video = Document.objects.create(title="视频", file=ContentFile(b"\x00\x00\x00\x18ftypmp42", name="v.mp4"))
    body = [
        ("text", "<p>第一段</p>"),
        ("gallery", {"title": "活动剪影", "images": [{"image": img, "caption": "合影"}]}),
        ("video", {"file": video, "url": "", "poster": None, "caption": "活动视频"}),
        ("document", {"document": video, "title": "附件下载"}),
    ]
    article = published_article(portal.results, "成果图集", acting_user=portal.root, body=body)
    resp = client.get(article.url)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'aria-label="面包屑导航"' in html or "breadcrumbs" in html
    assert ">成果展示</a>" in html  # the section in the breadcrumbs
    assert "活动剪影" in html and "合影" in html and "<video" in html and "附件下载" in html


def test_section_lists_articles_paginated(portal, client, django_assert_max_num_queries):
    for i in range(15):
        published_article(portal.news, f"新闻{i:02d}", acting_user=portal.root)
    with django_assert_max_num_queries(30):
        resp = client.get("/portal/xinwen/")
    html = resp.content.decode()
    assert "新闻14" in html and "新闻02" not in html
    resp = client.get("/portal/xinwen/?page=2")
    assert "新闻02" in resp.content.decode()


def test_rich_text_xss_is_neutralised(portal, client):
    evil = ('<p>正常内容<script>alert(1)</script><img src="x" onerror="alert(2)">'
            '<a href="javascript:alert(3)">链接</a></p>')
    article = published_article(portal.news, "安全测试", acting_user=portal.root, body=text(evil))
    html = client.get(article.url).content.decode()
    assert "正常内容" in html
    assert "<script>alert(1)" not in html and "onerror" not in html and "javascript:alert" not in html


def test_sitemap_lists_live_pages(portal, client):
    article = published_article(portal.news, "地图文章", acting_user=portal.root)
    resp = client.get("/sitemap.xml")
    assert resp.status_code == 200
    assert article.url in resp.content.decode()


def test_wagtail_admin_in_chinese_with_relaxed_csp_only_there(portal, client):
    client.force_login(portal.root)
    resp = client.get("/cms/")
    assert resp.status_code == 200
    assert "unsafe-inline" in resp["Content-Security-Policy"]
    assert resp["X-Frame-Options"] == "SAMEORIGIN"
    assert '<html lang="zh-hans"' in resp.content.decode()
    resp = client.get("/")
    assert "unsafe-inline" not in resp["Content-Security-Policy"]


def test_existing_home_still_served_by_core(client, db):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.resolver_match.view_name == "core:home"


def test_wagtails_background_tasks_run_on_the_configured_backend(portal, django_capture_on_commit_callbacks):
    """Wagtail 8 enqueues its own work (here: the reference index) as django-tasks tasks."""
    from wagtail.models import ReferenceIndex

    img = make_image("引用图片", portal.root)
    with django_capture_on_commit_callbacks(execute=True):
        article = published_article(portal.results, "引用测试", acting_user=portal.root, cover_image=img)
    refs = ReferenceIndex.get_references_to(img)
    assert any(int(r.object_id) == article.pk for r in refs)


def test_the_menu_links_the_public_pages_other_modules_register(portal, client):
    from dangjian.core.hooks import register_public_link, unregister_public_link

    register_public_link("portal:feed_atom_all", "Nowhere", order=1)  # does not resolve: skipped
    register_public_link("portal:matters", "测试公共链接", order=1)
    try:
        page = client.get("/portal/").content.decode()
    finally:
        unregister_public_link("portal:matters")
        unregister_public_link("portal:feed_atom_all")
    assert 'href="/portal/matters/">测试公共链接</a>' in page and "Nowhere" not in page
