"""Organization form: the fields the national system keeps (DOMAIN.md §2). The rules live in the
actions (``do_create_organization`` / ``do_update_organization``); this form only parses input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.orgs import GridType, OrgKind, UnitSituation
from dangjian.orgs.actions import ORG_FIELDS
from dangjian.orgs.models import Organization


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200, help_text=_("As on the organization's seal."))
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=pgettext_lazy("organization", "Kind"), choices=OrgKind.choices)
    grid_type = forms.ChoiceField(
        label=_("Grid type"), choices=[("", "—"), *GridType.choices], required=False,
        help_text=_("Only for a network (grid) branch."),
    )
    unit_situation = forms.ChoiceField(label=_("Unit situation"), choices=UnitSituation.choices,
                                       initial=UnitSituation.LEGAL_PERSON)
    code = forms.CharField(label=_("Organization code"), max_length=40, required=False)
    secretary_name = forms.CharField(label=_("Secretary"), max_length=64, required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=6, required=False)
    established_on = forms.DateField(label=_("Established on"), required=False, widget=DateInput)
    term_years = forms.IntegerField(label=_("Term (years)"), min_value=1, max_value=10, initial=3,
                                    help_text=_("5 years for village and community branches, 3 otherwise."))
    term_started_on = forms.DateField(label=_("Current term started on"), required=False, widget=DateInput)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, instance: Organization | None = None,
                 **kwargs: Any):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {k: getattr(instance, k) for k in ORG_FIELDS}
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_postcode(self) -> str:
        return (self.cleaned_data.get("postcode") or "").strip()

    def action_data(self) -> dict[str, Any]:
        """Cleaned data in the shape the actions take (blank text as "", not None)."""
        data = dict(self.cleaned_data)
        for key, value in list(data.items()):
            if value is None and key not in ("established_on", "term_started_on"):
                data.pop(key)
        return data
