from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from dangjian.core import allauth_hooks
        from dangjian.core.scheduler import register_job

        allauth_hooks.connect()

        register_job("notifications.retry_due", "* * * * *", "dangjian.core.notifications.tasks.retry_due_deliveries")
        register_job("core.prune_scheduler_ticks", "17 3 * * *", "dangjian.core.tasks.prune_scheduler_ticks")
