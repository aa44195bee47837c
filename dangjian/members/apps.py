from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_nav_entry,
            register_org_member_counts,
            register_own_member,
            register_search_provider,
            register_workbench_card,
        )
        from dangjian.members import figures
        from dangjian.members.hooks import workbench_cards
        from dangjian.members.search import find_members
        from dangjian.members.selectors import member_of_user, subtree_member_counts

        figures.register()
        register_own_member(member_of_user)
        register_org_member_counts(subtree_member_counts)
        register_workbench_card(workbench_cards)
        register_search_provider("members", _("Members"), find_members, perm="members.view", order=10)
        register_nav_entry("members:list", _("Members"), group="orgs", icon="people", perm="members.view", order=20,
                           primary=20)
