"""The app channel pushes a new article to the users who asked for portal news by web push
(through core.notifications and a local push service that checks VAPID), once — not on edits."""

from __future__ import annotations

import pytest

from dangjian.core.models import Notification, NotificationPreference
from dangjian.core.notifications.actions import do_subscribe_webpush
from dangjian.core.tests.test_notifications_webpush import push  # noqa: F401 - the push-service fixture
from dangjian.portal.channels.tests.test_delivery import publish

pytestmark = pytest.mark.django_db


def test_new_article_is_pushed_to_news_subscribers_once(channels_on, stand_ins, users, push,  # noqa: F811
                                                        django_capture_on_commit_callbacks):
    subscriber = users.member
    NotificationPreference.objects.create(user=subscriber, kind="channels.news", webpush=True)
    do_subscribe_webpush(subscriber, push.browser("phone"), acting_user=subscriber)
    other = users.secretary
    do_subscribe_webpush(other, push.browser("other"), acting_user=other)  # did not ask for news

    article = publish(channels_on, django_capture_on_commit_callbacks)
    assert [r["token"] for r in push.received] == ["phone"]
    assert push.received[0]["payload"]["title"] == article.title
    assert push.received[0]["payload"]["url"] == "http://testserver" + article.url
    assert Notification.objects.filter(recipient=subscriber, kind="channels.news").count() == 1
    assert not Notification.objects.filter(recipient=other).exists()

    article.title = "改过的标题"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision(user=channels_on.root).publish(user=channels_on.root)
    assert len(push.received) == 1  # an edit updates the feed item, no second push
