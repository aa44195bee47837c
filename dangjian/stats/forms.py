"""The statistics pages' input: which organization and date, a submission's note, a return's reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.stats.actions import NOTE_MAX


class StatsQueryForm(forms.Form):
    """``?org=&date=`` of the statistics pages. The date defaults to ``default`` and may not be in
    the future. The organization is checked against the user's scope by the view (the picker
    offers the top levels of the scope; any organization in it may be asked for)."""

    org = forms.IntegerField(label=_("Organization"), required=False, min_value=1, max_value=2**63 - 1)
    date = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})

    def __init__(self, *args: Any, default: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def clean_date(self) -> dt.date:
        value = self.cleaned_data.get("date") or self.default
        if value > timezone.localdate():
            raise forms.ValidationError(_("Statistics are kept up to today; choose a date that is not in the future."))
        return value


class SubmitTablesForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput, error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})
    note = forms.CharField(label=_("Note to the level above"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required when a check does not reconcile: say why."))


class ReturnSubmissionForm(forms.Form):
    reason = forms.CharField(label=_("Why are the tables returned?"), min_length=2, max_length=NOTE_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))
