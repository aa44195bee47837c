"""Every write of reports.

Submitting a report and the reporter's follow-up write no audit event: an audit entry carries an
exact time, and nothing may tie a time of day to a report (the same choice as ballots' casting).
Every staff write is audited (staff are accountable; their actions are not secret).

Keys: an action that needs a staff member's private key takes it as ``staff_private`` (bytes,
unlocked for this request from the session, ``reports.session``); it is never stored.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, signed_in
from dangjian.core.roles import roles_with
from dangjian.core.scoping import has_any, in_scope, require
from dangjian.core.workdays import deadline
from dangjian.orgs.models import Organization
from dangjian.reports import attachments, casework, conf, crypto
from dangjian.reports import phone as phone_check
from dangjian.reports.choices import (
    FEEDBACK_WORKDAYS,
    FORWARD_WORKDAYS,
    MAX_CONTENT,
    MAX_SHORT,
    Author,
    Disposal,
    MessageKind,
    ReportKind,
    RequestState,
    State,
)
from dangjian.reports.models import (
    Attachment,
    Custodian,
    Exclusion,
    IdentityAccess,
    IdentityRequest,
    Message,
    Report,
    ReportAccess,
    StaffKey,
)

STEP = 4
MIN_PASSPHRASE = 12
User = get_user_model()


class NoKey(Exception):
    """The staff member holds no wrapped key of this report (or identity)."""


def _today() -> Any:
    return timezone.localdate()


def prefixes(path: str) -> list[str]:
    """The paths of the node at ``path`` and of all its ancestors."""
    return [path[:i] for i in range(STEP, len(path) + 1, STEP)]


def staff_over(path: str, perm: str = "reports.handle") -> QuerySet[Any]:
    """Active users whose role gives ``perm`` on the node at ``path``."""
    return User.objects.filter(is_active=True, role_assignments__role__in=roles_with(perm),
                               role_assignments__organization__path__in=prefixes(path)).distinct()


def recipient_keys(path: str, excluded: set[int] = frozenset()) -> dict[int, bytes]:  # type: ignore[assignment]
    """Public keys of the handlers of the node at ``path`` (who have made a key), minus ``excluded``."""
    rows = StaffKey.objects.filter(user__in=staff_over(path)).values_list("user_id", "public_key")
    return {uid: bytes(pk) for uid, pk in rows if uid not in excluded}


def custodian_keys(path: str) -> dict[int, bytes]:
    rows = StaffKey.objects.filter(user__is_active=True, user_id__in=Custodian.objects.filter(
        org_path__in=prefixes(path)).values("user_id")).values_list("user_id", "public_key")
    return {uid: bytes(pk) for uid, pk in rows}


def intake_org() -> Organization:
    path = conf.intake_org_path()
    qs = Organization.objects.filter(path=path) if path else Organization.objects.filter(depth=1).order_by("path")
    org = qs.first()
    if org is None:
        raise ValidationError({"content": _("Reports cannot be received yet: no organization is set up.")})
    return org


# --- submission (anonymous) -----------------------------------------------------------------------------

def clean_submission(data: dict[str, Any]) -> dict[str, Any]:
    """The one validation of a new report (page and API): a ValidationError names the field."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def text(name: str, limit: int, required: bool = False) -> None:
        value = data.get(name)
        value = "" if value is None else value
        if not isinstance(value, str):
            errors[name] = _("Must be text.")
            return
        value = value.strip()
        if required and not value:
            errors[name] = _("This field is required.")
        elif len(value) > limit:
            errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
        out[name] = value

    text("content", MAX_CONTENT, required=True)
    text("accused", MAX_SHORT)
    text("place", MAX_SHORT)
    text("real_name", 64)
    text("phone", 32)
    kind = data.get("kind") or ReportKind.OTHER
    if kind not in ReportKind.values:
        errors["kind"] = _("Choose one of the listed kinds.")
    out["kind"] = kind
    if out.get("content") is not None and 0 < len(out["content"]) < 10:
        errors["content"] = _("Describe what happened in at least 10 characters.")
    if out.get("phone"):
        try:
            out["phone"] = clean_phone(out["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.message_dict["phone"][0]
    if out.get("phone") and not out.get("real_name") and "phone" not in errors:
        errors["real_name"] = _("A real-name report needs your name as well as your phone.")
    if out.get("real_name") and not out.get("phone") and "phone" not in errors:
        errors["phone"] = _("A real-name report needs a mobile number to reach you.")
    out["phone_code"] = str(data.get("phone_code") or "").strip()
    out["phone_token"] = str(data.get("phone_token") or "")
    if out.get("real_name") and out.get("phone") and not errors and phone_check.required() and not out["phone_code"]:
        errors["phone_code"] = _("Enter the code sent to your phone (ask for one with “Send me a code”).")
    if errors:
        raise ValidationError(errors)
    return out


def clean_phone(value: Any) -> str:
    """An 11-digit mainland mobile number (spaces and dashes dropped), or a ValidationError on ``phone``."""
    digits = str(value or "").replace(" ", "").replace("-", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) == 11 and digits.startswith("1")):
        raise ValidationError({"phone": _("Enter an 11-digit mobile number.")})
    return digits


def named_staff(accused: str, user_ids: set[int]) -> set[int]:
    """The staff (among ``user_ids``) whose name appears in the accused text — in memory only."""
    if not accused or not user_ids:
        return set()
    found = set()
    for uid, name, username in User.objects.filter(pk__in=user_ids).values_list("pk", "name", "username"):
        if (name and len(name) >= 2 and name in accused) or (username and len(username) >= 3 and username in accused):
            found.add(uid)
    return found


#: the letters of a report number: no 0/O, 1/I/L (read aloud, typed from a receipt)
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LETTERS = 10


def random_ids(n: int) -> list[int]:
    """``n`` random primary keys, ascending among themselves: the rows written at submission carry
    no counter, so their ids do not tell in which order reports came in (2⁶¹ values: a clash is
    as unlikely as guessing a key; the unique key would refuse it)."""
    return sorted((1 << 40) + secrets.randbelow(1 << 61) for _ in range(n))


def new_number(year: int) -> str:
    """``JB2026-7QK4M9XD2A``: the year and 10 random letters (≈ 50 bits), not a sequence — the
    number does not tell how many reports came before it."""
    return f"JB{year}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LETTERS))


@dataclass
class Submitted:
    report: Report
    receipt_code: str


def _store_attachment_rows(report: Report, files: list[tuple[str, str, str]]) -> list[Attachment]:
    """The rows of sealed files already written (stripped name, original name or "", content type),
    with random ids (no arrival order)."""
    return Attachment.objects.bulk_create([
        Attachment(pk=pk, report=report, content_type=ctype, stripped_file=stripped_name, original_file=original_name)
        for pk, (stripped_name, original_name, ctype) in zip(random_ids(len(files)), files, strict=True)])


def _delete_sealed(files: list[tuple[str, str, str]]) -> None:
    """Remove sealed files whose rows could not be stored (nothing encrypted is left behind)."""
    for stripped_name, original_name, _ctype in files:
        attachments.delete(stripped_name)
        attachments.delete(original_name)


def do_submit_report(data: dict[str, Any], *, acting_user: ActingUser, photos: list[bytes] | None = None,
                     keep_originals: bool = False) -> Submitted:
    """Encrypt and store a new report; the receipt code is returned once and never stored.
    ``photos`` (raw uploads) are stripped of their metadata in memory first; the originals are
    kept (encrypted) only when the reporter asks (``keep_originals``)."""
    clean = clean_submission(data)
    verified = False
    if clean["real_name"] and phone_check.required():
        if not phone_check.check(clean["phone"], clean["phone_code"], clean["phone_token"]):
            raise ValidationError({"phone_code": _("This code is wrong or has expired: ask for a new one.")})
        verified = True
    stripped = [(raw, *attachments.strip(raw)) for raw in (photos or [])]
    org = intake_org()
    handlers = set(staff_over(org.path).values_list("pk", flat=True))
    excluded = named_staff(clean["accused"], handlers)
    code = crypto.new_receipt_code()
    receipt = crypto.receipt_keys(code, conf.receipt_salt(), conf.receipt_kdf())
    identity = json.dumps({"name": clean["real_name"], "phone": clean["phone"]}, ensure_ascii=False) \
        if clean["real_name"] else ""
    sealed = crypto.seal_report({"content": clean["content"], "accused": clean["accused"], "place": clean["place"]},
                                identity, recipients=recipient_keys(org.path, excluded),
                                custodians=custodian_keys(org.path), receipt=receipt)
    today = _today()
    # The sealed files are written first and removed again if the rows are not: a failed submission
    # leaves no encrypted file behind without its row (storage takes no part in the transaction).
    files = [(attachments.store_sealed(sealed.public_key, clean_bytes),
              attachments.store_sealed(sealed.public_key, raw) if keep_originals else "", ctype)
             for raw, clean_bytes, ctype in stripped]
    try:
        with transaction.atomic():
            report = Report.objects.create(
                pk=random_ids(1)[0], number=new_number(today.year),
                organization=org, org_path=org.path, kind=clean["kind"], real_name=bool(identity),
                phone_verified=verified,
                received_on=today, forward_due=deadline(today, FORWARD_WORKDAYS),
                public_key=sealed.public_key, identity_public_key=sealed.identity_public_key,
                content_box=sealed.parts["content"], accused_box=sealed.parts["accused"],
                place_box=sealed.parts["place"], identity_box=sealed.parts["identity"],
                receipt_lookup=sealed.receipt_lookup, receipt_box=sealed.receipt_box)
            ReportAccess.objects.bulk_create([ReportAccess(pk=pk, report=report, user_id=uid, wrapped_key=w)
                                              for pk, (uid, w) in zip(random_ids(len(sealed.wraps)),
                                                                      sealed.wraps.items(), strict=True)])
            IdentityAccess.objects.bulk_create([IdentityAccess(pk=pk, report=report, user_id=uid, wrapped_key=w)
                                                for pk, (uid, w) in zip(random_ids(len(sealed.identity_wraps)),
                                                                        sealed.identity_wraps.items(), strict=True)])
            Exclusion.objects.bulk_create([Exclusion(pk=pk, report=report, user_id=uid)
                                           for pk, uid in zip(random_ids(len(excluded)), excluded, strict=True)])
            _store_attachment_rows(report, files)
    except BaseException:
        _delete_sealed(files)
        raise
    return Submitted(report, code)


def read_attachment(report: Report, attachment_id: int, user: Any, staff_private: bytes) -> tuple[bytes, str]:
    """The stripped copy of an evidence photo, decrypted for a handler who holds the report key."""
    private = report_private(report, user, staff_private)
    item = report.attachments.get(pk=attachment_id)
    return attachments.open_sealed(private, item.stripped_file), item.content_type


# --- the reporter's follow-up -----------------------------------------------------------------------

@dataclass
class ReporterSession:
    report: Report
    private_key: bytes  # the report's, opened with the receipt key; lives for this request only


def open_with_receipt(code: str) -> ReporterSession | None:
    """The report whose receipt code this is, or None (one Argon2id run either way)."""
    digits = crypto.normalize_receipt(code)
    receipt = crypto.receipt_keys(digits or "0" * crypto.RECEIPT_DIGITS, conf.receipt_salt(), conf.receipt_kdf())
    if digits is None:
        return None
    report = Report.objects.filter(receipt_lookup=receipt.lookup).first()
    if report is None:
        return None
    try:
        return ReporterSession(report, crypto.unlock_with(receipt.key, bytes(report.receipt_box)))
    except crypto.WrongKey:
        return None


def thread(report: Report, private_key: bytes) -> list[dict[str, Any]]:
    """The messages of a report, decrypted with its private key."""
    return [{"author": m.author, "kind": m.kind, "text": crypto.open_sealed(private_key, bytes(m.box)),
             "sent_on": m.sent_on, "staff": m.staff_id}
            for m in report.messages.all()]


def _clean_message(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({"text": _("Write a message.")})
    if len(text.strip()) > MAX_CONTENT:
        raise ValidationError({"text": _("At most %(limit)d characters.") % {"limit": MAX_CONTENT}})
    return text.strip()


def do_add_reporter_message(session: ReporterSession, text: str, kind: str = MessageKind.MESSAGE) -> Message:
    """The reporter answers or adds evidence (as text); sealed to the report's public key."""
    clean = _clean_message(text)
    if kind not in (MessageKind.MESSAGE, MessageKind.EVIDENCE):
        raise ValidationError({"kind": _("Choose a message or further evidence.")})
    report = session.report
    with transaction.atomic():
        return Message.objects.create(report=report, author=Author.REPORTER, kind=kind,
                                      box=crypto.seal(bytes(report.public_key), clean), sent_on=_today())


#: evidence files a report may hold in all (3 at submission, the rest added at follow-up)
MAX_REPORT_FILES = 10


def do_add_reporter_files(session: ReporterSession, files: list[bytes], *, keep_originals: bool = False
                          ) -> list[Attachment]:
    """The reporter adds evidence files at follow-up (with the receipt code): stripped of their
    metadata in memory, sealed to the report's public key like those of the submission (the
    original only when asked); ValidationError on ``photos``, nothing stored."""
    if not files:
        return []
    report = session.report
    if report.attachments.count() + len(files) > MAX_REPORT_FILES:
        raise ValidationError({"photos": _("A report holds at most %(n)d files.") % {"n": MAX_REPORT_FILES}})
    stripped = [(raw, *attachments.strip(raw)) for raw in files]
    public = bytes(report.public_key)
    stored = [(attachments.store_sealed(public, clean_bytes),
               attachments.store_sealed(public, raw) if keep_originals else "", ctype)
              for raw, clean_bytes, ctype in stripped]
    try:
        with transaction.atomic():
            return _store_attachment_rows(report, stored)
    except BaseException:
        _delete_sealed(stored)
        raise


# --- staff keys -------------------------------------------------------------------------------------------

def may_hold_key(user: Any) -> bool:
    return has_any(user, "reports.handle") or has_any(user, "reports.custodian")


def do_create_staff_key(passphrase: str, *, acting_user: ActingUser, replace: bool = False,
                        kdf: crypto.KdfParams | None = None) -> StaffKey:
    """Make the acting staff member's key pair; the private key is stored only locked under the
    passphrase. Replacing a key (a lost passphrase) drops every key wrapped to the old one.
    ``kdf`` overrides the Argon2id cost (the demo's published passphrase only)."""
    user = signed_in(acting_user)
    if not may_hold_key(user):
        raise PermissionDenied(_("Your role does not handle reports."))
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError({"passphrase": _("Use a passphrase of at least %(n)d characters.") % {"n": MIN_PASSPHRASE}})
    existing = StaffKey.objects.filter(user=user).first()
    if existing is not None and not replace:
        raise ValidationError({"passphrase": _("You already have a key. Unlock it instead.")})
    made = crypto.make_staff_key(passphrase, kdf or conf.staff_kdf())
    with transaction.atomic():
        if existing is not None:
            ReportAccess.objects.filter(user=user).delete()
            IdentityAccess.objects.filter(user=user).delete()
            existing.delete()
        key = StaffKey.objects.create(user=user, public_key=made.public_key, locked_private=made.locked_private,
                                      kdf_ops=made.ops, kdf_mem=made.mem, created_on=_today())
        audit.record(user, "report_key.created", key, target_label=str(user),
                     after={"replaced": existing is not None})
    return key


def staff_key_record(key: StaffKey) -> crypto.StaffKey:
    return crypto.StaffKey(bytes(key.public_key), bytes(key.locked_private), key.kdf_ops, key.kdf_mem)


# --- reading ----------------------------------------------------------------------------------------------

def report_private(report: Report, user: Any, staff_private: bytes) -> bytes:
    access = ReportAccess.objects.filter(report=report, user=user).first()
    if access is None or Exclusion.objects.filter(report=report, user=user).exists():
        raise NoKey
    return crypto.unwrap_key(bytes(access.wrapped_key), staff_private)


def read_report(report: Report, user: Any, staff_private: bytes) -> dict[str, Any]:
    """The decrypted parts and messages (the identity is not among them: see ``read_identity``)."""
    private = report_private(report, user, staff_private)
    return {"content": crypto.open_sealed(private, bytes(report.content_box)),
            "accused": crypto.open_sealed(private, bytes(report.accused_box)),
            "place": crypto.open_sealed(private, bytes(report.place_box)),
            "messages": thread(report, private)}


def read_identity(report: Report, user: Any, staff_private: bytes) -> dict[str, str]:
    access = IdentityAccess.objects.filter(report=report, user=user).first()
    if access is None:
        raise NoKey
    private = crypto.unwrap_key(bytes(access.wrapped_key), staff_private)
    return json.loads(crypto.open_sealed(private, bytes(report.identity_box)) or "{}")


# --- handling ---------------------------------------------------------------------------------------------

def _handler(report: Report, acting_user: ActingUser) -> Any:
    user = signed_in(acting_user)
    require(user, "reports.handle", report.org_path)
    if Exclusion.objects.filter(report=report, user=user).exists():
        raise PermissionDenied(_("You are excluded from this report."))
    return user


def _state(report: Report, allowed: tuple[str, ...]) -> None:
    if report.state not in allowed:
        raise ValidationError({"state": _("This cannot be done to a report that is “%(state)s”.")
                               % {"state": State(report.state).label}})


def _save(report: Report, user: Any, event: str, before: dict[str, Any], fields: list[str], reason: str = "") -> None:
    report.save(update_fields=fields)
    after = audit.snapshot(report, fields)
    audit.record(user, event, report, before=before, after=after, reason=reason, org_path=report.org_path,
                 target_label=report.number)


def _snap(report: Report, fields: list[str]) -> dict[str, Any]:
    return audit.snapshot(report, fields)


def do_accept_report(report: Report, *, acting_user: ActingUser) -> Report:
    user = _handler(report, acting_user)
    _state(report, (State.RECEIVED,))
    fields = ["state", "accepted_on", "accept_feedback_due"]
    with transaction.atomic():
        before = _snap(report, fields)
        today = _today()
        report.state, report.accepted_on = State.ACCEPTED, today
        report.accept_feedback_due = deadline(today, FEEDBACK_WORKDAYS) if report.real_name else None
        _save(report, user, "report.accepted", before, fields)
        casework.open_case(report, user)  # the supervised case: the envelope only
    return report


def do_mark_out_of_scope(report: Report, reason: str, *, acting_user: ActingUser) -> Report:
    user = _handler(report, acting_user)
    _state(report, (State.RECEIVED,))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the report is out of scope.")})
    fields = ["state", "closed_on"]
    with transaction.atomic():
        before = _snap(report, fields)
        report.state, report.closed_on = State.OUT_OF_SCOPE, _today()
        _save(report, user, "report.out_of_scope", before, fields, reason=reason.strip())
    return report


def do_forward_report(report: Report, target: Organization, *, acting_user: ActingUser,
                      staff_private: bytes) -> Report:
    """Hand the report to another level: its handlers get the report key (re-wrapped with the
    forwarding handler's access), this level's wraps are dropped."""
    user = _handler(report, acting_user)
    _state(report, (State.RECEIVED,))
    if target.path == report.org_path:
        raise ValidationError({"target": _("Choose another level than the one handling the report.")})
    private = report_private(report, user, staff_private)
    excluded = set(report.exclusions.values_list("user_id", flat=True))
    keys = recipient_keys(target.path, excluded)
    fields = ["organization", "org_path", "forward_due", "forwarded_to"]
    with transaction.atomic():
        before = {"organization": report.organization.name, "org_path": report.org_path,
                  "forward_due": str(report.forward_due), "forwarded_to": report.forwarded_to}
        ReportAccess.objects.filter(report=report).delete()
        ReportAccess.objects.bulk_create([ReportAccess(report=report, user_id=uid,
                                                       wrapped_key=crypto.wrap_key(private, pub))
                                          for uid, pub in keys.items()])
        report.organization, report.org_path = target, target.path
        report.forward_due = deadline(_today(), FORWARD_WORKDAYS)
        report.forwarded_to = target.name
        report.save(update_fields=fields)
        audit.record(user, "report.forwarded", report, before=before,
                     after={"organization": target.name, "org_path": target.path}, org_path=before["org_path"],
                     target_label=report.number)
        # the handlers whose role sits at the target level itself (those above it sent it there)
        here = set(User.objects.filter(is_active=True, role_assignments__role__in=roles_with("reports.handle"),
                                       role_assignments__organization=target).values_list("pk", flat=True))
        recipients = sorted(here - excluded - {user.pk})
        transaction.on_commit(lambda: _tell_forwarded(report, recipients, before["organization"]), robust=True)
    return report


def _tell_forwarded(report: Report, recipients: list[int], source: str) -> None:
    """The target level's handlers learn that a report came to them: the envelope only (number,
    kind, levels, deadline) — never the content, the accused or the reporter."""
    from dangjian.core.notifications import notify
    from dangjian.core.ui import safe_reverse

    notify(recipients, "reports.forwarded",
           title=_("Report %(number)s was forwarded to %(org)s") % {"number": report.number,
                                                                   "org": report.organization.name},
           body=_("From %(source)s; %(kind)s; triage (accept or forward) by %(due)s. Open it with your report key.")
           % {"source": source, "kind": ReportKind(report.kind).label, "due": report.forward_due.isoformat()},
           url=safe_reverse("reports:detail", str(report.uuid)) or "")


def do_dispose_report(report: Report, disposal: str, *, acting_user: ActingUser) -> Report:
    """Choose the disposal; 予以了结 closes the report at once."""
    user = _handler(report, acting_user)
    _state(report, (State.ACCEPTED, State.DISPOSING))
    if disposal not in Disposal.values:
        raise ValidationError({"disposal": _("Choose one of the listed disposals.")})
    fields = ["state", "disposal", "closed_on", "close_feedback_due"]
    with transaction.atomic():
        before = _snap(report, fields)
        report.disposal = disposal
        if disposal == Disposal.CLOSED:
            _close(report)
        else:
            report.state = State.DISPOSING
        _save(report, user, "report.disposed", before, fields)
        casework.follow_disposal(report, user)
        if report.state == State.CLOSED:
            casework.follow_close(report, user)
    return report


def _close(report: Report) -> None:
    today = _today()
    report.state, report.closed_on = State.CLOSED, today
    report.close_feedback_due = deadline(today, FEEDBACK_WORKDAYS) if report.real_name else None


def do_close_report(report: Report, *, acting_user: ActingUser) -> Report:
    user = _handler(report, acting_user)
    _state(report, (State.DISPOSING,))
    fields = ["state", "closed_on", "close_feedback_due"]
    with transaction.atomic():
        before = _snap(report, fields)
        _close(report)
        _save(report, user, "report.closed", before, fields)
        casework.follow_close(report, user)
    return report


def do_send_staff_message(report: Report, text: str, *, acting_user: ActingUser, staff_private: bytes,
                          kind: str = MessageKind.MESSAGE) -> Message:
    """A reply or a question to the reporter, sealed to the report's public key. Only a handler who
    can read the report writes to its reporter. A message to a real-name reporter counts as the
    feedback the deadlines ask for."""
    user = _handler(report, acting_user)
    report_private(report, user, staff_private)  # holds the key (raises NoKey)
    clean = _clean_message(text)
    if kind not in (MessageKind.MESSAGE, MessageKind.QUESTION):
        raise ValidationError({"kind": _("Choose a message or a question.")})
    with transaction.atomic():
        message = Message.objects.create(report=report, author=Author.STAFF, kind=kind, staff=user,
                                          box=crypto.seal(bytes(report.public_key), clean), sent_on=_today())
        if report.real_name:
            report.feedback_given_on = _today()
            report.save(update_fields=["feedback_given_on"])
        audit.record(user, "report.message_sent", report, org_path=report.org_path, target_label=report.number)
    return message


def do_exclude_staff(report: Report, excluded_user: Any, *, acting_user: ActingUser) -> None:
    """Conflict of interest: ``excluded_user`` no longer sees the report; their keys are dropped."""
    user = _handler(report, acting_user)
    if excluded_user.pk == user.pk:
        raise ValidationError({"user": _("Ask another handler to exclude you.")})
    with transaction.atomic():
        Exclusion.objects.get_or_create(report=report, user=excluded_user)
        ReportAccess.objects.filter(report=report, user=excluded_user).delete()
        IdentityAccess.objects.filter(report=report, user=excluded_user).delete()
        audit.record(user, "report.staff_excluded", report, after={"user": str(excluded_user)},
                     org_path=report.org_path, target_label=report.number)


# --- key lifecycle ------------------------------------------------------------------------------------

def do_share_keys(target: Any, *, acting_user: ActingUser, staff_private: bytes, limit: int = 5000) -> int:
    """Give ``target`` (a new handler or custodian who has made a key) the keys of the reports the
    acting user holds and ``target`` may handle: each report key unwrapped with the actor's key and
    sealed to the target's. Returns how many keys were wrapped (a batch of at most ``limit``)."""
    user = signed_in(acting_user)
    target_key = StaffKey.objects.filter(user=target).first()
    if target_key is None:
        raise ValidationError({"user": _("This person has not made a key yet.")})
    public = bytes(target_key.public_key)
    mine = (ReportAccess.objects.filter(user=user).exclude(report__exclusions__user=target)
            .exclude(report__accesses__user=target).select_related("report"))
    new = []
    for access in mine[:limit]:
        if in_scope(target, "reports.handle", access.report.org_path):
            private = crypto.unwrap_key(bytes(access.wrapped_key), staff_private)
            new.append(ReportAccess(report=access.report, user=target, wrapped_key=crypto.wrap_key(private, public)))
    idents = []
    custodian_paths = list(Custodian.objects.filter(user=target).values_list("org_path", flat=True))
    if custodian_paths:
        for held in (IdentityAccess.objects.filter(user=user).exclude(report__identity_accesses__user=target)
                     .select_related("report"))[:limit]:
            if any(held.report.org_path.startswith(p) for p in custodian_paths):
                private = crypto.unwrap_key(bytes(held.wrapped_key), staff_private)
                idents.append(IdentityAccess(report=held.report, user=target,
                                             wrapped_key=crypto.wrap_key(private, public)))
    with transaction.atomic():
        ReportAccess.objects.bulk_create(new, ignore_conflicts=True)
        IdentityAccess.objects.bulk_create(idents, ignore_conflicts=True)
        audit.record(user, "report_keys.shared", target_key, target_label=str(target),
                     after={"reports": len(new), "identities": len(idents)})
    return len(new) + len(idents)


def do_revoke_keys(target: Any, *, acting_user: ActingUser) -> int:
    """A departing staff member loses every wrapped key of the reports in the actor's supervision."""
    user = signed_in(acting_user)
    if not has_any(user, "reports.supervise"):
        raise PermissionDenied(_("Only a supervisor may revoke keys."))
    from dangjian.core.scoping import scoped

    reports = scoped(Report.objects.all(), user, "reports.supervise", path_field="org_path")
    with transaction.atomic():
        n, _d = ReportAccess.objects.filter(user=target, report__in=reports).delete()
        m, _d = IdentityAccess.objects.filter(user=target, report__in=reports).delete()
        audit.record(user, "report_keys.revoked", None, target_label=str(target),
                     after={"reports": n, "identities": m})
    return n + m


def do_name_custodian(org: Organization, custodian: Any, *, acting_user: ActingUser) -> Custodian:
    user = signed_in(acting_user)
    require(user, "reports.supervise", org.path)
    if not in_scope(custodian, "reports.custodian", org.path):
        raise ValidationError({"user": _("A custodian must be discipline staff of this organization.")})
    with transaction.atomic():
        row, _c = Custodian.objects.get_or_create(user=custodian, organization=org, defaults={"org_path": org.path})
        audit.record(user, "report_custodian.named", row, target_label=str(custodian), org_path=org.path)
    return row


# --- identity custodian ---------------------------------------------------------------------------------

def do_request_identity(report: Report, reason: str, *, acting_user: ActingUser) -> IdentityRequest:
    user = _handler(report, acting_user)
    if not report.real_name:
        raise ValidationError({"reason": _("This report is anonymous: there is no identity to open.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why you need the reporter's identity.")})
    with transaction.atomic():
        req = IdentityRequest.objects.create(report=report, requester=user, reason=reason.strip()[:2000])
        audit.record(user, "report.identity_requested", report, reason=req.reason, org_path=report.org_path,
                     target_label=report.number)
    return req


def do_decide_identity(req: IdentityRequest, grant: bool, *, acting_user: ActingUser,
                       staff_private: bytes | None = None) -> IdentityRequest:
    """A custodian opens (re-wraps the identity key to the requester) or refuses; logged either way."""
    user = signed_in(acting_user)
    report = req.report
    if not Custodian.objects.filter(user=user, org_path__in=prefixes(report.org_path)).exists():
        raise PermissionDenied(_("Only an identity custodian of this report may decide."))
    if req.state != RequestState.PENDING:
        raise ValidationError({"state": _("This request is already decided.")})
    if user.pk == req.requester_id:
        raise PermissionDenied(_("A custodian does not decide their own request."))
    with transaction.atomic():
        if grant:
            access = IdentityAccess.objects.filter(report=report, user=user).first()
            requester_key = StaffKey.objects.filter(user_id=req.requester_id).first()
            if access is None or staff_private is None or requester_key is None:
                raise NoKey
            private = crypto.unwrap_key(bytes(access.wrapped_key), staff_private)
            IdentityAccess.objects.update_or_create(
                report=report, user_id=req.requester_id,
                defaults={"wrapped_key": crypto.wrap_key(private, bytes(requester_key.public_key))})
        req.state = RequestState.GRANTED if grant else RequestState.REFUSED
        req.custodian, req.decided_at = user, timezone.now()
        req.save(update_fields=["state", "custodian", "decided_at"])
        audit.record(user, "report.identity_opened" if grant else "report.identity_refused", report,
                     reason=req.reason, after={"requester": str(req.requester)}, org_path=report.org_path,
                     target_label=report.number)
    return req
