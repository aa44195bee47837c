from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from dangjian.orgs import BRANCH_KINDS, GridType, OrgKind, UnitSituation


class Organization(MP_Node):
    """A party organization. Materialized path: a subtree is every node whose path starts with
    this node's path, which is one indexed range query (see ``dangjian.core.scoping``)."""

    steplen = 4

    name = models.CharField(_("full name"), max_length=200, help_text=_("As on the organization's seal."))
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    grid_type = models.CharField(_("grid type"), max_length=20, choices=GridType.choices, blank=True)
    unit_situation = models.CharField(
        _("unit situation"), max_length=20, choices=UnitSituation.choices, default=UnitSituation.LEGAL_PERSON
    )
    code = models.CharField(_("organization code"), max_length=40, blank=True, db_index=True)
    secretary_name = models.CharField(_("secretary"), max_length=64, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), default=3)
    term_started_on = models.DateField(_("current term started on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Set by do_update_organization when the organization is deactivated (cleared if reactivated):
    # the organization counts in the statistics up to the day before.
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("party organization")
        verbose_name_plural = _("party organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


class PartyGroup(models.Model):
    """A party group (党小组) inside a branch."""

    branch = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="party_groups", verbose_name=_("branch"))
    name = models.CharField(_("name"), max_length=100)
    leader_name = models.CharField(_("group leader"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("party group")
        verbose_name_plural = _("party groups")
        constraints = [models.UniqueConstraint(fields=["branch", "name"], name="unique_group_name_in_branch")]

    def __str__(self) -> str:
        return self.name
