"""Documents from templates (docxtpl): the application-talk record, the public-notice text and
the probation-to-full resolution; and the per-person archive (all documents and uploads, zip).

The .docx templates are built in code with python-docx (Jinja tags in the paragraphs) so their
labels are translated like any other text, then filled by docxtpl."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.members.development import STEPS
from dangjian.members.development.models import ApplicantFile, StepRecord
from dangjian.members.development.selectors import masked_name, timeline


def _build_template(title: str, lines: list[str]) -> io.BytesIO:
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=1)
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    out.seek(0)
    return out


def _render(title: str, lines: list[str], context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(_build_template(title, lines))
    tpl.render(context, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _record(records: list[StepRecord], step: int) -> StepRecord | None:
    found = [r for r in records if r.step == step]
    return found[-1] if found else None


def _people(record: StepRecord | None) -> str:
    return "、".join(p.name for p in record.people.all()) if record else ""


def _date(record: StepRecord | None) -> str:
    return record.date.isoformat() if record else ""


def _base(f: ApplicantFile) -> dict[str, Any]:
    p = f.person
    return {"name": p.name, "sex": p.get_sex_display(), "education": p.get_education_display(),
            "work_unit": p.work_unit, "job_post": p.job_post, "branch": f.organization.name,
            "birth": p.birth_date.strftime("%Y-%m") if p.birth_date else ""}


def talk_record(f: ApplicantFile, records: list[StepRecord]) -> bytes:
    talk = _record(records, 2)
    ctx = {**_base(f), "applied_on": f.applied_on.isoformat() if f.applied_on else "",
           "talk_on": _date(talk), "talkers": _people(talk), "content": talk.note if talk else ""}
    return _render(_("Record of the talk with the applicant for party membership"), [
        _("Applicant: {{ name }}  Sex: {{ sex }}  Born: {{ birth }}"),
        _("Work unit and post: {{ work_unit }} {{ job_post }}"),
        _("Branch: {{ branch }}"),
        _("Application submitted on: {{ applied_on }}"),
        _("Talk held on: {{ talk_on }}  Talked with the applicant: {{ talkers }}"),
        _("Content of the talk: {{ content }}"),
    ], ctx)


def notice_text(f: ApplicantFile, records: list[StepRecord]) -> bytes:
    sponsors = _people(_record(records, 9))
    ctx = {**_base(f), "text": f.notice_text, "sponsors": sponsors,
           "activist_on": f.activist_on.isoformat() if f.activist_on else "",
           "candidate_on": f.candidate_on.isoformat() if f.candidate_on else "",
           "start": f.notice_starts_on.isoformat() if f.notice_starts_on else "",
           "end": f.notice_ends_on.isoformat() if f.notice_ends_on else ""}
    return _render(_("Public notice of a candidate for party membership"), [
        "{{ text }}",
        _("Name: {{ name }}  Sex: {{ sex }}  Born: {{ birth }}  Education: {{ education }}"),
        _("Work unit and post: {{ work_unit }} {{ job_post }}"),
        _("Activist since: {{ activist_on }}  Candidate since: {{ candidate_on }}"),
        _("Sponsors: {{ sponsors }}"),
        _("Notice period: {{ start }} to {{ end }}"),
        _("{{ branch }}"),
    ], ctx)


def full_resolution(f: ApplicantFile, records: list[StepRecord]) -> bytes:
    vote = _record(records, 23)
    ctx = {**_base(f), "assembly_on": f.assembly_on.isoformat() if f.assembly_on else "",
           "probation_ends_on": f.probation_ends_on.isoformat() if f.probation_ends_on else "",
           "vote_on": _date(vote),
           "entitled": vote.entitled if vote else "", "present": vote.present if vote else "",
           "written": vote.written if vote else "", "yes": vote.yes if vote else "",
           "no": vote.no if vote else "", "abstain": vote.abstain if vote else ""}
    return _render(_("Resolution of the branch assembly on full membership"), [
        _("On {{ vote_on }} the branch assembly of {{ branch }} discussed the application of probationary "
          "member {{ name }} for full membership."),
        _("{{ name }} was admitted as a probationary member by the branch assembly on {{ assembly_on }}; "
          "probation ended on {{ probation_ends_on }}."),
        _("Full members entitled to vote: {{ entitled }}; present: {{ present }}; written opinions: {{ written }}."),
        _("Yes: {{ yes }}; no: {{ no }}; abstain: {{ abstain }}."),
        _("The assembly resolved that {{ name }} becomes a full member on {{ probation_ends_on }}."),
    ], ctx)


#: kind -> (file-name label, builder, the step after which the document exists)
DOCUMENTS: dict[str, tuple[Callable[[], str], Callable[[ApplicantFile, list[StepRecord]], bytes], int]] = {
    "talk": (lambda: _("application-talk-record"), talk_record, 2),
    "notice": (lambda: _("public-notice"), notice_text, 12),
    "resolution": (lambda: _("full-membership-resolution"), full_resolution, 23),
}


def available_documents(f: ApplicantFile) -> list[str]:
    out = []
    for kind, (_label, _builder, after) in DOCUMENTS.items():
        if f.step >= after and (kind != "notice" or f.notice_ends_on):
            out.append(kind)
    return out


def render_document(f: ApplicantFile, kind: str) -> tuple[str, bytes]:
    label, builder, _after = DOCUMENTS[kind]
    return f"{f.pk}-{label()}.docx", builder(f, timeline(f))


def build_archive(f: ApplicantFile) -> tuple[str, bytes]:
    """One zip with the generated documents, every upload and a timeline summary."""
    records = timeline(f)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        lines = [f"{f.person.name} ({masked_name(f.person.name)}) — {f.organization.name}"]
        for r in records:
            lines.append(f"{r.date.isoformat()}  {r.step:02d}  {STEPS[r.step].name}  {_people(r)}  {r.note}")
            for doc in r.documents.all():
                with doc.file.open("rb") as fh:
                    zf.writestr(f"uploads/{r.step:02d}-{doc.pk}-{doc.name}", fh.read())
        zf.writestr(_("timeline") + ".txt", "\n".join(lines) + "\n")
        for kind in available_documents(f):
            label, builder, _after = DOCUMENTS[kind]
            zf.writestr(f"{label()}.docx", builder(f, records))
    stamp = timezone.localdate().strftime("%Y%m%d")
    return f"development-{f.pk}-{stamp}.zip", buf.getvalue()
