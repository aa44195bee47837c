from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    verbose_name = _("Organizational life")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_demo_seeder,
            register_home_item,
            register_nav_entry,
            register_todo_source,
            register_workbench_card,
        )
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.orglife import todos
        from dangjian.orglife.demo import seed_demo
        from dangjian.orglife.home import home_items

        manage = {"orglife.view", "orglife.manage"}
        register_permissions(Role.COUNTY_ADMIN, manage)
        register_permissions(Role.SECRETARY, manage)
        register_permissions(Role.ORGANIZER, manage)
        register_permissions(Role.DISCIPLINE, {"orglife.view"})
        register_kind("orglife.planned", _("Organizational life: activities planned or cancelled"))
        register_kind("orglife.leave", _("Organizational life: leave requests"))
        register_kind("orglife.reminder", _("Organizational life: compliance reminders"))
        # Each entry's perm is what its view checks; the secretary's most used page (activities)
        # is first on the phone's bottom bar.
        register_nav_entry("orglife:list", _("Activities"), group="orglife", icon="calendar", perm="orglife.view",
                           order=10, badge="orglife.records", primary=10)
        register_nav_entry("orglife:plan", _("Plan an activity"), group="orglife", icon="calendar",
                           perm="orglife.manage", order=15)
        register_nav_entry("orglife:calendar", _("Calendar"), group="orglife", icon="calendar", perm="orglife.view",
                           order=20)
        register_nav_entry("orglife:compliance", _("Compliance"), group="orglife", icon="calendar",
                           perm="orglife.view", order=30, badge="orglife.due")
        register_nav_entry("orglife:ledger", _("Activity ledger"), group="orglife", icon="calendar",
                           perm="orglife.view", order=40)
        register_nav_entry("orglife:committee", _("Branch committee"), group="orglife", icon="calendar",
                           perm="orglife.view", order=50, visible=todos.runs_a_branch)
        register_nav_entry("orglife:mine", _("My activities"), group="mine", icon="calendar", member=True, order=30)
        register_todo_source("orglife.due", _("Meetings due this period"), items=todos.due_meetings,
                             count=todos.due_meeting_count, perm="orglife.manage")
        register_todo_source("orglife.records", _("Activity records to complete"), items=todos.open_records,
                             count=todos.open_record_count, perm="orglife.manage")
        register_workbench_card(todos.workbench_cards)
        register_home_item(home_items)
        register_job("orglife.assembly_reminders", "30 8 * * *", "dangjian.orglife.tasks.remind_missing_assemblies")
        register_demo_seeder(seed_demo, order=50)

        from django.apps import apps

        if apps.is_installed("dangjian.members.lifecycle"):
            # Members holding a floating certificate hosted by a branch join its activities
            # as guests without a vote (DOMAIN.md §8).
            from dangjian.members.lifecycle.selectors import floating_guests_hosted_by
            from dangjian.orglife.selectors import register_floating_guest_provider

            register_floating_guest_provider(floating_guests_hosted_by)
        from dangjian.orglife import figures  # statistics (issue 15)

        figures.register()
