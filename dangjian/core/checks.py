"""Deployment checks (``manage.py check --deploy``): the secrets must be strong.

Django's own ``security.W009`` only warns about a weak ``SECRET_KEY`` (and ``check --deploy``
passes on warnings); nothing looked at the personal-data keys. These checks are errors, for
``SECRET_KEY``, every key of ``FIELD_ENCRYPTION_KEYS`` and ``FIELD_HMAC_KEY``: too short, too
few distinct characters, too little estimated entropy, a placeholder or demo value, or one key
reused for two purposes."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_LENGTH = 32
MIN_DISTINCT = 12
#: Shannon estimate over the characters of the key (a random 43-character URL-safe key gives
#: about 200 bits; a key typed by hand rarely reaches this).
MIN_BITS = 128
#: Matched as written (a random key holds one of these by chance about once in 10^7).
PLACEHOLDERS = ("insecure", "changeme", "change-me", "change_me", "replace-me", "example", "demo-", "demo_",
                "dangjian", "secret-key", "password")


def estimated_bits(key: str) -> float:
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def weakness(key: str) -> str | None:
    """Why ``key`` is too weak to protect production data, or None."""
    if len(key) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    placeholder = next((word for word in PLACEHOLDERS if word in key), None)
    if placeholder:
        return f"contains the placeholder {placeholder!r}"
    if len(set(key)) < MIN_DISTINCT:
        return f"fewer than {MIN_DISTINCT} distinct characters"
    if estimated_bits(key) < MIN_BITS:
        return f"less than {MIN_BITS} bits of estimated entropy"
    if len(zlib.compress(key.encode(), 9)) < 0.75 * len(key.encode()):
        return "a repeated pattern"
    steps = sum(abs(ord(b) - ord(a)) == 1 for a, b in zip(key, key[1:], strict=False))
    if steps > len(key) / 2:
        return "a run of consecutive characters"
    return None


def _keys() -> list[tuple[str, str]]:
    keys = [("SECRET_KEY", str(settings.SECRET_KEY or ""))]
    keys += [(f"FIELD_ENCRYPTION_KEYS[{i}]", str(k)) for i, k in enumerate(settings.FIELD_ENCRYPTION_KEYS or [])]
    keys.append(("FIELD_HMAC_KEY", str(getattr(settings, "FIELD_HMAC_KEY", "") or "")))
    return keys


@register(Tags.security, deploy=True)
def check_secret_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    keys = _keys()
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(Error("FIELD_ENCRYPTION_KEYS is empty.", id="dangjian.E001"))
    for name, key in keys:
        reason = weakness(key)
        if reason:
            errors.append(Error(
                f"{name} is weak: {reason}.",
                hint="Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))' "
                     "(for FIELD_ENCRYPTION_KEYS a Fernet key also serves).",
                id="dangjian.E001",
            ))
    seen: dict[str, str] = {}
    for name, key in keys:
        if key and key in seen:
            errors.append(Error(f"{name} is the same as {seen[key]}: each secret must be its own.",
                                id="dangjian.E002"))
        seen.setdefault(key, name)
    return errors
