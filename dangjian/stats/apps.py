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
        self._register_tables()

    @staticmethod
    def _register_tables() -> None:
        """The statistics page and the year-end tables: navigation, the submission to-do, notices."""
        from dangjian.core.hooks import register_nav_entry, register_todo_source
        from dangjian.core.notifications import register_kind
        from dangjian.stats import todos

        register_nav_entry("stats:index", _("Statistics"), group="statistics", icon="chart", perm="stats.view",
                           order=10)
        register_nav_entry("stats:tables", _("Year-end statistics tables"), group="statistics", icon="chart",
                           perm="stats.view", order=20, badge="stats.tables")
        register_todo_source("stats.tables", _("Year-end statistics tables to submit"),
                             items=lambda user, limit: todos.items(user, limit),
                             count=lambda user: todos.count(user), perm="stats.submit")
        register_kind("stats.tables_submitted", _("Year-end statistics tables submitted from below"))
        register_kind("stats.tables_returned", _("Year-end statistics tables returned"))

        # The overview screen (大屏): its audit events, its navigation entry, the workbench's key figures.
        from dangjian.core.hooks import register_nav_entry, register_workbench_card
        from dangjian.stats import events_screen  # noqa: F401 - declares the screen's audit events
        from dangjian.stats.screen_hooks import workbench_cards as screen_cards

        register_nav_entry("stats:screen", _("Overview screen"), group="statistics", icon="chart", perm="stats.view",
                           order=5)
        register_workbench_card(screen_cards)
