"""Members: the member registry (E1); person data kept apart from membership data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")
    SUSPENDED = "suspended", _("Membership suspended (lost contact)")
    DECEASED = "deceased", _("Deceased")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    REMOVED = "removed", _("Removed from the party")
    EXPELLED = "expelled", _("Expelled")
    LAPSED = "lapsed", _("Lapsed (left of own accord)")


#: Statuses of people counted as members of the organization today.
CURRENT_STATUSES = frozenset({MemberStatus.PROBATIONARY, MemberStatus.FULL})
#: Statuses still kept on the organization's roll (current plus suspended).
ON_ROLL_STATUSES = frozenset({MemberStatus.PROBATIONARY, MemberStatus.FULL, MemberStatus.SUSPENDED})

_EXITS = {
    MemberStatus.DECEASED, MemberStatus.TRANSFERRED_OUT, MemberStatus.REMOVED,
    MemberStatus.EXPELLED, MemberStatus.LAPSED,
}
#: The legal status changes; anything else is refused (DESIGN.md §4 rule 5).
TRANSITIONS: dict[str, frozenset[str]] = {
    MemberStatus.PROBATIONARY: frozenset({MemberStatus.FULL, MemberStatus.SUSPENDED, *_EXITS}),
    MemberStatus.FULL: frozenset({MemberStatus.SUSPENDED, *_EXITS}),
    MemberStatus.SUSPENDED: frozenset({MemberStatus.FULL, MemberStatus.PROBATIONARY, *_EXITS} - {MemberStatus.TRANSFERRED_OUT}),
    MemberStatus.DECEASED: frozenset(),
    MemberStatus.TRANSFERRED_OUT: frozenset(),
    MemberStatus.REMOVED: frozenset(),
    MemberStatus.EXPELLED: frozenset(),
    MemberStatus.LAPSED: frozenset(),
}


class SpellChange(models.TextChoices):
    """What started a spell of the membership history (``members.MemberSpell.change``)."""

    CREATED = "created", _("Registered")
    DEVELOPED = "developed", _("Admitted (developed)")
    IMPORTED = "imported", _("Imported")
    TRANSFERRED = "transferred", _("Transferred")
    STATUS = "status", _("Status changed")
    UPDATED = "updated", _("Edited")
    CORRECTED = "corrected", _("Corrected")


class MemberCategory(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    RETIRED = "retired", _("Retired")
    FARMER = "farmer", _("Farmer")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Unemployed")
    OTHER = "other", _("Other")


class AddType(models.TextChoices):
    DEVELOPED = "developed", _("Newly developed")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior middle school")
    SENIOR = "senior", _("Senior middle school / technical school")
    JUNIOR_COLLEGE = "junior_college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctor")
