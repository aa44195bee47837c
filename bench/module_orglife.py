"""Benchmark (issue 5): the organizational-life compliance dashboard of a committee with 2,000
branches (goal: p95 under 300 ms).

Setup, on a private copy of the seeded county database (``use_private_copy("orglife")``):
one working committee added under the county root (treebeard ``add_child``), 2,000 branches under
it written with ``bulk_create`` and materialized paths computed the way ``dangjian/demo/actions.py``
does (steplen 4, alphabet 0-9A-Z), 3-30 members each, party groups in half of them, and twelve
months of closed activities at the configured frequencies (a few missed, a few branches gone
quiet so the "inactive" flag has something to find).

Timed (in-process, ``timed``: p50/p95 after one warm-up):
- ``compliance_for`` over one dashboard page (50 branches) and over all 2,000 branches (it
  includes the heart-to-heart talk pairs and the secretaries' lectures: committees of five in the
  branches with >= 7 members, ~80 % of their pairs talked, ~70 % of lectures given by the secretary);
- ``talks_and_lectures`` alone, for one page and for all branches;
- ``inactive_branches(committee).count()`` (the page's summary line);
- ``GET /orglife/compliance/?org=<committee>`` (first and last page) and
  ``GET /api/v1/orglife/compliance?org=<committee>&page_size=500`` through the Django test client,
  logged in as ``demo-admin`` (county admin);
- ``compliance_for``'s previous held-per-month query (``TruncMonth``), for the same run's comparison;
- baselines, same run: the year's closed activities counted per branch and kind by one plain SQL
  ``GROUP BY`` (no Python, no template) — A over the whole committee (rows about all branches),
  B over one page of 50 branches (rows about one page).

Prints ``BENCH_JSON {"rows": [...]}``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import CountQueries, emit, setup_django, timed, use_private_copy  # noqa: E402

N_BRANCHES = int(os.environ.get("BENCH_ORGLIFE_BRANCHES", "2000"))
PAGE = 50  # the dashboard's page size (views.compliance)


def _month_start(year: int, month: int) -> tuple[int, int]:
    while month <= 0:
        month += 12
        year -= 1
    return year, month


def build(rng: random.Random) -> dict:
    """The committee, its branches, members, groups and a year of closed activities."""
    from django.db import transaction
    from django.utils import timezone

    from dangjian.demo.actions import STEPLEN, encode_step
    from dangjian.members import MemberStatus
    from dangjian.members.models import Member, Person
    from dangjian.orglife import ActivityKind, ActivityStatus
    from dangjian.orglife.conf import conf, frequencies
    from dangjian.orglife.models import Activity, Attendee, CommitteeSeat
    from dangjian.orglife.periods import tz
    from dangjian.orgs import OrgKind
    from dangjian.orgs.models import Organization, PartyGroup

    t0 = time.perf_counter()
    root = Organization.get_root_nodes().first()
    assert root is not None, "no organizations: seed first"
    with transaction.atomic():
        committee = root.add_child(name="基准测试机关工作委员会", short_name="基准工委", kind=OrgKind.WORKING_COMMITTEE)
        rows = [Organization(path=committee.path + encode_step(i), depth=committee.depth + 1, numchild=0,
                             name=f"基准测试第{i}党支部", short_name=f"基准{i}支部", kind=OrgKind.BRANCH,
                             secretary_name="王书记")
                for i in range(1, N_BRANCHES + 1)]
        Organization.objects.bulk_create(rows, batch_size=2000)
        Organization.objects.filter(pk=committee.pk).update(numchild=N_BRANCHES)
        branches = list(Organization.objects.filter(path__startswith=committee.path, depth=committee.depth + 1)
                        .order_by("path"))
        assert len(branches) == N_BRANCHES and all(len(b.path) == (committee.depth + 1) * STEPLEN for b in branches)

        groups = [PartyGroup(branch_id=b.pk, name="第一党小组") for b in branches[::2]]
        PartyGroup.objects.bulk_create(groups, batch_size=2000)
        with_groups = {g.branch_id for g in groups}

        sizes = {b.pk: rng.randint(3, 30) for b in branches}
        people, members = [], []
        for b in branches:
            for k in range(sizes[b.pk]):
                people.append(Person(name=f"基准{b.pk % 1000}{k}", sex="male" if k % 2 else "female"))
                members.append(Member(organization_id=b.pk, org_path=b.path,
                                      status=MemberStatus.PROBATIONARY if k % 11 == 10 else MemberStatus.FULL))
        Person.objects.bulk_create(people, batch_size=2000)
        for p, m in zip(people, members, strict=True):
            m.person_id = p.pk
        Member.objects.bulk_create(members, batch_size=2000)
        # Branch committees (branches with a committee: >= COMMITTEE_MIN_MEMBERS members): the
        # first five full members sit on it (secretary, deputy, three members) for the whole
        # period: ten heart-to-heart talk pairs per committee.
        by_branch: dict[int, list[int]] = {}
        for m in members:
            if m.status == MemberStatus.FULL:
                by_branch.setdefault(m.organization_id, []).append(m.pk)
        seat_posts = ("secretary", "deputy_secretary", "member", "member", "member")
        seats = [CommitteeSeat(organization_id=b.pk, member_id=mid, post=post, start_date=dt.date(2020, 1, 1))
                 for b in branches if sizes[b.pk] >= int(conf("COMMITTEE_MIN_MEMBERS"))
                 for mid, post in zip(by_branch.get(b.pk, [])[:5], seat_posts, strict=False)]
        CommitteeSeat.objects.bulk_create(seats, batch_size=5000)
        secretary = {s.organization_id: s.member_id for s in seats if s.post == "secretary"}
        committees: dict[int, list[int]] = {}
        for s in seats:
            committees.setdefault(s.organization_id, []).append(s.member_id)
        t_orgs = time.perf_counter() - t0

        t1 = time.perf_counter()
        now = timezone.now()
        today = timezone.localdate()
        zone = tz()
        committee_min = int(conf("COMMITTEE_MIN_MEMBERS"))
        freqs = frequencies()
        # Twelve months back from this month; per month, which kinds are due in it.
        months = [_month_start(today.year, today.month - back) for back in range(11, -1, -1)]
        acts: list[Activity] = []
        for b in branches:
            quiet_from = rng.randint(6, 11) if rng.random() < 0.05 else 99  # ~5 % stop holding anything
            for mi, (y, m) in enumerate(months):
                if mi >= quiet_from:
                    break
                for kind, (period, per) in freqs.items():
                    if kind == ActivityKind.GROUP_MEETING and b.pk not in with_groups:
                        continue
                    if kind == ActivityKind.COMMITTEE_MEETING and sizes[b.pk] < committee_min:
                        continue
                    if period == "quarter" and (m - 1) % 3 != b.pk % 3:
                        continue
                    if period == "year" and m != 6 + (b.pk % 6):
                        continue
                    if rng.random() < 0.06:  # missed
                        continue
                    for _ in range(per):
                        day = rng.randint(1, 28)
                        starts = dt.datetime(y, m, day, rng.choice((9, 14, 19)), 0, tzinfo=zone)
                        if starts >= now:
                            continue
                        lecturer = (secretary.get(b.pk) if kind == ActivityKind.PARTY_LECTURE and rng.random() < 0.7
                                    else None)
                        acts.append(Activity(
                            lecturer_id=lecturer,
                            organization_id=b.pk, org_path=b.path, kind=kind, topic=f"{kind} {y}-{m:02d}",
                            starts_at=starts, ends_at=starts + dt.timedelta(hours=2), status=ActivityStatus.CLOSED,
                            chair="王书记", minute_taker="李委员", minutes="<p>会议记录</p>", started_at=starts,
                            closed_at=starts + dt.timedelta(hours=2), expected_count=sizes[b.pk],
                            present_full=max(sizes[b.pk] - 2, 1), leave_count=1, absent_count=1, created_at=starts))
        # Heart-to-heart talks: about 80 % of each committee's pairs talked this year (two
        # attendees, both signed in).
        talks: list[Activity] = []
        pairs: list[tuple[int, int]] = []
        first_day = dt.datetime(today.year, 1, 1, 10, 0, tzinfo=zone)
        span = max((now - first_day).days, 1)
        for b in branches:
            seated = committees.get(b.pk, [])
            for i, x in enumerate(seated):
                for y_ in seated[i + 1:]:
                    if rng.random() >= 0.8:
                        continue
                    starts = first_day + dt.timedelta(days=rng.randrange(span))
                    talks.append(Activity(
                        organization_id=b.pk, org_path=b.path, kind=ActivityKind.HEART_TALK, topic="谈心谈话",
                        starts_at=starts, ends_at=starts + dt.timedelta(hours=1), status=ActivityStatus.CLOSED,
                        chair="王书记", minute_taker="李委员", minutes="<p>谈心谈话记录</p>", started_at=starts,
                        closed_at=starts + dt.timedelta(hours=1), expected_count=2, present_full=2, created_at=starts))
                    pairs.append((x, y_))
        acts += talks
        Activity.objects.bulk_create(acts, batch_size=5000)
        Attendee.objects.bulk_create([
            Attendee(activity_id=t.pk, member_id=mid, has_vote=True, is_full=True, checked_in_at=t.starts_at,
                     checkin_method="secretary")
            for t, pair in zip(talks, pairs, strict=True) for mid in pair], batch_size=5000)
        t_acts = time.perf_counter() - t1
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ANALYZE")
    return {"root": root, "committee": committee, "branches": branches, "members": len(members),
            "activities": len(acts), "t_orgs": t_orgs, "t_acts": t_acts, "seats": len(seats), "talks": len(talks)}


def main() -> None:
    use_private_copy("orglife")
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from dangjian.core.models import User
    from dangjian.orglife import ActivityStatus
    from dangjian.orglife.compliance import branches_under, compliance_for, inactive_branches
    from dangjian.orglife.conf import frequencies
    from dangjian.orglife.periods import year_bounds

    runs = int(os.environ.get("BENCH_RUNS", "15"))
    rng = random.Random(5)  # noqa: S311 - benchmark data
    data = build(rng)
    committee = data["committee"]
    year = timezone.localdate().year

    # Baseline: the year's closed activities per branch and kind, one plain SQL GROUP BY.
    start, end = year_bounds(year)
    kinds = sorted(frequencies())
    marks = ",".join(["%s"] * len(kinds))
    sql = ("SELECT organization_id, kind, COUNT(*) FROM orglife_activity WHERE org_path >= %s AND org_path < %s "  # noqa: S608
           f"AND status = %s AND starts_at >= %s AND starts_at < %s AND kind IN ({marks}) GROUP BY organization_id, kind")
    adapt = connection.ops.adapt_datetimefield_value
    params = [committee.path, committee.path + "\uffff", ActivityStatus.CLOSED, adapt(start), adapt(end), *kinds]

    def baseline() -> int:
        with connection.cursor() as c:
            c.execute(sql, params)
            return len(c.fetchall())

    base = timed(baseline, runs * 2)
    base_groups = baseline()

    page_branches = list(branches_under(committee)[:PAGE])
    page_marks = ",".join(["%s"] * len(page_branches))
    page_sql = ("SELECT organization_id, kind, COUNT(*) FROM orglife_activity WHERE "  # noqa: S608
                f"organization_id IN ({page_marks}) AND status = %s AND starts_at >= %s AND starts_at < %s "
                f"AND kind IN ({marks}) GROUP BY organization_id, kind")
    page_params = [*(b.pk for b in page_branches), *params[2:]]

    def page_baseline() -> int:
        with connection.cursor() as c:
            c.execute(page_sql, page_params)
            return len(c.fetchall())

    base_page = timed(page_baseline, runs * 4)
    all_branches = list(branches_under(committee))
    assert len(all_branches) == N_BRANCHES

    results: list[tuple[str, dict, str]] = []
    with CountQueries() as q:
        compliance_for(page_branches, year)
    results.append((f"compliance_for: one page ({PAGE} branches)",
                    timed(lambda: compliance_for(page_branches, year), runs * 2), f"{len(q)} queries"))
    with CountQueries() as q:
        full = compliance_for(all_branches, year)
    behind = sum(1 for r in full if r.behind)
    results.append((f"compliance_for: all {N_BRANCHES:,} branches",
                    timed(lambda: compliance_for(all_branches, year), runs),
                    f"{len(q)} queries; {behind} branches behind"))

    from dangjian.orglife.talks import talks_and_lectures

    page_ids = [b.pk for b in page_branches]
    all_ids = [b.pk for b in all_branches]
    with CountQueries() as q:
        talks_page, _lect = talks_and_lectures(page_ids, year)
    results.append((f"talks_and_lectures: one page ({PAGE} branches)",
                    timed(lambda: talks_and_lectures(page_ids, year), runs * 2),
                    f"{len(q)} queries; {sum(t.required for t in talks_page.values())} pairs"))
    with CountQueries() as q:
        talks_all, lect_all = talks_and_lectures(all_ids, year)
    results.append((f"talks_and_lectures: all {N_BRANCHES:,} branches",
                    timed(lambda: talks_and_lectures(all_ids, year), runs),
                    f"{len(q)} queries; {sum(t.done for t in talks_all.values()):,} of "
                    f"{sum(t.required for t in talks_all.values()):,} pairs done; "
                    f"{sum(1 for v in lect_all.values() for s in v if s.done)} of "
                    f"{sum(len(v) for v in lect_all.values())} secretaries lectured"))

    def previous_held_query() -> int:
        """The held-per-month query as it was before 2026-11-25 (TruncMonth: a Python callback per
        row on SQLite), kept here only to show the difference in the same run."""
        from django.db.models import Count
        from django.db.models.functions import TruncMonth

        from dangjian.orglife.models import Activity
        from dangjian.orglife.periods import tz

        qs = (Activity.objects.filter(organization_id__in=[b.pk for b in all_branches], status=ActivityStatus.CLOSED,
                                      kind__in=kinds, starts_at__gte=start, starts_at__lt=end)
              .annotate(month=TruncMonth("starts_at", tzinfo=tz()))
              .values("organization_id", "kind", "month").annotate(n=Count("pk")).order_by())
        return len(list(qs))

    results.append((f"previous held-per-month query (TruncMonth), {N_BRANCHES:,} branches",
                    timed(previous_held_query, max(3, runs // 3)), "the query compliance_for used before the fix"))
    n_inactive = inactive_branches(committee).count()
    results.append(("inactive_branches(committee).count()",
                    timed(lambda: inactive_branches(committee).count(), runs * 2), f"{n_inactive} inactive"))

    client = Client(HTTP_HOST="localhost")  # ALLOWED_HOSTS of the bench environment
    client.force_login(User.objects.get(username="demo-admin"))
    last_page = (N_BRANCHES + PAGE - 1) // PAGE
    urls = [
        ("GET /orglife/compliance/ (page 1 of 50 branches)", f"/orglife/compliance/?org={committee.pk}&year={year}"),
        (f"GET /orglife/compliance/ (page {last_page})",
         f"/orglife/compliance/?org={committee.pk}&year={year}&page={last_page}"),
        ("GET /api/v1/orglife/compliance (500 branches)",
         f"/api/v1/orglife/compliance?org={committee.pk}&year={year}&page_size=500"),
    ]
    for name, url in urls:
        with CountQueries() as q:
            resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        size = len(resp.content)

        def get(url: str = url) -> None:
            r = client.get(url)
            assert r.status_code == 200

        results.append((name, timed(get, runs), f"{len(q)} queries, {size / 1024:.0f} KB"))

    rows = [
        {"name": f"baseline A: one SQL GROUP BY (branch, kind), all {N_BRANCHES:,} branches", "p50": base["p50"],
         "p95": base["p95"], "runs": base["runs"], "baseline": "—", "ratio": 1.0,
         "note": f"{base_groups:,} (branch, kind) groups over the committee's org_path range"},
        {"name": f"baseline B: the same GROUP BY for one page ({PAGE} branches)", "p50": base_page["p50"],
         "p95": base_page["p95"], "runs": base_page["runs"], "baseline": "—", "ratio": 1.0,
         "note": f"{page_baseline()} groups; organization_id IN (…)"},
    ]
    for name, t, note in results:
        per_page = "one page" in name or "page " in name
        b, label = (base_page, "B (page GROUP BY)") if per_page else (base, "A (committee GROUP BY)")
        rows.append({"name": name, "p50": t["p50"], "p95": t["p95"], "runs": t["runs"],
                     "baseline": label, "ratio": t["p50"] / b["p50"], "note": note})
    emit({"rows": rows, "setup": {
        "branches": N_BRANCHES, "members": data["members"], "activities": data["activities"],
        "committee_seats": data["seats"], "heart_talks": data["talks"],
        "orgs_members_s": round(data["t_orgs"], 1), "activities_s": round(data["t_acts"], 1),
        "committee": committee.name, "year": year,
    }})


if __name__ == "__main__":
    main()
