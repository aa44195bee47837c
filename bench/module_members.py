"""Benchmark (issue 3): transfer route computation and the development pipeline dashboard at
county scale.

Setup, on a private copy of the seeded county database (``use_private_copy("members")``):
``BENCH_APPLICANTS`` (default 3,000) applicant files written with ``bulk_create`` (person + file;
no bulk action exists in the product) in random branches of the county, spread over the 25 steps,
mostly in progress, some full or closed, about a fifth with a passed deadline (overdue).

Timed in-process (``timed``: p50/p95 after one warm-up):
- ``transfers.routing.route_for(a, b)`` for ``BENCH_ROUTES`` (default 2,000) random pairs of
  branches of the county, each call timed on its own (p50/p95 per route); also the pure
  ``compute_route`` over pre-loaded chains and routes to a target outside the platform;
- ``development.selectors.dashboard(root)`` (counts per stage, per child, overdue list);
- ``GET /development/?org=<root>`` and ``GET /development/?org=<root>&overdue=1`` through the Django
  test client as ``demo-admin`` (county admin), and the same for one town;
- baseline, same run: ``members.selectors.subtree_member_count`` (one index range count) for one
  branch (for the routes, which are two small indexed queries) and for the county root (for the
  dashboard).

Prints ``BENCH_JSON {"rows": [...]}``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import CountQueries, emit, setup_django, timed, use_private_copy  # noqa: E402

N_APPLICANTS = int(os.environ.get("BENCH_APPLICANTS", "3000"))
N_ROUTES = int(os.environ.get("BENCH_ROUTES", "2000"))


def _pcts(samples: list[float]) -> dict:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
    return {"p50": statistics.median(samples), "p95": p95, "runs": len(samples)}


def build_files(rng: random.Random, branches: list, today: dt.date) -> dict:
    from django.db import connection, transaction

    from dangjian.members.development import STEPS, DueKind, FileStatus, Stage
    from dangjian.members.development.models import ApplicantFile
    from dangjian.members.models import Person

    t = time.perf_counter()
    people, files = [], []
    for i in range(N_APPLICANTS):
        b = rng.choice(branches)
        step = rng.randint(1, 24)
        roll = rng.random()
        status = FileStatus.ACTIVE if roll < 0.85 else (FileStatus.FULL if roll < 0.93 else FileStatus.CLOSED)
        if status == FileStatus.FULL:
            step = 25
        applied = today - dt.timedelta(days=30 + 35 * step + rng.randint(0, 60))
        due = None
        kind = ""
        if status == FileStatus.ACTIVE:
            kind = rng.choice([DueKind.TALK, DueKind.APPROVAL, DueKind.PROBATION, DueKind.NOTICE])
            due = today + dt.timedelta(days=rng.randint(-60, 240))  # about a fifth already passed
        people.append(Person(name=f"申请人{i}", sex="male" if i % 2 else "female",
                             birth_date=dt.date(1990 + i % 15, 1 + i % 12, 1 + i % 28)))
        files.append(ApplicantFile(
            organization_id=b.pk, org_path=b.path, step=step, stage=STEPS[step].stage if step else Stage.APPLICATION,
            status=status, applied_on=applied,
            activist_on=applied + dt.timedelta(days=60) if step >= 3 else None,
            candidate_on=applied + dt.timedelta(days=430) if step >= 7 else None,
            next_due_on=due, due_kind=kind, notice_token=f"bench{i:08d}",
        ))
    with transaction.atomic():
        Person.objects.bulk_create(people, batch_size=2000)
        for p, f in zip(people, files, strict=True):
            f.person_id = p.pk
        ApplicantFile.objects.bulk_create(files, batch_size=2000)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    return {"files": len(files), "seconds": time.perf_counter() - t,
            "overdue": sum(1 for f in files if f.status == FileStatus.ACTIVE and f.next_due_on < today)}


def main() -> None:
    use_private_copy("members")
    setup_django()
    from django.test import Client
    from django.utils import timezone

    from dangjian.core.models import User
    from dangjian.members.development.selectors import dashboard
    from dangjian.members.selectors import subtree_member_count
    from dangjian.members.transfers.routing import chain_for, compute_route, route_for
    from dangjian.orgs import BRANCH_KINDS
    from dangjian.orgs.models import Organization

    runs = int(os.environ.get("BENCH_RUNS", "15"))
    rng = random.Random(3)  # noqa: S311 - benchmark data
    today = timezone.localdate()
    root = Organization.get_root_nodes().first()
    assert root is not None, "no organizations: seed first"
    branches = list(Organization.objects.filter(path__startswith=root.path, kind__in=BRANCH_KINDS, is_active=True)
                    .order_by("path"))
    setup = build_files(rng, branches, today)
    town = (Organization.objects.filter(name__endswith="镇委员会", path__startswith=root.path).order_by("path").first()
            or root)
    rows: list[dict] = []

    # --- Baselines: one index range count ------------------------------------------------------
    one_branch = max(branches[:200], key=lambda b: b.depth)
    base_branch = timed(lambda: subtree_member_count(one_branch.path), runs * 20)
    base_root = timed(lambda: subtree_member_count(root.path), runs * 2)
    base_town = timed(lambda: subtree_member_count(town.path), runs * 5)
    rows.append({"name": "baseline: subtree_member_count(one branch)", **_pick(base_branch), "baseline": "—",
                 "ratio": 1.0, "note": f"{subtree_member_count(one_branch.path)} members"})

    # --- Routes ----------------------------------------------------------------------------------
    pairs = [tuple(rng.sample(branches, 2)) for _ in range(N_ROUTES)]
    route_for(*pairs[0])  # warm-up
    samples, hops, same_committee = [], [], 0
    for a, b in pairs:
        t = time.perf_counter()
        r = route_for(a, b)
        samples.append((time.perf_counter() - t) * 1000)
        hops.append(len(r.ids))
        same_committee += r.receiving == r.sending
    with CountQueries() as q:
        route_for(*pairs[0])
    s = _pcts(samples)
    rows.append({"name": f"route_for(branch, branch), {N_ROUTES:,} random pairs", **s,
                 "baseline": "subtree count (branch)", "ratio": s["p50"] / base_branch["p50"],
                 "note": f"{len(q)} queries per route; hops p50 {statistics.median(hops):.0f}, max {max(hops)}; "
                         f"{same_committee} within one committee"})

    ext = []
    for a, _b in pairs[:500]:
        t = time.perf_counter()
        route_for(a, None)
        ext.append((time.perf_counter() - t) * 1000)
    s = _pcts(ext)
    rows.append({"name": "route_for(branch, outside the platform), 500 branches", **s,
                 "baseline": "subtree count (branch)", "ratio": s["p50"] / base_branch["p50"], "note": "1 query"})

    chains = {b.pk: chain_for(b) for b in branches}
    pure = []
    for a, b in pairs:
        ca, cb = chains[a.pk], chains[b.pk]
        t = time.perf_counter()
        compute_route(ca, cb)
        pure.append((time.perf_counter() - t) * 1000)
    s = _pcts(pure)
    rows.append({"name": "compute_route (pure, chains pre-loaded)", **s,
                 "baseline": "subtree count (branch)", "ratio": s["p50"] / base_branch["p50"],
                 "note": "no query: the route rule itself"})

    # --- Development dashboard ---------------------------------------------------------------------
    rows.append({"name": "baseline: subtree_member_count(county root)", **_pick(base_root), "baseline": "—",
                 "ratio": 1.0, "note": f"{subtree_member_count(root.path):,} members"})
    with CountQueries() as q:
        board = dashboard(root)
    t = timed(lambda: dashboard(root), runs * 2)
    rows.append({"name": "development dashboard(root) selector", **_pick(t), "baseline": "subtree count (root)",
                 "ratio": t["p50"] / base_root["p50"],
                 "note": f"{len(q)} queries; {board.active:,} active, {board.overdue_count} overdue, "
                         f"{len(board.children)} children"})

    client = Client(HTTP_HOST="localhost")  # ALLOWED_HOSTS of the bench environment
    client.force_login(User.objects.get(username="demo-admin"))
    pages = [
        ("GET /development/?org=<county root>", f"/development/?org={root.pk}", base_root, "subtree count (root)"),
        ("GET /development/?org=<root>&overdue=1", f"/development/?org={root.pk}&overdue=1", base_root,
         "subtree count (root)"),
        ("GET /development/?org=<one town>", f"/development/?org={town.pk}", base_town, "subtree count (town)"),
    ]
    for name, url, base, base_name in pages:
        with CountQueries() as q:
            resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        size = len(resp.content)

        def get(url: str = url) -> None:
            assert client.get(url).status_code == 200

        t = timed(get, runs)
        rows.append({"name": name, **_pick(t), "baseline": base_name, "ratio": t["p50"] / base["p50"],
                     "note": f"{len(q)} queries, {size / 1024:.0f} KB"})
    rows.append({"name": "baseline: subtree_member_count(one town)", **_pick(base_town), "baseline": "—",
                 "ratio": 1.0, "note": f"{subtree_member_count(town.path):,} members"})

    emit({"rows": rows, "setup": {"branches": len(branches), "applicant_files": setup["files"],
                                  "files_overdue": setup["overdue"], "files_s": round(setup["seconds"], 1),
                                  "root": root.name, "town": town.name}})


def _pick(t: dict) -> dict:
    return {"p50": t["p50"], "p95": t["p95"], "runs": t["runs"]}


if __name__ == "__main__":
    if sys.argv[1:] == ["province"] or os.environ.get("BENCH_MEMBERS_PROVINCE") == "1":
        import members_province

        emit(members_province.run())
    else:
        main()
