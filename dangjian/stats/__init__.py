"""Statistics (issue 15, E7): the consumers of ``core.stats``'s figure registry — year-end party
statistics tables (党内统计), the overview screen (大屏), statistics pages and ``/api/v1/stats``.
Owns no other module's tables: every number comes from a registered figure."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionStatus(models.TextChoices):
    """Year-end tables submitted to the level above (上报), or sent back by it (退回)."""

    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned by the level above")
