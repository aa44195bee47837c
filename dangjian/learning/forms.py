"""Forms of the back-office editor pages. Only the shape of the input: the rules live in the
actions (which the API and the demo call too)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.learning import LessonKind, Visibility


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label=_("Who may learn it"), choices=Visibility.choices)


class LessonForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LessonKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=10_000, required=False)
    estimated_minutes = forms.IntegerField(label=_("Estimated time (minutes)"), min_value=1, max_value=600,
                                           initial=5)
    body = forms.CharField(label=_("Text (articles)"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    page_count = forms.IntegerField(label=_("Pages (PDF slides)"), min_value=1, max_value=500, initial=1,
                                    required=False)
    page_seconds = forms.IntegerField(label=_("Seconds each page must be shown (0: the site's default)"),
                                      min_value=0, max_value=3600, initial=0, required=False)


class MediaForm(forms.Form):
    file = forms.FileField(label=_("Media file (video, audio or PDF)"))


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))


class CommentForm(forms.Form):
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=40)
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
