"""Every read of reports, scoped. Lists carry envelope data only (the ciphertext columns are never
loaded): id, number, state, level, kind, real-name flag, days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.scoping import has_any, scoped
from dangjian.reports.choices import OPEN_STATES, State
from dangjian.reports.models import Custodian, Exclusion, IdentityRequest, Report, ReportAccess

ENVELOPE = ("id", "uuid", "number", "organization_id", "org_path", "kind", "real_name", "state", "disposal",
            "received_on", "forward_due", "accepted_on", "accept_feedback_due", "closed_on",
            "close_feedback_due", "feedback_given_on", "forwarded_to")


def may_handle(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and has_any(user, "reports.handle")


@dataclass(frozen=True)
class Search:
    """What a handler can search by: the envelope only, never the content (the server cannot read
    it, and a searchable index of words would let whoever holds the database and the index key
    test which reports contain a word — docs/modules/reports.md, "Search")."""

    number: str = ""
    kind: str = ""
    real_name: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    overdue: bool = False  # open, not yet triaged, its forwarding deadline passed
    today: dt.date | None = None

    def apply(self, qs: QuerySet[Report]) -> QuerySet[Report]:
        if self.number.strip():
            qs = qs.filter(number__icontains=self.number.strip())
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.real_name is not None:
            qs = qs.filter(real_name=self.real_name)
        if self.received_from:
            qs = qs.filter(received_on__gte=self.received_from)
        if self.received_to:
            qs = qs.filter(received_on__lte=self.received_to)
        if self.overdue:
            qs = qs.filter(state=State.RECEIVED, forward_due__lt=self.today or timezone.localdate())
        return qs


def reports_for(user: Any, *, state: str = "", open_only: bool = False, search: Search | None = None) -> QuerySet[Report]:
    """The reports ``user`` handles (``reports.handle`` over the level, not excluded): real-name
    first, oldest first. One indexed range of ``(org_path, state, real_name, received_on)``;
    ``search`` narrows by envelope fields."""
    qs = scoped(Report.objects.all(), user, "reports.handle", path_field="org_path")
    if getattr(user, "is_authenticated", False):
        qs = qs.exclude(Exists(Exclusion.objects.filter(report=OuterRef("pk"), user=user)))
    if state:
        qs = qs.filter(state=state)
    elif open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if search is not None:
        qs = search.apply(qs)
    return qs.only(*ENVELOPE).order_by("-real_name", "received_on", "id")


class EnvelopePage:
    """A list of reports for ``Paginator`` (or a plain slice) that fetches a page in two steps:
    the ids in list order first — the list index ``(org_path, state, -real_name, received_on, id)``
    covers that query, so only ids are sorted, never whole rows — then those rows by primary key.
    At 100,000 reports this is what keeps a county's list fast (bench/reports_list.py). Rows get
    ``has_key``: whether ``user`` holds a wrapped key of the report. Four queries a page."""

    def __init__(self, qs: QuerySet[Report], user: Any) -> None:
        self.qs, self.user = qs, user

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Report]:
        ids = list(self.qs.values_list("id", flat=True)[window])
        rows = {r.pk: r for r in Report.objects.filter(pk__in=ids).only(*ENVELOPE)}
        held = set(ReportAccess.objects.filter(user_id=getattr(self.user, "pk", None) or 0, report_id__in=ids)
                   .values_list("report_id", flat=True))
        page = [rows[i] for i in ids if i in rows]
        for r in page:
            r.has_key = r.pk in held  # type: ignore[attr-defined]
        return page


def access_report(user: Any, public_id: Any) -> Report:
    try:
        return reports_for(user).select_related("organization").get(uuid=public_id)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Not found.")) from None


def identity_requests_to_decide(user: Any) -> QuerySet[IdentityRequest]:
    paths = list(Custodian.objects.filter(user=user).values_list("org_path", flat=True)) \
        if getattr(user, "is_authenticated", False) else []
    if not paths:
        return IdentityRequest.objects.none()
    from dangjian.core.scoping import subtrees_q

    return (IdentityRequest.objects.filter(subtrees_q(paths, "report__org_path"), state="pending")
            .exclude(requester=user).select_related("report", "requester").order_by("id"))


def identity_log(user: Any) -> QuerySet[IdentityRequest]:
    """Every identity request of the reports a supervisor oversees (who asked, why, who decided)."""
    reports = scoped(Report.objects.all(), user, "reports.supervise", path_field="org_path")
    return (IdentityRequest.objects.filter(report__in=reports.values("pk"))
            .select_related("report", "requester", "custodian").order_by("-id"))
