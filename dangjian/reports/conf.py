"""The settings of reports, with their defaults (``settings.py`` sets them from the environment)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from dangjian.reports.crypto import RECEIPT_KDF, STAFF_KDF, KdfParams


def staff_kdf() -> KdfParams:
    ops, mem = getattr(settings, "REPORTS_STAFF_KDF", (STAFF_KDF.ops, STAFF_KDF.mem))
    return KdfParams(int(ops), int(mem))


def receipt_kdf() -> KdfParams:
    ops, mem = getattr(settings, "REPORTS_RECEIPT_KDF", (RECEIPT_KDF.ops, RECEIPT_KDF.mem))
    return KdfParams(int(ops), int(mem))


def receipt_salt() -> bytes:
    """The site-wide salt of receipt lookups: ``REPORTS_RECEIPT_SALT``, or derived from SECRET_KEY.
    It must never change while reports exist (every receipt code would stop working)."""
    configured = str(getattr(settings, "REPORTS_RECEIPT_SALT", "") or "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"reports.receipt-salt", hashlib.sha256).digest()


def pow_bits() -> int:
    """Leading zero bits of the proof of work (16: about 65,000 SHA-256 in the browser)."""
    return int(getattr(settings, "REPORTS_POW_BITS", 16))


def unlock_minutes() -> int:
    """How long an unlocked staff key stays usable in a session."""
    return int(getattr(settings, "REPORTS_UNLOCK_MINUTES", 30))


def submit_rate() -> str:
    return str(getattr(settings, "REPORTS_SUBMIT_RATE", "10/h"))


def follow_rate() -> str:
    return str(getattr(settings, "REPORTS_FOLLOW_RATE", "60/10m"))


def intake_org_path() -> str:
    """The path of the organization whose discipline staff receive new reports ("" = the first root)."""
    return str(getattr(settings, "REPORTS_INTAKE_ORG_PATH", "") or "")


def case_department_names() -> tuple[str, ...]:
    """What the name of a level's discipline-inspection department in the case engine contains."""
    names = getattr(settings, "REPORTS_CASE_DEPARTMENT_NAMES", ("纪委", "纪检"))
    return tuple(str(n) for n in ([names] if isinstance(names, str) else names) if str(n).strip())
