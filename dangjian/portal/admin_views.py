"""Wagtail admin screens of the portal: view statistics per article and channel (editors see the
pages of the sections their ``portal.edit`` scope covers; administrators see all)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.scoping import ALL, scope_paths, subtrees_q
from dangjian.portal import ViewChannel

STATS_PAGE_SIZE = 50
#: Column order: the site's own views, and beside them the WeChat official account's reads.
STATS_COLUMNS = (ViewChannel.WEB, ViewChannel.WECHAT_MP, ViewChannel.APP, ViewChannel.FEED, ViewChannel.WECHAT,
                 ViewChannel.WEIBO)


def pages_in_scope_q(user: Any) -> Q | None:
    """A filter on ``page__path`` for the user's sections, or None for every page."""
    from dangjian.portal.models import SectionPage

    paths = scope_paths(user, "portal.edit")
    if paths is ALL:
        return None
    if not paths:
        return Q(pk__in=[])
    in_scope = subtrees_q(paths, "organization__path")  # type: ignore[arg-type]
    sections = SectionPage.objects.filter(in_scope).values_list("path", flat=True)
    q = Q(pk__in=[])
    for path in sections:
        q |= Q(page__path__startswith=path)
    return q


def view_stats(request: HttpRequest) -> HttpResponse:
    from wagtail.models import Page

    from dangjian.portal.models import PageViewCount

    try:
        days = max(1, min(int(request.GET.get("days") or 30), 3660))
    except ValueError:
        days = 30
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    qs = PageViewCount.objects.filter(day__gte=since)
    scope = pages_in_scope_q(request.user)
    if scope is not None:
        qs = qs.filter(scope)
    sums = {str(ch): Sum("views", filter=Q(channel=ch)) for ch in STATS_COLUMNS}
    rows = qs.values("page_id").annotate(total=Sum("views"), **sums).order_by("-total", "page_id")
    page_obj = Paginator(rows, STATS_PAGE_SIZE).get_page(request.GET.get("page"))
    titles = dict(Page.objects.filter(pk__in=[r["page_id"] for r in page_obj.object_list])
                  .values_list("pk", "title"))
    table = [{"page_id": r["page_id"], "title": titles.get(r["page_id"], "?"), "total": r["total"],
              "channels": [r[str(ch)] or 0 for ch in STATS_COLUMNS]}  # type: ignore[literal-required]
             for r in page_obj.object_list]
    return render(request, "portal/admin_view_stats.html", {
        "page_title": _("Page views"), "header_icon": "view", "rows": table, "page_obj": page_obj,
        "channels": [ch.label for ch in STATS_COLUMNS], "days": days,
        "day_choices": (7, 30, 365),
    })
