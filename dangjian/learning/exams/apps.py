from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "dangjian.learning.exams"
    label = "exams"
    verbose_name = _("Exams and quizzes")

    def ready(self) -> None:
        from dangjian.core.hooks import (
            register_demo_seeder,
            register_home_item,
            register_nav_entry,
            register_search_provider,
            register_todo_source,
        )
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.learning.exams import figures, workbench
        from dangjian.learning.exams.demo import seed_exams

        # exams.manage: build question banks and exams, see results (in the role's subtree).
        for role in (Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER, Role.PUBLICITY):
            register_permissions(role, {"exams.manage"})
        register_job("exams.expire", "* * * * *", "dangjian.learning.exams.tasks.finish_expired_attempts")
        register_todo_source("exams.open", _("Exams open to you"), items=workbench.todo_items,
                             count=workbench.todo_count, member=True)
        register_nav_entry("exams:mine", _("My exams"), group="learning", icon="book", member=True, order=30,
                           badge="exams.open")
        register_nav_entry("exams:exams", _("Exams"), group="learning", icon="book", perm="exams.manage", order=60)
        register_nav_entry("exams:banks", _("Question banks"), group="learning", icon="book", perm="exams.manage",
                           order=65)
        register_home_item(workbench.home_items)
        register_search_provider("exams", _("Exams"), workbench.find_exams, order=80)
        register_demo_seeder(seed_exams, order=300)
        figures.register()
