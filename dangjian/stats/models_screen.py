"""The overview screen's (大屏) layout: which registered figures it shows, how, in which order.

One row per organization that configured its own screen, and at most one default row
(``organization`` empty) for every screen without a layout of its own. A screen with neither
shows the built-in default (``screen.default_widgets``). ``version`` is bumped by every save and
is part of the cache key of the screen's values, so a new layout shows at the next refresh.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScreenLayout(models.Model):
    organization = models.OneToOneField(
        "orgs.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="screen_layout",
        verbose_name=_("organization"),
    )
    #: True on the one row without an organization: the default for every screen.
    is_default = models.BooleanField(default=False, editable=False)
    title = models.CharField(_("title"), max_length=100, blank=True)
    #: ``[{"figure": "members.total", "kind": "number|trend|bar_children|pie|bar",
    #: "dimension": "sex", "span": 1..4}, …]``, validated by ``screen.validate_widgets``.
    widgets = models.JSONField(_("widgets"), default=list)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("overview screen layout")
        verbose_name_plural = _("overview screen layouts")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="stats_screenlayout_one_default"),
            models.CheckConstraint(
                condition=Q(is_default=True, organization__isnull=True) | Q(is_default=False, organization__isnull=False),
                name="stats_screenlayout_default_has_no_org",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(_("Overview screen"))
