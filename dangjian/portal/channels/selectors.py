"""Reads: the outbox as editors may see it (scoped by the article's owning organization), one
article's channel status, the app feed."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from wagtail.models import Page

from dangjian.core.scoping import ALL, get_scoped_or_404, in_scope, scope_paths, scoped
from dangjian.portal.channels import ChannelKind
from dangjian.portal.channels.models import ChannelPost, OutboxEntry

PERM = "portal.edit"


def entries_for(user: Any) -> QuerySet[OutboxEntry]:
    qs = OutboxEntry.objects.all()
    if scope_paths(user, PERM) is ALL:
        return qs
    return scoped(qs, user, PERM, path_field="org_path")


def access_entry(user: Any, entry_id: int) -> OutboxEntry:
    return get_scoped_or_404(entries_for(user), user, PERM, path_field="org_path", pk=entry_id)


def access_article(user: Any, page_id: int) -> Page:
    """An article the user may see the channel status of (in their ``portal.edit`` scope)."""
    from dangjian.portal.models import ArticlePage
    from dangjian.portal.selectors import section_organization_path

    page = ArticlePage.objects.filter(pk=page_id).first()
    if page is None or not (user.is_superuser or in_scope(user, PERM, section_organization_path(page) or "-")):
        raise Http404(_("Not found."))
    return page


def article_status(page: Page) -> list[dict[str, Any]]:
    """Per channel: what it shows now (``ChannelPost``) and the latest delivery with its error."""
    posts = {p.channel: p for p in ChannelPost.objects.filter(page=page)}
    entries: dict[str, list[OutboxEntry]] = {}
    for e in OutboxEntry.objects.filter(page=page).order_by("-created_at", "-id")[:200]:
        entries.setdefault(e.channel, []).append(e)
    rows = []
    for channel, label in ChannelKind.choices:
        if channel not in posts and channel not in entries:
            continue
        history = entries.get(channel, [])
        rows.append({"channel": channel, "label": label, "post": posts.get(channel),
                     "latest": history[0] if history else None, "history": history})
    return rows

