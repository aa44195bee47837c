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
        register_nav_entry("cases:inbox", _("Cases"), group="opinions", icon="case", perm="cases.inbox", order=20)
        register_nav_entry("cases:board", _("Supervision board"), group="opinions", icon="chart", perm="cases.supervise", order=30)
        register_nav_entry("cases:accountability", _("Accountability"), group="supervision", icon="shield",
                           perm="cases.accountability", order=20)
        register_nav_entry("cases:departments", _("Departments"), group="opinions", icon="people",
                           perm="cases.manage_departments", order=40)
        register_job("cases.supervise", "0 8 * * *", "dangjian.cases.tasks.supervise_cases")
        register_job("cases.supervise_incidents", "*/15 * * * *", "dangjian.cases.tasks.supervise_incidents")
        register_source(CaseSource(kind=INCIDENT_SOURCE, label=_("Public-opinion incident"),
                                   describe=describe_incident))
        from dangjian.cases import disclosure  # the portal's public matter pages (S3)

        disclosure.register()
