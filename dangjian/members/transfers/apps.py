from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "dangjian.members.transfers"
    label = "transfers"
    verbose_name = _("Transfers")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_demo_seeder,
            register_home_item,
            register_member_action,
            register_nav_entry,
            register_todo_source,
        )
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.members.transfers import hooks, todos
        from dangjian.orgs.search import SearchScope, register_search_scope

        register_permissions(Role.COUNTY_ADMIN, {"transfers.view", "transfers.start", "transfers.approve"})
        register_permissions(Role.SECRETARY, {"transfers.view", "transfers.start", "transfers.approve"})
        register_permissions(Role.ORGANIZER, {"transfers.view", "transfers.start"})
        register_kind("transfers.hop", _("Transfers awaiting my approval"))
        register_kind("transfers.progress", _("Progress of transfers I started"))
        register_kind("transfers.overdue", _("Overdue transfers"))
        register_todo_source("transfers.approve", _("Transfers to approve"), items=todos.items, count=todos.count,
                             perm="transfers.approve")
        register_nav_entry("transfers:list", _("Transfers"), group="orgs", icon="transfer", perm="transfers.view", order=40,
                           badge="transfers.approve", primary=30)
        register_home_item(hooks.home_items)
        register_member_action(hooks.member_actions)
        register_demo_seeder(hooks.seed_demo, order=60)
        # The receiving-branch picker: any active branch on the platform (a transfer may go anywhere).
        register_search_scope(SearchScope("transfer_target", allowed=hooks.may_pick_transfer_target))
        register_job("transfers.check", "15 8 * * *", "dangjian.members.transfers.tasks.check_transfers")
        from dangjian.members.transfers import figures  # statistics (issue 15)

        figures.register()
