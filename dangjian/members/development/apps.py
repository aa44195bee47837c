from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "dangjian.members.development"
    label = "development"
    verbose_name = _("Member development")

    def ready(self) -> None:
        pass
