from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "dangjian.ballots"
    label = "ballots"
    verbose_name = _("Democratic evaluation")

    def ready(self) -> None:
        from dangjian.ballots import workbench as wb
        from dangjian.ballots.demo import seed_demo
        from dangjian.core.hooks import (
            register_demo_seeder,
            register_home_item,
            register_nav_entry,
            register_search_provider,
            register_todo_source,
        )
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job

        manage = {"ballots.view", "ballots.manage"}
        register_permissions(Role.COUNTY_ADMIN, manage)
        register_permissions(Role.SECRETARY, manage)
        register_permissions(Role.ORGANIZER, manage)
        register_permissions(Role.DISCIPLINE, {"ballots.view"})
        register_nav_entry("ballots:list", _("Democratic evaluations"), group="supervision", icon="shield",
                           visible=wb.may_list, order=40, badge="ballots.trustee")
        register_nav_entry("ballots:create", _("New democratic evaluation"), group="supervision", icon="shield",
                           perm="ballots.manage", order=45)
        register_todo_source("ballots.trustee", _("Evaluations waiting for my key, decryption or vote"),
                             items=wb.my_items, count=wb.my_count, visible=wb.has_ballot_work)
        register_todo_source("ballots.organize", _("Evaluations to open or close"), items=wb.organize_items,
                             count=wb.organize_count, perm="ballots.manage")
        register_home_item(wb.home_items)
        register_kind("ballots.code", _("My voting codes for democratic evaluations"))
        register_search_provider("ballots", _("Democratic evaluations"), wb.find_evaluations, order=70)
        register_job("ballots.close_due", "*/5 * * * *", "dangjian.ballots.tasks.close_due_evaluations")
        register_demo_seeder(seed_demo, order=90)
        from django.core import checks

        from dangjian.ballots.crypto import available

        @checks.register()
        def libsodium_check(app_configs: object, **kwargs: object) -> list[checks.CheckMessage]:
            if available():
                return []
            return [checks.Warning("libsodium is not installed: democratic evaluations cannot be opened, cast or "
                                   "counted (the rest of the site runs).",
                                   hint="Install the Debian package libsodium23 (make run does as root).",
                                   id="ballots.W001")]

        @checks.register()
        def native_check(app_configs: object, **kwargs: object) -> list[checks.CheckMessage]:
            from dangjian.ballots import native

            if native.library() is not None:  # builds it on the first check (migrate, runserver, make run)
                return []
            return [checks.Warning("The C code that checks ballot proofs in batches did not build: casting, "
                                   "counting and the verifier fall back to libsodium, several times slower.",
                                   hint="Install a C compiler (Debian package gcc); see dangjian/ballots/native.",
                                   id="ballots.W002")]
        from dangjian.ballots import figures  # statistics (issue 15)

        figures.register()
