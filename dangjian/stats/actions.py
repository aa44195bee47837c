"""Writes of the statistics module: submitting the year-end tables to the level above and
returning them. Permission, one transaction, an audit event, notifications after the commit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.models import RoleAssignment
from dangjian.core.notifications import notify
from dangjian.core.roles import roles_with
from dangjian.core.scoping import require
from dangjian.core.ui import safe_reverse
from dangjian.orgs.models import Organization
from dangjian.stats import SubmissionStatus
from dangjian.stats import tables as T
from dangjian.stats.models import TableSubmission

PERM_SUBMIT = "stats.submit"
NOTE_MAX = 500


def _holders(org: Organization, perm: str) -> list[int]:
    """Users holding ``perm`` by a role granted on ``org`` itself (its office, not the county's)."""
    return list(RoleAssignment.objects.filter(organization=org, role__in=roles_with(perm), user__is_active=True)
                .values_list("user_id", flat=True))


def do_submit_tables(org: Organization, *, as_of: dt.date | None = None, note: str = "", acting_user: ActingUser,
                     today: dt.date | None = None) -> TableSubmission:
    """Compute ``org``'s year-end tables as of ``as_of`` (31 December of last year by default) and
    submit them to the organization above. Checks that do not reconcile need a note explaining
    them; a year already submitted (and not returned) is refused."""
    require(acting_user, PERM_SUBMIT, org.path)
    today = today or timezone.localdate()
    as_of = as_of or T.default_as_of(today)
    if as_of > today:
        raise ValidationError({"date": _("Tables can be submitted up to today; choose a date that is not in the future.")})
    parent = org.get_parent()
    if parent is None:
        raise ValidationError({"organization": _("The top organization has no level above to submit to.")})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("The note must be at most %(n)d characters long.") % {"n": NOTE_MAX}})
    already = _("The tables of %(year)d are already submitted; the level above can return them to be submitted "
                "again.") % {"year": as_of.year}
    if TableSubmission.objects.filter(organization=org, year=as_of.year, status=SubmissionStatus.SUBMITTED).exists():
        raise ValidationError({"year": already})
    result = T.compute_tables(org.path, as_of)
    failed = result.failed
    if failed and len(note) < 2:
        raise ValidationError({"note": ngettext(
            "%(n)d check does not reconcile: explain it in the note to submit anyway.",
            "%(n)d checks do not reconcile: explain them in the note to submit anyway.", len(failed)) % {"n": len(failed)}})
    try:
        with transaction.atomic():
            submission = TableSubmission.objects.create(
                organization=org, org_path=org.path, to_organization=parent, year=as_of.year, as_of=as_of,
                values=result.snapshot(), checks=[c.summary() for c in result.checks], failed_checks=len(failed),
                note=note, submitted_by=as_user(acting_user))
            audit.record(acting_user, "stats.tables_submitted", submission,
                         after={"year": as_of.year, "as_of": as_of, "failed_checks": len(failed)}, reason=note,
                         org_path=org.path, target_label=org.name)
            recipients = _holders(parent, PERM_SUBMIT)
            url = (safe_reverse("stats:submissions") or "") + f"?org={parent.pk}&year={as_of.year}"
            title = _("%(org)s submitted its year-end statistics tables for %(year)d") % {
                "org": org.name, "year": as_of.year}
            transaction.on_commit(lambda: notify(recipients, "stats.tables_submitted", title=title, url=url))
    except IntegrityError:  # submitted by someone else in the meantime (one per organization and year)
        raise ValidationError({"year": already}) from None
    return submission


def do_return_submission(submission: TableSubmission, *, reason: str, acting_user: ActingUser) -> TableSubmission:
    """The level above sends submitted tables back, saying why; the organization submits again."""
    require(acting_user, PERM_SUBMIT, submission.to_organization.path)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why the tables are returned.")})
    if len(reason) > NOTE_MAX:
        raise ValidationError({"reason": _("The reason must be at most %(n)d characters long.") % {"n": NOTE_MAX}})
    with transaction.atomic():
        locked = TableSubmission.objects.select_for_update().get(pk=submission.pk)
        locked.check_transition(SubmissionStatus.RETURNED)
        before = {"status": locked.status}
        locked.status = SubmissionStatus.RETURNED
        locked.returned_by, locked.returned_at, locked.return_reason = as_user(acting_user), timezone.now(), reason
        locked.save(update_fields=["status", "returned_by", "returned_at", "return_reason"])
        audit.record(acting_user, "stats.tables_returned", locked, before=before,
                     after={"status": locked.status, "year": locked.year}, reason=reason,
                     org_path=locked.org_path, target_label=str(locked.organization_id))
        recipients = [locked.submitted_by_id] if locked.submitted_by_id else []
        org = Organization.objects.get(pk=locked.organization_id)
        url = (safe_reverse("stats:tables") or "") + f"?org={org.pk}&date={locked.as_of:%Y-%m-%d}"
        title = _("The year-end statistics tables of %(org)s for %(year)d were returned") % {
            "org": org.name, "year": locked.year}
        transaction.on_commit(lambda: notify(recipients, "stats.tables_returned", title=title, body=reason, url=url))
    return locked
