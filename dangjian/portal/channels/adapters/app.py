"""The app's news feed (数字组工 APP): the delivery writes the article into ``AppFeedItem`` (which
``GET /api/v1/channels/app-feed`` lists for the app to poll) and, on first publication, sends
a web push through ``core.notifications`` to the users who switched on push for "portal news"
(kind ``channels.news``). An edit updates the item in place (no second push); a withdrawal
removes it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dangjian.portal.channels import ChannelKind
from dangjian.portal.channels.adapters import Result
from dangjian.portal.channels.adapters.content import ArticleContent, absolute

NEWS_KIND = "channels.news"


def subscribers() -> list[int]:
    """Users who asked for push notifications of portal news (their "channels.news" row)."""
    from dangjian.core.models import NotificationPreference

    return list(NotificationPreference.objects.filter(kind=NEWS_KIND, webpush=True, user__is_active=True)
                .values_list("user_id", flat=True))


def _ms(when: Any) -> Any:
    """Milliseconds, as the API shows times: ``updated_since`` = a shown time then works exactly."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


class AppAdapter:
    kind = ChannelKind.APP
    can_update = True

    def _write(self, article: ArticleContent) -> Any:
        from dangjian.portal.channels.models import AppFeedItem

        cover = article.cover
        cover_url = absolute(cover.get_rendition("fill-640x360|format-jpeg").url) if cover is not None else ""
        item, _created = AppFeedItem.objects.update_or_create(page_id=article.page_id, defaults={
            "title": article.title, "summary": article.summary or article.plain_text()[:200],
            "url": article.url, "cover_url": cover_url, "section": article.section,
            "revision_id": article.revision_id, "published_at": article.date, "updated_at": _ms(timezone.now()),
        })
        return item

    def publish(self, article: ArticleContent, progress: dict[str, Any]) -> Result:
        from dangjian.core.notifications import notify

        with transaction.atomic():
            item = self._write(article)
            if not progress.get("pushed"):
                users = subscribers()
                if users:
                    notify(users, NEWS_KIND, title=article.title, body=item.summary[:120], url=article.url)
                progress["pushed"] = len(users)
        return Result(remote_id=str(item.pk), remote_url=article.url)

    def update(self, article: ArticleContent, post: Any, progress: dict[str, Any]) -> Result:
        item = self._write(article)
        return Result(remote_id=str(item.pk), remote_url=article.url)

    def withdraw(self, post: Any, progress: dict[str, Any]) -> Result:
        from dangjian.portal.channels.models import AppFeedItem

        if post.page_id:
            AppFeedItem.objects.filter(page_id=post.page_id).delete()
        return Result()
