from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.opinions.forum.actions import BOARD_NAME_MAX, BODY_MAX, REASON_MAX, REPLY_MAX, TITLE_MAX


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Content"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class BoardForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=BOARD_NAME_MAX)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=100000, initial=100,
                               help_text=_("Boards are listed by this number, smallest first."))


class ModeratorForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
