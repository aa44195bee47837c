"""Web forms of organizational life: they parse input; the actions check the domain rules."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.orglife import ActivityKind, ActivityStatus, VoteChoice


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ActivityEditForm(forms.Form):
    """What can change on a planned activity (``actions.EDITABLE_FIELDS``); planning adds the rest."""

    topic = forms.CharField(label=_("Topic"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeLocalInput(),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_link = forms.URLField(label=_("Online meeting link"), max_length=500, required=False, assume_scheme="https",
                                 help_text=_("For members who take part remotely (floating members, for example)."))
    agenda = forms.CharField(label=_("Agenda"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class ActivityForm(ActivityEditForm):
    field_order = ["kind", "topic", "party_group", "starts_at", "ends_at", "place", "online_link", "agenda",
                   "attendees", "materials"]
    kind = forms.ChoiceField(label=pgettext_lazy("activity", "Kind"), choices=ActivityKind.choices)
    party_group = forms.TypedChoiceField(label=_("Party group"), required=False, coerce=int, empty_value=None,
                                         help_text=_("Only for a party group meeting."))
    attendees = forms.TypedMultipleChoiceField(
        label=_("Expected attendees"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for committee meetings and heart-to-heart talks; otherwise everyone in the branch "
                    "(or the party group) is expected."))
    materials = MultipleFileField(label=_("Materials"), required=False)

    def __init__(self, *args: Any, groups: list[tuple[int, str]] = (), members: list[tuple[int, str]] = (),  # type: ignore[assignment]
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["party_group"]).choices = [("", _("— none —")), *groups]
        cast(forms.ChoiceField, self.fields["attendees"]).choices = list(members)


class ActivityFilterForm(forms.Form):
    org = forms.TypedChoiceField(label=_("Organization"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=pgettext_lazy("activity", "Kind"), required=False, choices=[("", _("Any kind")), *ActivityKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *ActivityStatus.choices])

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["org"]).choices = [("", _("All in my scope")), *org_choices]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


def editor_labels() -> str:
    """The minutes editor's toolbar labels (``data-rich-editor``, read by orglife/minutes-editor.js)."""
    return json.dumps({
        "bold": str(_("Bold")), "italic": str(_("Italic")), "underline": str(_("Underline")),
        "heading": str(_("Heading")), "subheading": str(_("Subheading")), "paragraph": str(_("Paragraph")),
        "ulist": str(_("Bulleted list")), "olist": str(_("Numbered list")), "quote": str(_("Quote")),
        "link": str(_("Link")), "link_prompt": str(_("Link address (starting with http:// or https://)")),
    }, ensure_ascii=False)


class CloseForm(forms.Form):
    chair = forms.CharField(label=_("Chair"), max_length=64)
    minute_taker = forms.CharField(label=_("Minute-taker"), max_length=64)
    minutes = forms.CharField(label=_("Minutes"), max_length=50000, widget=forms.Textarea(attrs={"rows": 8}),
                              help_text=_("Plain text is fine; simple formatting (bold, lists, headings) is kept, "
                                          "anything else is removed."))

    def __init__(self, *args: Any, lecturers: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lecturers is not None:  # a party lecture: who gave it is part of the record
            self.fields["lecturer"] = forms.TypedChoiceField(
                label=_("Lecturer"), coerce=int, choices=[("", _("— choose —")), *lecturers],
                help_text=_("Who gave the lecture (each secretary gives at least one a year)."))
            self.order_fields(["lecturer", "chair", "minute_taker", "minutes"])
        # The rich-text editor replaces the textarea when JavaScript runs; without it the
        # textarea is used as it is (plain text becomes paragraphs on the server).
        self.fields["minutes"].widget.attrs["data-rich-editor"] = editor_labels()


class ResolutionForm(forms.Form):
    title = forms.CharField(label=_("Motion"), max_length=200)
    text = forms.CharField(label=_("Text"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Your vote"), choices=VoteChoice.choices, widget=forms.RadioSelect)
