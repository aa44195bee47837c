from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "dangjian.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from dangjian.cases import INCIDENT_SOURCE
        from dangjian.cases.selectors import describe_incident
        from dangjian.cases.sources import CaseSource, register_source
        from dangjian.core.hooks import register_nav_entry
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job

        register_permissions(Role.COUNTY_ADMIN, {
            "cases.view", "cases.assign", "cases.supervise", "cases.accountability", "cases.manage_departments",
            "cases.inbox",
        })
        register_permissions(Role.DISCIPLINE, {"cases.view", "cases.accountability", "cases.inbox"})
        # Handlers act through their department memberships; this only shows them the inbox link.
        register_permissions(Role.DEPT_HANDLER, {"cases.inbox"})
        register_kind("cases.assigned", _("Cases assigned to my department"))
        register_kind("cases.sent_back", _("Cases sent back"))
        register_kind("cases.reminder", _("Case deadline reminders"))
        register_kind("cases.overdue", _("Overdue cases (escalation)"))
        register_kind("cases.supervision", _("Supervision notes"))
        register_kind("cases.incident", _("Public-opinion incidents"))
        register_kind("cases.co_input", _("Co-department input on my department's cases"))
        from dangjian.cases import workbench as wb
        from dangjian.core.hooks import register_search_provider, register_todo_source, register_workbench_card

        # Each entry is shown to whom its view admits (the inbox: cases.view or a department
        # membership; the board: cases.supervise or a supervisor/head of a department).
        register_nav_entry("cases:inbox", _("Cases"), group="opinions", icon="case", visible=wb.may_list, order=20,
                           badge="cases.handle", primary=10)
        register_nav_entry("cases:board", _("Supervision board"), group="supervision", icon="chart",
                           visible=wb.may_see_board, badge="cases.overdue", order=10)
        register_nav_entry("cases:accountability", _("Accountability"), group="supervision", icon="shield",
                           perm="cases.accountability", order=20)
        register_nav_entry("cases:departments", _("Departments"), group="opinions", icon="people",
                           perm="cases.manage_departments", order=40)
        register_nav_entry("cases:incident_new", _("Report a public-opinion incident"), group="opinions",
                           icon="megaphone", perm="cases.assign", order=45)
        register_todo_source("cases.handle", _("Cases to handle"), items=wb.handle_items, count=wb.handle_count,
                             visible=wb.may_handle)
        register_todo_source("cases.overdue", _("Overdue cases to supervise"), items=wb.overdue_items,
                             count=wb.overdue_count, visible=wb.may_supervise)
        register_search_provider("cases", _("Cases"), wb.find_cases, order=40)
        register_workbench_card(wb.workbench_cards)
        register_job("cases.supervise", "0 8 * * *", "dangjian.cases.tasks.supervise_cases")
        register_job("cases.supervise_incidents", "*/15 * * * *", "dangjian.cases.tasks.supervise_incidents")
        register_source(CaseSource(kind=INCIDENT_SOURCE, label=_("Public-opinion incident"),
                                   describe=describe_incident))
        from dangjian.cases import disclosure  # the portal's public matter pages (S3)

        disclosure.register()
        from dangjian.cases import figures  # statistics (issue 15)

        figures.register()
        from dangjian.cases import textsource
        from dangjian.core.hooks import TextSource, register_text_source

        register_text_source(TextSource("cases", _("Cases"), textsource.text_batches, order=40))
