"""Reads: what the public sees (live, public pages only) and what moderators may reach."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from wagtail.models import Page, Site

from dangjian.core.scoping import ALL, get_scoped_or_404, scope_paths, scoped
from dangjian.portal import CommentStatus
from dangjian.portal.models import PortalHomePage, PublicComment, SectionPage

FEED_ITEMS = 30


def portal_home(request: Any = None) -> PortalHomePage | None:
    site = Site.find_for_request(request) if request is not None else None
    root = site.root_page if site else None
    if root is not None and isinstance(root.specific, PortalHomePage):
        return root.specific
    return PortalHomePage.objects.live().first()


def section_by_slug(slug: str) -> SectionPage | None:
    return SectionPage.objects.live().public().filter(slug=slug).order_by("path").first()


def published_responses(kind: str, ref: str) -> list[PublicComment]:
    """The public's published responses on a matter page, oldest first, with their answers."""
    return list(PublicComment.objects.filter(matter_kind=kind, matter_ref=ref, status=CommentStatus.APPROVED)
                .order_by("created_at", "pk")[:200])


def response_rows(kind: str, ref: str) -> list[dict[str, Any]]:
    """``published_responses`` as plain rows for the owning module (``core.hooks.matter_responses``)."""
    return [{"id": c.pk, "name": c.name, "body": c.body, "created_at": c.created_at, "answer": c.answer,
             "answered_at": c.answered_at} for c in published_responses(kind, ref)]


# --- moderation (staff) ---------------------------------------------------------------------


def comments_for(user: Any) -> QuerySet[PublicComment]:
    """Comments a moderator may see: those on articles of sections in their organizations'
    subtrees, and responses on matters those organizations own (``portal.moderate``); a
    county-level officer sees every comment."""
    paths = scope_paths(user, "portal.moderate")
    qs = PublicComment.objects.select_related("page", "answered_by")
    if paths is ALL:
        return qs
    return scoped(qs, user, "portal.moderate", path_field="org_path")


def access_comment(user: Any, comment_id: int) -> PublicComment:
    return get_scoped_or_404(comments_for(user), user, "portal.moderate", path_field="org_path", pk=comment_id)


def section_organization_path(page: Page) -> str:
    """The organization path owning ``page``: the nearest section (itself included) linked to one."""
    section = (
        SectionPage.objects.ancestor_of(page, inclusive=True).filter(organization__isnull=False)
        .select_related("organization").order_by("-depth").first()
    )
    return section.organization.path if section and section.organization else ""


# --- corrections ------------------------------------------------------------------------------


def corrections_for(user: Any) -> Any:
    """Correction suggestions the user's ``portal.edit`` scope covers (the section's editors)."""
    from dangjian.portal.models import CorrectionSuggestion

    return scoped(CorrectionSuggestion.objects.select_related("page", "answered_by"), user, "portal.edit",
                  path_field="org_path")


def access_correction(user: Any, suggestion_id: int) -> Any:
    return get_scoped_or_404(corrections_for(user), user, "portal.edit", path_field="org_path", pk=suggestion_id)
