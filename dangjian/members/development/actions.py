"""Writes of the development pipeline (DESIGN.md §4 rule 1).

``do_create_file`` records step 1 (the application); ``do_record_step`` records any later step
through the step's own transition function in ``STEP_RULES`` (order, time rules, people,
votes) after checking who may record it. Every refusal names the rule it applies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, validators
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.scoping import in_scope, require
from dangjian.core.uploads import head_of, sniff, type_for_name
from dangjian.members import MemberStatus
from dangjian.members.actions import do_change_member_status
from dangjian.members.development import LAST_STEP, STEPS, Actor, FileStatus, Meeting, PersonRole, Stage, rules
from dangjian.members.development.models import ApplicantFile, StepDocument, StepPerson, StepRecord
from dangjian.members.development_support import do_register_probationary_member
from dangjian.members.models import Member, Person
from dangjian.orgs import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import Organization

#: the extensions a development document may have (its bytes must match: ``core.uploads``)
UPLOAD_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx")
MAX_UPLOADS_PER_STEP = 10

_FILE_AUDIT_FIELDS = ("step", "stage", "status", "applied_on", "activist_on", "candidate_on", "assembly_on",
                      "probation_ends_on", "notice_starts_on", "notice_ends_on", "next_due_on", "due_kind")


def _today() -> dt.date:
    return timezone.localdate()


def _snapshot(f: ApplicantFile) -> dict:
    return audit.snapshot(f, _FILE_AUDIT_FIELDS)


def higher_committee(org: Organization) -> Organization:
    """The nearest committee (党委/党工委) above ``org``: it files, pre-reviews and approves."""
    paths = [org.path[: i * org.steplen] for i in range(1, org.depth)]
    found = (Organization.objects.filter(path__in=paths, kind__in=[OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE])
             .order_by("-depth").first())
    if found is None:
        raise ValidationError({"organization": _("“%(org)s” has no party committee above it to approve admissions.")
                               % {"org": org.name}})
    return found


def check_role(user: Any, f: ApplicantFile, step: int) -> None:
    """Who may record ``step``: the branch (``development.manage``) or the higher committee."""
    info = STEPS[step]
    if info.actor == Actor.HIGHER:
        committee = higher_committee(f.organization)
        if not in_scope(user, "development.approve", committee.path):
            raise PermissionDenied(
                _("Step %(step)d (%(name)s) is recorded by the higher committee (%(org)s); your role does not "
                  "cover it.") % {"step": step, "name": info.name, "org": committee.name})
    elif not in_scope(user, "development.manage", f.org_path):
        raise PermissionDenied(
            _("Step %(step)d (%(name)s) is recorded by the branch secretary or organizer; your role does not "
              "cover this branch.") % {"step": step, "name": info.name})


# --- uploads -------------------------------------------------------------------------------------

def check_uploads(uploads: Sequence[UploadedFile]) -> None:
    if len(uploads) > MAX_UPLOADS_PER_STEP:
        raise ValidationError({"documents": _("At most %(n)d documents per step.") % {"n": MAX_UPLOADS_PER_STEP}})
    limit = rules.config("MAX_UPLOAD_MB") * 1024 * 1024
    for upload in uploads:
        name = upload.name or ""
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in UPLOAD_EXTENSIONS:
            raise ValidationError({"documents": _("“%(name)s”: only PDF, JPEG, PNG and Word (.docx) files are "
                                                  "accepted.") % {"name": name}})
        if (upload.size or 0) > limit:
            raise ValidationError({"documents": _("“%(name)s” is larger than %(mb)d MB.")
                                   % {"name": name, "mb": rules.config("MAX_UPLOAD_MB")}})
        if not upload.size:
            raise ValidationError({"documents": _("“%(name)s” is empty.") % {"name": name}})
        if sniff(head_of(upload)) != type_for_name(name):
            raise ValidationError({"documents": _("“%(name)s” is not really a %(ext)s file.")
                                   % {"name": name, "ext": ext.upper()}})


def _save_uploads(record: StepRecord, uploads: Sequence[UploadedFile]) -> None:
    for upload in uploads:
        name = (upload.name or "document").replace("/", "_")[-200:]
        doc = StepDocument(record=record, name=name, content_type=type_for_name(name) or "", size=upload.size or 0)
        doc.file.save(name, upload, save=False)
        doc.save()


# --- people and votes ----------------------------------------------------------------------------

@dataclass
class PersonIn:
    role: str
    name: str = ""
    member: Member | None = None


@dataclass
class Votes:
    entitled: int
    present: int
    yes: int
    no: int
    abstain: int
    written: int = 0


@dataclass
class StepInput:
    date: dt.date
    note: str = ""
    late_reason: str = ""
    special: bool = False
    people: list[PersonIn] = field(default_factory=list)
    votes: Votes | None = None
    details: dict[str, Any] = field(default_factory=dict)


def clean_people(raw: Sequence[dict[str, Any]], f: ApplicantFile) -> list[PersonIn]:
    """People from ``[{"role", "member"?, "name"?}]``; a member must be in the file's branch subtree's
    reach (any member on the platform in the same county tree) and is looked up by id."""
    people: list[PersonIn] = []
    ids = [p.get("member") for p in raw if p.get("member")]
    members = {m.pk: m for m in Member.objects.select_related("person").filter(pk__in=[i for i in ids if isinstance(i, int)])}
    for p in raw:
        role = p.get("role") or ""
        if role not in PersonRole.values:
            raise ValidationError({"people": _("Unknown role of a person involved.")})
        member = None
        if p.get("member"):
            member = members.get(p["member"]) if isinstance(p["member"], int) else None
            if member is None or member.org_path[:4] != f.org_path[:4]:
                raise ValidationError({"people": _("Unknown party member.")})
        name = (member.person.name if member else (p.get("name") or "")).strip()
        if not name:
            raise ValidationError({"people": _("Give the name of each person involved.")})
        if len(name) > 64:
            raise ValidationError({"people": _("A name is at most 64 characters.")})
        people.append(PersonIn(role=role, name=name, member=member))
    return people


def _people_of(inp: StepInput, role: str) -> list[PersonIn]:
    return [p for p in inp.people if p.role == role]


def _full_members_only(people: list[PersonIn], what: str) -> None:
    for p in people:
        if p.member is not None and p.member.status != MemberStatus.FULL:
            raise ValidationError({"people": _("%(what)s must be full party members; %(name)s is not.")
                                   % {"what": what, "name": p.name}})


def branch_full_members(org_path: str) -> int:
    return Member.objects.filter(org_path=org_path, status=MemberStatus.FULL).count()


def _check_assembly(f: ApplicantFile, votes: Votes | None) -> None:
    """Branch assembly: quorum more than half of the full members entitled to vote; the motion
    passes with yes votes (written opinions of absentees counted) more than half of them."""
    if votes is None:
        raise ValidationError({"votes": _("A branch assembly decides this step: enter the vote.")})
    full = branch_full_members(f.org_path)
    if votes.entitled < 1:
        raise ValidationError({"entitled": _("Enter how many full members are entitled to vote.")})
    if votes.entitled > full:
        raise ValidationError({"entitled": _("The branch has only %(n)d full members; more cannot be entitled to "
                                             "vote.") % {"n": full}})
    if votes.present + votes.written > votes.entitled:
        raise ValidationError({"present": _("Members present plus written opinions cannot exceed those entitled "
                                            "to vote.")})
    if votes.yes + votes.no + votes.abstain != votes.present + votes.written:
        raise ValidationError({"yes": _("Yes, no and abstain must add up to the members present plus the written "
                                        "opinions (%(n)d).") % {"n": votes.present + votes.written}})
    if not rules.assembly_quorum_ok(votes.entitled, votes.present):
        raise ValidationError({"present": _("No quorum: more than half of the %(n)d full members entitled to vote "
                                            "must be present.") % {"n": votes.entitled}})
    if not rules.assembly_passes(votes.entitled, votes.yes):
        raise ValidationError({"yes": _("The motion did not pass: yes votes must be more than half of the %(n)d "
                                        "full members entitled to vote.") % {"n": votes.entitled}})


def _check_committee(votes: Votes | None) -> None:
    if votes is None:
        raise ValidationError({"votes": _("The branch committee decides this step: enter the vote.")})
    if votes.entitled < 1:
        raise ValidationError({"entitled": _("Enter the number of branch committee members.")})
    if votes.written:
        raise ValidationError({"written": _("Written opinions count only at a branch assembly.")})
    if votes.present > votes.entitled:
        raise ValidationError({"present": _("More committee members present than the committee has.")})
    if votes.yes + votes.no + votes.abstain != votes.present:
        raise ValidationError({"yes": _("Yes, no and abstain must add up to the members present (%(n)d).")
                               % {"n": votes.present}})
    if not rules.committee_quorum_ok(votes.entitled, votes.present):
        raise ValidationError({"present": _("No quorum: more than half of the branch committee must be present.")})
    if not rules.committee_passes(votes.present, votes.yes):
        raise ValidationError({"yes": _("The review did not pass: yes votes must be more than half of the "
                                        "committee members present.")})


# --- one transition function per step --------------------------------------------------------------

def _d(value: dt.date) -> str:
    return value.isoformat()


def _step_2(f: ApplicantFile, inp: StepInput) -> None:
    due = rules.talk_due(f.applied_on)  # type: ignore[arg-type]
    if inp.date > due and not inp.late_reason.strip():
        raise ValidationError({"late_reason": _("The branch must talk with the applicant within one month of the "
                                                "application (by %(due)s); give the reason for the delay.")
                               % {"due": _d(due)}})
    if not _people_of(inp, PersonRole.TALKER):
        raise ValidationError({"people": _("Name who talked with the applicant.")})


def _step_3(f: ApplicantFile, inp: StepInput) -> None:
    f.activist_on = inp.date


def _step_5(f: ApplicantFile, inp: StepInput) -> None:
    mentors = _people_of(inp, PersonRole.MENTOR)
    if not 1 <= len(mentors) <= 2:
        raise ValidationError({"people": _("Assign one or two full members as mentors.")})
    _full_members_only(mentors, _("Mentors"))


def _step_7(f: ApplicantFile, inp: StepInput) -> None:
    earliest = rules.candidate_earliest(f.activist_on)  # type: ignore[arg-type]
    if inp.date < earliest:
        raise ValidationError({"date": _("A candidate is confirmed only after more than one year as an activist "
                                         "(activist since %(since)s; earliest %(earliest)s).")
                               % {"since": _d(f.activist_on), "earliest": _d(earliest)}})  # type: ignore[arg-type]
    f.candidate_on = inp.date


def _step_9(f: ApplicantFile, inp: StepInput) -> None:
    sponsors = _people_of(inp, PersonRole.SPONSOR)
    if len(sponsors) != 2:
        raise ValidationError({"people": _("A candidate has two sponsors, both full party members.")})
    _full_members_only(sponsors, _("Sponsors"))
    if sponsors[0].member and sponsors[1].member and sponsors[0].member.pk == sponsors[1].member.pk:
        raise ValidationError({"people": _("The two sponsors must be different people.")})


def _step_11(f: ApplicantFile, inp: StepInput) -> None:
    days = inp.details.get("training_days") or 0
    hours = inp.details.get("training_hours") or 0
    if days < rules.config("TRAINING_DAYS") and hours < rules.config("TRAINING_HOURS"):
        raise ValidationError({"training_days": _("Concentrated training lasts at least %(days)d days or %(hours)d "
                                                  "class hours.")
                               % {"days": rules.config("TRAINING_DAYS"), "hours": rules.config("TRAINING_HOURS")}})


def _step_12(f: ApplicantFile, inp: StepInput) -> None:
    _check_committee(inp.votes)


def _step_15(f: ApplicantFile, inp: StepInput) -> None:
    if not f.notice_ends_on:
        raise ValidationError({"date": _("Publish the public notice of the candidate before the branch assembly "
                                         "votes on admission.")})
    if inp.date <= f.notice_ends_on:
        raise ValidationError({"date": _("The public notice runs until %(end)s; the branch assembly may vote only "
                                         "after it has ended.") % {"end": _d(f.notice_ends_on)}})
    _check_assembly(f, inp.votes)
    f.assembly_on = inp.date
    f.probation_ends_on = rules.probation_end(inp.date)


def _within_approval(vote_on: dt.date, inp: StepInput, what: str) -> None:
    due = rules.approval_due(vote_on)
    special_due = rules.approval_due(vote_on, special=True)
    if inp.date > special_due:
        raise ValidationError({"date": _("%(what)s must be approved within %(months)d months of the branch "
                                         "assembly's vote (by %(due)s), even in special cases.")
                               % {"what": what, "months": rules.config("APPROVAL_MONTHS_SPECIAL"),
                                  "due": _d(special_due)}})
    if inp.date > due and not (inp.special and inp.late_reason.strip()):
        raise ValidationError({"late_reason": _("%(what)s must be approved within %(months)d months of the branch "
                                                "assembly's vote (by %(due)s); later approval is a special case: "
                                                "mark it and give the reason.")
                               % {"what": what, "months": rules.config("APPROVAL_MONTHS"), "due": _d(due)}})


def _step_17(f: ApplicantFile, inp: StepInput) -> None:
    _within_approval(f.assembly_on, inp, _("Admission"))  # type: ignore[arg-type]
    if Member.objects.filter(person_id=f.person_id).exists():
        raise ValidationError({"person": _("This person is already registered as a party member.")})


def _step_22(f: ApplicantFile, inp: StepInput) -> None:
    earliest = rules.full_application_earliest(f.probation_ends_on)  # type: ignore[arg-type]
    if inp.date < earliest:
        raise ValidationError({"date": _("The application for full membership is made when probation is ending "
                                         "(probation ends %(end)s; earliest %(earliest)s).")
                               % {"end": _d(f.probation_ends_on), "earliest": _d(earliest)}})  # type: ignore[arg-type]


def _step_23(f: ApplicantFile, inp: StepInput) -> None:
    if inp.date < f.probation_ends_on:  # type: ignore[operator]
        raise ValidationError({"date": _("Probation lasts one year from the branch assembly's vote and ends on "
                                         "%(end)s; the vote on full membership cannot be held before.")
                               % {"end": _d(f.probation_ends_on)}})  # type: ignore[arg-type]
    _check_assembly(f, inp.votes)


def _step_24(f: ApplicantFile, inp: StepInput) -> None:
    vote = f.records.filter(step=23).order_by("-date").values_list("date", flat=True).first()
    _within_approval(vote, inp, _("Full membership"))  # type: ignore[arg-type]
    if f.member is None or f.member.status != MemberStatus.PROBATIONARY:
        raise ValidationError({"person": _("Only a probationary member can become a full member.")})


def _nothing(f: ApplicantFile, inp: StepInput) -> None:
    return None


#: One transition function per step (steps without extra rules only check order, date and role).
STEP_RULES: dict[int, Callable[[ApplicantFile, StepInput], None]] = dict.fromkeys(range(2, LAST_STEP + 1), _nothing)
STEP_RULES.update({2: _step_2, 3: _step_3, 5: _step_5, 7: _step_7, 9: _step_9, 11: _step_11, 12: _step_12,
                   15: _step_15, 17: _step_17, 22: _step_22, 23: _step_23, 24: _step_24})


def _last_date(f: ApplicantFile) -> dt.date | None:
    return f.records.order_by("-date").values_list("date", flat=True).first()


def check_order(f: ApplicantFile, step: int) -> None:
    if f.status != FileStatus.ACTIVE:
        raise ValidationError({"step": _("This file is %(status)s; no more steps can be recorded.")
                               % {"status": FileStatus(f.status).label}})
    if step not in f.legal_steps:
        expected = f.next_step
        raise ValidationError({"step": _("Steps are taken in order: the next step is %(next)s, not step %(step)d.")
                               % {"next": expected, "step": step}})


def _check_date(f: ApplicantFile, step: int, on: dt.date) -> None:
    if on > _today():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    last = _last_date(f)
    if last and on < last:
        raise ValidationError({"date": _("Step %(step)d cannot be dated before the previous step (%(last)s).")
                               % {"step": step, "last": _d(last)}})


def set_due(f: ApplicantFile) -> None:
    """The file's next deadline (for reminders, warnings and the dashboard's overdue list)."""
    due: dt.date | None = None
    kind = ""
    if f.status == FileStatus.ACTIVE:
        if f.step == 1 and f.applied_on:
            due, kind = rules.talk_due(f.applied_on), "talk"
        elif f.step in (15, 16) and f.assembly_on:
            due, kind = rules.approval_due(f.assembly_on), "approval"
        elif 17 <= f.step <= 22 and f.probation_ends_on:
            due, kind = f.probation_ends_on, "probation"
        elif f.step == 23:
            vote = f.records.filter(step=23).order_by("-date").values_list("date", flat=True).first()
            if vote:
                due, kind = rules.approval_due(vote), "approval"
    f.next_due_on, f.due_kind = due, kind


def do_record_step(f: ApplicantFile, step: int, inp: StepInput, uploads: Sequence[UploadedFile] = (), *,
                   acting_user: ActingUser) -> StepRecord:
    """Record ``step`` for the file; refuses it out of order, too early/late, or by the wrong role."""
    if step not in STEPS or step == 1:
        raise ValidationError({"step": _("Unknown step.")})
    check_order(ApplicantFile.objects.only("step", "status").get(pk=f.pk), step)  # again below, under the lock
    check_role(acting_user, f, step)
    if step == 24 and not in_scope(acting_user, "members.change_status", f.org_path):
        raise PermissionDenied(_("Approving full membership changes the member's status; your role may not."))
    if step == 17 and not in_scope(acting_user, "members.add", f.org_path):
        raise PermissionDenied(_("Approving admission registers the party member; your role may not."))
    check_uploads(uploads)
    if len(inp.note) > 5000 or len(inp.late_reason) > 2000:
        raise ValidationError({"note": _("The note is too long.")})
    with transaction.atomic():
        f = ApplicantFile.objects.select_for_update(of=("self",)).select_related("organization", "member").get(pk=f.pk)
        check_order(f, step)
        _check_date(f, step, inp.date)
        before = _snapshot(f)
        STEP_RULES[step](f, inp)
        record = StepRecord.objects.create(
            file=f, step=step, date=inp.date, note=inp.note.strip(), late_reason=inp.late_reason.strip(),
            details={**inp.details, **({"special": True} if inp.special else {})}, recorded_by=as_user(acting_user),
            **({"entitled": inp.votes.entitled, "present": inp.votes.present, "written": inp.votes.written,
                "yes": inp.votes.yes, "no": inp.votes.no, "abstain": inp.votes.abstain}
               if inp.votes and STEPS[step].meeting != Meeting.NONE else {}),
        )
        StepPerson.objects.bulk_create([StepPerson(record=record, role=p.role, member=p.member, name=p.name)
                                        for p in inp.people])
        _save_uploads(record, uploads)
        f.step = step
        f.stage = STEPS[step].stage
        if step == 17:
            f.member = do_register_probationary_member(f.person, f.organization, join_date=f.assembly_on,  # type: ignore[arg-type]
                                                       acting_user=acting_user)
        if step == 24:
            do_change_member_status(f.member, MemberStatus.FULL, acting_user=acting_user,  # type: ignore[arg-type]
                                    reason=str(_("Full membership approved (development step 24).")),
                                    on_date=f.probation_ends_on)
        if step == LAST_STEP:
            f.status = FileStatus.FULL
        set_due(f)
        f.save()
        b, a = audit.diff(before, _snapshot(f))
        audit.record(acting_user, "development.step_recorded", f, before=b, after={**a, "recorded_step": step},
                     reason=inp.late_reason.strip(), org_path=f.org_path, target_label=f.person.name)
    return record


# --- creating a file (step 1) ----------------------------------------------------------------------

def _birth_from_id(id_number: str) -> dt.date | None:
    if len(id_number) != 18:
        return None
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def do_create_file(data: dict[str, Any], uploads: Sequence[UploadedFile] = (), *, acting_user: ActingUser) -> ApplicantFile:
    """Open an applicant file and record step 1 (application submitted) from cleaned form data:
    ``name, organization, applied_on`` and optional ``id_number, phone, sex, birth_date, education,
    work_unit, job_post, address, user, note``."""
    org = data["organization"]
    if not isinstance(org, Organization):
        org = Organization.objects.filter(pk=org).first()
        if org is None:
            raise ValidationError({"organization": _("Unknown organization.")})
    require(acting_user, "development.manage", org.path)
    if org.kind not in BRANCH_KINDS:
        raise ValidationError({"organization": _("An applicant applies to a branch; “%(org)s” is not a branch.")
                               % {"org": org.name}})
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the applicant's name.")})
    try:
        raw_id = data.get("id_number") or ""
        id_number = validators.validate_id_number(raw_id) if raw_id.strip() else ""
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    try:
        raw_phone = data.get("phone") or ""
        phone = validators.validate_phone(raw_phone) if raw_phone.strip() else ""
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    applied_on: dt.date | None = data.get("applied_on")
    if applied_on is None:
        raise ValidationError({"applied_on": _("Enter the date of the application.")})
    if applied_on > _today():
        raise ValidationError({"applied_on": _("The date cannot be in the future.")})
    birth = data.get("birth_date") or _birth_from_id(id_number)
    if birth is None:
        raise ValidationError({"birth_date": _("Enter the birth date (or the ID-card number): applicants must be "
                                               "at least %(age)d.") % {"age": rules.config("MIN_AGE")}})
    if rules.age_on(birth, applied_on) < rules.config("MIN_AGE"):
        raise ValidationError({"birth_date": _("An applicant must be at least %(age)d years old on the date of "
                                               "the application.") % {"age": rules.config("MIN_AGE")}})
    if id_number and Person.objects.filter(id_number_digest=crypto.digest(id_number, purpose="id")).exists():
        raise ValidationError({"id_number": _("A person with this ID-card number is already registered.")})
    user = data.get("user")
    if user is not None and Person.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This account already belongs to another person.")})
    check_uploads(uploads)

    person = Person()
    person.set_name(name)
    person.set_id_number(id_number)
    person.set_phone(phone)
    person.birth_date = birth
    for key in ("sex", "education", "work_unit", "job_post", "address"):
        setattr(person, key, data.get(key) or "")
    person.user = user
    f = ApplicantFile(organization=org, org_path=org.path, step=1, stage=Stage.APPLICATION, applied_on=applied_on)
    try:
        with transaction.atomic():
            person.save()
            f.person = person
            set_due(f)
            f.save()
            record = StepRecord.objects.create(file=f, step=1, date=applied_on, note=(data.get("note") or "").strip(),
                                               recorded_by=as_user(acting_user))
            _save_uploads(record, uploads)
            audit.record(acting_user, "development.file_created", f, after=_snapshot(f), org_path=org.path,
                         target_label=name)
    except IntegrityError:
        raise ValidationError({"id_number": _("A person with this ID-card number is already registered.")}) from None
    return f


# --- public notice, extension, closing ------------------------------------------------------------

def default_notice_text(f: ApplicantFile) -> str:
    return _("The branch proposes to admit the candidate named below. Anyone with an opinion may contact the "
             "branch or the organization department above during the notice period.")


def do_publish_notice(f: ApplicantFile, *, start: dt.date, text: str = "", acting_user: ActingUser) -> ApplicantFile:
    """Publish the public notice (公示) of a candidate: after the branch committee's review (step 12)
    and before the branch assembly's vote; it runs N working days (default 5) from ``start``."""
    require(acting_user, "development.manage", f.org_path)
    text = (text or "").strip() or default_notice_text(f)
    if len(text) > 2000:
        raise ValidationError({"text": _("The notice text is at most 2000 characters.")})
    with transaction.atomic():
        f = ApplicantFile.objects.select_for_update().get(pk=f.pk)
        if f.status != FileStatus.ACTIVE or not 12 <= f.step < 15:
            raise ValidationError({"start": _("The public notice is published after the branch committee's review "
                                              "(step 12) and before the branch assembly's vote (step 15).")})
        review = f.records.filter(step=12).values_list("date", flat=True).first()
        if start < _today() or (review and start < review):
            raise ValidationError({"start": _("The notice cannot start in the past.")})
        before = _snapshot(f)
        f.notice_starts_on = start
        f.notice_ends_on = rules.notice_end(start)
        f.notice_text = text
        f.save(update_fields=["notice_starts_on", "notice_ends_on", "notice_text", "updated_at"])
        b, a = audit.diff(before, _snapshot(f))
        audit.record(acting_user, "development.notice_published", f, before=b, after=a, org_path=f.org_path,
                     target_label=f.person.name)
    return f


def do_extend_probation(f: ApplicantFile, months: int, *, reason: str, acting_user: ActingUser,
                        decided_on: dt.date | None = None) -> Any:
    """The branch assembly's decision to extend probation once by 6 to 12 months, sent to the
    higher committee for approval. It is a status-change request of the lifecycle module (kind
    ``extend``), so it follows the same proposal/approval path and rules as every status change;
    on approval the file's end of probation moves (``apply_probation_extension``). Returns the
    request."""
    from dangjian.members.lifecycle import ChangeKind
    from dangjian.members.lifecycle.actions import do_propose_status_change

    require(acting_user, "development.manage", f.org_path)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for extending probation.")})
    if f.probation_extended:
        raise ValidationError({"months": _("Probation may be extended only once.")})
    if f.status != FileStatus.ACTIVE or not 17 <= f.step <= 22 or f.member is None:
        raise ValidationError({"months": _("Only a probationary member's probation can be extended.")})
    try:
        return do_propose_status_change(f.member, {
            "kind": ChangeKind.EXTEND, "extension_months": months, "reason": reason.strip(),
            "effective_on": decided_on or _today()}, acting_user=acting_user)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "extension_months" in exc.error_dict:
            exc.error_dict["months"] = exc.error_dict.pop("extension_months")
        raise


def apply_probation_extension(member: Any, months: int, *, acting_user: ActingUser) -> ApplicantFile | None:
    """Called by the lifecycle module inside its approval transaction: the development file of a
    member developed on the platform gets the new end of probation (and its reminders follow)."""
    f = (ApplicantFile.objects.select_for_update().select_related("person")
         .filter(member=member, status=FileStatus.ACTIVE, step__gte=17, step__lte=22).first())
    if f is None or f.assembly_on is None:
        return None
    before = _snapshot(f)
    f.probation_ends_on = rules.probation_end(f.assembly_on, months)
    f.probation_extended = True
    set_due(f)
    f.save()
    b, a = audit.diff(before, _snapshot(f))
    audit.record(acting_user, "development.probation_extended", f, before=b, after=a, org_path=f.org_path,
                 target_label=f.person.name)
    return f


def do_close_file(f: ApplicantFile, *, reason: str, acting_user: ActingUser) -> ApplicantFile:
    """Close a file that will not go on (application withdrawn, not admitted …)."""
    require(acting_user, "development.manage", f.org_path)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for closing the file.")})
    with transaction.atomic():
        f = ApplicantFile.objects.select_for_update().get(pk=f.pk)
        if f.status != FileStatus.ACTIVE:
            raise ValidationError({"reason": _("This file is already finished.")})
        if f.step >= 17:
            raise ValidationError({"reason": _("The applicant is already a party member; change the member's status "
                                               "instead.")})
        before = _snapshot(f)
        f.status = FileStatus.CLOSED
        f.closed_reason = reason.strip()
        set_due(f)
        f.save()
        b, a = audit.diff(before, _snapshot(f))
        audit.record(acting_user, "development.file_closed", f, before=b, after=a, reason=reason.strip(),
                     org_path=f.org_path, target_label=f.person.name)
    return f


def do_export_archive(f: ApplicantFile, *, acting_user: ActingUser) -> tuple[str, bytes]:
    """The per-person archive (generated documents, uploads, timeline) as one zip; audited."""
    from dangjian.members.development.documents import build_archive

    require(acting_user, "development.view", f.org_path)
    name, data = build_archive(f)
    with transaction.atomic():
        audit.record(acting_user, "development.exported", f, org_path=f.org_path, target_label=f.person.name)
    return name, data


# --- files of members admitted before the platform (补录历史发展档案) ---------------------------------

#: The steps an archived file records, by the date each one takes from ``ArchivedFile``.
_ARCHIVED_STEPS = ((1, "applied_on"), (3, "activist_on"), (7, "candidate_on"), (15, "assembly_on"),
                   (17, "approved_on"))


@dataclass(frozen=True)
class ArchivedFile:
    """The key dates on the paper development file of a member admitted before the platform was
    in use: application (step 1), activist (3), candidate (7) and the higher committee's approval
    (17). The branch assembly's vote (15) is the member's joining date; a full member's file also
    gets the approval of full membership (24) on the member's full-membership date, and is
    finished."""

    member: Member
    applied_on: dt.date
    activist_on: dt.date
    candidate_on: dt.date
    approved_on: dt.date


def _check_archived(entry: ArchivedFile, today: dt.date) -> None:
    m = entry.member
    join = m.join_date
    if join is None:
        raise ValidationError({"member": _("%(name)s has no joining date: the branch assembly's vote is dated by it.")
                               % {"name": m.person.name}})
    order = [("applied_on", entry.applied_on), ("activist_on", entry.activist_on),
             ("candidate_on", entry.candidate_on), ("assembly_on", join), ("approved_on", entry.approved_on)]
    for (_f, earlier), (field_name, later) in zip(order, order[1:], strict=False):
        if later < earlier:
            raise ValidationError({field_name: _("%(name)s: the dates of the file must follow the steps' order "
                                                 "(%(later)s is before %(earlier)s).")
                                   % {"name": m.person.name, "later": _d(later), "earlier": _d(earlier)}})
    if entry.approved_on > today:
        raise ValidationError({"approved_on": _("The date cannot be in the future.")})
    if entry.candidate_on < rules.candidate_earliest(entry.activist_on):
        raise ValidationError({"candidate_on": _("%(name)s: a candidate is confirmed only after more than one year "
                                                 "as an activist.") % {"name": m.person.name}})
    if entry.approved_on > rules.approval_due(join, special=True):
        raise ValidationError({"approved_on": _("%(name)s: admission must be approved within %(months)d months of "
                                                "the branch assembly's vote.")
                               % {"name": m.person.name, "months": rules.config("APPROVAL_MONTHS_SPECIAL")}})


def do_record_archived_files(entries: Sequence[ArchivedFile], *, acting_user: ActingUser) -> list[ApplicantFile]:
    """Record the paper development files of members admitted before the platform was used, so that
    "newly developed" members and "admitted in the development files" agree (the statistics'
    cross-check). All or nothing: one member who already has a file, or whose dates break the
    steps' order or time rules, refuses the whole batch, naming the member. Each file is audited."""
    today = _today()
    members = [e.member for e in entries]
    for m in members:
        require(acting_user, "development.manage", m.org_path)
    for entry in entries:
        _check_archived(entry, today)
    person_ids = [m.person_id for m in members]
    if len(set(person_ids)) != len(person_ids):
        raise ValidationError({"member": _("A member is listed twice.")})
    taken = set(ApplicantFile.objects.filter(Q(person_id__in=person_ids) | Q(member__in=members))
                .values_list("person_id", flat=True))
    if taken:
        name = next(m.person.name for m in members if m.person_id in taken)
        raise ValidationError({"member": _("%(name)s already has a development file.") % {"name": name}})
    user = as_user(acting_user)
    files: list[ApplicantFile] = []
    records: list[StepRecord] = []
    with transaction.atomic():
        for entry in entries:
            m = entry.member
            full = m.status != MemberStatus.PROBATIONARY and m.full_date is not None
            f = ApplicantFile(person_id=m.person_id, member=m, organization_id=m.organization_id, org_path=m.org_path,
                              applied_on=entry.applied_on, activist_on=entry.activist_on,
                              candidate_on=entry.candidate_on, assembly_on=m.join_date,
                              probation_ends_on=rules.probation_end(m.join_date),  # type: ignore[arg-type]
                              step=LAST_STEP if full else 17,
                              status=FileStatus.FULL if full else FileStatus.ACTIVE)
            f.stage = STEPS[f.step].stage
            set_due(f)
            files.append(f)
        ApplicantFile.objects.bulk_create(files)
        for entry, f in zip(entries, files, strict=True):
            dates = {"assembly_on": entry.member.join_date, **{k: getattr(entry, k) for k in
                                                               ("applied_on", "activist_on", "candidate_on",
                                                                "approved_on")}}
            steps = [(n, dates[k]) for n, k in _ARCHIVED_STEPS]
            if f.status == FileStatus.FULL:
                steps += [(24, entry.member.full_date), (LAST_STEP, entry.member.full_date)]
            records += [StepRecord(file=f, step=n, date=d, details={"archived": True}, recorded_by=user)
                        for n, d in steps]
            audit.record(acting_user, "development.file_archived", f, after=_snapshot(f), org_path=f.org_path,
                         target_label=entry.member.person.name)
        StepRecord.objects.bulk_create(records)
    return files
