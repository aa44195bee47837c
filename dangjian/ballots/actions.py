"""Writes for democratic evaluations (DESIGN.md §4 rule 1): permission, validation, one
transaction, audit — except casting, which records nothing but the ballot (see ``do_cast_ballot``).

The cryptography is ``dangjian.ballots.crypto`` (docs/modules/ballots-protocol.md): the server
only ever checks proofs, sums ciphertexts and combines the trustees' partial decryptions of the
tally; it never holds a key that decrypts anything.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.ballots import counting, crypto
from dangjian.ballots.choices import (
    DEFAULT_FLAG_LOW,
    DEFAULT_FLAG_LOWEST,
    DEFAULT_MIN_GROUP,
    EDITABLE_STATES,
    MAX_DIMENSIONS,
    MAX_SUBJECTS,
    MAX_TRUSTEES,
    MIN_TRUSTEES,
    SYNC_TALLY_LIMIT,
    TALLY_STALE_MINUTES,
    TRANSITIONS,
    Delivery,
    EvaluationKind,
    GradeScale,
    State,
)
from dangjian.ballots.models import (
    AnswerTag,
    Ballot,
    Credential,
    Decryption,
    Evaluation,
    Result,
    RollEntry,
    Subject,
    Trustee,
)
from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.models import User
from dangjian.core.notifications import Message, notify_each, redact_sent
from dangjian.core.scoping import in_scope, subtree_q
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

MANAGE = "ballots.manage"
TITLE_MAX = 200
NAME_MAX = 64
DIMENSION_MAX = 32
#: Below three voters a distribution gives individual votes away, whatever the organizer wants.
MIN_GROUP_FLOOR = 3
MIN_GROUP_CEILING = 10_000
#: Credential codes: 24 characters of a 32-letter alphabet without 0/O/1/I (120 bits), printed in
#: groups of four.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 24
CODE_GROUP = 4
_AUDIT_FIELDS = ("title", "kind", "scale", "dimensions", "min_group", "flag_lowest", "flag_low", "opens_at",
                 "closes_at", "state")


class CastRefused(ValidationError):
    """A ballot was refused and nothing was stored. ``reason``: ``not_open``, ``closed``,
    ``credential`` (used or unknown), ``ballot`` (malformed or a wrong proof) or ``replay``."""

    def __init__(self, reason: str, message: str) -> None:
        field = {"credential": "credential", "ballot": "ballot", "replay": "ballot"}.get(reason)
        super().__init__({field: [message]} if field else message, code=reason)
        self.reason = reason
        self.message_text = message


# --- helpers ----------------------------------------------------------------------------------------

def _require(user: ActingUser | None, evaluation: Evaluation, perm: str = MANAGE) -> None:
    if user is None:  # the system (the closing job)
        return
    if not in_scope(user, perm, evaluation.org_path):
        raise PermissionDenied(_("You may not manage this evaluation."))


def _move(evaluation: Evaluation, state: str) -> None:
    if state not in TRANSITIONS[evaluation.state]:
        raise ValidationError({"state": _("An evaluation that is “%(state)s” cannot do this.")
                               % {"state": State(evaluation.state).label}})
    evaluation.state = state


def _lock(evaluation: Evaluation) -> Evaluation:
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    evaluation.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return evaluation


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def _clean_settings(data: Mapping[str, Any], current: Evaluation | None) -> dict[str, Any]:
    """The evaluation's settings from ``data`` (the fields given; all of them on creation), each
    problem named by its field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def get(name: str) -> Any:
        return data[name] if name in data else (getattr(current, name) if current is not None else None)

    title = str(get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the evaluation a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("The title may have at most %(n)d characters.") % {"n": TITLE_MAX}]
    out["title"] = title
    kind = get("kind") or EvaluationKind.CADRE
    if kind not in EvaluationKind.values:
        errors["kind"] = [_("Choose the kind of evaluation.")]
    out["kind"] = kind
    scale = get("scale") or GradeScale.CIVIL_SERVANT
    if scale not in GradeScale.values:
        errors["scale"] = [_("Choose the civil-servant or the public-institution grade scale.")]
    out["scale"] = scale
    dims = _as_list(get("dimensions"))
    if not dims:
        errors["dimensions"] = [_("Give at least one dimension to grade (e.g. 德, 能, 勤, 绩, 廉).")]
    elif len(dims) > MAX_DIMENSIONS:
        errors["dimensions"] = [_("At most %(n)d dimensions.") % {"n": MAX_DIMENSIONS}]
    elif any(len(d) > DIMENSION_MAX for d in dims):
        errors["dimensions"] = [_("A dimension may have at most %(n)d characters.") % {"n": DIMENSION_MAX}]
    elif len(set(dims)) != len(dims):
        errors["dimensions"] = [_("Each dimension may appear only once.")]
    out["dimensions"] = dims
    for name, low, high, message in (
        ("min_group", MIN_GROUP_FLOOR, MIN_GROUP_CEILING,
         _("The minimum group must be a whole number from %(low)d to %(high)d.")),
        ("flag_lowest", 0, 100, _("The threshold must be a percentage from %(low)d to %(high)d (0: off).")),
        ("flag_low", 0, 100, _("The threshold must be a percentage from %(low)d to %(high)d (0: off).")),
    ):
        raw = get(name)
        try:
            value = int(raw) if raw is not None and raw != "" else None
        except (TypeError, ValueError):
            value = None
        if value is None and current is None and name not in data:
            value = {"min_group": DEFAULT_MIN_GROUP, "flag_lowest": DEFAULT_FLAG_LOWEST, "flag_low": DEFAULT_FLAG_LOW}[name]
        if value is None or not low <= value <= high:
            errors[name] = [message % {"low": low, "high": high}]
        out[name] = value
    opens_at, closes_at = get("opens_at"), get("closes_at")
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not isinstance(value, dt.datetime):
            errors[name] = [_("Give a date and time.")]
    if isinstance(opens_at, dt.datetime) and isinstance(closes_at, dt.datetime):
        if closes_at <= opens_at:
            errors["closes_at"] = [_("The evaluation must close after it opens.")]
        elif closes_at <= timezone.now():
            errors["closes_at"] = [_("The closing time has already passed.")]
    out["opens_at"], out["closes_at"] = opens_at, closes_at
    if errors:
        raise ValidationError(errors)
    return out


def _clean_subjects(subjects: Iterable[Any]) -> list[tuple[str, Member | None]]:
    rows: list[tuple[str, Member | None]] = []
    for item in subjects:
        member = item if isinstance(item, Member) else None
        name = (member.person.name if member is not None else str(item)).strip()
        if name:
            rows.append((name, member))
    if not rows:
        raise ValidationError({"subjects": [_("Name at least one person to evaluate.")]})
    if len(rows) > MAX_SUBJECTS:
        raise ValidationError({"subjects": [_("At most %(n)d people in one evaluation.") % {"n": MAX_SUBJECTS}]})
    if any(len(name) > NAME_MAX for name, _m in rows):
        raise ValidationError({"subjects": [_("A name may have at most %(n)d characters.") % {"n": NAME_MAX}]})
    names = [name for name, _m in rows]
    if len(set(names)) != len(names):
        raise ValidationError({"subjects": [_("Each person may be evaluated only once; tell namesakes apart "
                                              "(e.g. 张伟（办公室）).")]})
    return rows


def _store_subjects(evaluation: Evaluation, rows: list[tuple[str, Member | None]]) -> None:
    evaluation.subjects.all().delete()
    Subject.objects.bulk_create([Subject(evaluation=evaluation, position=i, name=name, member=member)
                                 for i, (name, member) in enumerate(rows, start=1)])


# --- create and edit ---------------------------------------------------------------------------------

def do_create_evaluation(organization: Organization, data: Mapping[str, Any], *, subjects: Iterable[Any],
                         acting_user: ActingUser) -> Evaluation:
    if not in_scope(acting_user, MANAGE, organization.path):
        raise PermissionDenied(_("You may not organize evaluations for this organization."))
    errors: dict[str, list[str]] = {}
    try:
        values = _clean_settings(data, None)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        values = {}
    try:
        rows = _clean_subjects(subjects)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(organization=organization, org_path=organization.path,
                                               created_by=as_user(acting_user), **values)
        _store_subjects(evaluation, rows)
        audit.record(as_user(acting_user), "evaluation.created", evaluation,
                     after=audit.snapshot(evaluation, _AUDIT_FIELDS), org_path=evaluation.org_path,
                     target_label=evaluation.title)
    return evaluation


def do_update_evaluation(evaluation: Evaluation, data: Mapping[str, Any], *, subjects: Iterable[Any] | None = None,
                         acting_user: ActingUser) -> Evaluation:
    _require(acting_user, evaluation)
    with transaction.atomic():
        _lock(evaluation)
        if evaluation.state not in EDITABLE_STATES:
            raise ValidationError({"state": _("The evaluation is open: its settings are frozen.")})
        before = audit.snapshot(evaluation, _AUDIT_FIELDS)
        values = _clean_settings(data, evaluation)
        rows = _clean_subjects(subjects) if subjects is not None else None
        for name, value in values.items():
            setattr(evaluation, name, value)
        evaluation.save()
        if rows is not None:
            _store_subjects(evaluation, rows)
        audit.record(as_user(acting_user), "evaluation.changed", evaluation, before=before,
                     after=audit.snapshot(evaluation, _AUDIT_FIELDS), org_path=evaluation.org_path,
                     target_label=evaluation.title)
    return evaluation


# --- trustees ------------------------------------------------------------------------------------------

def do_set_trustees(evaluation: Evaluation, users: Sequence[User], *, acting_user: ActingUser) -> list[Trustee]:
    """Name the trustees (n of n: every one of them is needed to decrypt). Naming them again
    before the evaluation opens starts the key collection over."""
    _require(acting_user, evaluation)
    people = list(dict.fromkeys(users))
    if len(people) < MIN_TRUSTEES:
        raise ValidationError({"trustees": [_("Name at least %(n)d different trustees.") % {"n": MIN_TRUSTEES}]})
    if len(people) > MAX_TRUSTEES:
        raise ValidationError({"trustees": [_("At most %(n)d trustees.") % {"n": MAX_TRUSTEES}]})
    if any(not u.is_active for u in people):
        raise ValidationError({"trustees": [_("Every trustee needs an active account.")]})
    with transaction.atomic():
        _lock(evaluation)
        if evaluation.state not in EDITABLE_STATES:
            raise ValidationError({"state": _("The evaluation is open: its trustees are fixed.")})
        evaluation.trustees.all().delete()
        trustees = Trustee.objects.bulk_create([Trustee(evaluation=evaluation, user=u, index=i)
                                                for i, u in enumerate(people, start=1)])
        evaluation.state = State.KEYS
        evaluation.save(update_fields=["state"])
        audit.record(as_user(acting_user), "evaluation.trustees_set", evaluation,
                     after={"trustees": [u.username for u in people]}, org_path=evaluation.org_path,
                     target_label=evaluation.title)
    return trustees


def trustee_of(evaluation: Evaluation, user: Any) -> Trustee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return evaluation.trustees.filter(user=user).first()


def do_register_trustee_key(evaluation: Evaluation, *, public_key: str, key_proof: Any,
                            acting_user: ActingUser) -> Trustee:
    """The trustee's public key and its proof of knowledge; only the trustee may register it."""
    trustee = trustee_of(evaluation, acting_user)
    if trustee is None:
        raise PermissionDenied(_("Only a trustee of this evaluation may register a key."))
    if not isinstance(public_key, str) or not isinstance(key_proof, dict):
        raise ValidationError({"public_key": [_("Send the public key and its proof.")]})
    try:
        crypto.check_key_proof(str(evaluation.uuid), trustee.index, public_key, key_proof)
    except crypto.CryptoError as exc:
        raise ValidationError({"key_proof": [_("The key was refused: %(reason)s") % {"reason": exc}]}) from None
    with transaction.atomic():
        _lock(evaluation)
        if evaluation.state != State.KEYS:
            raise ValidationError({"state": _("Keys are registered only before the evaluation opens.")})
        trustee = Trustee.objects.select_for_update().get(pk=trustee.pk)
        if trustee.public_key:
            raise ValidationError({"public_key": [_("Your key is already registered.")]})
        trustee.public_key, trustee.key_proof = public_key, key_proof
        trustee.save(update_fields=["public_key", "key_proof"])
        audit.record(as_user(acting_user), "evaluation.trustee_key", evaluation,
                     after={"index": trustee.index, "public_key": public_key}, org_path=evaluation.org_path,
                     target_label=evaluation.title)
    return trustee


# --- opening ----------------------------------------------------------------------------------------------

def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalize_code(code: Any) -> str:
    """The code as typed or scanned: case, spaces and dashes do not matter. '' when malformed."""
    if not isinstance(code, str) or len(code) > 64:
        return ""
    raw = "".join(ch for ch in code.upper() if ch not in "- ")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return ""
    return raw


def code_hash(evaluation: Evaluation, code: str) -> str:
    """Codes carry 120 random bits, so a plain salted SHA-256 cannot be searched backwards."""
    return hashlib.sha256(f"dangjian-ballots-credential|{evaluation.uuid}|{code}".encode()).hexdigest()


def roll_candidates(evaluation: Evaluation, extra_users: Iterable[User] = ()) -> list[dict[str, Any]]:
    """The roll as it would be frozen now: current members of the organization's subtree (by name),
    then the named people not already on it."""
    members = (Member.objects.filter(subtree_q(evaluation.org_path, "org_path"), status__in=CURRENT_STATUSES)
               .select_related("person").order_by("person__name_pinyin", "person__name", "pk"))
    rows = [{"name": m.person.name, "member": m, "user_id": m.person.user_id} for m in members]
    seen = {r["user_id"] for r in rows if r["user_id"]}
    for user in extra_users:
        if user.pk not in seen:
            seen.add(user.pk)
            rows.append({"name": (user.name or user.username)[:NAME_MAX], "member": None, "user_id": user.pk})
    return rows


def build_manifest(evaluation: Evaluation, roll: list[str], trustees: list[Trustee]) -> dict[str, Any]:
    questions: list[dict[str, Any]] = []
    options = evaluation.options
    for subject in evaluation.subjects.all():
        for dimension in evaluation.dimensions:
            questions.append({"id": f"q{len(questions) + 1}", "subject": subject.name, "dimension": dimension,
                              "options": options})
    return {
        "version": crypto.VERSION, "evaluation": str(evaluation.uuid), "title": evaluation.title, "questions": questions,
        "roll_hash": crypto.roll_hash(roll), "voters": len(roll), "min_group": evaluation.min_group,
        "trustees": [{"index": t.index, "name": str(t.user), "public_key": t.public_key, "key_proof": t.key_proof}
                     for t in trustees],
        "public_key": crypto.combine_public_keys([t.public_key for t in trustees]),
    }


#: The notification kind of a voting code sent to a voter.
CODE_KIND = "ballots.code"


def do_open_evaluation(evaluation: Evaluation, *, extra_users: Iterable[User] = (), acting_user: ActingUser,
                       codes: Sequence[str] | None = None, send: bool = False) -> list[str]:
    """Freeze the roll and the manifest, and issue one credential per voter. Returns the codes to
    print as slips — the only time they exist in clear; the server keeps their hashes. The n-th
    code's slip is printed with the serial n (``Credential.serial``), by which it can be revoked.

    ``send``: each voter of the roll with an active account gets their code through ``notify``
    (the inbox, and the e-mail / SMS / web push they switched on), and their credential names their
    roll entry (never the ballot: it tells who voted, not how); the others get slips (the
    returned codes, handed to the voters ``selectors.slip_voters`` lists). The plain code is in the
    notification (its text and the link's fragment, ``…/vote/#CODE``), never in a URL path, a
    query or a log line. ``codes`` (the demo's known codes only) replaces the random ones."""
    _require(acting_user, evaluation)
    with transaction.atomic():
        _lock(evaluation)
        if evaluation.state != State.KEYS:
            raise ValidationError({"state": _("Name the trustees first; the evaluation opens once they have "
                                              "registered their keys.")})
        trustees = list(evaluation.trustees.select_related("user"))
        if len(trustees) < MIN_TRUSTEES or not all(t.public_key for t in trustees):
            raise ValidationError({"trustees": [_("Every trustee must register a key before the evaluation opens.")]})
        if not evaluation.subjects.exists():
            raise ValidationError({"subjects": [_("Name at least one person to evaluate.")]})
        if evaluation.closes_at <= timezone.now():
            raise ValidationError({"closes_at": [_("The closing time has already passed.")]})
        rows = roll_candidates(evaluation, extra_users)
        if len(rows) < evaluation.min_group:
            raise ValidationError({"roll": [_("The roll has %(n)d voters, fewer than the minimum group of %(min)d: "
                                              "the results could never be shown.")
                                            % {"n": len(rows), "min": evaluation.min_group}]})
        RollEntry.objects.bulk_create([
            RollEntry(evaluation=evaluation, position=i, name=r["name"], member=r["member"], user_id=r["user_id"])
            for i, r in enumerate(rows, start=1)])
        roll = [r["name"] for r in rows]
        manifest = build_manifest(evaluation, roll, trustees)
        evaluation.manifest_text = crypto.canon(manifest).decode()
        evaluation.eid = crypto.manifest_fingerprint(manifest)
        if codes is None:
            codes = [new_code() for _r in rows]
        elif len(codes) != len(rows) or len({normalize_code(c) for c in codes} - {""}) != len(rows):
            raise ValidationError({"codes": [_("One valid, distinct code per voter is needed.")]})
        codes = list(codes)
        entries = list(RollEntry.objects.filter(evaluation=evaluation).order_by("position"))
        active = set(User.objects.filter(pk__in=[e.user_id for e in entries if e.user_id], is_active=True)
                     .values_list("pk", flat=True)) if send else set()
        sent = [(entry, code) for entry, code in zip(entries, codes, strict=True) if entry.user_id in active]
        slip_codes = [code for entry, code in zip(entries, codes, strict=True) if entry.user_id not in active]
        Credential.objects.bulk_create(
            [Credential(evaluation=evaluation, voter=entry, code_hash=code_hash(evaluation, normalize_code(code)))
             for entry, code in sent]
            # slip n (in the order returned, so printed) carries the serial n
            + [Credential(evaluation=evaluation, code_hash=code_hash(evaluation, normalize_code(code)), serial=n)
               for n, code in enumerate(slip_codes, start=1)])
        _move(evaluation, State.OPEN)
        evaluation.opened_at = timezone.now()
        evaluation.delivery = Delivery.SEND if send else Delivery.SLIPS
        evaluation.save(update_fields=["manifest_text", "eid", "state", "opened_at", "delivery"])
        notify_each(CODE_KIND, [_code_message(evaluation, entry, code) for entry, code in sent])
        audit.record(as_user(acting_user), "evaluation.opened", evaluation,
                     after={"eid": evaluation.eid, "voters": len(roll), "delivery": evaluation.delivery,
                            "sent": len(sent), "slips": len(slip_codes)},
                     org_path=evaluation.org_path, target_label=evaluation.title)
    return slip_codes


def _code_message(evaluation: Evaluation, entry: RollEntry, code: str) -> Message:
    """One voter's code for core's notifications (all sent in one go, after commit). The link
    carries the code only in its fragment, which browsers never send to the server."""
    link = f"{reverse('ballots:vote', args=[evaluation.uuid])}#{code}"
    when = {"title": evaluation.title,
            "opens": timezone.localtime(evaluation.opens_at).strftime("%Y-%m-%d %H:%M"),
            "closes": timezone.localtime(evaluation.closes_at).strftime("%Y-%m-%d %H:%M"), "code": code}
    return Message(
        entry.user_id,
        title=_("Your voting code for “%(title)s”") % when,
        body=_("Your one-time voting code for the secret ballot “%(title)s” (open %(opens)s – %(closes)s): "
               "%(code)s. Open the link to vote; your grades are encrypted on your device and nobody can "
               "see how you voted. Do not pass the code on: whoever holds it can vote once in your "
               "place. If the evaluation's page says your code was used and you did not vote, tell the "
               "organizer.") % when,
        url=link, sms_params=[_("“%(title)s” voting code %(code)s") % when])


def _vote_link_prefix(evaluation: Evaluation) -> str:
    return reverse("ballots:vote", args=[evaluation.uuid])


def _redact_codes(evaluation: Evaluation, recipients: Any = None) -> int:
    """The messages that carried this evaluation's codes (to ``recipients`` only, when given)
    keep their title; their text says the code is gone and their link loses the fragment."""
    return redact_sent(CODE_KIND, url_prefix=f"{_vote_link_prefix(evaluation)}#",
                       body=_("The voting code this message carried for “%(title)s” has been removed: it can no "
                              "longer be used.") % {"title": evaluation.title},
                       url=_vote_link_prefix(evaluation), recipients=recipients)


# --- reissuing a lost code -------------------------------------------------------------------------------

def _replace_code(evaluation: Evaluation, credential: Credential, field: str) -> str:
    """The credential gets a new code in place (same row: the count of credentials stays the
    roll's size); the old code's hash is gone, so the old code is unknown from now on. Refused
    when the credential was used meanwhile (a conditional update: a used code is never replaced,
    that would allow two ballots)."""
    code = new_code()
    replaced = Credential.objects.filter(pk=credential.pk, evaluation=evaluation, used=False).update(
        code_hash=code_hash(evaluation, normalize_code(code)))
    if replaced != 1:
        raise ValidationError({field: [_used_message()]})
    return code


def _used_message() -> str:
    return _("This voting code has been used: a ballot was cast with it. A used code cannot be replaced — that "
             "would allow two ballots.")


def _check_reissue(evaluation: Evaluation) -> None:
    if evaluation.state != State.OPEN or timezone.now() >= evaluation.closes_at:
        raise ValidationError({"state": _("Codes are reissued only while the evaluation is open.")})


def do_reissue_credential(evaluation: Evaluation, *, voter: RollEntry | None = None, code: str | None = None,
                          serial: int | None = None, acting_user: ActingUser) -> str | None:
    """Replace a lost voting code while the evaluation is open: the old code stops working at
    once and a new one is issued for the same credential (the number of credentials stays the
    roll's size). A used code is never replaced.

    ``voter`` (a roll entry whose code was sent): the new code is sent to them like the first
    (``notify_each``, after commit), the message with the old one is redacted; returns None — the
    organizer never sees a sent code. ``code`` (a slip's code, as typed): returns the new code,
    to print as a slip (the only time it exists in clear). ``serial`` (the number printed on a
    slip whose code cannot be read any more): the same; the new slip keeps the number."""
    _require(acting_user, evaluation)
    if sum(x is not None for x in (voter, code, serial)) != 1:
        raise ValueError("give one of the voter, the slip's code or its serial")
    with transaction.atomic():
        _lock(evaluation)
        _check_reissue(evaluation)
        if voter is not None:
            if voter.evaluation_id != evaluation.pk:
                raise ValidationError({"voter": [_("This voter is not on the evaluation's roll.")]})
            credential = Credential.objects.filter(evaluation=evaluation, voter=voter).first()
            if credential is None:
                raise ValidationError({"voter": [_("%(name)s was not sent a code but got a slip: reissue the slip "
                                                   "by its code.") % {"name": voter.name}]})
            if voter.user_id is None or not User.objects.filter(pk=voter.user_id, is_active=True).exists():
                raise ValidationError({"voter": [_("%(name)s has no active account any more: the new code could "
                                                   "not reach them.") % {"name": voter.name}]})
        elif serial is not None:
            credential = Credential.objects.filter(evaluation=evaluation, serial=serial).first()
            if credential is None:
                raise ValidationError({"serial": [_("No slip of this evaluation has the number %(serial)s.")
                                                  % {"serial": serial}]})
        else:
            typed = normalize_code(code)
            if not typed:
                raise ValidationError({"code": [_("A voting code has 24 letters and digits, in six groups of "
                                                  "four.")]})
            credential = Credential.objects.filter(evaluation=evaluation, code_hash=code_hash(evaluation, typed)).first()
            if credential is None:
                raise ValidationError({"code": [_("No voting code of this evaluation matches: check what you typed.")]})
            if credential.voter_id is not None:
                raise ValidationError({"code": [_("This code was sent to a voter: reissue it by the voter's name.")]})
        field = "voter" if voter is not None else "serial" if serial is not None else "code"
        if credential.used:
            raise ValidationError({field: [_used_message()]})
        new = _replace_code(evaluation, credential, field)
        if voter is not None:
            _redact_codes(evaluation, recipients=[voter.user_id])
            notify_each(CODE_KIND, [_code_message(evaluation, voter, new)])
        audit.record(as_user(acting_user), "evaluation.credential_reissued", evaluation,
                     after={"voter": voter.name if voter is not None else None,
                            "delivery": Delivery.SEND if voter is not None else Delivery.SLIPS},
                     org_path=evaluation.org_path, target_label=evaluation.title)
    return None if voter is not None else new


# --- casting -------------------------------------------------------------------------------------------

class _CastSQL:
    """The statements of a cast, written once as SQL. Casting is the one hot write path (10,000
    voters in a minute, issue 18): building these through the ORM cost more CPU per cast than
    running them (≈ 2 ms against ≈ 0.3 ms, profiled). The same statements the ORM would send:
    a look-up on the code's unique index, the conditional update, one multi-row insert of the
    answer tags, one insert of the ballot, and the state check; table and column names come from
    the models, values are parameters, the keys are random UUIDs as the models' defaults make."""

    def __init__(self) -> None:
        def col(model: Any, name: str) -> str:
            return connection.ops.quote_name(model._meta.get_field(name).column)

        def table(model: Any) -> str:
            return connection.ops.quote_name(model._meta.db_table)

        # only the models' own table and column names (quoted) are interpolated; values are parameters
        c, t, b, e = Credential, AnswerTag, Ballot, Evaluation
        where = f"{col(c, 'evaluation')} = %s AND {col(c, 'code_hash')} = %s AND {col(c, 'used')} = %s"
        self.live_sql = f"SELECT 1 FROM {table(c)} WHERE {where} LIMIT 1"  # noqa: S608
        self.spend_sql = f"UPDATE {table(c)} SET {col(c, 'used')} = %s WHERE {where}"  # noqa: S608
        self.tag_sql = f"INSERT INTO {table(t)} ({col(t, 'id')}, {col(t, 'evaluation')}, {col(t, 'tag')}) VALUES "  # noqa: S608
        self.ballot_sql = (f"INSERT INTO {table(b)} ({col(b, 'id')}, {col(b, 'evaluation')}, "  # noqa: S608
                           f"{col(b, 'payload')}, {col(b, 'receipt')}) VALUES (%s, %s, %s, %s)")
        self.open_sql = f"SELECT 1 FROM {table(e)} WHERE {col(e, 'id')} = %s AND {col(e, 'state')} = %s"  # noqa: S608

    @staticmethod
    def _key(model: Any) -> Any:
        return model._meta.pk.get_db_prep_value(uuid.uuid4(), connection)

    def live_code(self, evaluation_id: int, hashed: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(self.live_sql, [evaluation_id, hashed, False])
            return cursor.fetchone() is not None

    def spend(self, evaluation_id: int, hashed: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(self.spend_sql, [True, evaluation_id, hashed, False])
            return cursor.rowcount == 1

    def store(self, evaluation_id: int, tags: Sequence[str], payload: str, receipt: str) -> None:
        # one row per answer: the largest ballot the API takes (≈ 1,200 answers) is ≈ 3,600
        # parameters, far below SQLite's (32,766) and PostgreSQL's (65,535) limits
        with connection.cursor() as cursor:
            params: list[Any] = []
            for tag in tags:
                params += [self._key(AnswerTag), evaluation_id, tag]
            cursor.execute(self.tag_sql + ", ".join(["(%s, %s, %s)"] * len(tags)), params)
            cursor.execute(self.ballot_sql, [self._key(Ballot), evaluation_id, payload, receipt])

    def still_open(self, evaluation_id: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(self.open_sql, [evaluation_id, State.OPEN.value])
            return cursor.fetchone() is not None


@functools.cache
def _cast_statements() -> _CastSQL:
    """Built on first use, when the database connection's quoting is known."""
    return _CastSQL()


def do_cast_ballot(evaluation: Evaluation, credential: Any, ballot: Any) -> str:
    """Check ``ballot`` against the manifest, then in one transaction spend the credential (a
    conditional update: of 20 concurrent uses exactly one succeeds), store the answer tags (a tag
    seen before is a replay) and the ballot. Returns the receipt. Refuses with ``CastRefused`` and
    stores nothing otherwise. No audit event, no log line: nothing may tie a ballot to anyone."""
    now = timezone.now()
    if evaluation.state != State.OPEN or now < evaluation.opens_at:
        if evaluation.state in (State.CLOSING, State.CLOSED, State.TALLIED):
            raise CastRefused("closed", _("The evaluation is closed."))
        raise CastRefused("not_open", _("The evaluation is not open for voting yet."))
    if now >= evaluation.closes_at:
        raise CastRefused("closed", _("The evaluation is closed."))
    code = normalize_code(credential)
    if not code:
        raise CastRefused("credential", _("The voting code is used or unknown."))
    if not isinstance(ballot, dict):
        raise CastRefused("ballot", _("The ballot is malformed."))
    hashed = code_hash(evaluation, code)
    # The proofs cost ≈ 4 ms of CPU: a request without a live code (a guess, a used slip sent
    # again) is refused after one index look-up, before them. The update below decides for real.
    if not _cast_statements().live_code(evaluation.pk, hashed):
        raise CastRefused("credential", _("The voting code is used or unknown."))
    try:
        checked = crypto.check_ballot(evaluation.manifest, evaluation.eid, ballot)
    except crypto.CryptoError as exc:
        raise CastRefused("ballot", _("The ballot was refused: %(reason)s") % {"reason": exc}) from None
    with transaction.atomic():
        if not _cast_statements().spend(evaluation.pk, hashed):
            raise CastRefused("credential", _("The voting code is used or unknown."))
        try:
            _cast_statements().store(evaluation.pk, checked.tags, checked.canonical.decode(), checked.receipt)
        except IntegrityError:
            raise CastRefused("replay", _("This ballot repeats an answer already cast: a copied ballot is refused."
                                          )) from None
        # Inserting the ballot took a share lock on the evaluation's row (its foreign key), so a
        # closing that has not committed yet waits for us; one that has committed is seen here.
        if not _cast_statements().still_open(evaluation.pk):
            raise CastRefused("closed", _("The evaluation is closed."))
    return checked.receipt


# --- closing, decryption, results -------------------------------------------------------------------------

def do_close_evaluation(evaluation: Evaluation, *, acting_user: ActingUser | None,
                        background: bool | None = False) -> Evaluation:
    """Stop voting (the evaluation is ``closing``: no ballot gets in any more) and count the
    ballots — the homomorphic tally (``counting``). Below the group minimum nothing will ever be
    decrypted: the evaluation is final, without results.

    ``background``: False counts now, in this transaction (the evaluation leaves ``closed`` or
    ``tallied``); True leaves it ``closing`` and counts in the task ``counting.tally_evaluation``
    after the commit (the page shows its progress); None (the pages and the closing job) counts now
    up to ``SYNC_TALLY_LIMIT`` ballots and in the background above."""
    _require(acting_user, evaluation)
    with transaction.atomic():
        _lock(evaluation)
        if evaluation.state != State.OPEN:
            raise ValidationError({"state": _("Only an open evaluation can be closed.")})
        total = Ballot.objects.filter(evaluation=evaluation).count()
        _move(evaluation, State.CLOSING)
        evaluation.closed_at = evaluation.tally_progress_at = timezone.now()
        evaluation.tally_total, evaluation.tally_done = total, 0
        evaluation.save(update_fields=["state", "closed_at", "tally_total", "tally_done", "tally_progress_at"])
        if evaluation.delivery == Delivery.SEND:
            # the codes are useless from now on: the messages that carried them stop showing them
            _redact_codes(evaluation, recipients=RollEntry.objects.filter(evaluation=evaluation, user__isnull=False)
                          .values("user_id"))
        audit.record(as_user(acting_user), "evaluation.closed", evaluation, after={"ballots": total},
                     org_path=evaluation.org_path, target_label=evaluation.title)
        if background is None:
            # BALLOTS_SYNC_TALLY_LIMIT (a setting) lowers or raises the size counted in the request.
            background = total > getattr(settings, "BALLOTS_SYNC_TALLY_LIMIT", SYNC_TALLY_LIMIT)
        if background:
            counting.enqueue_tally(evaluation)
        else:
            tally, count = counting.compute_tally(evaluation)
            counting.store_tally(evaluation, tally, count, acting_user)
    return evaluation


def close_due(now: dt.datetime | None = None) -> int:
    """The closing job: every open evaluation past its closing time; and every closing whose
    count stopped moving for ``TALLY_STALE_MINUTES`` (its worker died) is counted again."""
    now = now or timezone.now()
    closed = 0
    for evaluation in Evaluation.objects.filter(state=State.OPEN, closes_at__lte=now).order_by("pk"):
        try:
            do_close_evaluation(evaluation, acting_user=None, background=None)
            closed += 1
        except ValidationError:
            continue  # closed by someone else meanwhile
    resume_stalled_counts(now)
    return closed


def resume_stalled_counts(now: dt.datetime | None = None) -> int:
    """Enqueue the count again of each ``closing`` evaluation whose progress has not moved for
    ``TALLY_STALE_MINUTES``; the conditional update claims it, so two jobs enqueue it once."""
    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=TALLY_STALE_MINUTES)
    resumed = 0
    for pk in list(Evaluation.objects.filter(state=State.CLOSING, tally_progress_at__lt=stale)
                   .values_list("pk", flat=True)):
        with transaction.atomic():
            if Evaluation.objects.filter(pk=pk, state=State.CLOSING, tally_progress_at__lt=stale).update(
                    tally_progress_at=now):
                counting.enqueue_tally(Evaluation(pk=pk))
                resumed += 1
    return resumed


def do_submit_decryption(evaluation: Evaluation, *, shares: Any, acting_user: ActingUser) -> Decryption:
    """A trustee's partial decryption of the stored tally: one share with its proof per cell, each
    checked. The server asks for nothing else (no single ballot, no other sum). When every trustee
    is in, the counts are decoded and stored."""
    trustee = trustee_of(evaluation, acting_user)
    if trustee is None:
        raise PermissionDenied(_("Only a trustee of this evaluation may decrypt its tally."))
    if evaluation.state != State.CLOSED:
        raise ValidationError({"state": _("Only the tally of a closed evaluation is decrypted.")})
    tally = evaluation.tally
    if (not isinstance(shares, list) or len(shares) != len(tally)
            or any(not isinstance(row, list) or len(row) != len(cells) for row, cells in zip(shares, tally, strict=False))):
        raise ValidationError({"shares": [_("Send one share per tally cell, question by question.")]})
    try:
        for q, (row, cells) in enumerate(zip(shares, tally, strict=True), start=1):
            for j, (share, cell) in enumerate(zip(row, cells, strict=True), start=1):
                try:
                    crypto.check_share(evaluation.eid, trustee.index, trustee.public_key, cell, share)
                except crypto.CryptoError as exc:
                    raise ValidationError({"shares": [_("Question %(q)d, option %(j)d: %(reason)s")
                                                      % {"q": q, "j": j, "reason": exc}]}) from None
    except TypeError:
        raise ValidationError({"shares": [_("Send one share per tally cell, question by question.")]}) from None
    with transaction.atomic():
        _lock(evaluation)
        if evaluation.state != State.CLOSED:
            raise ValidationError({"state": _("Only the tally of a closed evaluation is decrypted.")})
        if Decryption.objects.filter(trustee=trustee).exists():
            raise ValidationError({"shares": [_("Your decryption is already in.")]})
        decryption = Decryption.objects.create(trustee=trustee, shares_text=crypto.canon(shares).decode())
        audit.record(as_user(acting_user), "evaluation.decryption", evaluation, after={"index": trustee.index},
                     org_path=evaluation.org_path, target_label=evaluation.title)
        _finish_if_complete(evaluation, acting_user)
    return decryption


def _finish_if_complete(evaluation: Evaluation, acting_user: ActingUser | None) -> None:
    trustees = list(evaluation.trustees.order_by("index"))
    decryptions = {d.trustee_id: d for d in Decryption.objects.filter(trustee__evaluation=evaluation)}
    if any(t.pk not in decryptions for t in trustees):
        return
    counts = crypto.decode_results(
        evaluation.manifest, evaluation.tally,
        [{"trustee": t.index, "shares": decryptions[t.pk].shares} for t in trustees], evaluation.ballot_count)
    subjects = list(evaluation.subjects.all())
    questions = evaluation.manifest["questions"]
    by_name = {s.name: s for s in subjects}
    Result.objects.bulk_create([
        Result(evaluation=evaluation, question=i, subject=by_name[q["subject"]], dimension=q["dimension"], counts=c)
        for i, (q, c) in enumerate(zip(questions, counts, strict=True), start=1)])
    _move(evaluation, State.TALLIED)
    evaluation.save(update_fields=["state"])
    audit.record(as_user(acting_user), "evaluation.tallied", evaluation, after={"ballots": evaluation.ballot_count},
                 org_path=evaluation.org_path, target_label=evaluation.title)
    counting.announce_result(evaluation)
