from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "dangjian.opinions"
    label = "opinions"
    verbose_name = _("Opinions")

    def ready(self) -> None:
        from dangjian.cases.sources import CaseSource, register_source
        from dangjian.core.hooks import register_nav_entry
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.opinions.actions import follow_case_step
        from dangjian.opinions.selectors import case_opinions, describe_case_source

        register_permissions(Role.COUNTY_ADMIN, {"opinions.log", "opinions.view", "opinions.inbound"})
        register_permissions(Role.SECRETARY, {"opinions.log", "opinions.view"})
        register_kind("opinions.new", _("New opinions"))
        register_nav_entry("opinions:staff_list", _("Opinions inbox"), group="opinions", icon="chat", perm="opinions.view",
                           order=10)
        register_source(CaseSource(kind="opinion", label=_("Opinion"), describe=describe_case_source,
                                   on_step=follow_case_step, voices=case_opinions))

        from dangjian.core.scheduler import register_job
        from dangjian.opinions.mail_intake import mailbox_config

        if mailbox_config():
            register_job("opinions.poll_mailbox", "*/5 * * * *", "dangjian.opinions.tasks.poll_opinion_mailbox")
