"""Member data validation — one form used by the web pages, the API and the Excel import."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import validators
from dangjian.members import AddType, Education, MemberCategory, MemberStatus, Sex

PERSON_FIELDS = ("name", "sex", "ethnicity", "birth_date", "id_number", "phone", "education", "address", "work_unit", "job_post")
MEMBER_FIELDS = ("organization", "status", "category", "join_date", "full_date", "add_type", "note")


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False, initial="汉族")
    birth_date = forms.DateField(label=_("Birth date"), required=False)
    id_number = forms.CharField(label=_("ID-card number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—"), *Education.choices], required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    work_unit = forms.CharField(label=_("Work unit"), max_length=200, required=False)
    job_post = forms.CharField(label=_("Post"), max_length=100, required=False)
    organization = forms.IntegerField(label=_("Organization"), widget=forms.Select)
    status = forms.ChoiceField(label=_("Status"), choices=[(MemberStatus.PROBATIONARY.value, MemberStatus.PROBATIONARY.label), (MemberStatus.FULL.value, MemberStatus.FULL.label)])
    category = forms.ChoiceField(label=_("Category"), choices=MemberCategory.choices, initial=MemberCategory.IN_SERVICE)
    join_date = forms.DateField(label=_("Date joined the party"), required=False)
    full_date = forms.DateField(label=_("Date of full membership"), required=False)
    add_type = forms.ChoiceField(label=_("How added"), choices=AddType.choices, initial=AddType.DEVELOPED)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]] | None = None, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if org_choices is not None:
            self.fields["organization"].widget.choices = org_choices
        if editing:
            # Status changes go through their own action with a reason, not the edit form.
            del self.fields["status"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("The name cannot be empty."))
        return name

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number") or ""
        return validators.validate_id_number(value) if value.strip() else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return validators.validate_phone(value) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        id_number = data.get("id_number")
        birth = data.get("birth_date")
        if id_number:
            from_id = validators.birth_date_from_id(id_number)
            if birth and birth != from_id:
                self.add_error("birth_date", _("The birth date does not match the ID-card number."))
            data["birth_date"] = from_id
            birth = from_id
            if not data.get("sex"):
                data["sex"] = validators.sex_from_id(id_number)
        today = timezone.localdate()
        join, full = data.get("join_date"), data.get("full_date")
        for field in ("birth_date", "join_date", "full_date"):
            value = data.get(field)
            if isinstance(value, dt.date) and value > today:
                self.add_error(field, _("This date is in the future."))
        if join and birth and (join.year - birth.year - ((join.month, join.day) < (birth.month, birth.day))) < 18:
            self.add_error("join_date", _("A member must be at least 18 years old when joining the party."))
        if join and full and full < join:
            self.add_error("full_date", _("Full membership cannot come before joining the party."))
        if data.get("status") == MemberStatus.PROBATIONARY and full:
            self.add_error("full_date", _("A probationary member has no full-membership date."))
        if data.get("status") == MemberStatus.FULL and join and not full:
            self.add_error("full_date", _("A full member needs the date of full membership."))
        return data
