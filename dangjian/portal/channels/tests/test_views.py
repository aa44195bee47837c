"""Editors' pages: scoped outbox, per-article status with the error and a retry button, section
channel switches; and the app feed API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.portal.channels import ChannelKind, OutboxStatus
from dangjian.portal.channels.actions import do_set_section_channel
from dangjian.portal.channels.models import OutboxEntry, SectionChannel
from dangjian.portal.channels.tests.test_delivery import publish
from dangjian.portal.tests.conftest import published_article
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_editor_sees_status_and_error_and_retries(channels_on, stand_ins, client, django_capture_on_commit_callbacks):
    stand_ins.weibo.expire_tokens()
    article = publish(channels_on, django_capture_on_commit_callbacks)
    login(client, channels_on.editor_a)
    page = client.get(reverse("channels:article", args=[article.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "expired_token" in html and "21327" in html
    entry = OutboxEntry.objects.get(page=article, channel=ChannelKind.WEIBO)
    assert reverse("channels:retry", args=[entry.pk]) in html

    stand_ins.weibo.expired = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("channels:retry", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == OutboxStatus.DONE and "21327" in entry.errors[0]["error"]
    assert len(stand_ins.weibo.live_statuses()) == 1


def test_outbox_is_scoped_and_out_of_scope_is_404(channels_on, stand_ins, client, django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    entry = OutboxEntry.objects.filter(page=article).first()
    login(client, channels_on.editor_b)  # town B's officer
    listing = client.get(reverse("channels:outbox"))
    assert listing.status_code == 200 and article.title not in listing.content.decode()
    assert client.get(reverse("channels:article", args=[article.pk])).status_code == 404
    assert client.post(reverse("channels:retry", args=[entry.pk])).status_code == 404
    client.logout()
    login(client, channels_on.editor_a)
    listing = client.get(reverse("channels:outbox") + "?channel=wechat&status=done")
    assert article.title in listing.content.decode()


def test_outbox_list_query_count_is_bounded(channels_on, stand_ins, client, django_assert_max_num_queries,
                                            django_capture_on_commit_callbacks):
    for i in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            published_article(channels_on.town_a, f"文章{i}", acting_user=channels_on.root)
    login(client, channels_on.editor_a)
    client.get(reverse("channels:outbox"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("channels:outbox")).status_code == 200


def test_retry_refused_for_a_delivered_entry(channels_on, stand_ins, client, django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    entry = OutboxEntry.objects.get(page=article, channel=ChannelKind.APP)
    login(client, channels_on.editor_a)
    response = client.post(reverse("channels:retry", args=[entry.pk]), follow=True)
    assert "Only a delivery that failed or gave up can be retried." in response.content.decode() or \
        "只有" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == OutboxStatus.DONE


def test_section_channels_page_and_rules(portal, stand_ins, client, settings):
    login(client, portal.root)
    response = client.post(reverse("channels:sections"), {
        "section": portal.news.pk, "channel": "wechat", "account": "default", "enabled": "on"})
    assert response.status_code == 302
    assert SectionChannel.objects.get(section=portal.news, channel="wechat").enabled
    assert client.get(reverse("channels:sections")).status_code == 200
    with pytest.raises(ValidationError) as exc:
        do_set_section_channel(portal.news, "weibo", enabled=True, account="nosuch", acting_user=portal.root)
    assert "account" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # an editor is not a manager
        do_set_section_channel(portal.town_a, "app", enabled=True, acting_user=portal.editor_a)
    client.logout()
    login(client, portal.editor_a)
    assert client.get(reverse("channels:sections")).status_code == 404


def test_a_subsection_can_switch_a_channel_off(portal, stand_ins, django_capture_on_commit_callbacks):
    from dangjian.portal import SectionKind
    from dangjian.portal.actions import do_create_section

    sub = do_create_section(portal.town_a, title="甲镇内部", kind=SectionKind.TOWN, slug="inner",
                            organization=portal.town_a.organization, acting_user=portal.root)
    do_set_section_channel(portal.town_a, "app", enabled=True, acting_user=portal.root)
    do_set_section_channel(portal.town_a, "weibo", enabled=True, acting_user=portal.root)
    do_set_section_channel(sub, "weibo", enabled=False, acting_user=portal.root)
    with django_capture_on_commit_callbacks(execute=True):
        article = published_article(sub, "内部消息", acting_user=portal.root)
    assert list(OutboxEntry.objects.filter(page=article).values_list("channel", flat=True)) == ["app"]


def test_app_feed_api(channels_on, stand_ins, client, django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    data = client.get("/api/v1/channels/app-feed").json()
    assert data["count"] == 1
    (item,) = data["items"]
    assert item["page_id"] == article.pk and item["title"] == article.title
    assert item["url"] == "http://testserver" + article.url and item["cover_url"].startswith("http://testserver/")
    later = client.get("/api/v1/channels/app-feed", {"updated_since": item["updated_at"]}).json()
    assert later["count"] == 0
    assert client.get("/api/v1/channels/app-feed", {"page_size": 1000}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish(user=channels_on.root)
    assert client.get("/api/v1/channels/app-feed").json()["count"] == 0


def test_wagtail_page_menu_links_to_the_channel_status(channels_on, stand_ins, client,
                                                        django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    login(client, channels_on.editor_a)
    listing = client.get(f"/cms/pages/{channels_on.town_a.pk}/")
    assert listing.status_code == 200
    assert reverse("channels:article", args=[article.pk]) in listing.content.decode()


def test_section_channels_are_paginated_and_every_section_can_be_set(portal, stand_ins, client):
    """No cap on the sections: the page is paginated, and a section on a later page is saved."""
    from dangjian.portal import SectionKind
    from dangjian.portal.actions import do_create_section
    from dangjian.portal.channels.views import SECTIONS_PAGE_SIZE
    from dangjian.portal.models import SectionPage

    for i in range(SECTIONS_PAGE_SIZE + 1 - SectionPage.objects.count()):
        do_create_section(portal.news, title=f"专栏{i:02d}", kind=SectionKind.NEWS, slug=f"col-{i:02d}",
                          organization=portal.news.organization, acting_user=portal.root)
    last = SectionPage.objects.order_by("path").last()
    login(client, portal.root)
    first = client.get(reverse("channels:sections")).content.decode()
    assert f'id="section-{last.pk}"' not in first and 'rel="next"' in first
    assert f'id="section-{last.pk}"' in client.get(reverse("channels:sections"), {"page": 2}).content.decode()
    response = client.post(reverse("channels:sections"), {"section": last.pk, "channel": "app", "enabled": "on",
                                                          "page": "2"})
    assert response.status_code == 302 and response["Location"].endswith("?page=2")
    assert SectionChannel.objects.get(section=last, channel="app").enabled
