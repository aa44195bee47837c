"""Whole-process disclosure (S3): cases as public matters for the portal's matter pages.

Registered with ``core.hooks.register_matter_source`` from ``CasesConfig.ready()``. Public are
only incidents (their statements are public by nature) and cases opened for an opinion whose
sender chose to make it public; every other case (private opinions, reports, other sources) is
"not found". Steps are ``selectors.case_timeline`` (internal steps and the people who acted left
out), preceded for an opinion by its "received" step; the sender is shown masked. The public may
respond on the page until the case is closed; the portal's moderators of the case's organization
review the responses, and each published one notifies the case's handlers (``on_response``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from dangjian.cases import INCIDENT_SOURCE, CaseState
from dangjian.cases.models import Case
from dangjian.cases.selectors import case_timeline

KIND = "case"
OPINION_SOURCE = "opinion"


def _opinion_model() -> Any:
    """The opinion model through the ``Case.opinions`` relation (the engine never imports its sources)."""
    try:
        return Case._meta.get_field("opinions").related_model
    except FieldDoesNotExist:
        return None


def public_cases() -> QuerySet[Case]:
    """Incidents, and opinion cases with at least one public opinion. ``public_title`` is the
    first public opinion's title: the case's own title may come from a private duplicate."""
    public: Any = Q(source_kind=INCIDENT_SOURCE)
    qs = Case.objects.select_related("lead_department")
    opinion = _opinion_model()
    if opinion is not None:
        public_opinions = opinion.objects.filter(case=OuterRef("pk"), is_public=True)
        public |= Q(source_kind=OPINION_SOURCE) & Exists(public_opinions)
        qs = qs.annotate(public_title=Subquery(public_opinions.order_by("created_at", "pk").values("title")[:1]))
    return qs.filter(public)


def _row(case: Case) -> dict[str, Any]:
    return {
        "ref": case.number, "title": getattr(case, "public_title", None) or case.title, "state": str(CaseState(case.state).label),
        "department": case.lead_department.name if case.lead_department_id else "",
        "place": "", "started_at": case.assigned_at, "updated_at": case.updated_at, "sender": "", "summary": "",
        "org_path": case.org_path,
    }


def get_matter(ref: str) -> dict[str, Any] | None:
    case = public_cases().filter(number=(ref or "")[:20]).first()
    if case is None:
        return None
    matter = _row(case)
    steps: list[dict[str, Any]] = []
    if case.source_kind == OPINION_SOURCE:
        first = (case.opinions.filter(is_public=True).select_related("place")  # type: ignore[attr-defined]
                 .order_by("created_at", "pk").first())
        if first is not None:
            matter["summary"] = first.body
            matter["sender"] = first.public_sender  # masked (张**) or "Anonymous"
            matter["place"] = " ".join(x for x in ((first.place.name if first.place else ""), first.place_text) if x)
            received = first.events.filter(kind="received").order_by("at", "pk").first()
            if received is not None:
                steps.append({"at": received.at, "kind": "received", "label": received.get_kind_display(),
                              "department": "", "text": ""})
    steps.extend(case_timeline(case))
    matter["steps"] = steps
    matter["responses_open"] = case.state != CaseState.CLOSED
    if not matter["responses_open"]:
        matter["responses_closed_reason"] = str(_("This case is closed; it no longer takes responses."))
    return matter


def on_response(ref: str, response: dict[str, Any]) -> None:
    """A response of the public on the case's matter page was published: the case's handler and
    the lead department's acting people are notified, with the text and a link to the page."""
    from django.utils.translation import gettext

    from dangjian.cases.actions import _department_people
    from dangjian.cases.rules import ACTING_ROLES
    from dangjian.core.notifications import notify

    case = Case.objects.filter(number=(ref or "")[:20]).first()
    if case is None:
        return
    people = set(_department_people([case.lead_department_id], ACTING_ROLES)) if case.lead_department_id else set()
    if case.handler_id:
        people.add(case.handler_id)
    notify(sorted(people), "cases.public_response",
           title=gettext("Public response on case %(no)s: %(title)s") % {"no": case.number, "title": case.title},
           body=str(response.get("body") or "")[:500], url=str(response.get("url") or ""))


def count() -> int:
    return public_cases().count()


def listing(offset: int, limit: int) -> list[dict[str, Any]]:
    qs = public_cases().order_by("-assigned_at", "-pk")[offset:offset + limit]
    return [_row(c) for c in qs]


def register() -> None:
    from dangjian.core.hooks import MatterSource, register_matter_source
    from dangjian.core.notifications import register_kind

    register_kind("cases.public_response", _("Public responses on my department's case pages"))
    register_matter_source(MatterSource(kind=KIND, label=_("Cases"), get=get_matter, count=count,
                                        listing=listing, order=10, on_response=on_response))
