"""Personal-data protection: encrypted fields, HMAC digests for exact lookups, masking.

ID-card and phone numbers are stored as Fernet ciphertext (``EncryptedCharField``), with an
HMAC-SHA256 digest beside them for exact-value search and a masked copy for display and partial
search. Keys come from settings (``FIELD_ENCRYPTION_KEYS`` newest first, ``FIELD_HMAC_KEY``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _fernet_key(material: str) -> bytes:
    """Accept a real Fernet key, or derive one from any secret string."""
    try:
        Fernet(material.encode())
        return material.encode()
    except (ValueError, TypeError):
        import base64

        return base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())


@functools.cache
def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # pragma: no cover - wrong key configured
        raise ValueError("cannot decrypt field: wrong FIELD_ENCRYPTION_KEYS?") from exc


def digest(value: str, *, purpose: str) -> str:
    """Keyed digest for exact-value lookup; ``purpose`` separates ID numbers from phones."""
    key = settings.FIELD_HMAC_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


#: Characters of an ID-card number left visible at each end of its masked form.
ID_MASK_KEEP = 2


def mask_id_number(value: str) -> str:
    """``32**************1X``: the province and the last two characters only.

    An ID-card number is region (6) + birth date (8) + sequence (3) + check digit. Keeping the
    first and last four (the usual mask) leaves two region digits and the birth date to guess, and
    the birth date is often printed next to it: about ten candidates rebuild the full number.
    With two characters at each end, someone who knows the birth date still has four region digits
    and two sequence digits to guess (on the order of a thousand candidates within a province,
    after the check digit), and the pages that show this mask show at most the birth year.
    """
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:ID_MASK_KEEP] + "*" * (len(value) - 2 * ID_MASK_KEEP) + value[-ID_MASK_KEEP:]


def id_number_tail(value: str) -> str:
    """The last four characters, stored (never shown) for the "last digits" search."""
    return value[-4:] if len(value) > 8 else ""


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return value[:2] + "*" * (len(value) - 2)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


class EncryptedCharField(models.TextField):
    """Text stored encrypted; reads decrypt. Not searchable: pair it with a digest field."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if value is None or value == "":
            return "" if value == "" else value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
