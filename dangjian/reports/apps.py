from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    label = "reports"
    verbose_name = _("Reports to discipline inspection")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_demo_seeder,
            register_nav_entry,
            register_public_link,
            register_search_provider,
            register_todo_source,
        )
        from dangjian.core.ratelimit import parse_rates
        from dangjian.core.roles import Role, register_permissions
        from dangjian.reports import casework, conf, figures
        from dangjian.reports import workbench as wb
        from dangjian.reports.demo import seed_demo

        # Discipline-inspection staff handle the reports of their level and below; supervising
        # (figures, identity log, revoking keys) and being named an identity custodian come with
        # the same role — a custodian is one named per organization (``Custodian``).
        register_permissions(Role.DISCIPLINE, {"reports.handle", "reports.supervise", "reports.custodian"})
        register_nav_entry("reports:list", _("Reports"), group="supervision", icon="shield", perm="reports.handle",
                           order=50, badge="reports.triage")
        register_nav_entry("reports:key", _("My report key"), group="supervision", icon="shield",
                           perm="reports.handle", order=55)
        register_nav_entry("reports:custodian", _("Identity requests to decide"), group="supervision", icon="shield",
                           perm="reports.custodian", order=56, badge="reports.identity")
        register_nav_entry("reports:identity_log", _("Identity requests"), group="supervision", icon="shield",
                           perm="reports.supervise", order=57)
        register_todo_source("reports.triage", _("Reports to triage"), items=wb.triage_items, count=wb.triage_count,
                             perm="reports.handle")
        register_todo_source("reports.feedback", _("Real-name reporters owed feedback"), items=wb.feedback_items,
                             count=wb.feedback_count, perm="reports.handle")
        register_todo_source("reports.identity", _("Identity requests to decide"), items=wb.custodian_items,
                             count=wb.custodian_count, perm="reports.custodian")
        register_search_provider("reports", _("Reports"), wb.find_reports, perm="reports.handle", order=80)
        register_demo_seeder(seed_demo, order=95)
        register_public_link("reports:new", _("Report a violation"), order=50)
        parse_rates(conf.submit_rate())  # a malformed rate stops start-up
        parse_rates(conf.follow_rate())
        figures.register()
        casework.register()  # a report's case in the case engine (the envelope only)
