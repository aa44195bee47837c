from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.portal import CommentStatus, CorrectionStatus


class CommentForm(forms.Form):
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=40)
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}), max_length=1000)


class ModerateForm(forms.Form):
    status = forms.ChoiceField(choices=[(CommentStatus.APPROVED, _("Publish")), (CommentStatus.REJECTED, _("Reject"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Official answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class SensitiveWordsForm(forms.Form):
    words = forms.CharField(label=_("Sensitive words (one per line)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 8}))


class CorrectionForm(forms.Form):
    quote = forms.CharField(label=_("Which text is wrong (optional)"), required=False, max_length=300)
    body = forms.CharField(label=_("What should it say?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=40)


class CorrectionAnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=[
        (CorrectionStatus.ACCEPTED, _("Corrected: show the note on the page")),
        (CorrectionStatus.DECLINED, _("Not corrected"))])
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
