from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.portal.channels import ChannelKind, OutboxStatus


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("All")), *OutboxStatus.choices])
    channel = forms.ChoiceField(label=_("channel"), required=False,
                                choices=[("", _("All")), *ChannelKind.choices])


class SectionChannelForm(forms.Form):
    section = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("channel"), choices=ChannelKind.choices)
    account = forms.CharField(label=_("account"), max_length=50, required=False, initial="default")
    enabled = forms.BooleanField(label=_("enabled"), required=False)
