from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "dangjian.members.lifecycle"
    label = "lifecycle"
    verbose_name = _("Member lifecycle")

    def ready(self) -> None:
        pass
