from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "dangjian.members.lifecycle"
    label = "lifecycle"
    verbose_name = _("Member lifecycle")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_demo_seeder,
            register_home_item,
            register_member_action,
            register_nav_entry,
        )
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.members.lifecycle import hooks
        from dangjian.orgs.search import SearchScope, register_search_scope

        view = {"lifecycle.view"}
        manage = {"lifecycle.view", "lifecycle.manage"}
        decide = {"lifecycle.propose", "lifecycle.approve"}
        register_permissions(Role.COUNTY_ADMIN, manage | decide)
        register_permissions(Role.SECRETARY, manage | decide)
        register_permissions(Role.ORGANIZER, manage)
        register_permissions(Role.DISCIPLINE, view)

        register_kind("lifecycle.certificate", _("Floating certificates"))
        register_kind("lifecycle.report", _("Floating members' report-backs"))
        register_kind("lifecycle.status_request", _("Member status changes"))

        register_job("lifecycle.expire_certificates", "5 1 * * *",
                     "dangjian.members.lifecycle.tasks.expire_certificates")
        register_job("lifecycle.report_reminders", "30 8 * * *",
                     "dangjian.members.lifecycle.tasks.send_report_reminders")

        # The host-branch picker of a floating certificate: any active branch on the platform.
        register_search_scope(SearchScope("floating_host", allowed=hooks.may_pick_host_branch))

        register_nav_entry("lifecycle:floating", _("Floating members"), group="orgs", icon="people", perm="lifecycle.view",
                           order=50)
        register_nav_entry("lifecycle:requests", _("Status changes"), group="orgs", icon="step", perm="lifecycle.propose",
                           order=60)
        register_home_item(hooks.home_items)
        register_member_action(hooks.member_actions)
        register_demo_seeder(hooks.seed_demo, order=60)
