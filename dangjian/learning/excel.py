"""The learning-plan report as a workbook (through core.spreadsheets, the one cell writer)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dangjian.core import spreadsheets
from dangjian.learning.models import LearningPlan


@spreadsheets.export("learning.plan_report")
def plan_report_workbook(plan: LearningPlan, report: dict[str, Any]) -> bytes:
    book = spreadsheets.Book()
    sheet = book.sheet(_("Members"))
    sheet.title([plan.title, plan.organization.name, f"{plan.due_on:%Y-%m-%d}"])
    sheet.header([_("Name"), _("Organization"), _("Lessons completed"), _("Lessons in the plan"),
                  _("Minutes of lessons seen"), _("Finished")])
    for r in report["rows"]:
        sheet.append([r["name"], r["organization"], r["completed"], r["total"], r["minutes"],
                      _("yes") if r["finished"] else _("no")])
    orgs = book.sheet(_("Organizations"))
    orgs.header([_("Organization"), _("Members"), _("Finished"), _("Rate (%)")])
    for o in report["orgs"]:
        orgs.append([o["organization"], o["members"], o["finished"], o["rate"]])
    orgs.append([_("Total"), report["members"], report["finished"], report["rate"]])
    lessons = book.sheet(_("Lessons"))
    lessons.header([_("Course"), _("Lesson"), _("Kind"), _("Members who started it"), _("Members who completed it"),
                    _("Completed (%)")])
    for x in report["by_lesson"]:
        lessons.append([x["course"], x["title"], x["kind"], x["started"], x["completed"], x["rate"]])
    return book.to_bytes()
