"""The lifecycle's to-do sources (workbench):

* ``lifecycle.report`` — floating members whose report-back to the home branch is due: from
  ``REPORT_REMIND_DAYS_BEFORE`` days before the date ``actions.report_due_on`` gives (one
  interval — 12 months, 6 abroad — after the last report or the issue), on a certificate in force,
  for the users managing the home branch (``lifecycle.manage``). Recording the report-back moves
  the due date a full interval on, which ends the item; so does ending the certificate.
* ``lifecycle.decide`` — status-change requests awaiting approval, for the committee directly
  above the proposing branch (the approvers ``actions.can_decide`` accepts and that are notified):
  the organizations the user holds ``lifecycle.approve`` on directly, or — when that committee has
  no approver of its own — the organizations above it. Approving, rejecting or withdrawing the
  request ends the item.

Each count is one query and each list one more (the user's role assignments are cached per
request by ``core.scoping``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, F, IntegerField, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.hooks import Todo
from dangjian.core.models import RoleAssignment
from dangjian.core.months import add_months
from dangjian.core.roles import roles_with
from dangjian.core.scoping import ALL, roles_of, scope_paths, scoped, subtrees_q
from dangjian.core.ui import safe_reverse
from dangjian.members.lifecycle import CertificateStatus, RequestStatus
from dangjian.members.lifecycle import config as cfg
from dangjian.members.lifecycle.actions import report_due_on
from dangjian.members.lifecycle.models import FloatingCertificate, StatusChangeRequest
from dangjian.orgs.models import Organization

# --- report-backs ---------------------------------------------------------------------------------


def _last_base(until: dt.date, months: int) -> dt.date:
    """The latest last-report (or issue) date whose next report falls due by ``until``:
    ``add_months(base, months) <= until`` (add_months clamps to the month's end, so step on)."""
    base = add_months(until, -months)
    while add_months(base + dt.timedelta(days=1), months) <= until:
        base += dt.timedelta(days=1)
    return base


def reports_due(user: Any, *, today: dt.date | None = None) -> QuerySet[FloatingCertificate]:
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=int(cfg.get("REPORT_REMIND_DAYS_BEFORE")))
    home = _last_base(until, int(cfg.get("REPORT_INTERVAL_MONTHS")))
    abroad = _last_base(until, int(cfg.get("REPORT_INTERVAL_MONTHS_ABROAD")))
    qs = (FloatingCertificate.objects.filter(status=CertificateStatus.ISSUED, expires_on__gte=today)
          .annotate(base=Coalesce(Max("reports__reported_on"), "issued_on"))
          .filter(Q(abroad=False, base__lte=home) | Q(abroad=True, base__lte=abroad)))
    return scoped(qs, user, "lifecycle.manage", path_field="home_path")


def report_count(user: Any) -> int:
    return reports_due(user).count()


def report_items(user: Any, limit: int) -> list[Todo]:
    today = timezone.localdate()
    rows = list(reports_due(user, today=today).select_related("member__person", "home_org")
                .order_by(F("base").asc(), "pk")[:limit])
    out = []
    for cert in rows:
        due = report_due_on(cert, cert.base)  # type: ignore[attr-defined]
        out.append(Todo(
            title=_("Report-back of floating member %(name)s (certificate %(number)s)") % {
                "name": cert.member.person.name, "number": cert.number},
            url=safe_reverse("lifecycle:certificate", cert.pk) or "",
            org=cert.home_org.name, due=due, urgent=due < today, ref=f"floating:{cert.pk}",
        ))
    out.sort(key=lambda t: (t.due or dt.date.max, t.ref))
    return out


# --- status changes awaiting approval -------------------------------------------------------------

APPROVE = "lifecycle.approve"


def _own_paths(user: Any) -> list[str]:
    roles = roles_with(APPROVE)
    return sorted({a.organization.path for a in roles_of(user) if a.organization is not None and a.role in roles})


def requests_to_decide(user: Any) -> QuerySet[StatusChangeRequest]:
    step = Organization.steplen
    base = (StatusChangeRequest.objects.filter(status=RequestStatus.PENDING)
            .annotate(parent=Substr("org_path", 1, Length("org_path", output_field=IntegerField()) - step)))
    paths = scope_paths(user, APPROVE)
    if paths is ALL:
        return base
    if not paths:
        return base.none()
    staffed = Exists(RoleAssignment.objects.filter(organization__path=OuterRef("parent"),
                                                   role__in=sorted(roles_with(APPROVE)), user__is_active=True))
    under = subtrees_q(paths, "parent")  # type: ignore[arg-type]
    return base.filter(Q(parent__in=_own_paths(user)) | (under & ~staffed))


def decide_count(user: Any) -> int:
    return requests_to_decide(user).count()


def decide_items(user: Any, limit: int) -> list[Todo]:
    rows = (requests_to_decide(user).select_related("member__person", "member__organization")
            .order_by("created_at", "pk")[:limit])
    return [Todo(
        title=_("Approve: %(kind)s of %(name)s") % {"kind": r.get_kind_display(), "name": r.member.person.name},
        url=safe_reverse("lifecycle:request", r.pk) or "",
        org=r.member.organization.name, due=None, ref=f"status-request:{r.pk}",
    ) for r in rows]
