"""Audit event names of live lectures."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "lecture.created": _("Live lecture scheduled"),
    "lecture.started": _("Live lecture started"),
    "lecture.finished": _("Live lecture finished"),
    "lecture.lesson_made": _("Live lecture made a lesson of the party school"),
    "lecture_message.posted": _("Lecturer posted in a live lecture"),
    "lecture_message.pinned": _("Live lecture message pinned or unpinned"),
})
