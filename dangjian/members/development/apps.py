from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "dangjian.members.development"
    label = "development"
    verbose_name = _("Member development")

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
        from dangjian.members.development import todos
        from dangjian.members.development.demo import seed_development
        from dangjian.members.development.home import home_items
        from dangjian.members.development.selectors import sees_own_application

        # development.manage: the branch records its steps; development.approve: the committee above
        # the branch files, pre-reviews and approves (checked on the committee's path).
        register_permissions(Role.COUNTY_ADMIN, {"development.view", "development.manage", "development.approve"})
        register_permissions(Role.SECRETARY, {"development.view", "development.manage", "development.approve"})
        register_permissions(Role.ORGANIZER, {"development.view", "development.manage", "development.approve"})
        register_permissions(Role.DISCIPLINE, {"development.view"})
        register_kind("development.deadline", _("Member development deadlines"))
        register_job("development.deadlines", "30 8 * * *", "dangjian.members.development.tasks.development_deadlines")
        register_todo_source("development.due", _("Development steps due"), items=todos.items, count=todos.count,
                             perm="development.manage")
        register_workbench_card(todos.workbench_cards)
        register_nav_entry("development:mine", _("My application"), group="mine", icon="step", order=55,
                           visible=sees_own_application)
        register_nav_entry("development:dashboard", _("Development"), group="orgs", icon="step", perm="development.view",
                           order=30, badge="development.due")
        register_home_item(home_items)
        register_demo_seeder(seed_development, order=150)
        from django.apps import apps

        if apps.is_installed("dangjian.members.lifecycle"):
            from dangjian.members.development.actions import apply_probation_extension
            from dangjian.members.lifecycle.actions import on_probation_extended

            # an approved extension of probation moves the file's end of probation
            on_probation_extended(apply_probation_extension)
        from dangjian.members.development import disclosure  # the portal's public matter pages (S3)

        disclosure.register()
        from dangjian.members.development import figures  # statistics (issue 15)

        figures.register()
