"""A member's info sets besides basic data (DOMAIN.md §3): posts held, rewards and punishments,
trips abroad, hardship status and family members. Written through members/infoset_actions.py."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "FamilyMember",
    "FamilyRelation",
    "HardshipKind",
    "HardshipRecord",
    "MemberPost",
    "PunishmentKind",
    "RewardKind",
    "RewardPunishment",
    "TripAbroad",
]


class MemberPost(models.Model):
    """A post held (支部书记, 村委会主任 …), inside or outside the party."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="posts",
                               verbose_name=_("member"))
    title = models.CharField(_("post title"), max_length=100)
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_party_post = models.BooleanField(_("party post"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("post held")
        verbose_name_plural = _("posts held")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title


class RewardKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    PUNISHMENT = "punishment", _("Punishment")


class PunishmentKind(models.TextChoices):
    """Party disciplinary sanctions (《中国共产党纪律处分条例》)."""

    WARNING = "warning", _("Warning")
    SERIOUS_WARNING = "serious_warning", _("Serious warning")
    REMOVAL_FROM_POST = "removal_from_post", _("Removal from party post")
    PROBATION = "probation", _("Probation within the party")
    EXPULSION = "expulsion", _("Expulsion from the party")


class RewardPunishment(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="rewards_punishments",
                               verbose_name=_("member"))
    kind = models.CharField(_("reward or punishment"), max_length=12, choices=RewardKind.choices)
    kind_detail = models.CharField(_("sanction"), max_length=20, choices=PunishmentKind.choices, blank=True)
    category = models.CharField(_("level or category"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    decided_by = models.CharField(_("decided by"), max_length=200)
    decided_on = models.DateField(_("decision date"))
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reward or punishment")
        verbose_name_plural = _("rewards and punishments")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.title


class TripAbroad(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="trips_abroad",
                               verbose_name=_("member"))
    destination = models.CharField(_("destination country or region"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=200)
    depart_on = models.DateField(_("departure date"))
    return_on = models.DateField(_("return date"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("trip abroad")
        verbose_name_plural = _("trips abroad")
        ordering = ["-depart_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(return_on__isnull=True) | models.Q(return_on__gte=models.F("depart_on")),
                name="trip_return_after_departure",
            ),
        ]

    def __str__(self) -> str:
        return self.destination


class FamilyRelation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class FamilyMember(models.Model):
    """A family member. Phone numbers of relatives are deliberately not stored."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="family_members",
                               verbose_name=_("member"))
    name = models.CharField(_("name"), max_length=64)
    relation = models.CharField(_("relation"), max_length=10, choices=FamilyRelation.choices)
    work_unit = models.CharField(_("work unit"), max_length=200, blank=True)
    political_status = models.CharField(_("political status"), max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["relation", "id"]

    def __str__(self) -> str:
        return self.name


class HardshipKind(models.TextChoices):
    ILLNESS = "illness", _("Serious illness")
    DISABILITY = "disability", _("Disability")
    POVERTY = "poverty", _("Financial hardship")
    ELDERLY_ALONE = "elderly_alone", _("Elderly, living alone")
    OTHER = "other", _("Other")


class HardshipRecord(models.Model):
    """A hardship; the member is "in hardship" while any record is unresolved."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="hardship_records",
                               verbose_name=_("member"))
    kind = models.CharField(_("kind of hardship"), max_length=20, choices=HardshipKind.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    since = models.DateField(_("since"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    assistance = models.TextField(_("assistance given"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hardship record")
        verbose_name_plural = _("hardship records")
        # Unresolved first: the first row tells whether the member is in hardship now.
        ordering = [models.F("resolved_on").desc(nulls_first=True), "-since", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True) | models.Q(resolved_on__gte=models.F("since")),
                name="hardship_resolved_after_since",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_ongoing(self) -> bool:
        return self.resolved_on is None
