from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
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


def apply_action_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a ValidationError raised by an action on the field it names (or on the form)."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
