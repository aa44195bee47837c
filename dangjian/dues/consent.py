"""Branch consent to pay by the quarter or through a proxy, and floating members paying where they
are (DOMAIN.md §5, §8).

- **Quarterly**: with the branch's consent a member may pay the whole current quarter in one order
  (even beyond the configured advance window).
- **Proxy**: with the branch's consent a named user (a family member, the party-group leader) may
  start online payments for the member; without it nobody pays on someone's behalf.
- **Floating members**: a member holding a floating certificate in force (``members.lifecycle``)
  with a host branch may pay to that branch: the host's treasurer records cash there, or the
  member pays online "to the host branch". The bill stays the home branch's (its ledger shows the
  month paid); the payment carries ``collected_org`` = the host, so the host's collection (and
  what it hands up) includes the money and the home branch's does not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.notifications import notify
from dangjian.core.scoping import in_scope, require
from dangjian.core.ui import safe_reverse
from dangjian.dues import ConsentKind, ConsentStatus
from dangjian.dues.billing import add_months, current_month, month_start
from dangjian.dues.models import DuesConsent

PERM_MANAGE = "dues.manage"
MAX_CONSENT_MONTHS = 24


def quarter_end(month: dt.date) -> dt.date:
    month = month_start(month)
    return dt.date(month.year, ((month.month - 1) // 3) * 3 + 3, 1)


def active_consent(member: Any, kind: str, *, month: dt.date | None = None, proxy: Any = None) -> DuesConsent | None:
    month = month_start(month or current_month())
    qs = DuesConsent.objects.filter(member=member, kind=kind, status=ConsentStatus.ACTIVE,
                                    from_month__lte=month, to_month__gte=month)
    if proxy is not None:
        qs = qs.filter(proxy=proxy)
    return qs.first()


def members_paid_by(user: Any) -> list[Any]:
    """The members ``user`` may pay for this month (proxy consents in force)."""
    if not getattr(user, "is_authenticated", False):
        return []
    month = current_month()
    return [c.member for c in DuesConsent.objects.filter(
        proxy=user, kind=ConsentKind.PROXY, status=ConsentStatus.ACTIVE, from_month__lte=month,
        to_month__gte=month).select_related("member__person", "member__organization").order_by("member_id")]


def do_grant_consent(member: Any, *, kind: str, from_month: Any, to_month: Any, reason: str, proxy: Any = None,
                     acting_user: ActingUser) -> DuesConsent:
    """The branch records its consent (its reason, the months it covers, the proxy if any)."""
    require(acting_user, PERM_MANAGE, member.org_path)
    errors: dict[str, str] = {}
    if kind not in ConsentKind.values:
        errors["kind"] = _("Choose quarterly payment or payment through a proxy.")
    if not isinstance(from_month, dt.date):
        errors["from_month"] = _("Give the first month the consent covers.")
    if not isinstance(to_month, dt.date):
        errors["to_month"] = _("Give the last month the consent covers.")
    reason = (reason or "").strip()
    if len(reason) < 2:
        errors["reason"] = _("Record the branch's reason.")
    if kind == ConsentKind.PROXY:
        if proxy is None or not getattr(proxy, "is_active", False):
            errors["proxy"] = _("Name the account of the person who pays.")
        elif member.person.user_id == proxy.pk:
            errors["proxy"] = _("Members pay for themselves without a proxy.")
    elif proxy is not None:
        errors["proxy"] = _("Only a proxy consent names a proxy.")
    if not errors:
        from_month, to_month = month_start(from_month), month_start(to_month)
        if to_month < from_month:
            errors["to_month"] = _("The last month is before the first.")
        elif to_month > add_months(from_month, MAX_CONSENT_MONTHS - 1):
            errors["to_month"] = _("A consent covers at most %(n)d months.") % {"n": MAX_CONSENT_MONTHS}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = DuesConsent.objects.create(member=member, org_path=member.org_path, kind=kind, proxy=proxy,
                                             from_month=from_month, to_month=to_month, reason=reason[:200],
                                             granted_by=as_user(acting_user))
        audit.record(acting_user, "dues.consent_granted", consent,
                     after={"kind": kind, "from": f"{from_month:%Y-%m}", "to": f"{to_month:%Y-%m}",
                            "proxy": getattr(proxy, "pk", None)}, reason=reason[:200], org_path=member.org_path,
                     target_label=str(member))
        if proxy is not None:
            name = member.person.name
            transaction.on_commit(lambda: notify(
                [proxy.pk], "dues.proxy_consent", title=_("You may pay the party dues of %(name)s") % {"name": name},
                url=safe_reverse("dues:my") or ""))
    return consent


def do_revoke_consent(consent: DuesConsent, *, acting_user: ActingUser) -> DuesConsent:
    require(acting_user, PERM_MANAGE, consent.org_path)
    with transaction.atomic():
        locked = DuesConsent.objects.select_for_update().get(pk=consent.pk)
        if locked.status != ConsentStatus.ACTIVE:
            raise ValidationError({"status": _("This consent is already revoked.")})
        locked.status, locked.revoked_by, locked.revoked_at = ConsentStatus.REVOKED, as_user(acting_user), timezone.now()
        locked.save(update_fields=["status", "revoked_by", "revoked_at"])
        audit.record(acting_user, "dues.consent_revoked", locked, before={"status": ConsentStatus.ACTIVE},
                     after={"status": ConsentStatus.REVOKED}, org_path=locked.org_path,
                     target_label=str(locked.member_id))
    return locked


def host_branch(member: Any) -> Any:
    """The host branch of the member's floating certificate in force, or None."""
    from dangjian.members.lifecycle.selectors import valid_certificate_of

    cert = valid_certificate_of(member)
    return cert.host_org if cert is not None and cert.host_org_id else None


def offline_collector(member: Any, acting_user: ActingUser | None, at_host: bool | None) -> Any:
    """Who takes an offline payment: None = the member's own branch, else the host branch. Raises
    PermissionDenied when the user manages neither."""
    from django.core.exceptions import PermissionDenied

    host = host_branch(member)
    manages_home = in_scope(acting_user, PERM_MANAGE, member.org_path)
    manages_host = host is not None and in_scope(acting_user, PERM_MANAGE, host.path)
    if at_host is None:
        at_host = manages_host and not manages_home
    if at_host:
        if host is None:
            raise ValidationError({"channel": _("The member holds no floating certificate with a host branch.")})
        if not manages_host:
            raise PermissionDenied(_("You do not have permission for this organization."))
        return host
    require(acting_user, PERM_MANAGE, member.org_path)
    return None
