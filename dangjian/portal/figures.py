"""The portal's statistics figures (issue 15), registered in ``core.hooks``.

A page belongs to the organization of its nearest section (itself included) linked to one
(``selectors.section_organization_path``); a page under no such section is the county's, that
is every top-level organization's, and counts there as the organization's own. Publishing is
counted by the first publication (``first_published_at``); reads by the day they were counted
(``PageViewCount.day``: the site's own views and the channels' read counts). One query per value.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import Page

from dangjian.core.hooks import Dimension, Figure, register_figure
from dangjian.orgs.models import Organization
from dangjian.portal import SectionKind
from dangjian.portal.models import ArticlePage, PageViewCount, SectionPage

PERM = "portal.edit"
#: Sections are looked up among a page's ancestors up to this depth of the page tree.
MAX_SECTION_DEPTH = 16


def owner_path() -> Coalesce:
    """The path of the organization owning the page (``OuterRef``): its deepest ancestor section
    (itself included) linked to an organization; "" when none is. The ancestors' paths are
    prefixes of the page's, so each is one lookup on the page tree's path index."""
    ancestors = reduce(or_, (Q(path=Substr(OuterRef("path"), 1, Page.steplen * depth))
                             for depth in range(1, MAX_SECTION_DEPTH + 1)))
    section = (SectionPage.objects.filter(ancestors, organization__isnull=False, depth__lte=OuterRef("depth"))
               .order_by("-depth").values("organization__path")[:1])
    return Coalesce(Subquery(section), Value(""), output_field=CharField())


def _owned_by(org_path: str) -> Q:
    """Pages annotated ``owner_path`` that belong to the organization's subtree."""
    q = Q(owner_path__startswith=org_path)
    if len(org_path) <= Organization.steplen:
        q |= Q(owner_path="")
    return q


def _local(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def published(org_path: str, as_of: dt.date) -> QuerySet[ArticlePage]:
    """Articles first published from 1 January to the end of the day, annotated ``place_path`` (the
    owner; the organization's own for a county-wide page) and ``section_kind`` (the parent section's)."""
    parent = SectionPage.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Page.steplen))
    return (ArticlePage.objects.filter(first_published_at__gte=_local(dt.date(as_of.year, 1, 1)),
                                       first_published_at__lt=_local(as_of + dt.timedelta(days=1)))
            .annotate(owner_path=owner_path())
            .filter(_owned_by(org_path))
            .annotate(place_path=Case(When(owner_path="", then=Value(org_path)), default=F("owner_path"),
                                      output_field=CharField()),
                      section_kind=Subquery(parent.values("kind")[:1]))
            .only("pk", "title", "path", "depth", "url_path", "first_published_at", "live")
            .order_by("-first_published_at", "-pk"))


def reads(org_path: str, as_of: dt.date) -> int:
    """Views of the organization's pages counted from 1 January to the day, every channel. One query."""
    pages = Page.objects.annotate(owner_path=owner_path()).filter(_owned_by(org_path)).values("pk")
    total = PageViewCount.objects.filter(day__gte=dt.date(as_of.year, 1, 1), day__lte=as_of,
                                         page_id__in=pages).aggregate(n=Sum("views"))["n"]
    return int(total or 0)


def row(p: ArticlePage) -> dict[str, Any]:
    return {"title": p.title, "section": dict(SectionKind.choices).get(p.section_kind, ""),
            "published": timezone.localtime(p.first_published_at).date() if p.first_published_at else "",
            "live": _("Yes") if p.live else _("No"), "url": p.get_url() or ""}


FIGURES = [
    Figure(key="portal.published", label=_("Articles published this year"), module="portal",
           unit=pgettext_lazy("unit", "articles"), perm=PERM, rows=published, path_field="place_path", order=10,
           dimensions={"section": Dimension(_("Section"), choices=SectionKind.choices, field="section_kind")},
           columns=[("title", _("Title")), ("section", _("Section")), ("published", _("First published")),
                    ("live", _("Still published"))], row=row,
           description=_("Portal articles of the organization's sections first published from 1 January to the "
                         "day (those withdrawn since included); county-wide sections count at the county.")),
    Figure(key="portal.reads", label=_("Portal page views this year"), module="portal",
           unit=pgettext_lazy("unit", "views"), perm=PERM, value=reads, drill="portal.published", order=20,
           description=_("Views of the organization's portal pages counted from 1 January to the day: the site's "
                         "own views from every channel (web, app, feeds, WeChat, Weibo) and the WeChat official "
                         "account's reads. The list shows the year's articles; the views of earlier pages count "
                         "too.")),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
