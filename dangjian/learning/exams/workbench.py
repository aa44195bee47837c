"""What exams put on shared pages through core.hooks: the member's to-do "an exam open to you
not yet taken" (with its closing time), the member home item, and the search of exams."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.ownmember import own_member
from dangjian.learning.exams.selectors import exams_for_member, managed_exams, open_not_taken


def todo_count(user: Any) -> int:
    member = own_member(user)
    return open_not_taken(member).count() if member is not None else 0


def todo_items(user: Any, limit: int) -> list[Todo]:
    member = own_member(user)
    if member is None:
        return []
    out = []
    for exam in open_not_taken(member).only("pk", "title", "closes_at", "organization__name")[:limit]:
        closes = timezone.localtime(exam.closes_at)
        out.append(Todo(
            title=_("Exam: %(title)s (closes %(when)s)") % {"title": exam.title,
                                                            "when": date_format(closes, "SHORT_DATETIME_FORMAT")},
            url=reverse("exams:exam", args=[exam.pk]), org=exam.organization.name, due=closes.date(),
            urgent=(exam.closes_at - timezone.now()).total_seconds() < 86400, ref=f"exam:{exam.pk}"))
    return out


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    member = own_member(request.user)
    if member is None:
        return []
    exams = list(open_not_taken(member).select_related(None).only("pk", "title", "closes_at")[:3])
    if not exams:
        return []
    first = exams[0]
    body = _("%(title)s, closes %(when)s.") % {
        "title": first.title, "when": date_format(timezone.localtime(first.closes_at), "SHORT_DATETIME_FORMAT")}
    if len(exams) > 1:
        body += " " + _("And more exams waiting for you.")
    return [{"title": _("Exams open to you"), "body": body, "url": reverse("exams:mine"), "order": 30}]


def find_exams(user: Any, q: str, limit: int) -> list[SearchHit]:
    """Exams by title: the member's own audience's exams, and the exams an editor manages."""
    hits: dict[int, SearchHit] = {}
    member = own_member(user)
    if member is not None:
        for exam in exams_for_member(member).filter(title__icontains=q).order_by("-opens_at")[:limit]:
            hits[exam.pk] = SearchHit(exam.title, reverse("exams:exam", args=[exam.pk]), exam.organization.name)
    for exam in managed_exams(user).filter(title__icontains=q).order_by("-opens_at")[:limit]:
        hits.setdefault(exam.pk, SearchHit(exam.title, reverse("exams:results", args=[exam.pk]),
                                           exam.organization.name))
    return list(hits.values())[:limit]
