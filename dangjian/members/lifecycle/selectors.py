"""Reads for the member lifecycle; the only way to reach a certificate or a status request.

Certificates are visible to staff in scope of the home branch *or* of the host branch (the host
secretary sees the guests it hosts), and to the member themselves. Out of scope = 404.

Public selectors for other modules (orglife): ``floating_guests_hosted_by(org)`` and
``is_floating_guest(member, org)`` — guests take part in the host branch's activities but have no
vote there (DOMAIN.md §8).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.scoping import ALL, get_scoped_or_404, in_scope, scope_paths, subtrees_q
from dangjian.members.lifecycle import CertificateStatus, RequestStatus
from dangjian.members.lifecycle.models import FloatingCertificate, StatusChangeRequest
from dangjian.members.models import Member


def probation_extension_months(member: Any) -> int:
    """Months by which the member's probation was extended (an approved extension; at most one)."""
    from dangjian.members.lifecycle import ChangeKind

    months = (StatusChangeRequest.objects.filter(member_id=getattr(member, "pk", member), kind=ChangeKind.EXTEND,
                                                 status=RequestStatus.APPROVED)
              .values_list("extension_months", flat=True).first())
    return int(months or 0)


def probation_ends_on(member: Member) -> dt.date | None:
    """The day from which the member may become full: the branch-assembly date (join date) plus
    the probation (default 12 months) plus any approved extension (DOMAIN.md §4)."""
    from dangjian.core.months import add_months
    from dangjian.members.lifecycle import config as cfg

    if not member.join_date:
        return None
    return add_months(member.join_date, int(cfg.get("PROBATION_MONTHS")) + probation_extension_months(member))


def _valid_q(on: dt.date | None = None) -> Q:
    return Q(status=CertificateStatus.ISSUED, expires_on__gte=on or timezone.localdate())


def floating_guests_hosted_by(org: Any, *, on: dt.date | None = None) -> QuerySet[Member]:
    """Members holding a certificate in force that names ``org`` as host branch. They join the
    branch's activities without voting or standing for election there."""
    org_id = getattr(org, "pk", org)
    certs = FloatingCertificate.objects.filter(_valid_q(on), host_org_id=org_id).values("member_id")
    return Member.objects.filter(pk__in=certs).select_related("person", "organization")


def is_floating_guest(member: Any, org: Any, *, on: dt.date | None = None) -> bool:
    return FloatingCertificate.objects.filter(
        _valid_q(on), member_id=getattr(member, "pk", member), host_org_id=getattr(org, "pk", org)).exists()


def valid_certificate_of(member: Any, *, on: dt.date | None = None) -> FloatingCertificate | None:
    return (FloatingCertificate.objects.filter(_valid_q(on), member_id=getattr(member, "pk", member))
            .select_related("host_org", "home_org").first())


def _cert_q(user: Any, perm: str) -> Q | None:
    """None = everything (superuser); else the rows in scope via home or host branch, or own."""
    paths = scope_paths(user, perm)
    if paths is ALL:
        return None
    q = subtrees_q(paths, "home_path") | subtrees_q(paths, "host_path")  # type: ignore[arg-type]
    if getattr(user, "is_authenticated", False):
        q |= Q(member__person__user=user)
    return q


def certificates_for(user: Any, perm: str = "lifecycle.view") -> QuerySet[FloatingCertificate]:
    qs = FloatingCertificate.objects.select_related("member__person", "home_org", "host_org")
    q = _cert_q(user, perm)
    return qs if q is None else qs.filter(q)


def access_certificate(user: Any, cert_id: Any) -> FloatingCertificate:
    try:
        return certificates_for(user).get(pk=cert_id)
    except (FloatingCertificate.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def can_manage_certificate(user: Any, cert: FloatingCertificate) -> bool:
    return in_scope(user, "lifecycle.manage", cert.home_path)


def filter_certificates(qs: QuerySet[FloatingCertificate], *, user: Any = None, org_path: str | None = None,
                        direction: str = "", status: str = "") -> QuerySet[FloatingCertificate]:
    """``direction``: "out" (home branch in the org's subtree — or in the user's scope when no
    org is given), "in" (hosted there), or both."""
    paths: Any = [org_path] if org_path else (scope_paths(user, "lifecycle.view") if user is not None else ALL)
    if paths is ALL:
        if direction == "in":
            qs = qs.exclude(host_path="")
    else:
        out_q = subtrees_q(paths, "home_path")
        in_q = subtrees_q(paths, "host_path")
        if direction == "out":
            qs = qs.filter(out_q)
        elif direction == "in":
            qs = qs.filter(in_q)
        elif org_path:
            qs = qs.filter(out_q | in_q)
    if status == "valid":
        qs = qs.filter(_valid_q())
    elif status in CertificateStatus.values:
        qs = qs.filter(status=status)
    return qs


def requests_for(user: Any, perm: str = "lifecycle.view") -> QuerySet[StatusChangeRequest]:
    qs = StatusChangeRequest.objects.select_related("member__person", "member__organization", "proposed_by")
    paths = scope_paths(user, perm)
    if paths is ALL:
        return qs
    return qs.filter(subtrees_q(paths, "org_path"))  # type: ignore[arg-type]


def access_request(user: Any, request_id: Any) -> StatusChangeRequest:
    return get_scoped_or_404(requests_for(user), user, "lifecycle.view", path_field="org_path", pk=request_id)


def pending_request_of(member: Any) -> StatusChangeRequest | None:
    return StatusChangeRequest.objects.filter(member_id=getattr(member, "pk", member),
                                              status=RequestStatus.PENDING).first()


def certificate_by_token(token: str) -> FloatingCertificate | None:
    if not token or len(token) > 64:
        return None
    return (FloatingCertificate.objects.select_related("member__person", "home_org", "host_org")
            .filter(token=token).first())


def member_choices(user: Any, perm: str, *, org_path: str | None = None, limit: int = 500) -> list[tuple[int, str]]:
    """(id, "name · branch") of current members in the user's ``perm`` scope, for a form."""
    from dangjian.core.scoping import scoped
    from dangjian.members import CURRENT_STATUSES

    qs = scoped(Member.objects.filter(status__in=CURRENT_STATUSES), user, perm, path_field="org_path")
    if org_path:
        qs = qs.filter(subtrees_q([org_path], "org_path"))
    rows = qs.order_by("org_path", "pk").values_list("pk", "person__name", "organization__name")[:limit]
    return [(pk, f"{name} · {org}") for pk, name, org in rows]


def mask_name(name: str) -> str:
    """张三 → 张*, 张爱丽 → 张*丽 (the public verification page shows no full name)."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
