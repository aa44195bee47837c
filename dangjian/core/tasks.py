"""Core periodic tasks."""

from django.utils.translation import gettext as _
from django_tasks import task

from dangjian.core.scheduler import prune_ticks


@task()
def prune_scheduler_ticks() -> int:
    return prune_ticks()


@task()
def warn_missing_calendar_years() -> list[int]:
    """In November and December: remind the administrators who manage the working-day calendar
    to enter next year's official holidays (the State Council publishes them then); until they do,
    deadlines in that year count weekends only."""
    from dangjian.core.models import RoleAssignment, User
    from dangjian.core.notifications import notify
    from dangjian.core.roles import roles_with
    from dangjian.core.ui import safe_reverse
    from dangjian.core.workdays import missing_years

    years = missing_years(years_ahead=1)
    if not years:
        return []
    admins = User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role__in=roles_with("calendar.manage")).values("user_id"),
    )
    notify(
        list(admins), "core.calendar_missing",
        title=_("Enter the official working-day calendar"),
        body=_("No official holiday calendar has been entered for %(years)s; deadlines in those years "
               "count weekends only until it is.") % {"years": ", ".join(str(y) for y in years)},
        url=safe_reverse("workdays:list") or "",
    )
    return years
