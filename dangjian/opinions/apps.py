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
        from dangjian.core.hooks import register_search_provider, register_todo_source, register_workbench_card
        from dangjian.opinions import workbench as wb

        register_nav_entry("opinions:mine", _("My opinions"), group="mine", icon="chat", order=50)
        register_nav_entry("opinions:staff_list", _("Opinions inbox"), group="opinions", icon="chat", perm="opinions.view",
                           order=10, badge="opinions.route", primary=20)
        register_nav_entry("opinions:staff_inbound", _("Rejected inbound messages"), group="opinions", icon="chat",
                           perm="opinions.inbound", order=15)
        register_todo_source("opinions.route", _("Opinions to hand to a department"), items=wb.route_items,
                             count=wb.route_count, visible=wb.may_route)
        register_search_provider("opinions", _("Opinions"), wb.find_opinions, perm="opinions.view", order=45)
        register_workbench_card(wb.workbench_cards)
        register_source(CaseSource(kind="opinion", label=_("Opinion"), describe=describe_case_source,
                                   on_step=follow_case_step, voices=case_opinions))
        from dangjian.opinions import figures  # statistics (issue 15)

        figures.register()
        from dangjian.core.hooks import TextSource, register_text_source
        from dangjian.opinions import textsource

        register_text_source(TextSource("opinions", _("Opinions"), textsource.text_batches, order=10))

        from dangjian.core.scheduler import register_job
        from dangjian.opinions.mail_intake import mailbox_config

        if mailbox_config():
            register_job("opinions.poll_mailbox", "*/5 * * * *", "dangjian.opinions.tasks.poll_opinion_mailbox")
