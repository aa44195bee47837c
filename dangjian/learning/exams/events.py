"""Audit event names of exams."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "exam_bank.created": _("Question bank created"),
    "exam_bank.imported": _("Questions imported into a bank"),
    "exam_question.changed": _("Question taken out of or put back into use"),
    "exam.created": _("Exam created"),
    "exam.published": _("Exam published"),
    "exam.closed": _("Exam closed"),
    "exam.prepared": _("Exam papers drawn for the audience"),
    "exam_attempt.submitted": _("Exam attempt submitted and marked"),
    "exam_attempt.expired": _("Exam attempt marked at its time limit"),
})
