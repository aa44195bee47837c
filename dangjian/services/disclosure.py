"""Whole-process disclosure (S3): applications of the matters that choose it
(``Matter.disclose_steps``) as public matters on the portal's matter timeline.

Registered with ``core.hooks.register_matter_source`` from ``ServicesConfig.ready()``; the portal
reads only through it. A disclosed application is reached by its random ``public_id``; the public
sees the matter, the applicant's masked name (张*丽), the applicant's organization, and each step
reached so far with its organization, when it opened or was signed off, and in how many working
days — never the form's answers, comments, reasons or who signed. Drafts and withdrawn applications
are not public. The public does not respond on these pages (the applicant has the application's
own page for that)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.services import State, StepState
from dangjian.services.documents import mask_name
from dangjian.services.models import Application

KIND = "service"


def public_applications() -> QuerySet[Application]:
    return (Application.objects.filter(matter__disclose_steps=True).exclude(state__in=[State.DRAFT, State.WITHDRAWN])
            .select_related("matter", "organization").defer("data_text"))


def _row(app: Application) -> dict[str, Any]:
    return {"ref": app.public_id, "title": f"{app.matter.title} · {mask_name(app.applicant_name)}",
            "summary": "", "state": str(State(app.state).label), "place": app.organization.name,
            "department": app.organization.name, "sender": "",
            "started_at": app.created_at, "updated_at": app.updated_at, "org_path": app.org_path}


def _steps(app: Application) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"at": app.created_at, "kind": "submitted", "label": gettext("Submitted"),
                                  "text": "", "department": app.organization.name}]
    for s in app.steps.select_related("organization", "escalated_to").order_by("position"):
        if s.state == StepState.PENDING:
            continue
        if s.state == StepState.DONE:
            text = gettext("Signed off in %(n)s working days.") % {"n": s.days_taken} if s.days_taken is not None \
                else gettext("Signed off.")
            at: Any = s.closed_at
        elif s.state == StepState.REJECTED:
            text, at = gettext("Not approved."), s.closed_at
        else:
            text = gettext("Waiting for sign-off, due %(due)s.") % {"due": s.due_on} if s.due_on else ""
            at = s.opened_on
        if s.escalated_to is not None:
            text += " " + gettext("Handled by %(org)s.") % {"org": s.escalated_to.name}
        out.append({"at": at, "kind": f"step-{s.state}", "label": s.name, "text": text.strip(),
                    "department": s.organization.name})
    if app.state in (State.APPROVED, State.REJECTED) and app.decided_at:
        out.append({"at": app.decided_at, "kind": app.state, "label": str(State(app.state).label), "text": "",
                    "department": ""})
    return out


def get_matter(ref: str) -> dict[str, Any] | None:
    app = public_applications().filter(public_id=(ref or "")[:32]).first()
    if app is None:
        return None
    matter = _row(app)
    matter["steps"] = _steps(app)
    matter["responses_open"] = False
    matter["responses_closed_reason"] = gettext("Service applications take no public responses.")
    return matter


def count() -> int:
    return public_applications().count()


def listing(offset: int, limit: int) -> list[dict[str, Any]]:
    return [_row(a) for a in public_applications().order_by("-created_at", "-pk")[offset:offset + limit]]


def register() -> None:
    from dangjian.core.hooks import MatterSource, register_matter_source

    register_matter_source(MatterSource(kind=KIND, label=_("Service applications"), get=get_matter, count=count,
                                        listing=listing, order=30))
