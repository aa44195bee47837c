"""The Wagtail admin: an article's page menu (editor header and page listing) links to its
channel status page (deliveries, errors, retry)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem


class ChannelStatusMenuItem(PageMenuItem):
    label = _("Channel status")
    icon_name = "site"

    @property
    def url(self) -> str:  # type: ignore[override]
        return reverse("channels:article", args=[self.page.pk])

    def is_shown(self, user: Any) -> bool:
        from dangjian.core.scoping import has_any
        from dangjian.portal.models import ArticlePage

        return bool(self.page.live or self.page.has_unpublished_changes) and \
            self.page.specific_class is ArticlePage and (user.is_superuser or has_any(user, "portal.edit"))


@hooks.register("register_page_header_buttons")
def channel_status_header_button(page: Any, user: Any, view_name: str, next_url: Any = None) -> Any:
    yield ChannelStatusMenuItem(page=page, priority=80)


@hooks.register("register_page_listing_more_buttons")
def channel_status_listing_button(page: Any, user: Any, next_url: Any = None) -> Any:
    yield ChannelStatusMenuItem(page=page, priority=70)
