"""What the party school registers in core's registries (called from ``LearningConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from dangjian.core.hooks import (
        register_activity_listener,
        register_demo_seeder,
        register_home_item,
        register_nav_entry,
        register_search_provider,
        register_todo_source,
    )
    from dangjian.core.notifications import register_kind
    from dangjian.core.roles import Role, register_permissions
    from dangjian.learning import figures
    from dangjian.learning import workbench as wb
    from dangjian.learning.actions import on_activities_verified
    from dangjian.learning.demo import seed_demo
    from dangjian.learning.points import POINTS

    for role in (Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER, Role.PUBLICITY):
        register_permissions(role, {"learning.manage"})
    for role in (Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER):
        register_permissions(role, {POINTS})
    register_nav_entry("learning:courses", _("Party school"), group="learning", icon="book", order=10,
                       visible=wb.signed_in, primary=40)
    register_nav_entry("learning:manage", _("Courses and plans"), group="learning", icon="book", order=20,
                       perm="learning.manage")
    register_nav_entry("learning:points_settings", _("Points settings"), group="learning", icon="book", order=30,
                       perm=POINTS)
    register_home_item(wb.home_items)
    register_home_item(wb.points_items)
    register_activity_listener(on_activities_verified)
    register_home_item(wb.plan_items)
    register_todo_source("learning.media_failed", _("Lesson media whose conversion failed"), items=wb.failed_items,
                         count=wb.failed_count, visible=wb.may_manage)
    register_search_provider("learning", _("Party school courses"), wb.find_courses, order=80)
    figures.register()
    register_kind("learning.media", _("Conversion of lesson media I uploaded"))
    register_kind("learning.plan", _("Reminders of learning plans"))
    register_demo_seeder(seed_demo, order=96)
    from django.urls import reverse

    from dangjian.core.hooks import CommentTarget, register_comment_target
    from dangjian.core.ratelimit import rate_setting
    from dangjian.learning.actions import COMMENT_KIND

    rate_setting("LEARNING_COMMENT_RATE_LIMIT", "5/10m")  # a malformed rate stops start-up
    # comments under lessons go through the portal's moderation (the learning exchange)
    register_comment_target(CommentTarget(COMMENT_KIND, _("Comment under a lesson"),
                                          lambda ref: reverse("learning:lesson", args=[int(ref)]) + "#comments"))
