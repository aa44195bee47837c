"""Organizations: the party-organization tree (E1), grid/network branches (S18, S19), party groups."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    WORKING_COMMITTEE = "working_committee", _("Working committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    JOINT_BRANCH = "joint_branch", _("Joint branch")
    TEMPORARY_BRANCH = "temporary_branch", _("Temporary branch")
    FLOATING_BRANCH = "floating_branch", _("Floating members' branch")
    GRID_BRANCH = "grid_branch", _("Network (grid) branch")


#: Kinds that hold members directly (a branch of any sort).
BRANCH_KINDS = frozenset(
    {OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH, OrgKind.FLOATING_BRANCH, OrgKind.GRID_BRANCH}
)
#: Kinds that may have child organizations.
PARENT_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH})


class GridType(models.TextChoices):
    COMMUNITY = "community", _("Community")
    INDUSTRY = "industry", _("Industry")
    BUILDING = "building", _("Building")


class UnitSituation(models.TextChoices):
    SAME_AS_PARENT = "same_as_parent", _("Same unit as the parent organization")
    LEGAL_PERSON = "legal_person", _("Legal-person unit")
    JOINT = "joint", _("Several units (joint)")
