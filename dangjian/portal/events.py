"""Audit event names recorded by the portal (pages, review workflow, comments, channels)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "portal.setup": _("Portal set up"),
    "portal.section_created": _("Portal section created"),
    "portal.article_created": _("Article created"),
    "portal.submitted": _("Page submitted for review"),
    "portal.reviewed": _("Page reviewed"),
    "portal.published": _("Page published"),
    "portal.reviewer_set": _("Reviewer assigned"),
    "portal.reviewer_unset": _("Reviewer removed"),
    "portal.workflow_assigned": _("Review workflow assigned"),
    "portal.editor_rights_synced": _("Editor rights synchronized"),
    "portal.sensitive_words_set": _("Sensitive words changed"),
    "portal.channel_views_set": _("Channel view counts set"),
    "portal.comment_submitted": _("Comment submitted"),
    "portal.comment_moderated": _("Comment moderated"),
    "portal.comment_answered": _("Comment answered"),
    "portal.correction_suggested": _("Correction suggested"),
    "portal.correction_answered": _("Correction answered"),
    "channels.section_channel_set": _("Section distribution channels set"),
    "channels.enqueued": _("Page queued for distribution"),
    "channels.retried": _("Distribution retried"),
})
