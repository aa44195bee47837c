"""Audit event names of the party school."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "course.created": _("Course created"),
    "course.changed": _("Course changed"),
    "course.published": _("Course published"),
    "course.unpublished": _("Course withdrawn to draft"),
    "lesson.saved": _("Lesson saved"),
    "lesson.deleted": _("Lesson deleted"),
    "lesson.media_uploaded": _("Lesson media uploaded"),
    "lesson.completed": _("Lesson completed"),
    "learning_plan.saved": _("Learning plan saved"),
    "learning_plan.course_added": _("Course added to a learning plan"),
    "learning_plan.course_removed": _("Course removed from a learning plan"),
    "learning_plan.reminded": _("Members reminded of a learning plan"),
    "points.settings_saved": _("Points settings saved"),
    "points.settings_removed": _("Points settings removed (those above apply)"),
})
