"""The member-home item (党员e家): the member's next activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.ui import safe_reverse
from dangjian.orglife import OPEN_STATUSES, ActivityKind, LeaveStatus
from dangjian.orglife.models import Attendee


def home_items(request: HttpRequest) -> Iterable[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    now = timezone.now()
    rows = (Attendee.objects.select_related("activity")
            .filter(member__person__user=user, activity__status__in=OPEN_STATUSES,
                    activity__ends_at__gte=now, activity__starts_at__lte=now + dt.timedelta(days=30))
            .order_by("activity__starts_at")[:3])
    items = []
    for a in rows:
        act = a.activity
        body = _("%(when)s · %(place)s") % {
            "when": timezone.localtime(act.starts_at).strftime("%m-%d %H:%M"), "place": act.place or _("online")}
        if a.leave_status == LeaveStatus.APPROVED:
            body += " · " + str(_("leave approved"))
        items.append({"title": _("%(kind)s: %(topic)s") % {"kind": ActivityKind(act.kind).label, "topic": act.topic},
                      "body": body, "url": safe_reverse("orglife:detail", act.pk) or "", "order": 20})
    return items
