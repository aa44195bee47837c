"""The module's configurable rules (DOMAIN.md §6): defaults here, overridden by
``settings.ORGLIFE`` (a dict with any of the keys below; ``FREQUENCIES`` entries are merged)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

#: kind -> (period, count): at least ``count`` closed activities of the kind per period.
#: Periods are "month", "quarter" or "year" in Asia/Shanghai. Heart-to-heart talks are counted
#: per pair in the committee (not per branch), so they carry no branch frequency.
DEFAULT_FREQUENCIES: dict[str, tuple[str, int]] = {
    "branch_assembly": ("quarter", 1),
    "committee_meeting": ("month", 1),
    "group_meeting": ("month", 1),
    "party_lecture": ("quarter", 1),
    "theme_day": ("month", 1),
    "life_meeting": ("year", 1),
    "member_review": ("year", 1),
}

DEFAULTS: dict[str, Any] = {
    "QR_ROTATE_SECONDS": 30,
    #: After a valid scan by a signed-out phone, the check-in completes if the member signs in
    #: within this many seconds (the code itself may have rotated meanwhile).
    "QR_LOGIN_GRACE_SECONDS": 300,
    "INACTIVE_DAYS": 30,
    #: A branch committee exists from this many current members (DOMAIN.md §2); smaller branches
    #: are not required to hold committee meetings.
    "COMMITTEE_MIN_MEMBERS": 7,
    #: Remind the branch this many working days before a quarter ends without an assembly.
    "ASSEMBLY_REMINDER_WORKDAYS": 10,
    "PAGE_SIZE": 25,
    #: Democratic review: at most this share of the graded members may be rated excellent.
    "EXCELLENT_CAP": "1/3",
    "MAX_MATERIAL_BYTES": 20 * 1024 * 1024,
    "MAX_PHOTO_BYTES": 8 * 1024 * 1024,
    "MAX_PHOTOS": 12,
    #: Heart-to-heart talks (谈心谈话, DOMAIN.md §6): the pairs that must talk at least once a
    #: year. "committee" = every pair of branch-committee members (the rule); add
    #: "secretary_members" for the secretary with each member of the branch (common practice).
    "HEART_TALK_PAIRS": ("committee",),
    #: Each secretary gives at least this many party lectures a year (DOMAIN.md §6); 0 = no check.
    "SECRETARY_LECTURES": 1,
}

PERIODS = ("month", "quarter", "year")


def conf(key: str) -> Any:
    return getattr(settings, "ORGLIFE", {}).get(key, DEFAULTS[key])


def frequencies() -> dict[str, tuple[str, int]]:
    merged = dict(DEFAULT_FREQUENCIES)
    merged.update(getattr(settings, "ORGLIFE", {}).get("FREQUENCIES", {}))
    return {k: (p, int(n)) for k, (p, n) in merged.items() if p in PERIODS and int(n) > 0}


def excellent_cap() -> tuple[int, int]:
    """The 优秀 cap as a fraction (numerator, denominator); "1/3" by default."""
    raw = str(conf("EXCELLENT_CAP"))
    num, _sep, den = raw.partition("/")
    n, d = int(num), int(den or 1)
    if not 0 <= n <= d or d <= 0:
        raise ValueError(f"ORGLIFE EXCELLENT_CAP must be a fraction between 0 and 1, not {raw!r}")
    return n, d
