from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = _("Party dues")

    def ready(self) -> None:
        from django.core import checks

        from dangjian.core.hooks import register_nav_link
        from dangjian.dues.checks import check_dues_rules

        checks.register(check_dues_rules)
        register_nav_link("dues:calculator", _("Dues calculator"), order=80)
