"""Reports in the case engine (交办 and 督办 through ``dangjian.cases``): the envelope only.

When a report is accepted, a supervised case is opened for it: its title is the report's number,
its summary the envelope — the handling level, the kind, the day received and the forwarding
deadline, the day accepted and the 15-working-day deadline — never the content, the accused, the
place or anything of the reporter. The lead department is the handling level's
discipline-inspection department in the case engine (``lead_department``): the one active
department of the report's organization whose name contains one of
``REPORTS_CASE_DEPARTMENT_NAMES`` ("纪委", "纪检" by default); none, or more than one, is refused
naming ``lead_department``.

The case follows the report: accepting the report assigns the case and accepts it at once (the
discipline desk is the one accepting), a disposal starts it, closing the report (or 予以了结)
replies to the case with the disposal's name and closes it — each inside the report action's
transaction. The case's steps are taken **only** by the report's actions: the source's
``authorize`` says yes inside them and no elsewhere, so nobody — the department's people or a
county admin on the case page — can move a report's case ahead of its report. Supervision comes
from the case engine's jobs (reminders, overdue escalation, supervision notes, accountability).
The case page links to the report, which still needs the handler's key to be read.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.cases import CaseCategory, CaseState
from dangjian.cases import actions as case_actions
from dangjian.cases.models import Case, Department
from dangjian.cases.sources import CaseSource, register_source
from dangjian.core.ui import safe_reverse
from dangjian.reports import conf
from dangjian.reports.choices import FEEDBACK_WORKDAYS, FORWARD_WORKDAYS, Disposal, ReportKind
from dangjian.reports.models import Report

SOURCE_KIND = "report"
_in_report_action: contextvars.ContextVar[bool] = contextvars.ContextVar("reports_case_step", default=False)


@contextlib.contextmanager
def _stepping() -> Iterator[None]:
    token = _in_report_action.set(True)
    try:
        yield
    finally:
        _in_report_action.reset(token)


def _authorize(user: Any, source_id: int | None, path: str) -> bool:
    """Only the report's own actions (which checked ``reports.handle`` and the exclusions) step a
    report's case; the case page's buttons are refused."""
    return _in_report_action.get()


def _describe(case: Any) -> dict[str, str]:
    report = Report.objects.filter(pk=case.source_id).only("uuid", "number").first()
    if report is None:
        return {"label": str(_("Report (deleted)")), "url": ""}
    return {"label": report.number, "url": safe_reverse("reports:detail", str(report.uuid)) or ""}


def register() -> None:
    register_source(CaseSource(kind=SOURCE_KIND, label=gettext_lazy("Report"), describe=_describe,
                               authorize=_authorize, announces_text=False))


def department_for(report: Report) -> Department:
    """The handling level's discipline-inspection department in the case engine (see the module doc)."""
    names = conf.case_department_names()
    found = [d for d in Department.objects.filter(organization_id=report.organization_id, is_active=True)
             .order_by("pk").only("pk", "name", "org_path", "organization_id", "is_active")
             if any(n in d.name for n in names)]
    quoted = "、".join(f"“{n}”" for n in names)
    if not found:
        raise ValidationError({"lead_department": _(
            "%(org)s has no discipline-inspection department in the case engine (an active department whose "
            "name contains %(names)s): create it under Cases → Departments before accepting reports.") % {
            "org": report.organization.name, "names": quoted}})
    if len(found) > 1:
        raise ValidationError({"lead_department": _(
            "%(org)s has several departments that could be its discipline-inspection department (%(found)s): "
            "keep exactly one active department whose name contains %(names)s.") % {
            "org": report.organization.name, "found": "、".join(d.name for d in found), "names": quoted}})
    return found[0]


def case_of(report: Report) -> Case | None:
    return Case.objects.filter(source_kind=SOURCE_KIND, source_id=report.pk).order_by("-pk").first()


def _summary(report: Report) -> str:
    """The envelope, and nothing else."""
    lines = [
        _("Handling level: %(org)s") % {"org": report.organization.name},
        _("Kind: %(kind)s") % {"kind": ReportKind(report.kind).label},
        _("Real-name report") if report.real_name else _("Anonymous report"),
        _("Received on %(day)s; forwarding due by %(due)s (%(n)d working days).") % {
            "day": report.received_on.isoformat(), "due": report.forward_due.isoformat(), "n": FORWARD_WORKDAYS},
        _("Accepted on %(day)s; disposal and feedback due within %(n)d working days.") % {
            "day": report.accepted_on.isoformat() if report.accepted_on else "", "n": FEEDBACK_WORKDAYS},
        _("The content is encrypted: open the report with your key to read it."),
    ]
    return "\n".join(lines)


def open_case(report: Report, user: Any) -> Case:
    """On acceptance: assign the case to the level's discipline-inspection department and accept it."""
    department = department_for(report)
    with _stepping():
        case = case_actions.do_assign_case(
            title=_("Report %(number)s") % {"number": report.number}, summary=_summary(report),
            category=CaseCategory.COMPLAINT, lead_department=department, source_kind=SOURCE_KIND,
            source_id=report.pk, acting_user=user, deadline_days=FEEDBACK_WORKDAYS)
        case_actions.do_accept_case(case, acting_user=user)
    return case


def follow_disposal(report: Report, user: Any) -> None:
    """A disposal was chosen: the case is being handled (and is closed with it for 予以了结)."""
    case = case_of(report)
    if case is None:
        return
    with _stepping():
        if case.state == CaseState.ACCEPTED:
            case_actions.do_start_case(case, acting_user=user)


def follow_close(report: Report, user: Any) -> None:
    """The report is closed: the case gets the disposal's name as its reply and is closed."""
    case = case_of(report)
    if case is None or case.state == CaseState.CLOSED:
        return
    disposal = Disposal(report.disposal).label if report.disposal else "—"
    with _stepping():
        if case.state in (CaseState.ACCEPTED, CaseState.IN_PROGRESS):
            case_actions.do_reply_case(case, reply=_("Report %(number)s closed on %(day)s; disposal: %(disposal)s.")
                                       % {"number": report.number, "day": report.closed_on.isoformat()
                                          if report.closed_on else "", "disposal": disposal}, acting_user=user)
        case_actions.do_close_case(case, acting_user=user)
