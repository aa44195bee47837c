from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_nav_entry,
            register_org_picker,
            register_search_provider,
            register_workbench_card,
        )
        from dangjian.orgs import figures
        from dangjian.orgs.hooks import find_orgs, workbench_cards
        from dangjian.orgs.selectors import access_org, org_choices

        figures.register()
        register_workbench_card(workbench_cards)
        register_search_provider("orgs", _("Organizations"), find_orgs, perm="orgs.view", order=20)
        register_nav_entry("orgs:tree", _("Organizations"), group="orgs", icon="org", perm="orgs.view", order=10)
        # core's account pages grant roles on any organization in scope, not only on branches
        register_org_picker(lambda user, perm: org_choices(user, perm, branches_only=False), access_org)
