"""The member figures of the statistics registry (issue 15; keys in docs/modules/members.md),
computed from the membership history (``MemberSpell``), so a past date gives that day's roll.

Every figure's records are spells: one query counts them, one GROUP BY splits them by any
dimensions at once (``core.stats.crosstab``), and the drill-down lists the same rows. The roll is
full and probationary members; a suspended member (lost contact) is off it.

- ``members.total``: spells holding at the end of ``as_of`` in the subtree, on the roll.
- ``members.joined`` / ``members.left``: spells starting in the year of ``as_of`` (1 January to
  ``as_of``) that enter / leave the subtree's roll, read from the spell's own ``prev_*``
  columns. A move between two branches of one town is an exit and an entry for the branches and
  nothing for the town. So ``total(D) = total(31 Dec before) + joined(D) - left(D)``.
- ``members.suspended``: spells holding at the end of ``as_of`` with status suspended.

Ages and party standing are counted at ``as_of`` (standing from the join date, as the year-end
tables count it), education and category are the spell's (the values at the time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import DateField, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core import stats
from dangjian.core.months import add_years
from dangjian.core.scoping import subtree_q
from dangjian.members import AddType, Education, MemberCategory, MemberStatus
from dangjian.members.models import MemberSpell
from dangjian.orgs.models import Organization

ON_ROLL = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
PERM = "members.view"
UNIT = pgettext_lazy("unit", "people")
NOTHING = Q(pk__in=[])

# --- rows ----------------------------------------------------------------------------------------


def _holding(as_of: dt.date) -> Q:
    return Q(valid_from__lte=as_of) & (Q(valid_to__isnull=True) | Q(valid_to__gt=as_of))


def _in_roll(org_path: str, *, prev: bool = False) -> Q:
    p = "prev_" if prev else ""
    return subtree_q(org_path, f"{p}org_path") & Q(**{f"{p}status__in": ON_ROLL})


def _in_year(as_of: dt.date) -> Q:
    return Q(valid_from__gte=as_of.replace(month=1, day=1), valid_from__lte=as_of)


def _listed(qs: QuerySet[MemberSpell], as_of: dt.date, order: str = "org_path") -> QuerySet[MemberSpell]:
    """What the drill-down page needs in the same query (names, organization; never the
    ciphertext of ID-card or phone numbers), and the date the ages are counted at."""
    return (qs.select_related("member__person", "organization")
            .defer("member__person__id_number", "member__person__phone")
            .annotate(stat_as_of=Value(as_of, output_field=DateField()))
            .order_by(order, "member_id", "valid_from"))


def total_rows(org_path: str, as_of: dt.date) -> QuerySet[MemberSpell]:
    qs = MemberSpell.objects.filter(_holding(as_of), _in_roll(org_path))
    return _listed(qs, as_of)


def suspended_rows(org_path: str, as_of: dt.date) -> QuerySet[MemberSpell]:
    qs = MemberSpell.objects.filter(_holding(as_of), subtree_q(org_path, "org_path"), status=MemberStatus.SUSPENDED)
    return _listed(qs, as_of)


def joined_rows(org_path: str, as_of: dt.date) -> QuerySet[MemberSpell]:
    qs = MemberSpell.objects.filter(_in_year(as_of), _in_roll(org_path)).exclude(_in_roll(org_path, prev=True))
    return _listed(qs, as_of)


def left_rows(org_path: str, as_of: dt.date) -> QuerySet[MemberSpell]:
    qs = MemberSpell.objects.filter(_in_year(as_of), _in_roll(org_path, prev=True)).exclude(_in_roll(org_path))
    # The organization left is the previous spell's; named in the same query.
    name = Organization.objects.filter(path=OuterRef("prev_org_path")).values("name")[:1]
    return _listed(qs, as_of, order="prev_org_path").annotate(left_org_name=Subquery(name))


# --- dimensions ----------------------------------------------------------------------------------


def _bands(field: str, bands: list[tuple[str, int | None, int | None]]) -> Callable[[str, dt.date], Q]:
    """Whole years from ``field`` to ``as_of`` (age, standing) in bands ``(value, lo, hi)``,
    inclusive, as date ranges on ``field`` (an index-friendly comparison, the same on every
    database): at least ``n`` years ⇔ ``field <= as_of - n years``."""
    by_value = {v: (lo, hi) for v, lo, hi in bands}

    def q(value: str, as_of: dt.date) -> Q:
        if value == "":
            return Q(**{f"{field}__isnull": True})
        lo, hi = by_value[value]
        cond = Q(**{f"{field}__isnull": False})
        if lo is not None:
            cond &= Q(**{f"{field}__lte": add_years(as_of, -lo)})
        if hi is not None:
            cond &= Q(**{f"{field}__gt": add_years(as_of, -(hi + 1))})
        return cond

    return q


AGE_BANDS: list[tuple[str, int | None, int | None]] = [
    ("le30", None, 30), ("31_35", 31, 35), ("36_40", 36, 40), ("41_45", 41, 45), ("46_50", 46, 50),
    ("51_55", 51, 55), ("56_60", 56, 60), ("61_70", 61, 70), ("ge71", 71, None),
]
STANDING_BANDS: list[tuple[str, int | None, int | None]] = [
    ("le5", None, 5), ("6_10", 6, 10), ("11_20", 11, 20), ("21_30", 21, 30), ("31_40", 31, 40),
    ("41_50", 41, 50), ("ge51", 51, None),
]

HAN = ("汉族", "汉")
EDUCATION_GROUPS: dict[str, tuple[str, ...]] = {
    "postgrad": (Education.MASTER, Education.DOCTOR),
    "bachelor": (Education.BACHELOR,),
    "junior_college": (Education.JUNIOR_COLLEGE,),
    "secondary": (Education.SENIOR,),
    "junior_or_below": (Education.PRIMARY, Education.JUNIOR),
}


def _ethnicity(value: str, as_of: dt.date) -> Q:
    eth = "ethnicity"
    if value == "han":
        return Q(**{f"{eth}__in": HAN})
    if value == "minority":
        return ~Q(**{f"{eth}__in": (*HAN, "")})
    return Q(**{eth: ""})


def _education(value: str, as_of: dt.date) -> Q:
    if value == "":
        return ~Q(education__in=[e for group in EDUCATION_GROUPS.values() for e in group])
    return Q(education__in=EDUCATION_GROUPS[value])


_JOINED_WAYS: dict[str, Q] = {
    "developed": Q(prev_status="", add_type=AddType.DEVELOPED),
    # from another organization's roll, or registered on arrival with a letter
    "transferred_in": Q(prev_status__in=ON_ROLL) | Q(prev_status="", add_type=AddType.TRANSFERRED_IN),
    "restored": Q(prev_status=MemberStatus.SUSPENDED),
    "other": (Q(prev_status="") & ~Q(add_type__in=[AddType.DEVELOPED, AddType.TRANSFERRED_IN]))
    | ~Q(prev_status__in=[*ON_ROLL, MemberStatus.SUSPENDED, ""]),
}
_EXIT_STATUSES = (MemberStatus.DECEASED, MemberStatus.REMOVED, MemberStatus.EXPELLED, MemberStatus.LAPSED,
                  MemberStatus.SUSPENDED)
_LEFT_WAYS: dict[str, Q] = {
    **{str(s): Q(status=s) for s in _EXIT_STATUSES},
    # to an organization outside the subtree (on the platform), or with a letter outside it
    "transferred_out": Q(status=MemberStatus.TRANSFERRED_OUT) | Q(status__in=ON_ROLL),
    "other": ~Q(status__in=[*_EXIT_STATUSES, MemberStatus.TRANSFERRED_OUT, *ON_ROLL]),
}


def _ways(ways: dict[str, Q]) -> Callable[[str, dt.date], Q]:
    return lambda value, as_of: ways.get(value, NOTHING)


SEX = stats.Dimension(_("Sex"), choices=[("male", _("Male")), ("female", _("Female"))], field="sex")
ETHNICITY = stats.Dimension(_("Ethnicity"), choices=[("han", _("Han")), ("minority", _("Ethnic minorities"))],
                            q=_ethnicity)
STATUS = stats.Dimension(_("Status"), choices=[(MemberStatus.FULL.value, MemberStatus.FULL.label),
                                               (MemberStatus.PROBATIONARY.value, MemberStatus.PROBATIONARY.label)],
                         field="status")
AGE_BAND = stats.Dimension(_("Age"), choices=[
    ("le30", _("30 and under")), ("31_35", _("31–35")), ("36_40", _("36–40")), ("41_45", _("41–45")),
    ("46_50", _("46–50")), ("51_55", _("51–55")), ("56_60", _("56–60")), ("61_70", _("61–70")),
    ("ge71", _("71 and over")),
], q=_bands("birth_date", AGE_BANDS))
EDUCATION = stats.Dimension(_("Education"), choices=[
    ("postgrad", _("Postgraduate")), ("bachelor", _("Bachelor")), ("junior_college", _("Junior college")),
    ("secondary", _("Senior middle school / technical school")), ("junior_or_below", _("Junior middle school or below")),
], q=_education)
CATEGORY = stats.Dimension(_("Category"), choices=MemberCategory.choices, field="category")
STANDING = stats.Dimension(_("Party standing"), choices=[
    ("le5", _("5 years or less")), ("6_10", _("6–10 years")), ("11_20", _("11–20 years")), ("21_30", _("21–30 years")),
    ("31_40", _("31–40 years")), ("41_50", _("41–50 years")), ("ge51", _("51 years or more")),
], q=_bands("join_date", STANDING_BANDS))
JOINED_HOW = stats.Dimension(_("How"), choices=[
    ("developed", _("Newly developed")), ("transferred_in", _("Transferred in")), ("restored", _("Membership restored")),
    ("other", _("Other")),
], q=_ways(_JOINED_WAYS))
LEFT_HOW = stats.Dimension(_("How"), choices=[
    ("deceased", _("Deceased")), ("transferred_out", _("Transferred out")), ("removed", _("Removed from the party")),
    ("expelled", _("Expelled")), ("lapsed", _("Lapsed (left of own accord)")),
    ("suspended", _("Membership suspended (lost contact)")), ("other", _("Other")),
], q=_ways(_LEFT_WAYS))


# --- drill-down rows -----------------------------------------------------------------------------


def _age(birth: dt.date | None, on: dt.date) -> int | str:
    if birth is None:
        return ""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _joined_how(spell: MemberSpell) -> Any:
    if spell.prev_status in ON_ROLL:
        return JOINED_HOW.choices[1][1]
    if spell.prev_status == MemberStatus.SUSPENDED:
        return JOINED_HOW.choices[2][1]
    if spell.prev_status == "":
        return dict(JOINED_HOW.choices).get(spell.add_type, JOINED_HOW.choices[3][1])
    return JOINED_HOW.choices[3][1]


def _left_how(spell: MemberSpell) -> Any:
    if spell.status in ON_ROLL:
        return dict(LEFT_HOW.choices)["transferred_out"]
    return dict(LEFT_HOW.choices).get(spell.status, dict(LEFT_HOW.choices)["other"])


def member_row(spell: MemberSpell) -> dict[str, Any]:
    """One member in a drill-down list: masked data only (no ID-card or phone number)."""
    person = spell.member.person
    return {
        "name": person.name, "sex": person.get_sex_display(),
        "age": _age(person.birth_date, getattr(spell, "stat_as_of", spell.valid_from)),
        "organization": spell.organization.name, "status": spell.get_status_display(),
        "education": spell.get_education_display(), "date": spell.valid_from,
        "url": reverse("members:detail", args=[spell.member_id]),
    }


def joined_row(spell: MemberSpell) -> dict[str, Any]:
    return {**member_row(spell), "how": _joined_how(spell)}


def left_row(spell: MemberSpell) -> dict[str, Any]:
    return {**member_row(spell), "how": _left_how(spell), "organization": getattr(spell, "left_org_name", "") or ""}


COLUMNS = [("name", _("Name")), ("sex", _("Sex")), ("age", _("Age")), ("organization", _("Organization")),
           ("status", _("Status")), ("education", _("Education"))]
CHANGE_COLUMNS = [("name", _("Name")), ("sex", _("Sex")), ("age", _("Age")), ("organization", _("Organization")),
                  ("how", _("How")), ("date", _("Date")), ("education", _("Education"))]


FIGURES = [
    stats.Figure(
        key="members.total", label=_("Party members"), module="members", unit=UNIT, perm=PERM, rows=total_rows,
        dimensions={"sex": SEX, "ethnicity": ETHNICITY, "status": STATUS, "age_band": AGE_BAND,
                    "education": EDUCATION, "category": CATEGORY, "standing": STANDING},
        columns=COLUMNS, row=member_row, order=10,
        description=_("Full and probationary members on the roll at the end of the day."),
    ),
    stats.Figure(
        key="members.joined", label=_("Members who joined"), module="members", unit=UNIT, perm=PERM, rows=joined_rows,
        dimensions={"how": JOINED_HOW, "sex": SEX, "age_band": AGE_BAND, "education": EDUCATION, "category": CATEGORY},
        columns=CHANGE_COLUMNS, row=joined_row, order=20,
        description=_("Each entry onto the organization's roll from 1 January to the day."),
    ),
    stats.Figure(
        key="members.left", label=_("Members who left"), module="members", unit=UNIT, perm=PERM, rows=left_rows,
        path_field="prev_org_path", dimensions={"how": LEFT_HOW}, columns=CHANGE_COLUMNS, row=left_row, order=30,
        description=_("Each exit from the organization's roll from 1 January to the day."),
    ),
    stats.Figure(
        key="members.suspended", label=_("Members with suspended membership"), module="members", unit=UNIT, perm=PERM,
        rows=suspended_rows, columns=COLUMNS, row=member_row, order=40,
        description=_("Members whose membership is suspended (lost contact) at the end of the day."),
    ),
]


def register() -> None:
    from dangjian.core.hooks import register_figure

    for figure in FIGURES:
        register_figure(figure)
