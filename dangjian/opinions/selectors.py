"""Reads for the opinion express lane."""

from __future__ import annotations

import hmac
from typing import Any

from django.db.models import QuerySet

from dangjian.core import crypto
from dangjian.core.validators import normalize_phone
from dangjian.opinions.models import Opinion, OpinionEvent
from dangjian.orgs.models import Organization

PLACE_MAX_DEPTH = 3


def place_choices(limit: int = 2000) -> list[tuple[int, str]]:
    """(id, name) of active organizations on the top three levels (county, towns, communities)."""
    qs = Organization.objects.filter(is_active=True, depth__lte=PLACE_MAX_DEPTH).order_by("path")
    return [(o.pk, ("\u3000" * (o.depth - 1)) + o.name) for o in qs.only("pk", "name", "depth")[:limit]]


def public_opinions() -> QuerySet[Opinion]:
    """Opinions their senders chose to make public, newest first, without personal data columns."""
    return (
        Opinion.objects.filter(is_public=True)
        .select_related("place")
        .only("pk", "tracking_no", "kind", "title", "body", "status", "created_at", "sender_name",
              "place_text", "place__name", "place__short_name")
        .order_by("-created_at", "-pk")
    )


def opinions_of(user: Any) -> QuerySet[Opinion]:
    """The signed-in user's own opinions."""
    if not getattr(user, "is_authenticated", False):
        return Opinion.objects.none()
    return Opinion.objects.filter(sender=user).select_related("place").order_by("-created_at", "-pk")


def normalize_tracking_no(value: str) -> str:
    return "".join((value or "").split()).upper()[:20]


def find_for_tracking(tracking_no: str, phone: str) -> Opinion | None:
    """The opinion with this number whose sender phone matches; None for any mismatch (the
    caller shows the same "not found" whether the number or the phone was wrong)."""
    no = normalize_tracking_no(tracking_no)
    phone = normalize_phone(phone or "")[:32]
    if not no or not phone:
        return None
    opinion = Opinion.objects.filter(tracking_no=no).select_related("place").first()
    wanted = crypto.digest(phone, purpose="opinion_phone")
    stored = opinion.sender_phone_digest if opinion is not None else crypto.digest("", purpose="opinion_phone")
    if opinion is None or not stored or not hmac.compare_digest(stored, wanted):
        return None
    return opinion


def find_own(user: Any, tracking_no: str) -> Opinion | None:
    """A signed-in sender's own opinion by number (no phone needed)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return opinions_of(user).filter(tracking_no=normalize_tracking_no(tracking_no)).first()


def timeline(opinion: Opinion) -> list[OpinionEvent]:
    return list(OpinionEvent.objects.filter(opinion=opinion).order_by("at", "pk"))
