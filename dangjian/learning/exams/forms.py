"""Forms of the editor pages. They only parse; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.learning.exams.models import Exam

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


class ExamForm(forms.ModelForm):
    organization = forms.TypedChoiceField(label=_("Organization (its members take the exam)"), coerce=int)
    bank = forms.TypedChoiceField(label=_("Question bank"), coerce=int)
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DATETIME_INPUT,
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DATETIME_INPUT,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    class Meta:
        model = Exam
        fields = ["organization", "bank", "title", "description", "single_count", "multiple_count",
                  "true_false_count", "fill_count", "single_points", "multiple_points", "true_false_points",
                  "fill_points", "pass_percent", "duration_minutes", "max_attempts", "opens_at", "closes_at"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], bank_choices: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = org_choices  # type: ignore[attr-defined]
        self.fields["bank"].choices = bank_choices  # type: ignore[attr-defined]
