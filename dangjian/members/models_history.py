"""The membership history: a member's state over time as *spells*, so that any figure can be
computed "as of" a past date (the year-end statistics, issue 15).

A spell holds on the days ``valid_from <= day < valid_to`` (``valid_to`` null: the open spell, the
state today). The spells of one member never overlap and follow each other without gaps, from the
first one to the open one, and the open spell always equals the ``Member`` row. They are written
only by ``members.spells.record_change`` (and its bulk forms), called inside the transaction of
every action that changes a member's organization, status, category or education.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.members import AddType, Education, MemberCategory, MemberStatus, SpellChange

__all__ = ["MemberSpell"]


class MemberSpell(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="spells",
                               verbose_name=_("member"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    # Copy of the organization's path during the spell: "in subtree P as of D" is one index range.
    org_path = models.CharField(max_length=255)
    status = models.CharField(_("status"), max_length=20, choices=MemberStatus.choices)
    category = models.CharField(_("category"), max_length=20, choices=MemberCategory.choices)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    # How the member came onto the roll of this spell's organization (the member's add type then).
    add_type = models.CharField(_("how added"), max_length=20, choices=AddType.choices, default=AddType.DEVELOPED)
    # Copies of facts that are not history (corrected on every spell when the record is corrected),
    # so the statistics split a subtree's spells without joining the member and person tables.
    sex = models.CharField(_("sex"), max_length=10, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    join_date = models.DateField(_("date joined the party"), null=True, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    # The previous spell's organization path and status ("" for the first spell): an entry into or
    # an exit from a subtree's roll is one row, found without a self-join.
    prev_org_path = models.CharField(max_length=255, blank=True)
    prev_status = models.CharField(max_length=20, blank=True)
    change = models.CharField(_("change"), max_length=20, choices=SpellChange.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership spell")
        verbose_name_plural = _("membership history")
        indexes = [
            # "as of D in subtree P" and "entered P in the year of D" (PostgreSQL: LIKE 'P%').
            models.Index(fields=["org_path", "valid_from"], name="spell_path_from_idx",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
            # "left P in the year of D".
            models.Index(fields=["prev_org_path", "valid_from"], name="spell_prev_path_from_idx",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
            # a year's changes over a whole province.
            models.Index(fields=["valid_from"], name="spell_from_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "valid_from"], name="unique_spell_start"),
            models.UniqueConstraint(fields=["member"], condition=models.Q(valid_to__isnull=True),
                                    name="one_open_spell"),
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                                   name="spell_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.org_path} {self.status} {self.valid_from}–{self.valid_to or ''}"
