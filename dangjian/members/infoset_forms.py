"""One ModelForm per info-set kind: THE validation for these records (web and actions alike)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.members.models_infosets import (
    FamilyMember,
    HardshipRecord,
    MemberPost,
    RewardKind,
    RewardPunishment,
    TripAbroad,
)


class _InfoSetForm(forms.ModelForm):
    #: Date fields that may not lie in the future.
    past_dates: tuple[str, ...] = ()
    #: (earlier, later) date-field pairs: ``later`` may not precede ``earlier``.
    date_order: tuple[tuple[str, str], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if isinstance(f, forms.DateField):
                f.widget.input_type = "date"  # type: ignore[attr-defined]
                f.widget.format = "%Y-%m-%d"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        today = timezone.localdate()
        for name in self.past_dates:
            value = data.get(name)
            if isinstance(value, dt.date) and value > today:
                self.add_error(name, _("%(field)s cannot be in the future.") % {"field": self.fields[name].label})
        for earlier, later in self.date_order:
            a, b = data.get(earlier), data.get(later)
            if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a:
                self.add_error(later, _("%(later)s cannot be before %(earlier)s.") % {
                    "later": self.fields[later].label, "earlier": self.fields[earlier].label,
                })
        return data


class MemberPostForm(_InfoSetForm):
    past_dates = ("start_date", "end_date")
    date_order = (("start_date", "end_date"),)

    class Meta:
        model = MemberPost
        fields = ["title", "unit", "start_date", "end_date", "is_party_post"]


class RewardPunishmentForm(_InfoSetForm):
    past_dates = ("decided_on",)

    class Meta:
        model = RewardPunishment
        fields = ["kind", "kind_detail", "category", "title", "decided_by", "decided_on", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind_detail") and data.get("kind") != RewardKind.PUNISHMENT:
            self.add_error("kind_detail", _("A sanction can only be given for a punishment."))
        return data


class TripAbroadForm(_InfoSetForm):
    # Trips are reported ahead, so the departure may lie in the future; the return must follow it.
    date_order = (("depart_on", "return_on"),)

    class Meta:
        model = TripAbroad
        fields = ["destination", "purpose", "depart_on", "return_on"]


class FamilyMemberForm(_InfoSetForm):
    class Meta:
        model = FamilyMember
        fields = ["name", "relation", "work_unit", "political_status"]


class HardshipRecordForm(_InfoSetForm):
    past_dates = ("since", "resolved_on")
    date_order = (("since", "resolved_on"),)

    class Meta:
        model = HardshipRecord
        fields = ["kind", "description", "since", "resolved_on", "assistance"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "assistance": forms.Textarea(attrs={"rows": 3}),
        }


class InfoKind:
    """One info set: its URL key, model, form and headings."""

    def __init__(self, key: str, model: type[models.Model], form: type[_InfoSetForm], title: Any, add_label: Any):
        self.key = key
        self.model = model
        self.form = form
        self.title = title
        self.add_label = add_label


def _kinds() -> dict[str, InfoKind]:
    from django.utils.translation import gettext_lazy

    kinds = [
        InfoKind("posts", MemberPost, MemberPostForm, gettext_lazy("Posts held"), gettext_lazy("Add a post")),
        InfoKind("rewards", RewardPunishment, RewardPunishmentForm, gettext_lazy("Rewards and punishments"),
                 gettext_lazy("Add a reward or punishment")),
        InfoKind("trips", TripAbroad, TripAbroadForm, gettext_lazy("Trips abroad"), gettext_lazy("Add a trip abroad")),
        InfoKind("hardship", HardshipRecord, HardshipRecordForm, gettext_lazy("Hardship"),
                 gettext_lazy("Add a hardship record")),
        InfoKind("family", FamilyMember, FamilyMemberForm, gettext_lazy("Family members"),
                 gettext_lazy("Add a family member")),
    ]
    return {k.key: k for k in kinds}


#: The info sets by URL key, in display order.
INFO_KINDS: dict[str, InfoKind] = _kinds()
