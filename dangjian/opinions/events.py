"""Audit event names recorded by the opinion express lane and the forum."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "opinion.submitted": _("Opinion submitted"),
    "opinion.assigned": _("Opinion assigned"),
    "opinion.linked": _("Opinion linked to a case"),
    "opinion.rated": _("Opinion answer rated"),
    "forum.board_created": _("Forum board created"),
    "forum.board_changed": _("Forum board changed"),
    "forum.board_archived": _("Forum board archived"),
    "forum.board_restored": _("Forum board restored"),
    "forum.moderator_added": _("Forum moderator added"),
    "forum.moderator_removed": _("Forum moderator removed"),
    "forum.thread_created": _("Thread created"),
    "forum.thread_edited": _("Thread edited"),
    "forum.thread_deleted": _("Thread deleted"),
    "forum.thread_hide": _("Thread hidden"),
    "forum.thread_unhide": _("Thread shown again"),
    "forum.thread_lock": _("Thread locked"),
    "forum.thread_unlock": _("Thread unlocked"),
    "forum.thread_pin": _("Thread pinned"),
    "forum.thread_unpin": _("Thread unpinned"),
    "forum.thread_to_opinion": _("Thread turned into an opinion"),
    "forum.reply_created": _("Reply posted"),
    "forum.reply_edited": _("Reply edited"),
    "forum.reply_deleted": _("Reply deleted"),
    "forum.reply_hide": _("Reply hidden"),
    "forum.reply_unhide": _("Reply shown again"),
    "forum.post_reported": _("Post reported"),
    "forum.report_resolved": _("Report resolved"),
})
