"""Forms of the development pipeline: the one validation of web input (the API builds the same
``StepInput`` from JSON)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.members import Education, Sex
from dangjian.members.development import STEPS, Actor, Meeting, PersonRole, step_label
from dangjian.members.development.actions import PersonIn, StepInput, Votes


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


_DOCS_HELP = _("PDF, JPEG, PNG or Word (.docx), at most 10 MB each.")
_DATE = forms.DateInput(attrs={"type": "date"})


class FileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    organization = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    applied_on = forms.DateField(label=_("Application date"), widget=_DATE)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=_DATE)
    id_number = forms.CharField(label=_("ID-card number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—"), *Education.choices], required=False)
    work_unit = forms.CharField(label=_("Work unit"), max_length=200, required=False)
    job_post = forms.CharField(label=_("Post"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    documents = MultipleFileField(label=_("Application letter and other documents"), required=False,
                                  help_text=_DOCS_HELP)

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = org_choices  # type: ignore[attr-defined]


#: Steps that name exactly these people (member chosen from the branch, or a name typed in).
PICKED_PEOPLE = {5: (PersonRole.MENTOR, 2, 1), 9: (PersonRole.SPONSOR, 2, 2)}


def names_role(step: int) -> str:
    if step == 2:
        return PersonRole.TALKER
    return PersonRole.APPROVER if STEPS[step].actor == Actor.HIGHER else PersonRole.PARTICIPANT


class StepForm(forms.Form):
    step = forms.TypedChoiceField(label=_("Step"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=_DATE)
    note = forms.CharField(label=_("Note / content"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    documents = MultipleFileField(label=_("Documents"), required=False, help_text=_DOCS_HELP)

    def __init__(self, *args: Any, steps: list[int], member_choices: list[tuple[int, str]] = (),  # type: ignore[assignment]
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [(n, step_label(n)) for n in steps]  # type: ignore[attr-defined]
        step = steps[-1] if len(steps) == 1 else None
        if self.is_bound:
            try:
                step = int(self.data.get("step") or 0) or step
            except ValueError:
                step = None
        if step not in steps:
            step = steps[-1]
        self.step_no = step
        info = STEPS[step]
        picked = PICKED_PEOPLE.get(step)
        if picked:
            for i in range(1, picked[1] + 1):
                self.fields[f"person_{i}"] = forms.TypedChoiceField(
                    label=_("%(role)s %(n)d (party member)") % {"role": PersonRole(picked[0]).label, "n": i},
                    choices=[("", "—"), *member_choices], coerce=int, required=False, empty_value=None)
                self.fields[f"person_{i}_name"] = forms.CharField(
                    label=_("or name (not on the platform)"), max_length=64, required=False)
        else:
            self.fields["names"] = forms.CharField(
                label=_("People involved (%(role)s), separated by commas") % {"role": PersonRole(names_role(step)).label},
                max_length=500, required=step == 2)
        if info.meeting != Meeting.NONE:
            entitled = _("Committee members") if info.meeting == Meeting.COMMITTEE else _("Full members entitled to vote")
            self.fields["entitled"] = forms.IntegerField(label=entitled, min_value=1, max_value=100000)
            self.fields["present"] = forms.IntegerField(label=_("Present"), min_value=0, max_value=100000)
            if info.meeting == Meeting.ASSEMBLY:
                self.fields["written"] = forms.IntegerField(label=_("Written opinions of absentees"), min_value=0,
                                                            max_value=100000, initial=0, required=False)
            for key, label in (("yes", pgettext_lazy("vote", "Yes")), ("no", pgettext_lazy("vote", "No")), ("abstain", _("Abstain"))):
                self.fields[key] = forms.IntegerField(label=label, min_value=0, max_value=100000)
        if step == 11:
            self.fields["training_days"] = forms.IntegerField(label=_("Training days"), min_value=0, max_value=365,
                                                              required=False)
            self.fields["training_hours"] = forms.IntegerField(label=_("Class hours"), min_value=0, max_value=2000,
                                                               required=False)
        if step in (2, 17, 24):
            self.fields["late_reason"] = forms.CharField(label=_("Reason for a delay (if past the deadline)"),
                                                         required=False, max_length=2000,
                                                         widget=forms.Textarea(attrs={"rows": 2}))
        if step in (17, 24):
            self.fields["special"] = forms.BooleanField(label=_("Special case (up to 6 months)"), required=False)

    def raw_people(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        picked = PICKED_PEOPLE.get(self.step_no)
        people: list[dict[str, Any]] = []
        if picked:
            for i in range(1, picked[1] + 1):
                if data.get(f"person_{i}"):
                    people.append({"role": picked[0], "member": data[f"person_{i}"]})
                elif (data.get(f"person_{i}_name") or "").strip():
                    people.append({"role": picked[0], "name": data[f"person_{i}_name"].strip()})
        else:
            role = names_role(self.step_no)
            for name in (data.get("names") or "").replace("，", ",").replace("、", ",").split(","):
                if name.strip():
                    people.append({"role": role, "name": name.strip()})
        return people

    def step_input(self, people: list[PersonIn]) -> StepInput:
        d = self.cleaned_data
        votes = None
        if "yes" in d:
            votes = Votes(entitled=d["entitled"], present=d["present"], written=d.get("written") or 0,
                          yes=d["yes"], no=d["no"], abstain=d["abstain"])
        details = {k: d[k] for k in ("training_days", "training_hours") if d.get(k) is not None}
        return StepInput(date=d["date"], note=d.get("note") or "", late_reason=d.get("late_reason") or "",
                         special=bool(d.get("special")), people=people, votes=votes, details=details)


class NoticeForm(forms.Form):
    start = forms.DateField(label=_("Notice starts on"), widget=_DATE)
    text = forms.CharField(label=_("Notice text"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(ReasonForm):
    months = forms.IntegerField(label=_("Extend by (months)"), min_value=6, max_value=12)
