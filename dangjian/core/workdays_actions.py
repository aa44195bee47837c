"""Writes for the official working-day calendar: enter/replace a year, delete a year.

Permission ``calendar.manage`` (the county administrator's). Each write runs in one transaction,
records an audit event and makes every process reload the calendar (``workdays.invalidate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, workdays
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.models import DayKind, OfficialCalendarYear, OfficialDay
from dangjian.core.models.workdays import SOURCE_NOTE_MAX
from dangjian.core.roles import Role, register_permissions
from dangjian.core.scoping import has_any

PERM = "calendar.manage"


def register() -> None:
    """Grant ``calendar.manage`` to county administrators (idempotent; call from CoreConfig.ready)."""
    register_permissions(Role.COUNTY_ADMIN, {PERM})


register()


def can_manage(user: Any) -> bool:
    return has_any(user, PERM)


def _require_manage(acting_user: ActingUser) -> None:
    # acting_user None = the system itself (management commands, data migrations).
    if acting_user is not None and not can_manage(acting_user):
        raise PermissionDenied(_("Only administrators may change the official calendar."))


def _year_record(obj: OfficialCalendarYear, days: Sequence[workdays.DayEntry]) -> dict:
    return {
        "year": obj.year,
        "source_note": obj.source_note,
        "days": [[d.isoformat(), kind, name] for d, kind, name in sorted(days)],
    }


def _stored_days(obj: OfficialCalendarYear) -> list[workdays.DayEntry]:
    return [(d, k, n) for d, k, n in obj.days.values_list("date", "kind", "name")]


def do_save_official_year(
    year: int, days: Sequence[workdays.DayEntry], *, source_note: str, acting_user: ActingUser,
) -> OfficialCalendarYear:
    """Enter (or replace) ``year``'s official holidays and make-up working days.

    ``days`` lists only the exceptions to Monday–Friday: ``(date, "holiday" | "workday", name)``.
    The year's previous days are replaced as a whole, in one transaction.
    """
    _require_manage(acting_user)
    year_problem = workdays.check_year(year)
    if year_problem:
        raise ValidationError({"year": year_problem})
    days = _as_triples(days)
    errors: dict[str, list[str]] = {}
    problems = [message for _index, message in workdays.check_days(year, days)]
    if not problems and not any(kind == DayKind.HOLIDAY for _d, kind, _n in days):
        problems.append(_("Enter at least one holiday."))
    if problems:
        errors["days"] = problems
    source_note = (source_note or "").strip()
    if not source_note:
        errors["source_note"] = [_("Name the notice the calendar comes from.")]
    elif len(source_note) > SOURCE_NOTE_MAX:
        errors["source_note"] = [_("The source is too long (at most %(max)s characters).") % {"max": SOURCE_NOTE_MAX}]
    if errors:
        raise ValidationError(errors)

    user = as_user(acting_user)
    with transaction.atomic():
        obj = OfficialCalendarYear.objects.select_for_update().filter(year=year).first()
        before = _year_record(obj, _stored_days(obj)) if obj is not None else None
        if obj is None:
            obj = OfficialCalendarYear(year=year)
        obj.source_note = source_note
        obj.entered_by = user
        obj.entered_at = timezone.now()
        obj.save()
        OfficialDay.objects.filter(year=obj).delete()
        OfficialDay.objects.bulk_create([OfficialDay(year=obj, date=d, kind=k, name=n) for d, k, n in days])
        audit.record(acting_user, "calendar.year_saved", obj, before=before, after=_year_record(obj, days),
                     target_label=str(year))
        # Now for this process (reads later in this transaction), and again once committed for
        # the others (a process that reloaded in between saw the old rows).
        workdays.invalidate()
        transaction.on_commit(workdays.invalidate)
    return obj


def _as_triples(days: Sequence[Any]) -> list[Any]:
    """Unpack (date, kind, name) entries, names stripped; ``check_days`` judges the values."""
    result = []
    for entry in days:
        try:
            d, k, n = entry
        except (TypeError, ValueError):
            raise ValidationError({"days": [_("Each day must be given as (date, kind, name).")]}) from None
        result.append((d, k, "" if n is None else n.strip() if isinstance(n, str) else n))
    return result


def do_delete_official_year(year: int, *, acting_user: ActingUser, reason: str = "") -> None:
    """Remove an entered year; the package (or the weekends-only fallback) applies again."""
    _require_manage(acting_user)
    with transaction.atomic():
        obj = OfficialCalendarYear.objects.select_for_update().filter(year=year).first()
        if obj is None:
            raise ValidationError({"year": _("No official calendar was entered for %(year)s.") % {"year": year}})
        audit.record(acting_user, "calendar.year_deleted", obj, before=_year_record(obj, _stored_days(obj)),
                     reason=reason, target_label=str(year))
        obj.delete()
        workdays.invalidate()
        transaction.on_commit(workdays.invalidate)
