"""Wagtail hooks: a section created or edited in the Wagtail admin updates the editor rights."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from wagtail import hooks


def _sync_if_section(page: Any) -> None:
    from dangjian.portal.actions import do_sync_section_permissions
    from dangjian.portal.models import SectionPage

    if isinstance(page.specific, SectionPage):
        transaction.on_commit(do_sync_section_permissions)


@hooks.register("after_create_page")
def after_create_page(request: Any, page: Any) -> None:
    _sync_if_section(page)


@hooks.register("after_edit_page")
def after_edit_page(request: Any, page: Any) -> None:
    _sync_if_section(page)
