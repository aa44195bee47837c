"""Wagtail hooks: a section created or edited in the Wagtail admin updates the editor rights; a
POST to an article's own URL is a visitor's comment."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from wagtail import hooks


def _sync_if_section(page: Any) -> None:
    from dangjian.portal.actions import do_sync_section_permissions
    from dangjian.portal.models import SectionPage

    if isinstance(page.specific, SectionPage):
        transaction.on_commit(do_sync_section_permissions)


@hooks.register("on_serve_page", order=1000)  # inside Wagtail's own wrappers (view restrictions)
def comment_on_article(serve: Any) -> Any:
    """A POST to an article is a comment (``views.post_comment``); anything else is served as usual.
    Here rather than in ``ArticlePage.serve``: the page models import no view. Wagtail checks the
    page's view restrictions around this (its ``on_serve_page`` hook comes first)."""

    def inner(page: Any, request: Any, serve_args: Any, serve_kwargs: Any) -> Any:
        from dangjian.portal.models import ArticlePage
        from dangjian.portal.views import post_comment

        if request.method == "POST" and isinstance(page, ArticlePage):
            return post_comment(request, page)
        return serve(page, request, serve_args, serve_kwargs)

    return inner


@hooks.register("after_create_page")
def after_create_page(request: Any, page: Any) -> None:
    _sync_if_section(page)


@hooks.register("after_edit_page")
def after_edit_page(request: Any, page: Any) -> None:
    _sync_if_section(page)


@hooks.register("register_admin_urls")
def register_portal_admin_urls() -> list[Any]:
    from django.urls import path

    from dangjian.portal.admin_views import view_stats

    return [path("portal/views/", view_stats, name="portal_view_stats")]


@hooks.register("register_reports_menu_item")
def register_view_stats_menu_item() -> Any:
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _
    from wagtail.admin.menu import MenuItem

    return MenuItem(_("Page views"), reverse("portal_view_stats"), name="portal-page-views", icon_name="view",
                    order=650)
