from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "dangjian.opinions"
    label = "opinions"
    verbose_name = _("Opinions")

    def ready(self) -> None:
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions

        register_permissions(Role.COUNTY_ADMIN, {"opinions.log"})
        register_permissions(Role.SECRETARY, {"opinions.log"})
        register_kind("opinions.new", _("New opinions"))
