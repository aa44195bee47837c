"""Member development pipeline (发展党员): 5 stages, 25 steps, time rules, public notices.

The stages and steps are data (``STEPS``); ``rules.py`` holds the date arithmetic and
``actions.py`` the one transition function per step (``do_record_step`` dispatches on the
step number and refuses anything out of order, too early, too late or by the wrong role).
Rules: 《发展党员工作细则》 (2014), see ``shared/DOMAIN.md`` §4."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    APPLICATION = "application", _("Application")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Candidate")
    ADMISSION = "admission", _("Admission")
    PROBATION = "probation", _("Probation")


class FileStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    FULL = "full", _("Full member")
    CLOSED = "closed", _("Closed")


class Meeting(models.TextChoices):
    """Which meeting decides a step (its quorum and majority rules differ)."""

    NONE = "", _("No meeting")
    COMMITTEE = "committee", _("Branch committee meeting")
    ASSEMBLY = "assembly", _("Branch assembly")


class Actor(models.TextChoices):
    """Who records a step: the branch (``development.manage`` on the branch) or the higher
    committee (``development.approve`` on the nearest committee above the branch)."""

    BRANCH = "branch", _("Branch")
    HIGHER = "higher", _("Higher committee")


class PersonRole(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    SPONSOR = "sponsor", _("Sponsor")
    TALKER = "talker", _("Talked with the applicant")
    APPROVER = "approver", _("Approver")
    PARTICIPANT = "participant", _("Participant")


class DueKind(models.TextChoices):
    TALK = "talk", _("Talk with the applicant (within 1 month)")
    APPROVAL = "approval", _("Approval by the higher committee (within 3 months)")
    PROBATION = "probation", _("End of probation")
    NOTICE = "notice", _("End of the public notice")


@dataclass(frozen=True)
class Step:
    number: int
    stage: str
    name: Any  # lazy translation (Chinese is the default language)
    actor: str = Actor.BRANCH
    meeting: str = Meeting.NONE
    repeatable: bool = False  # half-yearly assessments may be recorded again


STEPS: dict[int, Step] = {s.number: s for s in (
    Step(1, Stage.APPLICATION, _("Application for party membership submitted")),
    Step(2, Stage.APPLICATION, _("Branch talks with the applicant")),
    Step(3, Stage.ACTIVIST, _("Activist recommended and confirmed")),
    Step(4, Stage.ACTIVIST, _("Activist filed with the higher committee"), actor=Actor.HIGHER),
    Step(5, Stage.ACTIVIST, _("Mentors assigned")),
    Step(6, Stage.ACTIVIST, _("Activist trained and assessed (every half year)"), repeatable=True),
    Step(7, Stage.CANDIDATE, _("Candidate confirmed")),
    Step(8, Stage.CANDIDATE, _("Candidate filed with the higher committee"), actor=Actor.HIGHER),
    Step(9, Stage.CANDIDATE, _("Sponsors chosen")),
    Step(10, Stage.CANDIDATE, _("Political review")),
    Step(11, Stage.CANDIDATE, _("Concentrated training")),
    Step(12, Stage.ADMISSION, _("Branch committee review"), meeting=Meeting.COMMITTEE),
    Step(13, Stage.ADMISSION, _("Pre-review by the higher committee"), actor=Actor.HIGHER),
    Step(14, Stage.ADMISSION, _("Application form (入党志愿书) filled in")),
    Step(15, Stage.ADMISSION, _("Branch assembly vote on admission"), meeting=Meeting.ASSEMBLY),
    Step(16, Stage.ADMISSION, _("Talk by the higher committee"), actor=Actor.HIGHER),
    Step(17, Stage.ADMISSION, _("Admission approved by the higher committee"), actor=Actor.HIGHER),
    Step(18, Stage.ADMISSION, _("Filed with the organization department above"), actor=Actor.HIGHER),
    Step(19, Stage.PROBATION, _("Placed in a branch and party group")),
    Step(20, Stage.PROBATION, _("Oath taken")),
    Step(21, Stage.PROBATION, _("Continued education and assessment"), repeatable=True),
    Step(22, Stage.PROBATION, _("Application for full membership")),
    Step(23, Stage.PROBATION, _("Branch assembly vote on full membership"), meeting=Meeting.ASSEMBLY),
    Step(24, Stage.PROBATION, _("Full membership approved by the higher committee"), actor=Actor.HIGHER),
    Step(25, Stage.PROBATION, _("Files archived")),
)}
LAST_STEP = 25
STAGE_ORDER = [Stage.APPLICATION, Stage.ACTIVIST, Stage.CANDIDATE, Stage.ADMISSION, Stage.PROBATION]


def step_label(number: int) -> str:
    return str(_("Step %(number)d: %(name)s") % {"number": number, "name": STEPS[number].name})
