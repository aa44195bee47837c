"""Writes for the member lifecycle (DESIGN.md §4 rule 1): permission, validation naming the field,
one transaction, audit, side effects after commit.

Floating certificates: ``do_issue_certificate``, ``do_renew_certificate``, ``do_return_certificate``,
``do_revoke_certificate``, ``do_expire_certificates`` (daily job), ``do_record_report_back``,
``do_send_report_reminders`` (daily job).
Status changes: ``do_propose_status_change`` (branch), ``do_approve_status_request`` /
``do_reject_status_request`` (higher committee), ``do_withdraw_status_request`` (branch). Approval
ends in ``members.actions.do_change_member_status``, the one place a member's status changes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.apikit.schemas import clean_text
from dangjian.core.models import RoleAssignment, User
from dangjian.core.months import add_months
from dangjian.core.notifications import notify
from dangjian.core.roles import Role
from dangjian.core.scoping import in_scope, require
from dangjian.core.ui import safe_reverse
from dangjian.members import CURRENT_STATUSES, MemberStatus
from dangjian.members.actions import do_change_member_status
from dangjian.members.lifecycle import (
    KIND_TARGET,
    CertificateStatus,
    ChangeKind,
    LapseGround,
    ReportChannel,
    RequestStatus,
)
from dangjian.members.lifecycle import config as cfg
from dangjian.members.lifecycle.models import (
    FloatingCertificate,
    ReminderLog,
    ReportBack,
    StatusChangeRequest,
    StatusEvidence,
)
from dangjian.members.lifecycle.selectors import probation_extension_months
from dangjian.members.models import Member
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")

#: ``listener(member, months, *, acting_user)`` runs inside the approval's transaction when an
#: extension of probation is approved (the development module moves the file's end of probation).
ExtensionListener = Callable[..., object]
_extension_listeners: list[ExtensionListener] = []


def on_probation_extended(listener: ExtensionListener) -> ExtensionListener:
    """Register ``listener`` (from a module's ``AppConfig.ready()``); registering twice is a no-op.
    A listener that raises rolls the approval back: the member and the file never disagree."""
    if listener not in _extension_listeners:
        _extension_listeners.append(listener)
    return listener
TEXT_MAX = 500


# --- helpers ---------------------------------------------------------------------------------------

def _text(data: Mapping[str, Any], key: str, max_len: int = TEXT_MAX) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return clean_text(str(value))[:max_len]


def _date(data: Mapping[str, Any], key: str, errors: dict[str, str], label: str) -> dt.date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[key] = _("%(field)s is not a valid date (use YYYY-MM-DD).") % {"field": label}
        return None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def _raise(errors: Mapping[str, str]) -> None:
    if errors:
        raise ValidationError(dict(errors))


def parent_path(org_path: str) -> str:
    """The path of the organization directly above ``org_path`` (itself for a root)."""
    step = Organization.steplen
    return org_path[:-step] if len(org_path) > step else org_path


def _secretaries(paths: Iterable[str]) -> list[User]:
    return list(User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role=Role.SECRETARY, organization__path__in=list(paths)).values("user_id"),
    ))


def _member_user(member: Member) -> User | None:
    user = member.person.user
    return user if user is not None and user.is_active else None


def cert_snapshot(cert: FloatingCertificate) -> dict:
    return audit.snapshot(cert, exclude=("token", "updated_at", "created_at"))


# --- floating certificates ------------------------------------------------------------------------

def validity_months() -> int:
    return int(cfg.get("CERTIFICATE_VALIDITY_MONTHS"))


def default_expiry(issued_on: dt.date) -> dt.date:
    return add_months(issued_on, validity_months())


def _new_number(year: int) -> str:
    return f"LD{year}{secrets.randbelow(10**8):08d}"


def _host(data: Mapping[str, Any], errors: dict[str, str]) -> Organization | None:
    raw = data.get("host_org")
    if raw in (None, "", 0):
        return None
    if isinstance(raw, Organization):
        return raw
    try:
        return Organization.objects.get(pk=int(raw))
    except (Organization.DoesNotExist, ValueError, TypeError, OverflowError):
        errors["host_org"] = _("Unknown host branch.")
        return None


def _valid_certificate(member: Member, today: dt.date, *, exclude: int | None = None) -> FloatingCertificate | None:
    qs = FloatingCertificate.objects.filter(member=member, status=CertificateStatus.ISSUED, expires_on__gte=today)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def _check_expiry(issued_on: dt.date, expires_on: dt.date, errors: dict[str, str], *, today: dt.date) -> None:
    longest = int(cfg.get("CERTIFICATE_MAX_VALIDITY_MONTHS"))
    if expires_on <= issued_on:
        errors["expires_on"] = _("The expiry date must be after the issue date.")
    elif expires_on < today:
        errors["expires_on"] = _("The expiry date is already past.")
    elif expires_on > add_months(max(issued_on, today), longest):
        errors["expires_on"] = _("A certificate is valid for at most %(months)d months.") % {"months": longest}


def clean_certificate_data(member: Member, data: Mapping[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Check a new certificate; raise one ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {
        "host_place": _text(data, "host_place", 200), "host_unit": _text(data, "host_unit", 200),
        "reason": _text(data, "reason"), "abroad": _bool(data.get("abroad")),
    }
    if member.status not in CURRENT_STATUSES:
        errors["member"] = _("Only a current member (probationary or full) can get a floating certificate; "
                             "this member is “%(status)s”.") % {"status": MemberStatus(member.status).label}
    else:
        held = _valid_certificate(member, today)
        if held is not None:
            errors["member"] = _("The member already holds certificate %(number)s, valid until %(date)s.") % {
                "number": held.number, "date": held.expires_on.isoformat()}
    host = _host(data, errors)
    if host is not None:
        if host.pk == member.organization_id:
            errors["host_org"] = _("The host branch cannot be the member's home branch.")
        elif host.kind not in BRANCH_KINDS:
            errors["host_org"] = _("The host must be a branch; “%(org)s” is not a branch.") % {"org": host.name}
    elif "host_org" not in errors and not out["host_place"]:
        errors["host_place"] = _("Name the host branch on the platform, or the place where the member will be "
                                 "outside it.")
    if not out["reason"]:
        errors["reason"] = _("Give the reason the member is away (work, study, …).")
    issued_on = _date(data, "issued_on", errors, _("Issue date")) or today
    if "issued_on" not in errors and issued_on > today:
        errors["issued_on"] = _("The issue date cannot be in the future.")
    expires_on = _date(data, "expires_on", errors, _("Expiry date")) or default_expiry(issued_on)
    if "issued_on" not in errors and "expires_on" not in errors:
        _check_expiry(issued_on, expires_on, errors, today=today)
    _raise(errors)
    out.update(host_org=host, issued_on=issued_on, expires_on=expires_on)
    return out


def do_issue_certificate(member: Member, data: Mapping[str, Any], *, acting_user: ActingUser) -> FloatingCertificate:
    """Issue a floating certificate from the member's home branch (base committee or secretary)."""
    require(acting_user, "lifecycle.manage", member.org_path)
    today = timezone.localdate()
    clean = clean_certificate_data(member, data, today=today)
    host: Organization | None = clean["host_org"]
    for _attempt in range(5):
        cert = FloatingCertificate(
            number=_new_number(clean["issued_on"].year), member=member, home_org=member.organization,
            home_path=member.org_path, host_org=host, host_path=host.path if host else "",
            host_place="" if host else clean["host_place"], host_unit=clean["host_unit"],
            reason=clean["reason"], abroad=clean["abroad"], issued_on=clean["issued_on"],
            expires_on=clean["expires_on"], issued_by=as_user(acting_user),
        )
        try:
            with transaction.atomic():
                # A certificate that has run out but was not yet marked by the daily job gives way.
                for old in FloatingCertificate.objects.select_for_update().filter(
                        member=member, status=CertificateStatus.ISSUED, expires_on__lt=today):
                    _mark_expired(old, acting_user)
                cert.save()
                audit.record(acting_user, "lifecycle.certificate_issued", cert, after=cert_snapshot(cert),
                             org_path=member.org_path, target_label=cert.number)
        except IntegrityError:
            if FloatingCertificate.objects.filter(member=member, status=CertificateStatus.ISSUED).exists():
                raise ValidationError({"member": _("The member already holds a valid floating certificate.")}) from None
            continue  # number collision: draw another
        break
    else:  # pragma: no cover - 5 collisions in 10^8 numbers
        raise ValidationError({"number": _("Could not allocate a certificate number; try again.")})
    _notify_issued(cert)
    return cert


def _notify_issued(cert: FloatingCertificate) -> None:
    member_user = _member_user(cert.member)
    url = safe_reverse("lifecycle:certificate", cert.pk) or ""

    def send() -> None:
        if member_user is not None:
            notify(member_user, "lifecycle.certificate", title=_("Floating certificate issued"),
                   body=_("Certificate %(number)s is valid until %(date)s.") % {
                       "number": cert.number, "date": cert.expires_on.isoformat()},
                   url=safe_reverse("core:member_home") or "")
        if cert.host_org_id:
            hosts = _secretaries([cert.host_path])
            if hosts:
                notify(hosts, "lifecycle.certificate", title=_("A floating member joins your branch"),
                       body=_("%(name)s (certificate %(number)s) will take part in your branch's activities "
                              "until %(date)s, without voting rights.") % {
                           "name": cert.member.person.name, "number": cert.number,
                           "date": cert.expires_on.isoformat()},
                       url=url)

    transaction.on_commit(send)


def _mark_expired(cert: FloatingCertificate, actor: Any) -> None:
    before = {"status": cert.status}
    cert.check_transition(CertificateStatus.EXPIRED)
    cert.status = CertificateStatus.EXPIRED
    cert.save(update_fields=["status", "updated_at"])
    audit.record(actor, "lifecycle.certificate_expired", cert, before=before, after={"status": cert.status},
                 org_path=cert.home_path, target_label=cert.number)


def _locked(cert: FloatingCertificate) -> FloatingCertificate:
    return FloatingCertificate.objects.select_for_update(of=("self",)).select_related("member__person").get(pk=cert.pk)


def do_renew_certificate(cert: FloatingCertificate, *, expires_on: Any, acting_user: ActingUser) -> FloatingCertificate:
    """Extend a certificate (issued, or expired and renewed) to a new expiry date."""
    require(acting_user, "lifecycle.manage", cert.home_path)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    new_expiry = _date({"expires_on": expires_on}, "expires_on", errors, _("Expiry date"))
    if new_expiry is None and not errors:
        errors["expires_on"] = _("Give the new expiry date.")
    _raise(errors)
    assert new_expiry is not None  # noqa: S101 - narrowed by the checks above
    with transaction.atomic():
        locked = _locked(cert)
        locked.check_transition(CertificateStatus.ISSUED)
        if locked.member.status not in CURRENT_STATUSES:
            errors["member"] = _("Only a current member's certificate can be renewed.")
        if new_expiry <= locked.expires_on:
            errors["expires_on"] = _("The new expiry date must be after the current one (%(date)s).") % {
                "date": locked.expires_on.isoformat()}
        else:
            _check_expiry(locked.issued_on, new_expiry, errors, today=today)
        if locked.status == CertificateStatus.EXPIRED and _valid_certificate(locked.member, today, exclude=locked.pk):
            errors["member"] = _("The member already holds another valid floating certificate.")
        _raise(errors)
        before = {"status": locked.status, "expires_on": locked.expires_on}
        locked.status = CertificateStatus.ISSUED
        locked.expires_on = new_expiry
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "expires_on", "updated_at"])
        except IntegrityError:
            raise ValidationError({"member": _("The member already holds another valid floating certificate.")}) from None
        audit.record(acting_user, "lifecycle.certificate_renewed", locked, before=before,
                     after={"status": locked.status, "expires_on": new_expiry}, org_path=locked.home_path,
                     target_label=locked.number)
    cert.refresh_from_db()
    return cert


def do_return_certificate(cert: FloatingCertificate, *, reason: str, acting_user: ActingUser,
                          on_date: Any = None) -> FloatingCertificate:
    """End a certificate: the member is back (or the membership was moved)."""
    return _end(cert, CertificateStatus.RETURNED, reason=reason, on_date=on_date, acting_user=acting_user,
                event="lifecycle.certificate_returned")


def do_revoke_certificate(cert: FloatingCertificate, *, reason: str, acting_user: ActingUser,
                          on_date: Any = None) -> FloatingCertificate:
    """Withdraw a certificate (issued in error, misuse, the member's status changed)."""
    return _end(cert, CertificateStatus.REVOKED, reason=reason, on_date=on_date, acting_user=acting_user,
                event="lifecycle.certificate_revoked")


def _end(cert: FloatingCertificate, status: str, *, reason: str, on_date: Any, acting_user: ActingUser,
         event: str) -> FloatingCertificate:
    require(acting_user, "lifecycle.manage", cert.home_path)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    reason = clean_text(reason or "")[:TEXT_MAX]
    if not reason:
        errors["reason"] = _("Give the reason.")
    day = _date({"on_date": on_date}, "on_date", errors, _("Date")) or today
    if "on_date" not in errors and day > today:
        errors["on_date"] = _("The date cannot be in the future.")
    _raise(errors)
    with transaction.atomic():
        locked = _locked(cert)
        locked.check_transition(status)
        if day < locked.issued_on:
            raise ValidationError({"on_date": _("The date cannot be before the issue date (%(date)s).") % {
                "date": locked.issued_on.isoformat()}})
        _close(locked, status, reason=reason, day=day, actor=acting_user, event=event)
    cert.refresh_from_db()
    return cert


def _close(cert: FloatingCertificate, status: str, *, reason: str, day: dt.date, actor: Any, event: str) -> None:
    before = {"status": cert.status}
    cert.status = status
    cert.ended_on = day
    cert.end_reason = reason
    cert.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    audit.record(actor, event, cert, before=before, after={"status": status, "ended_on": day}, reason=reason,
                 org_path=cert.home_path, target_label=cert.number)


def do_expire_certificates(*, today: dt.date | None = None) -> int:
    """Daily job: mark every issued certificate whose expiry date has passed as expired."""
    today = today or timezone.localdate()
    count = 0
    with transaction.atomic():
        due = list(FloatingCertificate.objects.select_for_update(of=("self",)).select_related("member__person__user")
                   .filter(status=CertificateStatus.ISSUED, expires_on__lt=today).order_by("pk"))
        for cert in due:
            _mark_expired(cert, None)
            count += 1
            member_user = _member_user(cert.member)
            if member_user is not None:
                notify(member_user, "lifecycle.certificate", title=_("Floating certificate expired"),
                       body=_("Certificate %(number)s expired on %(date)s; ask your home branch to renew it.") % {
                           "number": cert.number, "date": cert.expires_on.isoformat()},
                       url=safe_reverse("core:member_home") or "")
    return count


# --- report-back -----------------------------------------------------------------------------------

def report_interval(cert: FloatingCertificate) -> int:
    key = "REPORT_INTERVAL_MONTHS_ABROAD" if cert.abroad else "REPORT_INTERVAL_MONTHS"
    return int(cfg.get(key))


def report_due_on(cert: FloatingCertificate, last_report: dt.date | None) -> dt.date:
    """When the next report-back is due: one interval after the last report (or the issue date)."""
    return add_months(max(last_report or cert.issued_on, cert.issued_on), report_interval(cert))


def can_record_report(user: Any, cert: FloatingCertificate) -> bool:
    own = cert.member.person.user_id is not None and cert.member.person.user_id == getattr(user, "pk", None)
    return own or in_scope(user, "lifecycle.manage", cert.home_path)


def do_record_report_back(cert: FloatingCertificate, data: Mapping[str, Any], *, acting_user: ActingUser) -> ReportBack:
    """Record that the member reported to the home branch (by the branch, or the member themselves)."""
    if not can_record_report(acting_user, cert):
        require(acting_user, "lifecycle.manage", cert.home_path)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    day = _date(data, "reported_on", errors, _("Date reported")) or today
    if "reported_on" not in errors:
        if day > today:
            errors["reported_on"] = _("The date cannot be in the future.")
        elif day < cert.issued_on:
            errors["reported_on"] = _("The date cannot be before the issue date (%(date)s).") % {
                "date": cert.issued_on.isoformat()}
    channel = _text(data, "channel", 16) or ReportChannel.IN_PERSON
    if channel not in ReportChannel.values:
        errors["channel"] = pgettext("report", "Unknown channel.")
    summary = clean_text(str(data.get("summary") or ""))[:2000]
    if not summary:
        errors["summary"] = _("Summarize what the member reported.")
    if cert.status != CertificateStatus.ISSUED:
        errors["certificate"] = _("Reports are recorded only on a certificate in force.")
    _raise(errors)
    with transaction.atomic():
        report = ReportBack.objects.create(certificate=cert, reported_on=day, channel=channel, summary=summary,
                                           recorded_by=as_user(acting_user))
        audit.record(acting_user, "lifecycle.report_recorded", cert,
                     after={"reported_on": day, "channel": channel}, org_path=cert.home_path,
                     target_label=cert.number)
    return report


def do_send_report_reminders(*, today: dt.date | None = None) -> int:
    """Daily job: remind the member and the home secretaries before a report-back is due, and warn
    them once it is overdue. At most one message per certificate, kind and period."""
    today = today or timezone.localdate()
    remind_days = int(cfg.get("REPORT_REMIND_DAYS_BEFORE"))
    sent = 0
    certs = (FloatingCertificate.objects.filter(status=CertificateStatus.ISSUED, expires_on__gte=today)
             .select_related("member__person__user").annotate(last_report=Max("reports__reported_on"))
             .order_by("pk"))
    for cert in certs.iterator(chunk_size=500):
        due = report_due_on(cert, cert.last_report)  # type: ignore[attr-defined]
        if today > due:
            kind = ReminderLog.Kind.REPORT_OVERDUE
        elif today >= due - dt.timedelta(days=remind_days):
            kind = ReminderLog.Kind.REPORT_DUE
        else:
            continue
        try:
            with transaction.atomic():
                ReminderLog.objects.create(certificate=cert, kind=kind, period_due=due)
                _remind(cert, kind, due)
        except IntegrityError:
            continue  # already sent for this period
        sent += 1
    return sent


def _remind(cert: FloatingCertificate, kind: str, due: dt.date) -> None:
    params = {"name": cert.member.person.name, "number": cert.number, "date": due.isoformat()}
    if kind == ReminderLog.Kind.REPORT_DUE:
        title = _("Floating member report-back due")
        body = _("%(name)s (certificate %(number)s) should report to the home branch by %(date)s.") % params
    else:
        title = _("Floating member report-back overdue")
        body = _("%(name)s (certificate %(number)s) has not reported to the home branch since the report "
                 "due on %(date)s.") % params
    recipients: list[User] = _secretaries([cert.home_path])
    member_user = _member_user(cert.member)
    if member_user is not None:
        recipients.append(member_user)
    if recipients:
        notify(recipients, "lifecycle.report", title=title, body=body,
               url=safe_reverse("lifecycle:certificate", cert.pk) or "")


# --- status changes -------------------------------------------------------------------------------

def change_rule_errors(member: Member, kind: str, *, effective_on: dt.date, today: dt.date,
                       lost_contact_since: dt.date | None = None, arrears_since: dt.date | None = None,
                       lapse_ground: str = "", extension_months: int | None = None) -> dict[str, str]:
    """The rules of DOMAIN.md §3 (and §4, §5) for one requested change, as {field: message}."""
    errors: dict[str, str] = {}
    if kind not in ChangeKind.values:
        return {"kind": _("Unknown kind of status change.")}
    if kind == ChangeKind.EXTEND:
        if member.status != MemberStatus.PROBATIONARY:
            errors["kind"] = _("Only a probationary member's probation can be extended.")
    else:
        try:
            member.check_transition(KIND_TARGET[kind])
        except ValidationError as exc:
            errors["kind"] = exc.message_dict.get("status", exc.messages)[0]
    if kind == ChangeKind.FULL and member.status != MemberStatus.PROBATIONARY:
        errors["kind"] = _("Only a probationary member can become a full member.")
    if effective_on > today:
        errors["effective_on"] = _("The effective date cannot be in the future.")
    elif member.join_date and effective_on < member.join_date:
        errors["effective_on"] = _("The effective date cannot be before the member joined (%(date)s).") % {
            "date": member.join_date.isoformat()}
    if errors:
        return errors

    def since_rule(field: str, since: dt.date | None, months: int, missing: str, message: str) -> None:
        if since is None:
            errors[field] = missing
        elif since > effective_on:
            errors[field] = _("This date cannot be after the effective date.")
        elif effective_on < add_months(since, months):
            errors[field] = message % {"months": months, "since": since.isoformat(),
                                       "earliest": add_months(since, months).isoformat()}

    if kind == ChangeKind.FULL:
        months = int(cfg.get("PROBATION_MONTHS")) + probation_extension_months(member)
        if not member.join_date:
            errors["effective_on"] = _("The member's join date (the branch-assembly date) is not recorded.")
        elif effective_on < add_months(member.join_date, months):
            errors["effective_on"] = _(
                "Probation lasts %(months)d months from %(since)s; full membership can take effect on "
                "%(earliest)s at the earliest.") % {"months": months, "since": member.join_date.isoformat(),
                                                    "earliest": add_months(member.join_date, months).isoformat()}
    elif kind == ChangeKind.EXTEND:
        low, high = int(cfg.get("EXTENSION_MIN_MONTHS")), int(cfg.get("EXTENSION_MAX_MONTHS"))
        if extension_months is None or not low <= extension_months <= high:
            errors["extension_months"] = _("Probation may be extended by %(low)d to %(high)d months.") % {
                "low": low, "high": high}
        elif probation_extension_months(member):
            errors["extension_months"] = _("Probation may be extended only once; this member's probation was "
                                           "already extended.")
        elif not member.join_date:
            errors["effective_on"] = _("The member's join date (the branch-assembly date) is not recorded.")
    elif kind == ChangeKind.SUSPEND:
        since_rule("lost_contact_since", lost_contact_since, int(cfg.get("LOST_CONTACT_MONTHS")),
                   _("Give the date contact with the member was lost."),
                   _("Suspension needs at least %(months)d months of lost contact; contact was lost on %(since)s, "
                     "so the earliest date is %(earliest)s."))
    elif kind == ChangeKind.LAPSE:
        if lapse_ground not in LapseGround.values:
            errors["lapse_ground"] = _("Choose the ground for treating the member as lapsed.")
        elif lapse_ground == LapseGround.LOST_CONTACT:
            since_rule("lost_contact_since", lost_contact_since, int(cfg.get("LOST_CONTACT_LAPSE_MONTHS")),
                       _("Give the date contact with the member was lost."),
                       _("A member is treated as lapsed only after %(months)d months without contact; contact "
                         "was lost on %(since)s, so the earliest date is %(earliest)s."))
        elif lapse_ground == LapseGround.DUES_ARREARS:
            since_rule("arrears_since", arrears_since, int(cfg.get("DUES_ARREARS_LAPSE_MONTHS")),
                       _("Give the first month for which dues are unpaid."),
                       _("Lapse for unpaid dues needs %(months)d consecutive months unpaid; dues are unpaid since "
                         "%(since)s, so the earliest date is %(earliest)s."))
    return errors


def _evidence_errors(files: list[Any]) -> list[str]:
    max_files = int(cfg.get("EVIDENCE_MAX_FILES"))
    max_bytes = int(cfg.get("EVIDENCE_MAX_BYTES"))
    if len(files) > max_files:
        return [_("At most %(max)d files can be attached.") % {"max": max_files}]
    errors = []
    for f in files:
        name = getattr(f, "name", "") or "?"
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in EVIDENCE_EXTENSIONS:
            errors.append(_("“%(name)s” is not a PDF, JPEG or PNG file.") % {"name": name})
        elif (getattr(f, "size", 0) or 0) > max_bytes:
            errors.append(_("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)})
    return errors


def _months(data: Mapping[str, Any], errors: dict[str, str]) -> int | None:
    raw = data.get("extension_months")
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except ValueError:
        errors["extension_months"] = _("Extension (months) must be a whole number.")
        return None


def do_propose_status_change(member: Member, data: Mapping[str, Any], files: Iterable[Any] = (), *,
                             acting_user: ActingUser) -> StatusChangeRequest:
    """The branch proposes a status change; the higher committee decides."""
    require(acting_user, "lifecycle.propose", member.org_path)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    kind = _text(data, "kind", 16)
    reason = clean_text(str(data.get("reason") or ""))[:2000]
    effective_on = _date(data, "effective_on", errors, _("Effective date")) or today
    lost = _date(data, "lost_contact_since", errors, _("Lost contact since"))
    arrears = _date(data, "arrears_since", errors, _("Dues unpaid since"))
    ground = _text(data, "lapse_ground", 20) if kind == ChangeKind.LAPSE else ""
    months = _months(data, errors) if kind == ChangeKind.EXTEND else None
    if not errors:
        errors.update(change_rule_errors(member, kind, effective_on=effective_on, today=today,
                                         lost_contact_since=lost, arrears_since=arrears, lapse_ground=ground,
                                         extension_months=months))
    if not reason:
        errors["reason"] = _("Give the reason and the branch's decision.")
    files = [f for f in files if f is not None]
    file_errors = _evidence_errors(files)
    if file_errors:
        errors["evidence"] = " ".join(file_errors)
    if StatusChangeRequest.objects.filter(member=member, status=RequestStatus.PENDING).exists():
        errors["member"] = _("This member already has a status change awaiting approval.")
    _raise(errors)
    try:
        with transaction.atomic():
            req = StatusChangeRequest.objects.create(
                member=member, org_path=member.org_path, kind=kind, from_status=member.status, reason=reason,
                effective_on=effective_on,
                lost_contact_since=lost if kind in (ChangeKind.SUSPEND, ChangeKind.LAPSE) else None,
                arrears_since=arrears if ground == LapseGround.DUES_ARREARS else None,
                lapse_ground=ground, extension_months=months,
                proposed_by=as_user(acting_user),
            )
            for f in files:
                StatusEvidence.objects.create(request=req, file=f, original_name=(getattr(f, "name", "") or "")[:200],
                                              size=getattr(f, "size", 0) or 0)
            audit.record(acting_user, "lifecycle.status_change_proposed", req,
                         after={"member": member.pk, "kind": kind, "effective_on": effective_on,
                                "extension_months": months, "evidence": len(files)},
                         reason=reason, org_path=member.org_path, target_label=member.person.name)
    except IntegrityError:
        raise ValidationError({"member": _("This member already has a status change awaiting approval.")}) from None
    approvers = _secretaries([parent_path(member.org_path)])
    url = safe_reverse("lifecycle:request", req.pk) or ""
    if approvers:
        transaction.on_commit(lambda: notify(
            approvers, "lifecycle.status_request", title=_("Status change awaiting approval"),
            body=_("%(name)s: %(kind)s.") % {"name": member.person.name, "kind": req.get_kind_display()}, url=url))
    return req


def can_decide(user: Any, req: StatusChangeRequest) -> bool:
    return in_scope(user, "lifecycle.approve", parent_path(req.org_path))


def _decide_lock(req: StatusChangeRequest, new_status: str, acting_user: ActingUser) -> StatusChangeRequest:
    locked = StatusChangeRequest.objects.select_for_update().get(pk=req.pk)
    locked.check_transition(new_status)
    return locked


def do_approve_status_request(req: StatusChangeRequest, *, acting_user: ActingUser, note: str = "") -> StatusChangeRequest:
    """The higher committee approves: the member's status changes in the same transaction."""
    require(acting_user, "lifecycle.approve", parent_path(req.org_path))
    note = clean_text(note or "")[:2000]
    today = timezone.localdate()
    with transaction.atomic():
        locked = _decide_lock(req, RequestStatus.APPROVED, acting_user)
        member = Member.objects.select_related("person__user", "organization").get(pk=locked.member_id)
        errors = change_rule_errors(member, locked.kind, effective_on=locked.effective_on, today=today,
                                    lost_contact_since=locked.lost_contact_since, arrears_since=locked.arrears_since,
                                    lapse_ground=locked.lapse_ground, extension_months=locked.extension_months)
        if errors:
            raise ValidationError({"status": " ".join(errors.values())})
        if locked.kind == ChangeKind.EXTEND:
            _apply_extension(member, locked, acting_user)
        else:
            do_change_member_status(
                member, KIND_TARGET[locked.kind], acting_user=acting_user, on_date=locked.effective_on,
                reason=_("%(kind)s, approved: %(reason)s") % {"kind": locked.get_kind_display(),
                                                             "reason": locked.reason},
            )
        locked.status = RequestStatus.APPROVED
        locked.decided_by = as_user(acting_user)
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit.record(acting_user, "lifecycle.status_change_approved", locked,
                     before={"status": RequestStatus.PENDING},
                     after={"member": member.pk, "status": RequestStatus.APPROVED, "member_status": member.status},
                     reason=note, org_path=member.org_path, target_label=member.person.name)
        if member.status not in CURRENT_STATUSES:
            # Someone who is no longer a member holds no floating certificate.
            for cert in FloatingCertificate.objects.select_for_update().filter(
                    member=member, status__in=[CertificateStatus.ISSUED, CertificateStatus.EXPIRED]):
                _close(cert, CertificateStatus.REVOKED, reason=_("Member status changed to “%(status)s”.") % {
                    "status": MemberStatus(member.status).label}, day=today, actor=acting_user,
                    event="lifecycle.certificate_revoked")
    _notify_decision(locked, member)
    return locked


def _apply_extension(member: Member, req: StatusChangeRequest, acting_user: ActingUser) -> None:
    """An approved extension: the member stays probationary; the end of probation moves (the
    full-membership rule reads it through ``selectors.probation_ends_on``) and the member's
    development file, if the member was developed on the platform, follows in the same transaction
    (the development module listens: ``on_probation_extended``)."""
    months = int(req.extension_months or 0)
    audit.record(acting_user, "lifecycle.probation_extended", member,
                 after={"extension_months": months, "decided_on": req.effective_on, "request": req.pk},
                 reason=req.reason, org_path=member.org_path, target_label=member.person.name)
    for listener in list(_extension_listeners):
        listener(member, months, acting_user=acting_user)


def do_reject_status_request(req: StatusChangeRequest, *, acting_user: ActingUser, note: str) -> StatusChangeRequest:
    require(acting_user, "lifecycle.approve", parent_path(req.org_path))
    note = clean_text(note or "")[:2000]
    if not note:
        raise ValidationError({"note": _("Give the reason for rejecting the request.")})
    with transaction.atomic():
        locked = _decide_lock(req, RequestStatus.REJECTED, acting_user)
        locked.status = RequestStatus.REJECTED
        locked.decided_by = as_user(acting_user)
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit.record(acting_user, "lifecycle.status_change_rejected", locked,
                     before={"status": RequestStatus.PENDING},
                     after={"member": locked.member_id, "status": RequestStatus.REJECTED}, reason=note,
                     org_path=locked.org_path)
    _notify_decision(locked, locked.member)
    return locked


def do_withdraw_status_request(req: StatusChangeRequest, *, acting_user: ActingUser) -> StatusChangeRequest:
    require(acting_user, "lifecycle.propose", req.org_path)
    with transaction.atomic():
        locked = _decide_lock(req, RequestStatus.WITHDRAWN, acting_user)
        locked.status = RequestStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        audit.record(acting_user, "lifecycle.status_change_withdrawn", locked,
                     after={"member": locked.member_id, "status": RequestStatus.WITHDRAWN}, org_path=locked.org_path)
    return locked


def _notify_decision(req: StatusChangeRequest, member: Member) -> None:
    recipients = [u for u in (req.proposed_by,) if u is not None and u.is_active]
    if not recipients:
        return
    title = (_("Status change approved") if req.status == RequestStatus.APPROVED
             else _("Status change rejected"))
    body = _("%(name)s: %(kind)s.") % {"name": member.person.name, "kind": req.get_kind_display()}
    url = safe_reverse("lifecycle:request", req.pk) or ""
    transaction.on_commit(lambda: notify(recipients, "lifecycle.status_request", title=title, body=body, url=url))
