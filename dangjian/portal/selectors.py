"""Reads: what the public sees (live, public pages only) and what moderators may reach."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from wagtail.models import Page, Site

from dangjian.core.scoping import ALL, get_scoped_or_404, scope_paths, scoped
from dangjian.portal import CommentStatus, SectionKind
from dangjian.portal.models import ArticlePage, PortalHomePage, PublicComment, SectionPage

HOME_NEWS = 8
HOME_NOTICES = 6
HOME_RESULTS = 4
FEED_ITEMS = 30


def portal_home(request: Any = None) -> PortalHomePage | None:
    site = Site.find_for_request(request) if request is not None else None
    root = site.root_page if site else None
    if root is not None and isinstance(root.specific, PortalHomePage):
        return root.specific
    return PortalHomePage.objects.live().first()


def live_articles() -> Any:
    """Live, public articles (a Wagtail PageQuerySet), newest first."""
    return ArticlePage.objects.live().public().select_related("cover_image").order_by("-date", "-pk")


def _under(sections: list[Page]) -> Q:
    q = Q(pk__in=[])
    for s in sections:
        q |= Q(path__startswith=s.path, depth__gt=s.depth)
    return q


def articles_of_kind(home: Page, kind: str) -> Any:
    sections = list(SectionPage.objects.live().descendant_of(home).filter(kind=kind).only("path", "depth"))
    return live_articles().filter(_under(sections))


def home_blocks(home: PortalHomePage) -> dict[str, Any]:
    """The home page's lists, cached until the next publish/unpublish (``portal.cache``)."""
    from dangjian.portal.cache import cached

    def build() -> dict[str, Any]:
        return {
            "latest_news": list(news_feed_articles(home)[:HOME_NEWS]),
            "notices": list(articles_of_kind(home, SectionKind.NOTICES)[:HOME_NOTICES]),
            "results": list(articles_of_kind(home, SectionKind.RESULTS)[:HOME_RESULTS]),
            "sections": list(SectionPage.objects.child_of(home).live().public().order_by("path")),
        }

    return cached("home", build, home.pk)


def news_feed_articles(home: Page) -> Any:
    """资讯动态: every live article of the portal except sections kept out of the news feed."""
    hidden = list(SectionPage.objects.descendant_of(home).filter(show_in_feed=False).only("path", "depth"))
    qs = live_articles().descendant_of(home)
    if hidden:
        qs = qs.exclude(_under(hidden))
    return qs


def section_articles(section: SectionPage) -> Any:
    return live_articles().descendant_of(section)


def section_by_slug(slug: str) -> SectionPage | None:
    return SectionPage.objects.live().public().filter(slug=slug).order_by("path").first()


def breadcrumbs(page: Page) -> list[Page]:
    """Ancestors from the portal home down to the page's parent (the home page itself first)."""
    return list(Page.objects.ancestor_of(page).filter(depth__gte=2).order_by("depth"))


def menu_sections(page: Page) -> list[SectionPage]:
    home = Page.objects.ancestor_of(page, inclusive=True).filter(depth=2).first()
    if home is None:
        return []
    return list(SectionPage.objects.child_of(home).live().public().in_menu().order_by("path"))


def published_comments(article: ArticlePage) -> QuerySet[PublicComment]:
    return article.public_comments.filter(status=CommentStatus.APPROVED).order_by("created_at")[:200]


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


def accepted_corrections(page: Page) -> list[Any]:
    """The correction notes shown on a page: accepted suggestions with the editors' answer."""
    from dangjian.portal import CorrectionStatus
    from dangjian.portal.models import CorrectionSuggestion

    return list(CorrectionSuggestion.objects.filter(page_id=page.pk, status=CorrectionStatus.ACCEPTED)
                .order_by("answered_at", "pk")[:50])
