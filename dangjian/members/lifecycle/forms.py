"""Web forms for the lifecycle pages. They only shape input; the actions hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.members.lifecycle import CertificateStatus, ChangeKind, LapseGround, ReportChannel
from dangjian.orgs.search import OrgSearchField


def html5_dates(form: forms.Form) -> None:
    for f in form.fields.values():
        if isinstance(f, forms.DateField):
            f.widget.input_type = "date"
            f.widget.format = "%Y-%m-%d"  # type: ignore[attr-defined]


class FloatingFilterForm(forms.Form):
    org = forms.TypedChoiceField(label=_("Organization"), required=False, coerce=int, empty_value=None)
    dir = forms.ChoiceField(label=_("Direction"), required=False, choices=[
        ("", _("Outgoing and hosted")), ("out", _("Outgoing from my branches")), ("in", _("Hosted by my branches"))])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("Any status")), ("valid", _("In force")), *CertificateStatus.choices])

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.choices = [("", _("All in my scope")), *org_choices]


class IssueForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    host_org = OrgSearchField(label=_("Host branch (on the platform)"), scope="floating_host", required=False,
                              help_text=_("Type part of the branch's name, then choose it; leave empty when the "
                                          "host is outside the platform."))
    host_place = forms.CharField(label=_("Host place (outside the platform)"), required=False, max_length=200,
                                 help_text=_("Province, city and county, when the host branch is not on the platform."))
    host_unit = forms.CharField(label=_("Host unit"), required=False, max_length=200)
    reason = forms.CharField(label=_("Reason for leaving"), max_length=500)
    abroad = forms.BooleanField(label=_("Abroad"), required=False,
                                help_text=_("Members abroad are contacted every 6 months."))
    issued_on = forms.DateField(label=_("Issue date"), required=False, help_text=_("Leave blank for today."))
    expires_on = forms.DateField(label=_("Expiry date"), required=False,
                                 help_text=_("Leave blank for the default validity."))

    def __init__(self, *args: Any, member_choices: list[tuple[int, str]] = (),  # type: ignore[assignment]
                 user: Any = None, **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        member_field: Any = self.fields["member"]
        member_field.choices = [("", "—"), *member_choices]
        host_field: Any = self.fields["host_org"]
        host_field.bind_user(user)
        html5_dates(self)


class RenewForm(forms.Form):
    expires_on = forms.DateField(label=_("New expiry date"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        html5_dates(self)


class EndForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=[("return", _("Returned (member back)")),
                                                           ("revoke", _("Revoke"))])
    reason = forms.CharField(label=_("Reason"), max_length=500)
    on_date = forms.DateField(label=_("Date"), required=False, help_text=_("Leave blank for today."))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        html5_dates(self)


class ReportForm(forms.Form):
    reported_on = forms.DateField(label=_("Date reported"), required=False, help_text=_("Leave blank for today."))
    channel = forms.ChoiceField(label=pgettext_lazy("report", "Channel"), choices=ReportChannel.choices)
    summary = forms.CharField(label=_("Summary"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        html5_dates(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ProposeForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    kind = forms.ChoiceField(label=_("Requested change"), choices=ChangeKind.choices)
    effective_on = forms.DateField(label=_("Effective date"), required=False,
                                   help_text=_("For a death, the date of death. Leave blank for today."))
    lost_contact_since = forms.DateField(label=_("Lost contact since"), required=False,
                                         help_text=_("For suspension or lapse after lost contact."))
    lapse_ground = forms.ChoiceField(label=_("Ground for lapse"), required=False,
                                     choices=[("", "—"), *LapseGround.choices])
    arrears_since = forms.DateField(label=_("Dues unpaid since"), required=False,
                                    help_text=_("For lapse after unpaid dues: the first unpaid month."))
    extension_months = forms.IntegerField(label=_("Extend probation by (months)"), required=False, min_value=1,
                                          max_value=24, help_text=_("For an extension of probation: 6 to 12 "
                                                                    "months, once."))
    reason = forms.CharField(label=_("Reason and branch decision"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("Evidence (PDF, JPEG, PNG)"), required=False)

    def __init__(self, *args: Any, member_choices: list[tuple[int, str]] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        member_field: Any = self.fields["member"]
        member_field.choices = [("", "—"), *member_choices]
        html5_dates(self)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required when rejecting."))
