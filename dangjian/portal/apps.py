from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "dangjian.portal"
    label = "portal"
    verbose_name = _("Portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dangjian.core.hooks import register_demo_seeder, register_nav_entry, register_role_listener
        from dangjian.core.ratelimit import rate_setting
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.portal import (
            COMMENT_RATE_DEFAULT,
            receivers,  # noqa: F401 - connects the thin signal receivers
        )
        from dangjian.portal.demo import seed_portal

        # A malformed rate stops start-up here, naming the setting (not a 500 at the first comment).
        rate_setting("PORTAL_COMMENT_RATE_LIMIT", COMMENT_RATE_DEFAULT)

        register_permissions(Role.PUBLICITY, {"portal.edit", "portal.moderate"})
        register_permissions(Role.COUNTY_ADMIN, {"portal.edit", "portal.moderate", "portal.manage"})
        from dangjian.core.hooks import register_search_provider, register_todo_source
        from dangjian.portal import workbench as wb

        register_nav_entry("wagtailadmin_home", _("Portal content"), group="publicity", icon="megaphone", order=10,
                           visible=wb.may_open_cms, badge="portal.review", primary=30)
        register_nav_entry("portal:moderation", _("Portal comments"), group="publicity", icon="chat", perm="portal.moderate",
                           order=20, badge="portal.comments")
        register_todo_source("portal.review", _("Portal pages to review"), items=wb.review_items,
                             count=wb.review_count, visible=wb.may_review)
        register_todo_source("portal.comments", _("Portal comments to moderate"), items=wb.comments_items,
                             count=wb.comments_count, perm="portal.moderate")
        register_todo_source("portal.corrections", _("Portal corrections to handle"), items=wb.corrections_items,
                             count=wb.corrections_count, perm="portal.edit")
        register_search_provider("articles", _("Articles"), wb.find_articles, order=60)
        register_job("portal.publish_scheduled", "* * * * *", "dangjian.portal.tasks.publish_scheduled")
        register_job("portal.sync_editors", "*/10 * * * *", "dangjian.portal.tasks.sync_all_editors")
        register_job("portal.flush_views", "*/5 * * * *", "dangjian.portal.tasks.flush_views")
        register_nav_entry("portal:corrections", _("Portal corrections"), group="publicity", icon="megaphone",
                           perm="portal.edit", order=30, badge="portal.corrections")
        from dangjian.core.notifications import register_kind

        register_kind("portal.correction", _("Corrections suggested on portal pages"))
        register_demo_seeder(seed_portal, order=200)
        from dangjian.portal.actions import do_sync_editor_groups

        register_role_listener(do_sync_editor_groups)
        from dangjian.core.hooks import register_matter_responses
        from dangjian.portal.selectors import response_rows

        register_matter_responses(response_rows)  # the owning module shows them to its staff
        from dangjian.core.hooks import register_comment_submitter
        from dangjian.portal.actions import submit_target_comment

        register_comment_submitter(submit_target_comment)  # comments under lessons (issue 16)
        from dangjian.portal import figures  # statistics (issue 15)

        figures.register()
        from dangjian.core.hooks import TextSource, register_text_source
        from dangjian.portal import textsource

        register_text_source(TextSource("comments", _("Public comments"), textsource.text_batches, order=30))
