from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "dangjian.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from dangjian.core.roles import Role, register_permissions

        # stats.view: the aggregates of every registered figure for the subtree (the records
        # behind a figure need the figure's own permission, e.g. members.view).
        # stats.submit: submit the year-end tables upward.
        register_permissions(Role.COUNTY_ADMIN, {"stats.view", "stats.submit", "stats.configure"})
        register_permissions(Role.SECRETARY, {"stats.view", "stats.submit"})
        register_permissions(Role.ORGANIZER, {"stats.view", "stats.submit"})
        register_permissions(Role.PUBLICITY, {"stats.view"})
        register_permissions(Role.DISCIPLINE, {"stats.view"})

        # The overview screen (大屏): its audit events, its navigation entry, the workbench's key figures.
        from dangjian.core.hooks import register_nav_entry, register_workbench_card
        from dangjian.stats import events_screen  # noqa: F401 - declares the screen's audit events
        from dangjian.stats.screen_hooks import workbench_cards as screen_cards

        register_nav_entry("stats:screen", _("Overview screen"), group="statistics", icon="chart", perm="stats.view",
                           order=10)
        register_workbench_card(screen_cards)
