"""Member home (党员e家): an applicant with an account sees their own pipeline progress."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.members.development import LAST_STEP, STEPS, FileStatus, Stage
from dangjian.members.development.selectors import own_files


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    items = []
    for f in own_files(request.user):
        if f.status == FileStatus.CLOSED:
            continue
        body = _("Step %(step)d of %(total)d: %(name)s (stage: %(stage)s).") % {
            "step": f.step, "total": LAST_STEP, "name": STEPS[f.step].name, "stage": Stage(f.stage).label}
        if f.next_step:
            body += " " + _("Next: %(name)s.") % {"name": STEPS[f.next_step].name}
        items.append({"title": _("My path to party membership"), "body": body,
                      "url": reverse("development:mine"), "order": 20})
    return items
