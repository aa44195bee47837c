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


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


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
