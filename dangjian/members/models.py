from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.core import crypto
from dangjian.members import TRANSITIONS, AddType, Education, MemberCategory, MemberStatus, Sex


class Person(models.Model):
    """A natural person's data, apart from any membership. ID-card number and phone are
    encrypted at rest; ``*_digest`` serve exact lookups, ``*_masked`` display and partial search,
    ``id_number_tail`` the search by the last four digits."""

    name = models.CharField(_("name"), max_length=64)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=32, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="汉族")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number = crypto.EncryptedCharField(_("ID-card number"), blank=True, digest_field="id_number_digest",
                                          digest_purpose="id")
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("ID-card number"), max_length=18, blank=True, db_index=True)
    # The last four characters, for the "last digits" search of users who may see the number; never
    # displayed (the mask shows two).
    id_number_tail = models.CharField(max_length=4, blank=True, db_index=True)
    phone = crypto.EncryptedCharField(_("phone"), blank=True, digest_field="phone_digest", digest_purpose="phone")
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=16, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=200, blank=True)
    job_post = models.CharField(_("post"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="person", verbose_name=_("account"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"], condition=~models.Q(id_number_digest=""), name="unique_person_id_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, value: str) -> None:
        self.id_number = value
        self.id_number_digest = crypto.digest(value, purpose="id") if value else ""
        self.id_number_masked = crypto.mask_id_number(value)
        self.id_number_tail = crypto.id_number_tail(value)

    def set_phone(self, value: str) -> None:
        self.phone = value
        self.phone_digest = crypto.digest(value, purpose="phone") if value else ""
        self.phone_masked = crypto.mask_phone(value)

    def set_name(self, value: str) -> None:
        from dangjian.members.pinyin import full_pinyin, initials

        self.name = value
        self.name_pinyin = full_pinyin(value)
        self.name_initials = initials(value)


class Member(models.Model):
    """Membership: which organization holds the person's party membership, and its state."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="member", verbose_name=_("person"))
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name=_("organization")
    )
    # Copy of organization.path, kept by the actions that move members or organizations, so a
    # subtree filter or count is one index range on this table.
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    party_group = models.ForeignKey(
        "orgs.PartyGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        verbose_name=_("party group"),
    )
    status = models.CharField(_("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL)
    category = models.CharField(_("category"), max_length=20, choices=MemberCategory.choices, default=MemberCategory.IN_SERVICE)
    join_date = models.DateField(_("date joined the party"), null=True, blank=True)
    full_date = models.DateField(_("date of full membership"), null=True, blank=True)
    add_type = models.CharField(_("how added"), max_length=20, choices=AddType.choices, default=AddType.DEVELOPED)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        indexes = [
            models.Index(fields=["org_path", "status"], name="member_path_status_idx"),
        ]

    def __str__(self) -> str:
        return self.person.name

    def check_transition(self, new_status: str) -> None:
        if new_status not in MemberStatus.values:
            raise ValidationError({"status": gettext("Unknown status.")})
        if new_status not in TRANSITIONS[self.status]:
            raise ValidationError(
                {"status": gettext("A member cannot go from “%(old)s” to “%(new)s”.") % {
                    "old": MemberStatus(self.status).label, "new": MemberStatus(new_status).label}}
            )

    @property
    def party_standing_years(self) -> int | None:
        """Party standing (党龄) counts from the full-membership date."""
        if not self.full_date:
            return None
        today = timezone.localdate()
        years = today.year - self.full_date.year - ((today.month, today.day) < (self.full_date.month, self.full_date.day))
        return max(years, 0)
from dangjian.members.models_history import *  # noqa: E402,F401,F403
from dangjian.members.models_infosets import *  # noqa: E402,F401,F403
