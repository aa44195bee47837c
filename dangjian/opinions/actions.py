"""Writes for the opinion express lane: intake (citizens and staff), numbering, timeline."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.apikit.schemas import clean_text
from dangjian.core.hooks import routing_decided, text_added
from dangjian.core.models import RoleAssignment
from dangjian.core.notifications import notify
from dangjian.core.roles import Role
from dangjian.core.scoping import has_any, require
from dangjian.core.sequences import next_value
from dangjian.core.validators import validate_phone
from dangjian.opinions import CITIZEN_CHANNELS, EventKind, OpinionChannel, OpinionKind, OpinionStatus
from dangjian.opinions.models import Opinion, OpinionEvent, OpinionPhoto
from dangjian.opinions.photos import EXTENSIONS, check_photos
from dangjian.opinions.textsource import record_of
from dangjian.orgs.models import Organization

logger = logging.getLogger(__name__)

TITLE_MIN, TITLE_MAX = 4, 100
BODY_MIN, BODY_MAX = 10, 2000
NAME_MAX = 64
PLACE_TEXT_MAX = 200
_MAX_ID = 2**31 - 1


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return clean_text(value) if key != "body" else _clean_body(value)


def _clean_body(value: str) -> str:
    # keep line breaks in the body, drop other control characters (NUL breaks PostgreSQL)
    return "".join(ch for ch in value if ch in "\n\t" or ch.isprintable() or ch == " ").strip()


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on", "public"}


def clean_opinion_data(data: Mapping[str, Any], *, phone_required: bool) -> dict[str, Any]:
    """Check everything an opinion needs; raise one ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    kind = _text(data, "kind")
    if kind not in OpinionKind.values:
        errors["kind"] = [_("Choose what kind of opinion this is: suggestion, complaint, inquiry or praise.")]
    out["kind"] = kind

    title = _text(data, "title")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = [_("The title must be %(min)d to %(max)d characters long.") % {"min": TITLE_MIN, "max": TITLE_MAX}]
    out["title"] = title

    body = _text(data, "body")
    if not BODY_MIN <= len(body) <= BODY_MAX:
        errors["body"] = [_("The content must be %(min)d to %(max)d characters long.") % {"min": BODY_MIN, "max": BODY_MAX}]
    out["body"] = body

    out["place"] = None
    raw_place = data.get("place")
    if raw_place not in (None, ""):
        place = None
        try:
            place_id = int(str(raw_place).strip())
        except (TypeError, ValueError):
            place_id = 0
        if 1 <= place_id <= _MAX_ID:
            place = Organization.objects.filter(pk=place_id, is_active=True).first()
        if place is None:
            errors["place"] = [_("Choose a town or community from the list.")]
        out["place"] = place

    place_text = _text(data, "place_text")
    if len(place_text) > PLACE_TEXT_MAX:
        errors["place_text"] = [_("The place details can be at most %(max)d characters.") % {"max": PLACE_TEXT_MAX}]
    out["place_text"] = place_text

    name = _text(data, "name")
    if len(name) > NAME_MAX:
        errors["name"] = [_("The name can be at most %(max)d characters.") % {"max": NAME_MAX}]
    out["name"] = name

    phone = _text(data, "phone")
    out["phone"] = ""
    if phone:
        try:
            out["phone"] = validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    elif phone_required:
        errors["phone"] = [_("A phone number is required: you need it to follow your opinion.")]

    out["is_public"] = _bool(data.get("is_public"))
    if errors:
        raise ValidationError(errors)
    return out


def _next_tracking_no(day: dt.date) -> str:
    """``YJ20261125-0001``: the date and the day's sequence (``core.sequences``)."""
    return f"YJ{day:%Y%m%d}-{next_value('opinions.tracking', f'{day:%Y%m%d}'):04d}"


def _county_admin_ids(place: Organization | None) -> list[int]:
    """Users holding county_admin on the place or its ancestors (on any root without a place)."""
    if place is not None:
        step = Organization.steplen
        paths = [place.path[: i * step] for i in range(1, place.depth + 1)]
        qs = RoleAssignment.objects.filter(role=Role.COUNTY_ADMIN, organization__path__in=paths)
    else:
        qs = RoleAssignment.objects.filter(role=Role.COUNTY_ADMIN, organization__depth=1)
    return sorted(set(qs.values_list("user_id", flat=True)))


def _notify_new(opinion: Opinion, recipients: list[int]) -> None:
    if not recipients:
        return
    notify(
        recipients, "opinions.new",
        title=_("New opinion %(no)s: %(title)s") % {"no": opinion.tracking_no, "title": opinion.title},
        body=_("Kind: %(kind)s. Place: %(place)s.") % {
            "kind": OpinionKind(opinion.kind).label,
            "place": opinion.place.name if opinion.place else (opinion.place_text or "—"),
        },
    )


def _create(clean: dict[str, Any], photos: list[tuple[Any, str]], *, acting_user: ActingUser | None, sender: Any,
            channel: str, ip: str | None) -> Opinion:
    saved_files: list[str] = []
    place = clean["place"]
    recipients = _county_admin_ids(place)  # read before the write transaction takes the lock
    try:
        with transaction.atomic():
            now = timezone.now()
            opinion = Opinion(
                tracking_no=_next_tracking_no(timezone.localdate(now)),
                kind=clean["kind"], title=clean["title"], body=clean["body"],
                place=place, place_text=clean["place_text"], org_path=place.path if place else "",
                channel=channel, is_public=clean["is_public"], sender=sender,
                sender_name=clean["name"], created_at=now,
            )
            opinion.set_sender_phone(clean["phone"])
            opinion.set_text_digest()
            opinion.save(force_insert=True)
            for upload, content_type in photos:
                photo = OpinionPhoto(opinion=opinion, content_type=content_type, size=upload.size or 0)
                upload.name = f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
                photo.image.save(upload.name, upload, save=False)
                saved_files.append(str(photo.image.name))
                photo.save(force_insert=True)
            OpinionEvent.objects.create(
                opinion=opinion, at=now, kind=EventKind.RECEIVED,
                text=_("Your opinion was received and given tracking number %(no)s.") % {"no": opinion.tracking_no},
            )
            audit.record(
                acting_user, "opinion.submitted", opinion,
                after={
                    "tracking_no": opinion.tracking_no, "kind": opinion.kind, "title": opinion.title,
                    "channel": channel, "is_public": opinion.is_public, "place_id": place.pk if place else None,
                    "sender_id": sender.pk if sender else None, "sender_name": opinion.sender_name,
                    "sender_phone": opinion.sender_phone_masked, "photos": len(photos),
                },
                org_path=opinion.org_path, ip=ip or None,
            )
            text_added("opinions", record_of(opinion))  # analysed on arrival (insight), after commit
            # The county admins' inbox items are written in the same transaction (one write lock per
            # opinion on SQLite, not two); their e-mail/SMS/push deliveries still go after commit.
            try:
                with transaction.atomic():  # a failing notification must not lose the opinion
                    _notify_new(opinion, recipients)
            except Exception:
                logger.exception("Could not notify the county admins of opinion %s", opinion.tracking_no)
    except BaseException:
        for name in saved_files:  # nothing half-written: files of a rolled-back opinion go too
            default_storage.delete(name)
        raise
    return opinion


def do_submit_opinion(data: Mapping[str, Any], photos: list[Any] | None = None, *, acting_user: ActingUser,
                      channel: str = OpinionChannel.PORTAL, ip: str | None = None) -> Opinion:
    """A citizen sends an opinion (signed in or not). Anonymous senders must give a phone."""
    if channel not in CITIZEN_CHANNELS:
        raise ValidationError({"channel": _("Unknown channel.")})
    signed_in = bool(getattr(acting_user, "is_authenticated", False))
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    checked: list[tuple[Any, str]] = []
    try:
        clean = clean_opinion_data(data, phone_required=not signed_in)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        checked = check_photos(list(photos or []))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if signed_in and not clean["name"]:
        clean["name"] = getattr(acting_user, "display_name", "") or ""
    return _create(clean, checked, acting_user=acting_user, sender=acting_user if signed_in else None,
                   channel=channel, ip=ip)


def do_log_opinion_for_caller(data: Mapping[str, Any], photos: list[Any] | None = None, *, acting_user: ActingUser,
                              ip: str | None = None) -> Opinion:
    """Staff log an opinion taken by phone or in person (needs ``opinions.log`` on the place,
    or anywhere when no place is given). The caller's phone is required so they can follow it."""
    if not has_any(acting_user, "opinions.log"):
        raise PermissionDenied(_("You do not have permission to log opinions."))
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    checked: list[tuple[Any, str]] = []
    try:
        clean = clean_opinion_data(data, phone_required=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        checked = check_photos(list(photos or []))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if clean["place"] is not None:
        require(acting_user, "opinions.log", clean["place"].path)
    return _create(clean, checked, acting_user=acting_user, sender=None, channel=OpinionChannel.STAFF_LOGGED, ip=ip)


# --- routing to cases (交办) and the sender's rating ----------------------------------------------

#: Opinion kind → case category (the category sets the deadline).
KIND_TO_CATEGORY = {
    OpinionKind.SUGGESTION: "suggestion",
    OpinionKind.COMPLAINT: "complaint",
    OpinionKind.INQUIRY: "consultation",
    OpinionKind.PRAISE: "praise",
}


def status_for_case_state(state: str) -> str:
    """The opinion status that follows a case state."""
    from dangjian.cases import CaseState

    if state in (CaseState.REPLIED, CaseState.RATED):
        return OpinionStatus.ANSWERED
    if state == CaseState.CLOSED:
        return OpinionStatus.CLOSED
    return OpinionStatus.ACCEPTED


_STEP_EVENT = {
    "assigned": EventKind.ACCEPTED, "replied": EventKind.ANSWERED, "closed": EventKind.CLOSED,
}


def follow_case_step(case: Any, kind: str, text: str) -> None:
    """Called by the case engine inside its transaction after each public step: every opinion
    linked to the case follows its state; the reply becomes the opinions' public answer."""
    opinions = list(Opinion.objects.filter(case=case).only("pk", "status", "answer", "answered_at"))
    if not opinions:
        return
    now = timezone.now()
    status = status_for_case_state(case.state)
    step_texts = {
        "assigned": _("Your opinion was accepted and passed to %(dept)s, who must reply by %(due)s.") % {
            "dept": case.lead_department.name, "due": case.deadline.isoformat()},
        "reassigned": _("Your opinion was passed to %(dept)s, who must reply by %(due)s.") % {
            "dept": case.lead_department.name, "due": case.deadline.isoformat()},
        "accepted": _("%(dept)s has taken on your opinion.") % {"dept": case.lead_department.name},
        "started": _("%(dept)s is handling your opinion.") % {"dept": case.lead_department.name},
        "reopened": _("The answer was not satisfactory; %(dept)s is handling your opinion again.") % {
            "dept": case.lead_department.name},
    }
    event_text = text if kind in ("replied", "rated", "closed") else step_texts.get(kind, text)
    rows = []
    for opinion in opinions:
        fields = ["status", "updated_at"]
        opinion.status = status
        if kind == "replied":
            opinion.answer, opinion.answered_at = case.reply, now
            fields += ["answer", "answered_at"]
        opinion.save(update_fields=fields)
        rows.append(OpinionEvent(opinion=opinion, at=now, kind=_STEP_EVENT.get(kind, EventKind.NOTE), text=event_text))
    OpinionEvent.objects.bulk_create(rows)


def _require_staff_opinion(user: Any, opinion: Opinion) -> None:
    from dangjian.opinions.selectors import can_see_opinion

    if not can_see_opinion(user, opinion):
        raise PermissionDenied(_("You do not have permission for this opinion."))


def _case_categories() -> list[str]:
    from dangjian.cases import CaseCategory

    return list(CaseCategory.values)


def do_assign_opinion(opinion: Opinion, *, lead_department: Any, co_departments: Any = (), category: str = "",
                      note: str = "", acting_user: ActingUser) -> Any:
    """交办: open a case for an opinion and hand it to a lead department."""
    _require_staff_opinion(acting_user, opinion)
    from dangjian.cases.actions import do_assign_case

    if opinion.case_id is not None:
        raise ValidationError({"lead_department": _("This opinion is already linked to case %(no)s.") % {
            "no": opinion.case.number if opinion.case else opinion.case_id}})
    if opinion.status == OpinionStatus.CLOSED:
        raise ValidationError({"lead_department": _("This opinion is closed.")})
    category = category or KIND_TO_CATEGORY.get(OpinionKind(opinion.kind), "complaint")
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        if locked.case_id is not None:
            raise ValidationError({"lead_department": _("This opinion was just linked to a case by someone else.")})
        case = do_assign_case(
            title=opinion.title, summary=opinion.body, category=category, lead_department=lead_department,
            co_departments=co_departments, source_kind="opinion", source_id=opinion.pk, acting_user=acting_user,
            note=note,
        )
        locked.case = case
        locked.save(update_fields=["case", "updated_at"])
        audit.record(acting_user, "opinion.assigned", locked, after={"case": case.number}, org_path=locked.org_path)
        follow_case_step(case, "assigned", "")
        # the routing advisor (opinion insight) compares the choice with its suggestions, after commit
        routing_decided({"key": f"opinions:{locked.pk}", "text": f"{locked.title}\n{locked.body}".strip(),
                         "org_path": locked.org_path, "department": lead_department.name})
    opinion.refresh_from_db()
    return case


def do_link_opinion_to_case(opinion: Opinion, case: Any, *, acting_user: ActingUser) -> Any:
    """A duplicate: this opinion joins an existing case as one more voice (one problem, N voices)."""
    _require_staff_opinion(acting_user, opinion)
    from dangjian.cases.actions import do_add_voice

    if opinion.case_id is not None:
        raise ValidationError({"case": _("This opinion is already linked to a case.")})
    if case.source_kind != "opinion":
        raise ValidationError({"case": _("Opinions can only join cases opened from opinions.")})
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        if locked.case_id is not None:
            raise ValidationError({"case": _("This opinion was just linked to a case by someone else.")})
        do_add_voice(case, text=_("Opinion %(no)s raises the same problem.") % {"no": locked.tracking_no},
                     acting_user=acting_user)
        locked.case = case
        locked.status = status_for_case_state(case.state)
        fields = ["case", "status", "updated_at"]
        if case.reply:
            locked.answer, locked.answered_at = case.reply, case.replied_at
            fields += ["answer", "answered_at"]
        locked.save(update_fields=fields)
        OpinionEvent.objects.create(
            opinion=locked, kind=EventKind.ACCEPTED,
            text=_("Others raised the same problem; your opinion is handled together with theirs by %(dept)s.") % {
                "dept": case.lead_department.name})
        audit.record(acting_user, "opinion.linked", locked, after={"case": case.number}, org_path=locked.org_path)
    opinion.refresh_from_db()
    return case


def do_rate_opinion(opinion: Opinion, rating: str, *, acting_user: ActingUser, sender_verified: bool,
                    comment: str = "") -> Opinion:
    """The sender rates the answer. ``sender_verified``: the caller checked the tracking number and
    phone in this session; otherwise the acting user must be the sender's account. The first
    rating of a replied case rates the case; every later voice's rating is counted on the case too
    (``Case.rated_*``), and any "not satisfied" voice lets staff reopen it once."""
    from dangjian.cases import CaseState, Rating
    from dangjian.cases.actions import rate_case_from_source

    is_sender = opinion.sender_id is not None and getattr(acting_user, "pk", None) == opinion.sender_id
    if not (sender_verified or is_sender):
        raise PermissionDenied(_("Only the sender may rate the answer."))
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose satisfied, basically satisfied or not satisfied.")})
    comment = clean_text(comment or "")[:500]
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
        if locked.status != OpinionStatus.ANSWERED or locked.case is None:
            raise ValidationError({"rating": _("There is no answer to rate yet.")})
        if locked.rating:
            raise ValidationError({"rating": _("You have already rated this answer.")})
        locked.rating, locked.rated_at = rating, timezone.now()
        locked.save(update_fields=["rating", "rated_at", "updated_at"])
        audit.record(acting_user if is_sender else None, "opinion.rated", locked,
                     after={"rating": rating, "comment": comment}, org_path=locked.org_path)
        if locked.case.state in (CaseState.REPLIED, CaseState.RATED):
            rate_case_from_source(locked.case, rating, comment=comment, acting_user=acting_user)
        else:
            OpinionEvent.objects.create(opinion=locked, kind=EventKind.NOTE, text=_(
                "You rated the answer: %(rating)s.") % {"rating": Rating(rating).label})
    opinion.refresh_from_db()
    return opinion
