from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "dangjian.services"
    label = "services"
    verbose_name = _("Service centre")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_demo_seeder,
            register_nav_entry,
            register_search_provider,
            register_todo_source,
        )
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.services import disclosure, figures
        from dangjian.services import workbench as wb
        from dangjian.services.demo import seed_demo

        register_permissions(Role.MEMBER, {"services.apply"})
        for role in (Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER):
            register_permissions(role, {"services.approve", "services.manage"})
        register_permissions(Role.DEPT_HANDLER, {"services.approve"})
        register_nav_entry("services:catalogue", _("Online services"), group="services", icon="service",
                           order=10, visible=wb.signed_in)
        register_nav_entry("services:mine", _("My applications"), group="services", icon="service", order=15,
                           visible=wb.signed_in)
        register_nav_entry("services:inbox", _("Applications to sign"), group="services", icon="service", order=20,
                           visible=wb.may_sign, badge="services.sign")
        register_nav_entry("services:grid", _("My grid's requests"), group="services", icon="service", order=22,
                           visible=wb.is_grid_worker)
        register_nav_entry("services:grid_workers", _("Grid workers"), group="services", icon="service", order=35,
                           perm="services.manage", visible=wb.manages_grids)
        register_nav_entry("services:volunteer", _("Community volunteer tasks"), group="services", icon="service",
                           order=25, visible=wb.signed_in)
        register_nav_entry("services:measures", _("Service measures"), group="services", icon="service", order=40,
                           perm="services.approve")
        register_nav_entry("services:matters", _("Service matters"), group="services", icon="service", order=30,
                           perm="services.manage")
        register_todo_source("services.sign", _("Service applications waiting for my sign-off"),
                             items=wb.sign_items, count=wb.sign_count, visible=wb.may_sign)
        register_todo_source("services.mine", _("My service applications needing material"),
                             items=wb.my_items, count=wb.my_count, visible=wb.signed_in)
        register_todo_source("services.grid", _("Grids whose requests have nobody to sign them"),
                             items=wb.unstaffed_items, count=wb.unstaffed_count, perm="services.manage")
        register_todo_source("services.volunteer", _("Volunteer tasks of my community"),
                             items=wb.volunteer_items, count=wb.volunteer_count, member=True)
        register_todo_source("services.volunteer_confirm", _("Volunteer tasks to confirm"),
                             items=wb.confirm_items, count=wb.confirm_count, visible=wb.may_sign)
        register_search_provider("services", _("Service applications"), wb.find_applications, order=75)
        register_kind("services.step", _("Service applications waiting for my sign-off"))
        register_kind("services.deadline", _("Service time limits and escalations"))
        register_kind("services.application", _("Progress of my service applications"))
        register_job("services.sweep", "15 * * * *", "dangjian.services.tasks.sweep_deadlines")
        register_demo_seeder(seed_demo, order=95)
        figures.register()
        disclosure.register()
