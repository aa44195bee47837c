"""Validators for Chinese identity data. Messages are translated and name the rule broken."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_number_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> str:
    """Validate an 18-digit resident ID number (GB 11643); return it normalized."""
    value = normalize_id_number(value)
    if not _ID_RE.match(value):
        raise ValidationError(_("An ID-card number has 18 characters: 17 digits and a digit or X."), code="id_format")
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside the ID-card number is not a real date."), code="id_birth") from None
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("The ID-card number's check digit is wrong; please check the number."), code="id_checksum")
    return value


def birth_date_from_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def sex_from_id(value: str) -> str:
    return "male" if int(value[16]) % 2 == 1 else "female"


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", (value or "").strip()).removeprefix("+86")


def validate_phone(value: str) -> str:
    value = normalize_phone(value)
    if not PHONE_RE.match(value):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 1, or a landline number with its area code."),
            code="phone_format",
        )
    return value


def as_date(value: object) -> dt.date | None:
    """A date given as a date or an ISO string (``YYYY-MM-DD``, as forms and JSON send it); None
    for anything else, so the caller names the field in its own message."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
