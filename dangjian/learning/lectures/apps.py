from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LecturesConfig(AppConfig):
    name = "dangjian.learning.lectures"
    label = "lectures"
    verbose_name = _("Live lectures")

    def ready(self) -> None:
        from dangjian.core.hooks import register_demo_seeder, register_nav_entry
        from dangjian.core.roles import Role, register_permissions
        from dangjian.learning.lectures.demo import seed_lectures
        from dangjian.learning.lectures.selectors import sees_lectures

        # lectures.manage: schedule lectures and name their lecturers (in the role's subtree).
        for role in (Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER, Role.PUBLICITY):
            register_permissions(role, {"lectures.manage"})
        register_nav_entry("lectures:index", _("Live lectures"), group="learning", icon="book", order=40,
                           visible=sees_lectures)
        register_demo_seeder(seed_lectures, order=310)
