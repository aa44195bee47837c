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
