"""Web forms of democratic evaluations: they parse input; the actions check the domain rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.ballots.choices import (
    DEFAULT_FLAG_LOW,
    DEFAULT_FLAG_LOWEST,
    DEFAULT_MIN_GROUP,
    EvaluationKind,
    GradeScale,
)

_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def names(text: str) -> list[str]:
    """One name per line (or separated by commas / 、)."""
    for sep in ("，", "、", ","):
        text = text.replace(sep, "\n")
    return [n.strip() for n in text.splitlines() if n.strip()]


class EvaluationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EvaluationKind.choices)
    scale = forms.ChoiceField(label=_("Grade scale"), choices=GradeScale.choices)
    subjects = forms.CharField(label=_("People evaluated"), widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=_("One name per line, in the order of the ballot."))
    dimensions = forms.CharField(label=_("Dimensions"), initial="德、能、勤、绩、廉、总体评价",
                                 help_text=_("Separated by 、 or commas; each is graded on the scale."))
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DateTimeLocalInput(), input_formats=_FORMATS)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeLocalInput(), input_formats=_FORMATS)
    min_group = forms.IntegerField(label=_("Minimum group"), initial=DEFAULT_MIN_GROUP,
                                   help_text=_("Results are shown only when at least this many ballots were cast."))
    flag_lowest = forms.IntegerField(label=_("Flag when the lowest grade reaches (%)"), initial=DEFAULT_FLAG_LOWEST,
                                     help_text=_("0 turns the flag off."))
    flag_low = forms.IntegerField(label=_("Flag when the two lowest grades reach (%)"), initial=DEFAULT_FLAG_LOW,
                                  help_text=_("0 turns the flag off."))

    def action_data(self) -> tuple[dict[str, Any], list[str]]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("subjects", "org")}
        return data, names(self.cleaned_data["subjects"])


class NewEvaluationForm(EvaluationForm):
    field_order = ["org", "title"]
    org = forms.TypedChoiceField(label=_("Organization"), coerce=int)

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices  # type: ignore[attr-defined]


class UsernamesForm(forms.Form):
    usernames = forms.CharField(label=_("Accounts"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("User names, one per line."))

    def cleaned_names(self) -> list[str]:
        return names(self.cleaned_data.get("usernames") or "")


class ReissueVoterForm(forms.Form):
    voter = forms.CharField(label=_("Voter who lost their code"), max_length=150,
                            help_text=_("Their name on the roll, or their user name."))


class ReissueSlipForm(forms.Form):
    code = forms.CharField(label=_("Code or number of the lost or damaged slip"), max_length=64,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false"}),
                           help_text=_("The code as printed on the slip (dashes and spaces do not matter), or "
                                       "the slip's number when its code cannot be read."))
