"""Configurable rules of the lifecycle module, from ``settings.DANGJIAN["LIFECYCLE"]`` (all keys
optional; defaults from DOMAIN.md §3 and §8)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Floating certificates
    "CERTIFICATE_VALIDITY_MONTHS": 12,   # default validity of a new certificate
    "CERTIFICATE_MAX_VALIDITY_MONTHS": 24,  # longest validity an issue or renewal may give
    "REPORT_INTERVAL_MONTHS": 12,        # report back to the home branch at least once a year
    "REPORT_INTERVAL_MONTHS_ABROAD": 6,  # members abroad are contacted every 6 months
    "REPORT_REMIND_DAYS_BEFORE": 14,     # remind this many days before a report is due
    # Status changes
    "PROBATION_MONTHS": 12,              # probation is one year from the branch-assembly date
    "EXTENSION_MIN_MONTHS": 6,           # probation may be extended once, by 6 to 12 months
    "EXTENSION_MAX_MONTHS": 12,
    "LOST_CONTACT_MONTHS": 6,            # lost contact ≥ 6 months → 停止党籍
    "LOST_CONTACT_LAPSE_MONTHS": 24,     # still unreachable after 2 years → lapsed
    "DUES_ARREARS_LAPSE_MONTHS": 6,      # 6 consecutive months unpaid → lapsed (branch decision)
    "EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    "EVIDENCE_MAX_FILES": 5,
}


def get(key: str) -> Any:
    config = (getattr(settings, "DANGJIAN", None) or {}).get("LIFECYCLE") or {}
    return config.get(key, DEFAULTS[key])
