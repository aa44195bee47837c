"""Forms of the case pages. They parse and render; the rules live in ``actions.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.cases import AccountabilityDecision, CaseCategory, CaseState, MemberRole


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class AssignForm(forms.Form):
    lead_department = DepartmentChoiceField(label=_("Lead department"), queryset=None, empty_label=_("Choose…"))  # type: ignore[arg-type]
    co_departments: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(  # type: ignore[type-arg]
        label=_("Co-departments"), queryset=None, required=False,  # type: ignore[arg-type]
        widget=forms.CheckboxSelectMultiple)
    category = forms.ChoiceField(label=pgettext_lazy("case", "Category"), choices=[("", _("From the opinion's kind"))] + list(
        CaseCategory.choices), required=False, help_text=_("The category sets the deadline in working days."))
    note = forms.CharField(label=_("Instructions for the department"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead: Any = self.fields["lead_department"]
        co: Any = self.fields["co_departments"]
        lead.queryset = departments
        co.queryset = departments
        co.label_from_instance = lambda obj: obj.name


class ReassignForm(AssignForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["category"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             required=False)


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply to the sender"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("The reply is shown to the sender and, for public opinions, to everyone."))


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Supervision note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AccountabilityForm(forms.Form):
    person = forms.CharField(label=_("Person held responsible"), max_length=100, required=False)
    rule = forms.CharField(label=_("Rule breached"), max_length=300, required=False,
                           help_text=_("E.g. “reply within the deadline” of the case-handling rules."))
    decision = forms.ChoiceField(label=_("Decision"), choices=[("", _("Choose…"))] + list(
        AccountabilityDecision.choices), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All states"))] + list(CaseState.choices),
                              required=False)
    dept = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    overdue = forms.ChoiceField(label=_("Deadline"), required=False, choices=[
        ("", _("Any")), ("1", _("Overdue")), ("0", _("Not overdue"))])

    def __init__(self, *args: Any, dept_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dept: Any = self.fields["dept"]
        dept.choices = [("", _("All departments"))] + dept_choices


class DepartmentForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100, required=False)
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org: Any = self.fields["organization"]
        org.choices = [("", _("Choose…"))] + org_choices


class DepartmentEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, required=False)


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    summary = forms.CharField(label=_("What happened"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    lead_department = DepartmentChoiceField(label=_("Lead department"), queryset=None, empty_label=_("Choose…"),  # type: ignore[arg-type]
                                            required=False)
    hours = forms.IntegerField(label=_("Respond within (hours)"), min_value=1, max_value=240, required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead: Any = self.fields["lead_department"]
        lead.queryset = departments


class StatementForm(forms.Form):
    text = forms.CharField(label=_("Public statement"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Published on the incident's public page at once."))


class CoInputForm(forms.Form):
    department = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=_("Our department's input"), max_length=4000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Your opinion or what your department did; the lead department reads it "
                                       "before it replies."))


class WaiveForm(forms.Form):
    department = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for not waiting"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
