"""Forms for the transfer pages (the actions do the domain validation)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.search import OrgSearchField


class StartForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    target = forms.ChoiceField(label=_("Receiving organization"), choices=[
        ("platform", _("A branch on this platform")), ("external", _("An organization outside the platform"))],
        initial="platform", widget=forms.RadioSelect)
    to_org = OrgSearchField(label=_("Receiving branch"), scope="transfer_target", required=False,
                            help_text=_("Any branch on the platform: type part of its name, then choose it."))
    external_name = forms.CharField(label=_("Organization outside the platform"), max_length=200, required=False,
                                    help_text=_("Full name as on its seal."))
    external_address = forms.CharField(label=_("Its address"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    validity_days = forms.IntegerField(label=_("Letter valid for (days)"), min_value=1)
    dues_paid_until = forms.CharField(label=_("Dues paid up to (year-month)"), required=False, max_length=7,
                                      help_text=_("Leave blank to take it from the member's dues bills."),
                                      widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-05"}))

    def __init__(self, *args: Any, member_choices: list[tuple[int, str]], user: Any, max_days: int,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_field: Any = self.fields["member"]
        member_field.choices = [("", "—"), *member_choices]
        org_field: Any = self.fields["to_org"]
        org_field.bind_user(user)
        days: Any = self.fields["validity_days"]
        days.widget.attrs["max"] = str(max_days)

    def action_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {"reason": d["reason"], "validity_days": d["validity_days"],
                                "dues_paid_until": d.get("dues_paid_until") or None}
        if d.get("target") == "external":
            data["to_external"] = {"name": d.get("external_name", ""), "address": d.get("external_address", "")}
        else:
            data["to_org"] = d.get("to_org")
        return data


class RequestForm(StartForm):
    """The member's own request: no member choice."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["member"]


class DecisionForm(forms.Form):
    hop = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    reason = forms.CharField(label=_("Opinion or reason"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when returning the transfer."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("Receipt signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False,
                           help_text=_("E.g. who signed the receipt."))


class IncomingLetterForm(forms.Form):
    """The letter a member brings from an organization outside the platform."""

    number = forms.CharField(label=_("Letter number"), max_length=40)
    from_org_name = forms.CharField(label=_("Issuing organization"), max_length=200)
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    dues_paid_until = forms.CharField(label=_("Dues paid up to (year-month)"), required=False, max_length=7,
                                      widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-05"}))
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
