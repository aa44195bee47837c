"""Live lectures of the mobile party school (微信党课, issue 16): a lecturer posts text, images and
short voice clips into a lecture room; members follow by polling (decision 0008) and ask
questions; the lecturer answers and pins; afterwards the room is a replayable record."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LectureStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    FINISHED = "finished", pgettext_lazy("lectures", "Finished")


class MessageKind(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    VOICE = "voice", _("Voice clip")
    QUESTION = "question", pgettext_lazy("lectures", "Question")
    ANSWER = "answer", pgettext_lazy("lectures", "Answer")
