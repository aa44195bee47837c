"""Whole-process disclosure (S3): running public notices (公示) of candidates as public matters.

Registered with ``core.hooks.register_matter_source`` from ``DevelopmentConfig.ready()``. A
matter is public exactly while its notice runs (``selectors.public_notices``, the same rule as
``/development/notices/``); it is reached by the notice's unguessable token, the candidate's
name is masked (张**) and nothing but the notice's own facts is shown: the dates the candidate
applied, became an activist and a candidate, and the notice with its period."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from dangjian.members.development import FileStatus, Stage
from dangjian.members.development.models import ApplicantFile
from dangjian.members.development.selectors import masked_name, public_notice, public_notices

KIND = "candidate-notice"


def _row(f: ApplicantFile) -> dict[str, Any]:
    name = masked_name(f.person.name)
    return {
        "ref": f.notice_token, "title": f"{name} · {f.organization.name}",
        "state": str(FileStatus(f.status).label), "department": f.organization.name, "place": "",
        "started_at": f.notice_starts_on, "updated_at": f.updated_at, "sender": "", "summary": "",
        "org_path": f.organization.path,  # the portal's moderators of this branch review public responses
    }


def get_matter(ref: str) -> dict[str, Any] | None:
    f = public_notice((ref or "")[:32])
    if f is None:
        return None
    matter = _row(f)
    matter["summary"] = f.notice_text
    steps: list[dict[str, Any]] = []
    for kind, label, day in (("application", Stage.APPLICATION.label, f.applied_on),
                             ("activist", Stage.ACTIVIST.label, f.activist_on),
                             ("candidate", Stage.CANDIDATE.label, f.candidate_on)):
        if day is not None:
            steps.append({"at": day, "kind": kind, "label": str(label), "department": "", "text": ""})
    steps.append({"at": f.notice_starts_on, "kind": "notice", "label": str(_("Public notice")),
                  "department": f.organization.name, "text": "{} {} – {}".format(
                      _("Notice period"), f.notice_starts_on, f.notice_ends_on)})
    matter["steps"] = steps
    return matter


def count() -> int:
    return public_notices().count()


def listing(offset: int, limit: int) -> list[dict[str, Any]]:
    return [_row(f) for f in public_notices().order_by("-notice_starts_on", "-pk")[offset:offset + limit]]


def register() -> None:
    from dangjian.core.hooks import MatterSource, register_matter_source

    register_matter_source(MatterSource(kind=KIND, label=_("Public notice of a candidate for party membership"),
                                        get=get_matter, count=count, listing=listing, order=20))
