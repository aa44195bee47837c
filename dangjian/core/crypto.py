"""Personal-data protection: encrypted fields, HMAC digests for exact lookups, masking.

ID-card and phone numbers are stored as Fernet ciphertext (``EncryptedCharField``), with an
HMAC-SHA256 digest beside them for exact-value search and a masked copy for display and partial
search. Keys come from settings (``FIELD_ENCRYPTION_KEYS`` newest first, ``FIELD_HMAC_KEY``).

The encryption keys are a keyring: a value decrypts with any key of the list and is always
written with the newest. ``manage.py rotate_keys`` re-encrypts every stored value with the newest
key and recomputes the digests (after a change of ``FIELD_HMAC_KEY``); an encrypted field names
its digest beside it (``digest_field``, ``digest_purpose``) so the command finds both.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
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


@functools.cache
def _newest() -> Fernet:
    return Fernet(_fernet_key(settings.FIELD_ENCRYPTION_KEYS[0]))


def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _cipher.cache_clear()
        _newest.cache_clear()


setting_changed.connect(_forget_keys)


def is_current(token: str) -> bool:
    """Whether ``token`` is encrypted with the newest key (nothing to rotate)."""
    try:
        _newest().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


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
    """Text stored encrypted; reads decrypt. Not searchable: pair it with a digest field, named
    by ``digest_field`` and ``digest_purpose`` (the ``purpose`` given to :func:`digest`)."""

    def __init__(self, *args: Any, digest_field: str = "", digest_purpose: str = "", **kwargs: Any) -> None:
        # Not part of the database schema, so not in ``deconstruct()`` (no migration).
        self.digest_field = digest_field
        self.digest_purpose = digest_purpose
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if value is None or value == "":
            return "" if value == "" else value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
