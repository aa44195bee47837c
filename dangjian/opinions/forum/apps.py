"""The organization-work forum (组工论坛): boards, threads, replies, mentions, moderation (issue 7)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "dangjian.opinions.forum"
    label = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        from dangjian.core.hooks import register_demo_seeder, register_nav_entry
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.opinions.forum.demo import seed_forum

        register_permissions(Role.COUNTY_ADMIN, {"forum.moderate", "forum.manage_boards"})
        register_permissions(Role.PUBLICITY, {"forum.moderate"})
        register_kind("forum.mention", _("Forum mentions"))
        from dangjian.opinions.forum.actions import can_moderate, moderated_board_ids

        register_nav_entry("forum:boards", _("Forum"), group="opinions", icon="chat", order=50)
        register_nav_entry("forum:moderation", _("Forum moderation"), group="opinions", icon="shield", order=55,
                           visible=lambda user: can_moderate(user) or bool(moderated_board_ids(user)))
        register_nav_entry("forum:manage_boards", _("Forum boards"), group="opinions", icon="gear", order=56,
                           perm="forum.manage_boards")
        register_demo_seeder(seed_forum, order=300)
        from dangjian.core.hooks import TextSource, register_text_source
        from dangjian.opinions.forum import textsource

        register_text_source(TextSource("forum", _("Forum threads"), textsource.text_batches, order=20))
