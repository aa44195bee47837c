"""Forms of the editor pages. They only parse; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BankForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = org_choices  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


def _number(label: Any, initial: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(label=label, initial=initial, min_value=0, max_value=high)


class ExamForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization (its members take the exam)"), coerce=int)
    bank = forms.TypedChoiceField(label=_("Question bank"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    single_count = _number(_("Single-choice questions"), 0, 200)
    multiple_count = _number(_("Multiple-choice questions"), 0, 200)
    true_false_count = _number(_("True-or-false questions"), 0, 200)
    fill_count = _number(_("Fill-in questions"), 0, 200)
    single_points = _number(_("Points per single-choice question"), 2, 100)
    multiple_points = _number(_("Points per multiple-choice question"), 3, 100)
    true_false_points = _number(_("Points per true-or-false question"), 1, 100)
    fill_points = _number(_("Points per fill-in question"), 2, 100)
    pass_percent = _number(_("Pass mark (%)"), 60, 100)
    duration_minutes = _number(_("Time allowed (minutes)"), 30, 600)
    max_attempts = _number(_("Attempts allowed"), 1, 10)
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DATETIME_INPUT,
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DATETIME_INPUT,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], bank_choices: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = org_choices  # type: ignore[attr-defined]
        self.fields["bank"].choices = bank_choices  # type: ignore[attr-defined]
