"""iCalendar feeds (RFC 5545), built by hand: one per member (their activities) and one per
branch. Calendar apps fetch them without signing in, so the URL carries a token: an HMAC of the
feed's kind and id keyed from SECRET_KEY (changing SECRET_KEY revokes every feed URL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.crypto import constant_time_compare, salted_hmac

from dangjian.orglife import ActivityKind, ActivityStatus
from dangjian.orglife.models import Activity

_SALT = "dangjian.orglife.ical-feed"


def feed_token(kind: str, pk: int) -> str:
    return salted_hmac(_SALT, f"{kind}:{pk}", algorithm="sha256").hexdigest()[:32]


def check_token(kind: str, pk: int, token: str) -> bool:
    return constant_time_compare(feed_token(kind, pk), token or "")


def escape(text: str) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", ""))


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF + space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current, size = "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def build_calendar(name: str, activities: Iterable[Activity], *, base_url: str, host: str) -> str:
    now = _utc(dt.datetime.now(dt.UTC))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Dangjian Cloud//orglife//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for a in activities:
        summary = f"{ActivityKind(a.kind).label}：{a.topic}"
        location = a.place or a.online_link
        description = a.agenda or ""
        if a.online_link:
            description = (description + "\n" if description else "") + a.online_link
        lines += [
            "BEGIN:VEVENT",
            f"UID:orglife-activity-{a.pk}@{host}",
            f"DTSTAMP:{now}",
            f"LAST-MODIFIED:{_utc(a.updated_at)}",
            f"DTSTART:{_utc(a.starts_at)}",
            f"DTEND:{_utc(a.ends_at)}",
            f"SUMMARY:{escape(summary)}",
        ]
        if location:
            lines.append(f"LOCATION:{escape(location)}")
        if description:
            lines.append(f"DESCRIPTION:{escape(description)}")
        lines.append(f"URL:{base_url}/orglife/a/{a.pk}/")
        lines.append("STATUS:" + ("CANCELLED" if a.status == ActivityStatus.CANCELLED else "CONFIRMED"))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
