from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "dangjian.insight"
    label = "insight"
    verbose_name = _("Opinion insight")

    def ready(self) -> None:
        from dangjian.core.hooks import register_nav_entry, register_workbench_card
        from dangjian.core.roles import Role, register_permissions
        from dangjian.insight import workbench as wb

        # Analysts: the organization department sees, runs and reviews; secretaries and publicity
        # officers read the findings of their subtree.
        register_permissions(Role.COUNTY_ADMIN, {"insight.view", "insight.run", "insight.manage"})
        register_permissions(Role.SECRETARY, {"insight.view"})
        register_permissions(Role.PUBLICITY, {"insight.view"})
        register_nav_entry("insight:dashboard", _("Opinion insight"), group="opinions", icon="chart", order=60,
                           perm="insight.view")
        from dangjian.core.hooks import register_public_link

        # the portal's list of public pages: the briefings published as public (no texts in them)
        register_public_link("insight:public_briefings", _("Public opinion briefings"), order=60)
        register_workbench_card(wb.workbench_cards)
        from django.core import checks

        from dangjian.core.scheduler import register_job
        from dangjian.insight.schedule import check_schedule, nightly_cron

        checks.register(check_schedule)
        if nightly_cron():  # INSIGHT_NIGHTLY_CRON, "" for none
            register_job("insight.nightly", nightly_cron(), "dangjian.insight.tasks.scheduled_runs")
        from dangjian.core.hooks import register_text_listener
        from dangjian.insight.tasks import on_text_added

        register_text_listener(on_text_added)
        from dangjian.core.hooks import register_routing_advisor, register_routing_listener, register_todo_source
        from dangjian.core.notifications import register_kind
        from dangjian.insight.routing import advise
        from dangjian.insight.tasks import on_routing_decided

        register_kind("insight.alert", _("Opinion alerts"))
        register_todo_source("insight.alerts", _("Opinion alerts to handle"), items=wb.alert_items,
                             count=wb.alert_count, perm="insight.view")
        register_nav_entry("insight:alerts", _("Opinion alerts"), group="opinions", icon="bell", order=61,
                           perm="insight.view")
        register_routing_advisor(advise)
        register_routing_listener(on_routing_decided)
