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
            register_todo_source,
        )
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.members.lifecycle import hooks, todos
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

        register_todo_source("lifecycle.report", _("Floating members' report-backs due"), items=todos.report_items,
                             count=todos.report_count, perm="lifecycle.manage")
        register_todo_source("lifecycle.decide", _("Status changes to approve"), items=todos.decide_items,
                             count=todos.decide_count, perm="lifecycle.approve")
        register_nav_entry("lifecycle:floating", _("Floating members"), group="orgs", icon="people", perm="lifecycle.view",
                           order=50, badge="lifecycle.report")
        register_nav_entry("lifecycle:requests", _("Status changes"), group="orgs", icon="step", perm="lifecycle.view",
                           order=60, badge="lifecycle.decide")
        register_home_item(hooks.home_items)
        register_member_action(hooks.member_actions)
        register_demo_seeder(hooks.seed_demo, order=60)
        # The service centre's floating-certificate matter hands its approved applications here.
        from dangjian.core.hooks import ServiceOutcome, register_service_outcome

        register_service_outcome(ServiceOutcome(
            key="lifecycle.floating_certificate", label=_("Issue a floating certificate"),
            apply=hooks.floating_certificate_outcome,
            fields=(("reason", _("why the member is away (required)")),
                    ("host_place", _("where the member will be")), ("host_unit", _("the work unit there")),
                    ("expires_on", _("valid until (optional)")))))
        from dangjian.members.lifecycle import figures  # statistics (issue 15)

        figures.register()
