from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "dangjian.portal.channels"
    label = "channels"
    verbose_name = _("Portal channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dangjian.core.hooks import register_demo_seeder, register_nav_entry
        from dangjian.core.notifications import register_kind
        from dangjian.core.scheduler import register_job
        from dangjian.portal.channels import receivers  # noqa: F401 - thin publish/unpublish receivers
        from dangjian.portal.channels.demo import seed_channels

        register_kind("channels.news", _("Portal news (app news feed)"))
        register_job("channels.retry_due", "* * * * *", "dangjian.portal.channels.tasks.retry_due_entries")
        # WeChat's statistics of a day are complete after 08:00 Beijing time the next morning
        register_job("channels.wechat_reads", "30 9 * * *", "dangjian.portal.channels.tasks.fetch_wechat_read_counts")
        register_nav_entry("channels:outbox", _("Channel deliveries"), group="publicity", icon="megaphone", perm="portal.edit",
                           order=40)
        register_demo_seeder(seed_channels, order=210)  # after the portal's (200)
