"""Reads for the opinion express lane."""

from __future__ import annotations

import hmac
from typing import Any

from django.db.models import Q, QuerySet

from dangjian.core import crypto
from dangjian.core.scoping import ALL, get_scoped_or_404, in_scope, scope_paths, scoped
from dangjian.core.validators import normalize_phone
from dangjian.opinions.models import Opinion, OpinionEvent, normalize_text
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
              "place_text", "place__name", "place__short_name", "answer")
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


def find_by_number(tracking_no: str) -> Opinion | None:
    """By number only: for a session that already proved number + phone (see views.rate)."""
    no = normalize_tracking_no(tracking_no)
    return Opinion.objects.filter(tracking_no=no).first() if no else None


def find_own(user: Any, tracking_no: str) -> Opinion | None:
    """A signed-in sender's own opinion by number (no phone needed)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return opinions_of(user).filter(tracking_no=normalize_tracking_no(tracking_no)).first()


def timeline(opinion: Opinion) -> list[OpinionEvent]:
    return list(OpinionEvent.objects.filter(opinion=opinion).order_by("at", "pk"))


# --- staff ---------------------------------------------------------------------------------------

def _no_place_q(user: Any) -> Q | None:
    """Opinions without a place belong to the county: staff scoped on a root organization see them."""
    paths = scope_paths(user, "opinions.view")
    if paths is ALL:
        return None
    if any(len(p) <= Organization.steplen for p in paths):  # type: ignore[union-attr]
        return Q(org_path="")
    return None


def opinions_for_staff(user: Any) -> QuerySet[Opinion]:
    """Opinions the staff user may see and route (``opinions.view`` over the place)."""
    return scoped(Opinion.objects.select_related("place", "case"), user, "opinions.view", path_field="org_path",
                  extra=_no_place_q(user)).order_by("-created_at", "-pk")


def can_see_opinion(user: Any, opinion: Opinion) -> bool:
    if opinion.org_path:
        return in_scope(user, "opinions.view", opinion.org_path)
    return scope_paths(user, "opinions.view") is ALL or _no_place_q(user) is not None


def access_staff_opinion(user: Any, opinion_id: Any) -> Opinion:
    return get_scoped_or_404(Opinion.objects.select_related("place", "case", "case__lead_department"), user,
                             "opinions.view", path_field="org_path", extra=_no_place_q(user), pk=opinion_id)


def duplicates_of(user: Any, opinion: Opinion, limit: int = 20) -> list[Opinion]:
    """Other opinions in the user's scope with the same normalized text (exact duplicates)."""
    if not opinion.text_digest:
        return []
    return list(opinions_for_staff(user).filter(text_digest=opinion.text_digest).exclude(pk=opinion.pk)[:limit])


def near_duplicates_of(user: Any, opinion: Opinion, *, threshold: float = 0.5, window: int = 300,
                       limit: int = 10) -> list[tuple[Opinion, float]]:
    """Opinions already linked to a case whose text is close to this one (MinHash over character
    3-grams, estimated Jaccard similarity ≥ ``threshold``), among the newest ``window`` in scope."""
    from datasketch import MinHash

    def signature(text: str) -> MinHash:
        m = MinHash(num_perm=64, seed=7)
        grams = {text[i:i + 3] for i in range(max(1, len(text) - 2))}
        for g in grams:
            m.update(g.encode())
        return m

    mine = signature(normalize_text(opinion.title, opinion.body))
    candidates = opinions_for_staff(user).filter(case__isnull=False).exclude(pk=opinion.pk)[:window]
    found = []
    for other in candidates:
        score = mine.jaccard(signature(normalize_text(other.title, other.body)))
        if score >= threshold:
            found.append((other, score))
    found.sort(key=lambda pair: -pair[1])
    return found[:limit]


def describe_case_source(case: Any) -> dict[str, str]:
    """How a case opened from an opinion names its source (case pages)."""
    from dangjian.core.ui import safe_reverse

    opinion = Opinion.objects.filter(pk=case.source_id).only("pk", "tracking_no").first()
    if opinion is None:
        return {"label": "", "url": ""}
    return {"label": opinion.tracking_no, "url": safe_reverse("opinions:staff_detail", opinion.pk) or ""}


def case_opinions(case: Any, limit: int = 200) -> list[Opinion]:
    """The voices of a case: every opinion linked to it (personal data masked in templates)."""
    return list(Opinion.objects.filter(case=case).select_related("place").order_by("created_at", "pk")[:limit])


def rejected_inbound(channel: str = "") -> QuerySet[Any]:
    """Messages from the mailbox or chat groups that did not become opinions, newest first (county
    staff only: a message has no place until it is an opinion)."""
    from dangjian.opinions.models import InboundMessage

    qs = InboundMessage.objects.filter(accepted=False)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-received_at", "-pk")
