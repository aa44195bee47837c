"""What the lifecycle module plugs into core pages: the member-home item and the demo seeder."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from dangjian.core.ui import own_member, safe_reverse


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    """The member's floating certificate (in force), any status change awaiting approval and, for
    a probationary member, when probation ends (with an approved extension)."""
    from dangjian.members import MemberStatus
    from dangjian.members.lifecycle.selectors import (
        pending_request_of,
        probation_ends_on,
        probation_extension_months,
        valid_certificate_of,
    )

    member = own_member(request.user)
    if member is None:
        return []
    items: list[dict[str, Any]] = []
    if member.status == MemberStatus.PROBATIONARY and member.join_date:
        ends = probation_ends_on(member)
        extended = probation_extension_months(member)
        body = _("Probation from %(start)s to %(end)s.") % {"start": member.join_date.isoformat(),
                                                            "end": ends.isoformat() if ends else "—"}
        if extended:
            body += " " + _("Extended by %(months)d months.") % {"months": extended}
        items.append({"title": _("I am a probationary member"), "body": body, "order": 21})
    cert = valid_certificate_of(member)
    if cert is not None:
        items.append({
            "title": _("Floating certificate %(number)s") % {"number": cert.number},
            "body": _("Host: %(host)s · valid until %(date)s") % {"host": cert.host_label,
                                                                 "date": cert.expires_on.isoformat()},
            "url": safe_reverse("lifecycle:certificate", cert.pk) or "",
            "order": 30,
        })
    req = pending_request_of(member)
    if req is not None:
        items.append({
            "title": _("Status change awaiting approval"),
            "body": _("%(kind)s, proposed on %(date)s") % {"kind": req.get_kind_display(),
                                                          "date": req.created_at.date().isoformat()},
            "order": 31,
        })
    return items


def seed_demo(ctx: Any) -> None:
    """One floating member issued from the demo branch (the demo member, when linked)."""
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.lifecycle.actions import do_issue_certificate
    from dangjian.members.models import Member
    from dangjian.orgs import BRANCH_KINDS
    from dangjian.orgs.models import Organization

    secretary = ctx.users.get("demo-secretary")
    if secretary is None:
        return
    members = Member.objects.filter(organization=ctx.branch, status__in=CURRENT_STATUSES).select_related("person")
    member = members.filter(person__user=ctx.users.get("demo-member")).first() or members.order_by("pk").last()
    if member is None:
        return
    host = (Organization.objects.filter(path__startswith=ctx.root.path, kind__in=BRANCH_KINDS)
            .exclude(pk=ctx.branch.pk).order_by("path").first())
    do_issue_certificate(member, {
        "host_org": host.pk if host else None,
        "host_place": "" if host else "广东省深圳市",
        "host_unit": "深圳某电子厂",
        "reason": "外出务工",
        "issued_on": ctx.today,
    }, acting_user=secretary)


def member_actions(request: HttpRequest, member: Any) -> list[dict[str, Any]]:
    """Buttons on the member's page: issue a floating certificate, propose a status change."""
    from dangjian.core.scoping import in_scope
    from dangjian.members import CURRENT_STATUSES

    actions: list[dict[str, Any]] = []
    issue = safe_reverse("lifecycle:issue")
    if issue and member.status in CURRENT_STATUSES and in_scope(request.user, "lifecycle.manage", member.org_path):
        actions.append({"label": _("Issue a floating certificate"), "url": f"{issue}?member={member.pk}", "order": 30})
    propose = safe_reverse("lifecycle:propose")
    if propose and in_scope(request.user, "lifecycle.propose", member.org_path):
        actions.append({"label": _("Propose a status change"), "url": f"{propose}?member={member.pk}", "order": 40})
    return actions


def may_pick_host_branch(user: Any) -> bool:
    """Who may search host branches (orgs.search scope "floating_host"): those who issue certificates."""
    from dangjian.core.scoping import has_any

    return has_any(user, "lifecycle.manage")


def floating_certificate_outcome(context: dict[str, Any]) -> dict[str, Any]:
    """An approved application of the service centre's floating-certificate matter (handed over
    through ``core.hooks.register_service_outcome``): issue the certificate through the one flow
    there is, as the approver who signed the last step (``lifecycle.manage`` on the member's
    branch; ``do_issue_certificate`` checks it and every field)."""
    from django.core.exceptions import ValidationError

    from dangjian.members.lifecycle.actions import do_issue_certificate
    from dangjian.members.models import Member

    member_id = context.get("member_id")
    member = (Member.objects.select_related("organization", "person").filter(pk=member_id).first()
              if isinstance(member_id, int) else None)
    if member is None:
        raise ValidationError({"member": _("The applicant has no member record.")})
    data = context.get("data") or {}
    cert = do_issue_certificate(member, {key: data.get(key) for key in CERTIFICATE_KEYS if data.get(key) not in
                                         (None, "")}, acting_user=context["acting_user"])
    return {"label": cert.number, "url": safe_reverse("lifecycle:certificate", cert.pk) or ""}


#: The application form keys the floating-certificate handover reads (the matter editor shows them).
CERTIFICATE_KEYS = ("host_place", "host_unit", "reason", "abroad", "expires_on")
