"""Writes of the overview screen: its layout (who may, in one transaction, with an audit event)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.scoping import require
from dangjian.orgs.models import Organization
from dangjian.stats import screen
from dangjian.stats.models_screen import ScreenLayout


def _require_configure(user: ActingUser, org: Organization | None) -> None:
    if org is not None:
        require(user, "stats.configure", org.path)
    elif not screen.may_configure(user, None):
        raise PermissionDenied(_("Only those who configure the statistics of the whole tree may change the default screen."))


def _layout_row(org: Organization | None) -> ScreenLayout | None:
    qs = ScreenLayout.objects.select_for_update()
    return (qs.filter(organization=org) if org is not None else qs.filter(is_default=True)).first()


def do_save_screen_layout(org: Organization | None, *, title: str, widgets: Any, acting_user: ActingUser) -> ScreenLayout:
    """Save the layout of ``org``'s screen (``org=None``: the default of every screen).
    ``widgets`` is checked widget by widget (``screen.validate_widgets``); nothing is written
    when one breaks a rule."""
    _require_configure(acting_user, org)
    title = (title or "").strip()
    if len(title) > screen.TITLE_MAX:
        raise ValidationError({"title": _("The title has at most %(max)d characters.") % {"max": screen.TITLE_MAX}})
    clean = [w.as_json() for w in screen.validate_widgets(widgets)]
    with transaction.atomic():
        row = _layout_row(org)
        before = {"title": row.title, "widgets": row.widgets, "version": row.version} if row else None
        if row is None:
            row = ScreenLayout(organization=org, is_default=org is None)
        else:
            row.version += 1
        row.title, row.widgets, row.updated_by = title, clean, as_user(acting_user)
        row.save()
        audit.record(acting_user, "stats.screen_layout_saved", row, before=before,
                     after={"title": title, "widgets": clean, "version": row.version},
                     org_path=org.path if org is not None else "",
                     target_label=org.name if org is not None else str(_("Default overview screen")))
    return row


def do_reset_screen_layout(org: Organization | None, *, acting_user: ActingUser) -> bool:
    """Drop ``org``'s own layout (its screen falls back to the default) or, with ``org=None``,
    the saved default (screens fall back to the built-in layout). False when there was none."""
    _require_configure(acting_user, org)
    with transaction.atomic():
        row = _layout_row(org)
        if row is None:
            return False
        before = {"title": row.title, "widgets": row.widgets, "version": row.version}
        audit.record(acting_user, "stats.screen_layout_reset", row, before=before,
                     org_path=org.path if org is not None else "",
                     target_label=org.name if org is not None else str(_("Default overview screen")))
        row.delete()
    return True
