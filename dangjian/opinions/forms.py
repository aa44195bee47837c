"""Forms for the public pages. They only parse and render: the rules live in
``actions.clean_opinion_data`` (one validation for web and API); the view puts its errors back
on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.opinions import OpinionKind
from dangjian.opinions.actions import BODY_MAX, NAME_MAX, PLACE_TEXT_MAX, TITLE_MAX


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


PUBLIC_CHOICES = [
    ("1", _("Public: others can read it (your name is masked, your phone is never shown)")),
    ("0", _("Private: only you and the staff handling it can see it")),
]


class OpinionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What kind of opinion?"), choices=OpinionKind.choices, widget=forms.RadioSelect,
                             required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=TITLE_MAX + 50,
                            widget=forms.TextInput(attrs={"maxlength": TITLE_MAX}))
    body = forms.CharField(label=_("Content"), required=False, max_length=BODY_MAX + 500,
                           widget=forms.Textarea(attrs={"rows": 6, "maxlength": BODY_MAX}))
    place = forms.ChoiceField(label=_("Town or community"), required=False)
    place_text = forms.CharField(label=_("Place details"), required=False, max_length=PLACE_TEXT_MAX + 50,
                                 help_text=_("Street, village, building… (optional)"))
    name = forms.CharField(label=_("Your name"), required=False, max_length=NAME_MAX + 20,
                           help_text=_("Optional. Shown masked (e.g. 张**) if you make the opinion public."))
    phone = forms.CharField(label=_("Your phone"), required=False, max_length=32,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                            help_text=_("Needed to follow your opinion with its tracking number. Never published."))
    is_public = forms.ChoiceField(label=_("Publish this opinion?"), choices=PUBLIC_CHOICES, widget=forms.RadioSelect,
                                  initial="0", required=False)
    photos = MultipleFileField(
        label=_("Photos"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("Up to 3 photos, JPEG, PNG or WebP, at most 5 MB each."),
    )

    def __init__(self, *args: Any, place_choices: list[tuple[int, str]] = (), phone_required: bool = True,  # type: ignore[assignment]
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        place = self.fields["place"]
        assert isinstance(place, forms.ChoiceField)
        place.choices = [("", _("— not about a particular place —")), *place_choices]
        self.phone_required = phone_required


class TrackForm(forms.Form):
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=30,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "YJ20260101-0001"}))
    phone = forms.CharField(label=_("Phone given with the opinion"), max_length=32,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
