from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        self._load_audit_events()
        from dangjian.core import allauth_hooks, checks  # noqa: F401 (checks register themselves)
        from dangjian.core.scheduler import register_job

        allauth_hooks.connect()
        from dangjian.core import allauth_ratelimit

        allauth_ratelimit.install()  # allauth's own limits counted by core.ratelimit (exact, atomic)
        from dangjian.core import login_throttle

        login_throttle.check_settings()  # a malformed login limit stops start-up, naming it
        from dangjian.core.workdays_actions import register as register_calendar_permissions

        register_calendar_permissions()
        register_job("core.calendar_check", "0 9 1 11,12 *", "dangjian.core.tasks.warn_missing_calendar_years")

        register_job("notifications.retry_due", "* * * * *", "dangjian.core.notifications.tasks.retry_due_deliveries")
        register_job("core.todo_digest", "30 7 * * *", "dangjian.core.tasks.send_todo_digests")
        register_job("core.prune_scheduler_ticks", "17 3 * * *", "dangjian.core.tasks.prune_scheduler_ticks")
        # a task a killed worker left "running" is taken up again after TASKS_STALE_AFTER_SECONDS
        register_job("core.requeue_stale_tasks", "* * * * *", "dangjian.core.tasks.requeue_stale_task_results")

    @staticmethod
    def _load_audit_events() -> None:
        """Import every project app's ``events.py``: each declares its audit event names there."""
        from importlib import import_module

        from django.apps import apps
        from django.utils.module_loading import module_has_submodule

        for config in apps.get_app_configs():
            if config.name.startswith("dangjian.") and module_has_submodule(config.module, "events"):
                import_module(f"{config.name}.events")
