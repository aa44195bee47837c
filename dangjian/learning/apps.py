from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "dangjian.learning"
    label = "learning"
    verbose_name = _("Party school")

    def ready(self) -> None:
        from dangjian.learning import hooks

        hooks.register()
