from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "dangjian.insight"
    label = "insight"
    verbose_name = _("Opinion insight")

    def ready(self) -> None:
        from dangjian.core.roles import Role, register_permissions

        # Analysts: the organization department sees, runs and reviews; secretaries and publicity
        # officers read the findings of their subtree.
        register_permissions(Role.COUNTY_ADMIN, {"insight.view", "insight.run", "insight.manage"})
        register_permissions(Role.SECRETARY, {"insight.view"})
        register_permissions(Role.PUBLICITY, {"insight.view"})
