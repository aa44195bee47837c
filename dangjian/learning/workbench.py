"""The party school on the workbench and the member home. Reads only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.learning.selectors import last_unfinished


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    """"Continue where you left off" on the member home (one query)."""
    row = last_unfinished(request.user)
    if row is None:
        return []
    minutes, seconds = divmod(int(row.position_s), 60)
    return [{"title": _("Continue learning: %(title)s") % {"title": row.lesson.title},
             "body": _("%(course)s · from %(m)d:%(s)02d") % {"course": row.lesson.course.title, "m": minutes,
                                                              "s": seconds}
             if row.lesson.timed else row.lesson.course.title,
             "url": reverse("learning:lesson", args=[row.lesson_id]), "order": 30}]
