"""A fictional county (or a city of counties), built deterministically from one seed.

``plan_tree`` makes the organization tree in memory; ``iter_branch_members`` yields each branch's
members as plain records. Nothing here touches the database: ``dangjian.demo.actions`` writes.
Same seed and same ``today`` → same tree, names, ID numbers and dates.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from dangjian.core.idgen import make_id_number
from dangjian.demo import names as N
from dangjian.members import AddType, Education, MemberCategory, MemberStatus
from dangjian.orgs import GridType, OrgKind, UnitSituation

# --- Scales ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountyShape:
    towns: int
    villages: tuple[int, int]
    communities: tuple[int, int]
    enterprises: tuple[int, int]
    schools: tuple[int, int]
    county_organs: int
    county_enterprises: int
    county_schools: int
    general_villages: tuple[int, int]  # villages per town organized as a general branch (党总支)


SMALL_COUNTY = CountyShape(
    towns=3, villages=(3, 4), communities=(1, 1), enterprises=(1, 2), schools=(1, 1),
    county_organs=4, county_enterprises=2, county_schools=1, general_villages=(0, 0),
)
FULL_COUNTY = CountyShape(
    towns=24, villages=(26, 40), communities=(3, 8), enterprises=(18, 28), schools=(3, 6),
    county_organs=len(N.COUNTY_DEPARTMENTS), county_enterprises=60, county_schools=len(N.COUNTY_SCHOOLS),
    general_villages=(2, 4),
)


@dataclass(frozen=True)
class Scale:
    shape: CountyShape
    counties: int  # 1 = a county committee is the root; more = a city committee above them
    members: int


SCALES: dict[str, Scale] = {
    "small": Scale(SMALL_COUNTY, 1, 600),
    "county": Scale(FULL_COUNTY, 1, 50_000),
    "province": Scale(FULL_COUNTY, 10, 500_000),
}
MEMBERS_PER_COUNTY = 50_000


def resolve_scale(scale: str, members: int | None = None) -> Scale:
    """The named scale, with ``members`` overriding its member count. For ``province`` the number
    of counties follows the members (one county per 50,000, so branch sizes stay realistic)."""
    base = SCALES[scale]
    if members is None:
        return base
    counties = base.counties
    if scale == "province":
        counties = max(1, round(members / MEMBERS_PER_COUNTY))
    return Scale(base.shape, counties, members)


# --- Tree --------------------------------------------------------------------------------------

#: Member-count weight range per kind of unit (members are spread over branches by these).
SETTING_WEIGHTS: dict[str, tuple[int, int]] = {
    "village": (18, 60), "community": (15, 45), "grid": (8, 22), "enterprise": (3, 14),
    "joint": (8, 22), "school": (8, 35), "organ": (6, 30), "retired": (25, 50), "floating": (12, 40),
    "hospital": (20, 50), "building": (6, 18),
}


@dataclass
class OrgNode:
    name: str
    kind: str
    setting: str  # what sort of unit: village, community, enterprise, organ, …  (drives member profiles)
    place: str = ""  # address prefix
    unit: str = ""  # the work unit of its in-service members (organ, enterprise, school …)
    short_name: str = ""
    grid_type: str = ""
    unit_situation: str = UnitSituation.LEGAL_PERSON
    children: list[OrgNode] = field(default_factory=list)
    county: int = 0  # index of the county this node belongs to
    secretary: tuple[str, bool] | None = None  # (name, male) — a branch's secretary is its first member
    members: int = 0
    groups: int = 0
    # set when written
    path: str = ""
    pk: int = 0

    def add(self, node: OrgNode) -> OrgNode:
        node.county = self.county
        self.children.append(node)
        return node

    def walk(self) -> Iterator[OrgNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def is_branch(self) -> bool:
        return self.kind not in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH)


class Namer:
    """Draws names from one ``random.Random``; place names are unique within a county."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames = [s for s, _w in N.SURNAMES]
        self._cum = []
        total = 0.0
        for _s, w in N.SURNAMES:
            total += w
            self._cum.append(total)
        self._used: set[str] = set()
        self._given: dict[bool, list[str]] = {}

    def _given_pool(self, chars: str, size: int) -> list[str]:
        pool: dict[str, None] = {}
        while len(pool) < size:
            one = self.rng.random() < 0.25
            pool[self.rng.choice(chars) if one else self.rng.choice(chars) + self.rng.choice(chars)] = None
        return list(pool)

    def person(self, male: bool) -> str:
        rng = self.rng
        if not self._given:
            # A finite pool of given names, as in life (names repeat; it also keeps pinyin cached).
            self._given = {True: self._given_pool(N.MALE_CHARS, 1500), False: self._given_pool(N.FEMALE_CHARS, 1500)}
        surname = rng.choices(self._surnames, cum_weights=self._cum)[0]
        return surname + rng.choice(self._given[male])

    def place(self) -> str:
        for _ in range(200):
            name = self.rng.choice(N.PLACE_FIRST) + self.rng.choice(N.PLACE_SECOND)
            if name not in self._used:
                self._used.add(name)
                return name
        # the syllable space is large; fall back to three syllables
        name = self.rng.choice(N.PLACE_FIRST) + self.rng.choice(N.PLACE_FIRST) + self.rng.choice(N.PLACE_SECOND)
        self._used.add(name)
        return name

    def any_place(self) -> str:
        """A place-like name that need not be unique (members' employers)."""
        return self.rng.choice(N.PLACE_FIRST) + self.rng.choice(N.PLACE_SECOND)

    def reset_places(self) -> None:
        self._used.clear()


ORDINALS = "一二三四五六七八九十"


def _ordinal(i: int) -> str:
    if i <= 10:
        return ORDINALS[i - 1]
    if i < 20:
        return "十" + ORDINALS[i - 11]
    return ORDINALS[i // 10 - 1] + "十" + (ORDINALS[i % 10 - 1] if i % 10 else "")


def _between(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randint(bounds[0], bounds[1])


def _plan_town(rng: random.Random, namer: Namer, county: OrgNode, cname: str, shape: CountyShape) -> OrgNode:
    tname = namer.place()
    suffix = "乡" if rng.random() < 0.3 else "镇"
    town_full = tname + suffix
    place = f"{cname}县{town_full}"
    town = county.add(OrgNode(f"中共{cname}县{town_full}委员会", OrgKind.COMMITTEE, "town", place, short_name=f"{town_full}党委"))
    town.add(OrgNode(f"中共{cname}县{town_full}机关支部委员会", OrgKind.BRANCH, "organ", place, short_name=f"{town_full}机关党支部",
                     unit=f"{cname}县{town_full}人民政府"))
    n_villages = _between(rng, shape.villages)
    n_general = min(_between(rng, shape.general_villages), n_villages)
    for i in range(n_villages):
        vname = namer.place() + "村"
        vplace = place + vname
        if i < n_general:
            gen = town.add(OrgNode(f"中共{cname}县{town_full}{vname}总支部委员会", OrgKind.GENERAL_BRANCH, "village", vplace,
                                   short_name=f"{vname}党总支"))
            for j in range(1, rng.randint(2, 3) + 1):
                gen.add(OrgNode(f"中共{cname}县{town_full}{vname}第{_ordinal(j)}支部委员会", OrgKind.BRANCH, "village", vplace,
                                short_name=f"{vname}第{_ordinal(j)}党支部"))
        else:
            town.add(OrgNode(f"中共{cname}县{town_full}{vname}支部委员会", OrgKind.BRANCH, "village", vplace, short_name=f"{vname}党支部"))
    for i in range(_between(rng, shape.communities)):
        sname = namer.place() + "社区"
        splace = place + sname
        if suffix == "镇" and i % 3 == 0 and shape is not SMALL_COUNTY:
            gen = town.add(OrgNode(f"中共{cname}县{town_full}{sname}总支部委员会", OrgKind.GENERAL_BRANCH, "community", splace,
                                   short_name=f"{sname}党总支"))
            for j in range(1, rng.randint(3, 4) + 1):
                gen.add(OrgNode(f"中共{cname}县{town_full}{sname}第{_ordinal(j)}网格支部委员会", OrgKind.GRID_BRANCH, "grid", splace,
                                short_name=f"{sname}第{_ordinal(j)}网格党支部", grid_type=GridType.COMMUNITY))
        elif i % 2 == 1:
            town.add(OrgNode(f"中共{cname}县{town_full}{sname}网格支部委员会", OrgKind.GRID_BRANCH, "grid", splace,
                             short_name=f"{sname}网格党支部", grid_type=GridType.COMMUNITY))
        else:
            town.add(OrgNode(f"中共{cname}县{town_full}{sname}支部委员会", OrgKind.BRANCH, "community", splace, short_name=f"{sname}党支部"))
    n_ent = _between(rng, shape.enterprises)
    n_joint = n_ent // 6
    for _ in range(n_ent - n_joint * 3):
        ename = namer.place() + rng.choice(N.ENTERPRISE_KINDS)
        town.add(OrgNode(f"中共{cname}{ename}支部委员会", OrgKind.BRANCH, "enterprise", place, short_name=f"{ename}党支部",
                         unit=f"{cname}{ename}"))
    for j in range(1, n_joint + 1):
        town.add(OrgNode(f"中共{cname}县{town_full}非公企业第{_ordinal(j)}联合支部委员会", OrgKind.JOINT_BRANCH, "joint", place,
                         short_name=f"{town_full}非公企业第{_ordinal(j)}联合党支部", unit_situation=UnitSituation.JOINT))
    school_kinds = list(N.SCHOOL_KINDS)
    rng.shuffle(school_kinds)
    for kind in school_kinds[: _between(rng, shape.schools)]:
        sname = f"{cname}县{town_full}{kind}"
        town.add(OrgNode(f"中共{sname}支部委员会", OrgKind.BRANCH, "school", place, short_name=f"{town_full}{kind}党支部", unit=sname))
    if shape is not SMALL_COUNTY:
        town.add(OrgNode(f"中共{cname}县{town_full}卫生院支部委员会", OrgKind.BRANCH, "hospital", place, short_name=f"{town_full}卫生院党支部",
                         unit=f"{cname}县{town_full}卫生院"))
    return town


def _plan_county(rng: random.Random, namer: Namer, index: int, cname: str, shape: CountyShape) -> OrgNode:
    namer.reset_places()
    place = f"{cname}县"
    county = OrgNode(f"中共{cname}县委员会", OrgKind.COMMITTEE, "county", place, short_name=f"{cname}县委", county=index)
    # County organs under a working committee; the big ones have their own 机关党委 with branches.
    work = county.add(OrgNode(f"中共{cname}县直属机关工作委员会", OrgKind.WORKING_COMMITTEE, "organ", place, short_name="县直机关工委"))
    departments = list(N.COUNTY_DEPARTMENTS)[: shape.county_organs]
    for i, dept in enumerate(departments):
        dname = dept.replace("县", f"{cname}县", 1) if dept.startswith("县") else f"{cname}{dept}"
        if i % 5 == 0:
            com = work.add(OrgNode(f"中共{dname}机关委员会", OrgKind.COMMITTEE, "organ", place, short_name=f"{dept}机关党委"))
            for j in range(1, rng.randint(2, 4) + 1):
                com.add(OrgNode(f"中共{dname}机关第{_ordinal(j)}支部委员会", OrgKind.BRANCH, "organ", place,
                                short_name=f"{dept}第{_ordinal(j)}党支部", unit=dname))
        else:
            work.add(OrgNode(f"中共{dname}支部委员会", OrgKind.BRANCH, "organ", place, short_name=f"{dept}党支部", unit=dname))
    work.add(OrgNode(f"中共{cname}县直机关离退休干部支部委员会", OrgKind.BRANCH, "retired", place, short_name="县直机关离退休干部党支部"))
    # Education system.
    edu = county.add(OrgNode(f"中共{cname}县教育系统委员会", OrgKind.COMMITTEE, "school", place, short_name="县教育系统党委"))
    for school in list(N.COUNTY_SCHOOLS)[: shape.county_schools]:
        sname = f"{cname}{school}"
        edu.add(OrgNode(f"中共{sname}支部委员会", OrgKind.BRANCH, "school", place, short_name=f"{school}党支部", unit=sname))
    # Non-public enterprises and social organizations (两新组织).
    ent = county.add(OrgNode(f"中共{cname}县非公有制经济组织和社会组织委员会", OrgKind.COMMITTEE, "enterprise", place,
                             short_name="县两新组织党委"))
    for i in range(shape.county_enterprises):
        ename = namer.place() + rng.choice(N.ENTERPRISE_KINDS)
        if i % 15 == 14:
            gen = ent.add(OrgNode(f"中共{cname}{ename}总支部委员会", OrgKind.GENERAL_BRANCH, "enterprise", place, short_name=f"{ename}党总支"))
            for j in range(1, 4):
                gen.add(OrgNode(f"中共{cname}{ename}第{_ordinal(j)}支部委员会", OrgKind.BRANCH, "enterprise", place,
                                short_name=f"{ename}第{_ordinal(j)}党支部", unit=f"{cname}{ename}"))
        elif i % 10 == 9:
            bname = namer.place() + "商务楼宇"
            ent.add(OrgNode(f"中共{cname}县{bname}联合支部委员会", OrgKind.GRID_BRANCH, "building", place,
                            short_name=f"{bname}联合党支部", grid_type=GridType.BUILDING, unit_situation=UnitSituation.JOINT))
        else:
            ent.add(OrgNode(f"中共{cname}{ename}支部委员会", OrgKind.BRANCH, "enterprise", place, short_name=f"{ename}党支部",
                            unit=f"{cname}{ename}"))
    county.add(OrgNode(f"中共{cname}县流动党员支部委员会", OrgKind.FLOATING_BRANCH, "floating", place, short_name="县流动党员党支部"))
    for _ in range(shape.towns):
        _plan_town(rng, namer, county, cname, shape)
    for node in county.walk():
        node.county = index
    return county


def plan_tree(rng: random.Random, namer: Namer, scale: Scale) -> OrgNode:
    """The whole tree for ``scale``, with member counts and party groups assigned to branches."""
    county_names = list(N.COUNTY_NAMES)
    rng.shuffle(county_names)
    if scale.counties == 1:
        root = _plan_county(rng, namer, 0, county_names[0], scale.shape)
    else:
        city = rng.choice(N.CITY_NAMES)
        root = OrgNode(f"中共{city}市委员会", OrgKind.COMMITTEE, "city", f"{city}市", short_name=f"{city}市委")
        for i in range(scale.counties):
            cname = county_names[i] if i < len(county_names) else county_names[i % len(county_names)] + _ordinal(i // len(county_names) + 1)
            root.children.append(_plan_county(rng, namer, i, cname, scale.shape))
    _assign_members(rng, root, scale.members)
    for node in root.walk():
        if node.is_branch:
            male = rng.random() < 0.75
            node.secretary = (namer.person(male), male)
            node.groups = 0 if node.members < 20 or rng.random() < 0.4 else min(2 + node.members // 40, 5)
    return root


def _assign_members(rng: random.Random, root: OrgNode, total: int) -> None:
    branches = [n for n in root.walk() if n.is_branch]
    weights = [rng.randint(*SETTING_WEIGHTS[b.setting]) for b in branches]
    wsum = sum(weights)
    floor = 3 if total >= 3 * len(branches) else (1 if total >= len(branches) else 0)
    counts = [max(floor, int(w * total / wsum)) for w in weights]
    diff = total - sum(counts)
    i = 0
    order = list(range(len(branches)))
    rng.shuffle(order)
    while diff != 0 and order:
        k = order[i % len(order)]
        if diff > 0:
            counts[k] += 1
            diff -= 1
        elif counts[k] > floor:
            counts[k] -= 1
            diff += 1
        i += 1
        if i > 10 * len(order) + abs(diff) * 2 and diff < 0:
            break
    for b, c in zip(branches, counts, strict=True):
        b.members = c


# --- Members -----------------------------------------------------------------------------------


@dataclass
class MemberRecord:
    name: str
    male: bool
    birth_date: dt.date
    id_number: str
    phone: str
    ethnicity: str
    education: str
    address: str
    work_unit: str
    job_post: str
    status: str
    category: str
    join_date: dt.date
    full_date: dt.date | None
    add_type: str
    status_changed_on: dt.date | None = None
    group: int | None = None  # index of the branch's party group


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February → 1 March
        return dt.date(d.year + years, 3, 1)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


#: (min age, max age, mode) of members per kind of unit
AGE_PROFILE: dict[str, tuple[int, int, int]] = {
    "village": (22, 89, 58), "community": (24, 89, 60), "grid": (24, 89, 55), "enterprise": (22, 58, 35),
    "joint": (22, 58, 36), "school": (22, 60, 40), "organ": (23, 60, 42), "retired": (58, 89, 70),
    "floating": (20, 55, 34), "hospital": (23, 60, 38), "building": (22, 55, 32),
}
ETHNICITIES = (("汉族", 0.955), ("回族", 0.015), ("壮族", 0.01), ("满族", 0.01), ("土家族", 0.01))


class MemberMaker:
    """Makes member records for one county; keeps ID numbers unique (one order code per
    (birth date, sex) within the county's area code)."""

    def __init__(self, rng: random.Random, namer: Namer, today: dt.date, area_code: str):
        self.rng = rng
        self.namer = namer
        self.today = today
        self.area_code = area_code
        self._orders: dict[tuple[dt.date, bool], int] = {}
        self._eth_names = [e for e, _w in ETHNICITIES]
        self._eth_weights = [w for _e, w in ETHNICITIES]

    def _id_number(self, birth: dt.date, male: bool) -> tuple[dt.date, str]:
        while True:
            n = self._orders.get((birth, male), 0)
            if n < 500:
                self._orders[(birth, male)] = n + 1
                return birth, make_id_number(self.area_code, birth, n, male=male)
            birth -= dt.timedelta(days=1)

    def _phone(self) -> str:
        return self.rng.choice(N.PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def _education(self, setting: str, age: int) -> str:
        r = self.rng.random()
        if setting in ("organ", "school", "hospital"):
            return Education.MASTER if r < 0.12 else Education.BACHELOR if r < 0.75 else Education.JUNIOR_COLLEGE
        if setting in ("village", "retired") or age >= 65:
            if r < 0.25:
                return Education.PRIMARY
            if r < 0.65:
                return Education.JUNIOR
            return Education.SENIOR if r < 0.9 else Education.JUNIOR_COLLEGE
        if r < 0.1:
            return Education.JUNIOR
        if r < 0.4:
            return Education.SENIOR
        return Education.JUNIOR_COLLEGE if r < 0.7 else Education.BACHELOR

    def make(self, node: OrgNode, index: int) -> MemberRecord:
        rng, today = self.rng, self.today
        setting = node.setting
        secretary = index == 0 and node.secretary is not None
        if secretary:
            assert node.secretary is not None
            name, male = node.secretary
            lo, hi, mode = 32, 58, 45
        else:
            male = rng.random() < 0.7
            name = self.namer.person(male)
            lo, hi, mode = AGE_PROFILE[setting]
        age = min(int(rng.triangular(lo, hi + 1, mode)), 89)
        birth = today - dt.timedelta(days=int(age * 365.25) + rng.randrange(365))
        birth, id_number = self._id_number(birth, male)
        age = age_on(birth, today)
        adult = add_years(birth, 18)
        probationary = not secretary and rng.random() < 0.03
        if probationary:
            join = today - dt.timedelta(days=rng.randint(1, 360))
            full = None
            status = MemberStatus.PROBATIONARY
        else:
            latest = today - dt.timedelta(days=367)
            join_age = rng.triangular(18, max(18.5, min(age - 1, 55)), 26)
            join = add_years(birth, int(join_age)) + dt.timedelta(days=rng.randrange(365))
            join = max(adult, min(join, latest))
            full = add_years(join, 1)
            status = MemberStatus.FULL
        status_changed_on = None
        if not secretary and status == MemberStatus.FULL and rng.random() < (0.05 if setting == "floating" else 0.003):
            status = MemberStatus.SUSPENDED
            assert full is not None
            status_changed_on = max(full, today - dt.timedelta(days=rng.randint(180, 700)))
        retire_age = 60 if male else 55
        if setting == "village":
            category = MemberCategory.FARMER
        elif setting == "retired" or (age >= retire_age and setting in ("community", "grid", "organ", "school", "hospital")):
            category = MemberCategory.RETIRED
        elif setting == "school" and age <= 23 and rng.random() < 0.5:
            category = MemberCategory.STUDENT
        elif setting in ("community", "grid", "floating") and rng.random() < 0.12:
            category = rng.choice((MemberCategory.UNEMPLOYED, MemberCategory.OTHER))
        else:
            category = MemberCategory.IN_SERVICE
        if category == MemberCategory.IN_SERVICE:
            work_unit = node.unit or (self.namer.any_place() + rng.choice(N.ENTERPRISE_KINDS) if setting != "community" else node.place)
            job_post = rng.choice(N.JOB_POSTS.get(setting, N.JOB_POSTS["community"]))
        elif category == MemberCategory.FARMER:
            work_unit, job_post = "", ("村党支部书记" if secretary else "村民")
        else:
            work_unit, job_post = "", ""
        if setting in ("village", "community", "grid"):
            address = f"{node.place}{rng.randint(1, 40)}组{rng.randint(1, 120)}号"
        else:
            address = f"{node.place}{rng.choice(N.STREETS)}{rng.randint(1, 300)}号"
        has_phone = rng.random() < (0.8 if age >= 75 else 0.97)
        return MemberRecord(
            name=name, male=male, birth_date=birth, id_number=id_number,
            phone=self._phone() if has_phone else "",
            ethnicity=rng.choices(self._eth_names, weights=self._eth_weights)[0],
            education=self._education(setting, age), address=address, work_unit=work_unit, job_post=job_post,
            status=status, category=category, join_date=join, full_date=full,
            add_type=AddType.TRANSFERRED_IN if rng.random() < 0.12 else AddType.DEVELOPED,
            status_changed_on=status_changed_on,
            group=(index % node.groups) if node.groups else None,
        )


def area_code(county_index: int) -> str:
    """A fictional area code: province 32, prefecture 99 (unassigned), county 01, 02, …"""
    return f"3299{county_index + 1:02d}"


def iter_branch_members(rng: random.Random, namer: Namer, root: OrgNode, today: dt.date) -> Iterator[tuple[OrgNode, list[MemberRecord]]]:
    makers: dict[int, MemberMaker] = {}
    for node in root.walk():
        if not node.is_branch or node.members <= 0:
            continue
        maker = makers.get(node.county)
        if maker is None:
            makers.clear()  # counties come one after the other: keep one ID counter at a time
            maker = makers[node.county] = MemberMaker(rng, namer, today, area_code(node.county))
        yield node, [maker.make(node, i) for i in range(node.members)]
