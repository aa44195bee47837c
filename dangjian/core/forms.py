from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Follow my browser"))] + list(settings.LANGUAGES),
        required=False,
    )
    large_font = forms.BooleanField(
        label=_("Large text"),
        required=False,
        help_text=_("Bigger letters and buttons on every page."),
    )
