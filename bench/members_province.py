"""Province-shaped benchmark for issue 3 (run by ``bench/module_members.py`` when
``BENCH_MEMBERS_PROVINCE=1``, or directly: ``python bench/module_members.py province``).

Seeding a province of 5M members through ``seed_demo`` takes hours on these machines (1M members
took ≈ 6 min alone for 20 counties), and neither the route nor the dashboard nor the branch picker
reads members. So this builds, in a fresh migrated SQLite database of its own
(``var/bench/module-members-province.sqlite3``), a province-shaped **organization tree without
members**: 1 provincial committee → ``BENCH_PROV_CITIES`` (16) city committees →
``BENCH_PROV_COUNTIES`` (100) county committees → 24 town committees each → about 80 branches per
town (some in a general branch, some directly under the county) ≈ 200,000 organizations, names
built from place-name syllables so that name searches have realistic selectivity; plus
``BENCH_PROV_APPLICANTS`` (30,000) applicant files in random branches (same generator as the
county run). Organizations are written with ``bulk_create`` and explicit materialized paths
(treebeard's ``add_child`` would take an hour), so the FTS triggers of ``orgs.0002`` index them as
they are written.

Timed in-process, p50/p95 after a warm-up:
- ``route_for`` over random pairs of branches of the whole province;
- ``development.selectors.dashboard`` and ``GET /development/?org=`` for the province root and for
  one county;
- the branch picker: ``GET /orgs/search/`` (scope ``transfer_target``) for a 2-character common
  and rare query, a 3+-character query (index), and a town name; and, for comparison, the old
  picker's query (every branch in tree order, capped at 5,000 — which could not reach most of a
  province's branches);
- baselines, same run: an index-range count of the organizations under one county
  (``Organization`` subtree count) and of one branch (a single row).
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, CountQueries, timed  # noqa: E402

SYL = list("安宝北昌城大东丰福富光广和河红华黄吉佳建江金锦景靖康乐黎林柳龙隆明南宁平浦青清庆仁荣瑞山上胜石顺松太泰天通团万文武西祥新兴阳永玉元云长正中")


def place(rng: random.Random) -> str:
    return rng.choice(SYL) + rng.choice(SYL)


def build_tree(rng: random.Random) -> dict:
    from django.db import connection, transaction

    from dangjian.orgs import OrgKind
    from dangjian.orgs.models import Organization

    n_cities = int(os.environ.get("BENCH_PROV_CITIES", "16"))
    n_counties = int(os.environ.get("BENCH_PROV_COUNTIES", "100"))
    towns_per_county = int(os.environ.get("BENCH_PROV_TOWNS", "24"))
    branches_per_town = int(os.environ.get("BENCH_PROV_BRANCHES", "80"))
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def seg(i: int) -> str:
        out = ""
        for _ in range(4):
            out = alphabet[i % 36] + out
            i //= 36
        return out

    rows: list[Organization] = []

    def add(parent_path: str, i: int, name: str, kind: str, numchild: int = 0) -> str:
        path = parent_path + seg(i + 1)
        rows.append(Organization(path=path, depth=len(path) // 4, numchild=numchild, name=name, kind=kind))
        return path

    t = time.perf_counter()
    root = add("", 0, "中共演示省委员会", OrgKind.COMMITTEE, n_cities)
    counties_left = n_counties
    county_names: list[str] = []
    for c in range(n_cities):
        per_city = counties_left // (n_cities - c)
        counties_left -= per_city
        city_name = place(rng)
        city = add(root, c, f"中共{city_name}市委员会", OrgKind.COMMITTEE, per_city)
        for k in range(per_city):
            county_name = place(rng)
            county_names.append(county_name)
            county = add(city, k, f"中共{city_name}市{county_name}县委员会", OrgKind.COMMITTEE, towns_per_county + 3)
            for d in range(3):  # departments' branches directly under the county committee
                add(county, d, f"中共{county_name}县{place(rng)}局机关党支部", OrgKind.BRANCH)
            for w in range(towns_per_county):
                town_name = place(rng)
                town = add(county, 3 + w, f"中共{county_name}县{town_name}镇委员会", OrgKind.COMMITTEE,
                           branches_per_town - 9)
                general = add(town, 0, f"中共{town_name}镇{place(rng)}学校总支部委员会", OrgKind.GENERAL_BRANCH, 10)
                for g in range(10):
                    add(general, g, f"{town_name}镇{place(rng)}学校第{g + 1}党支部", OrgKind.BRANCH)
                for b in range(branches_per_town - 10):
                    kind = OrgKind.BRANCH if b % 9 else OrgKind.GRID_BRANCH
                    label = f"{town_name}镇{place(rng)}村党支部" if b % 3 else f"{town_name}镇{place(rng)}社区党支部"
                    add(town, 1 + b, label, kind)
    for o in rows:
        if o.kind == OrgKind.GRID_BRANCH:
            o.grid_type = "community"
    with transaction.atomic():
        Organization.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"organizations": len(rows), "seconds": time.perf_counter() - t, "counties": county_names}


def run() -> dict:
    db = BENCH_DIR / "module-members-province.sqlite3"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    reuse = os.environ.get("BENCH_PROV_REUSE") == "1" and db.exists()
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(db)
    if not (Path(os.environ.get("STATIC_ROOT", "")) / "staticfiles.json").exists():
        # run outside ``make bench`` (no collectstatic): plain static storage, no manifest warnings
        os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
    from common import setup_django

    setup_django()
    import module_members
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from dangjian.core.models import User
    from dangjian.core.scoping import subtree_q
    from dangjian.members.development import FileStatus
    from dangjian.members.development.models import ApplicantFile
    from dangjian.members.development.selectors import dashboard
    from dangjian.members.transfers.routing import route_for
    from dangjian.orgs import BRANCH_KINDS
    from dangjian.orgs.models import Organization

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)  # a no-op on a reused database
    migrate_s = time.perf_counter() - t0
    rng = random.Random(5)  # noqa: S311 - benchmark data
    if reuse:  # BENCH_PROV_REUSE=1: the tree and files of the last run
        tree = {"organizations": Organization.objects.count(), "seconds": 0.0}
    else:
        tree = build_tree(rng)
    branches = list(Organization.objects.filter(kind__in=BRANCH_KINDS).only("pk", "path", "depth", "kind")
                    .order_by("path"))
    if reuse:
        files = {"files": ApplicantFile.objects.count(),
                 "overdue": ApplicantFile.objects.filter(status=FileStatus.ACTIVE,
                                                         next_due_on__lt=timezone.localdate()).count()}
    else:
        module_members.N_APPLICANTS = int(os.environ.get("BENCH_PROV_APPLICANTS", "30000"))
        files = module_members.build_files(rng, branches, timezone.localdate())
    root = Organization.get_root_nodes().get()
    counties = list(Organization.objects.filter(depth=3).order_by("path")[:8])
    county = counties[-1]
    runs = int(os.environ.get("BENCH_RUNS", "15"))
    rows: list[dict] = []

    def count_subtree(path: str) -> int:
        return Organization.objects.filter(subtree_q(path)).count()

    one_branch = branches[len(branches) // 2]
    base_branch = timed(lambda: count_subtree(one_branch.path), runs * 20)
    base_county = timed(lambda: count_subtree(county.path), runs * 4)
    n_county = count_subtree(county.path)
    rows.append({"name": "province baseline: org subtree count (one branch)", **_pick(base_branch), "baseline": "—",
                 "ratio": 1.0, "note": "1 row"})
    rows.append({"name": "province baseline: org subtree count (one county)", **_pick(base_county), "baseline": "—",
                 "ratio": 1.0, "note": f"{n_county:,} organizations"})

    # --- routes across the province ----------------------------------------------------------------
    n_routes = int(os.environ.get("BENCH_ROUTES", "2000"))
    pairs = [tuple(rng.sample(branches, 2)) for _ in range(n_routes)]
    route_for(*pairs[0])
    samples, hops = [], []
    for a, b in pairs:
        t = time.perf_counter()
        r = route_for(a, b)
        samples.append((time.perf_counter() - t) * 1000)
        hops.append(len(r.ids))
    with CountQueries() as q:
        route_for(*pairs[0])
    s = module_members._pcts(samples)
    rows.append({"name": f"province: route_for(branch, branch), {n_routes:,} random pairs", **s,
                 "baseline": "subtree count (branch)", "ratio": s["p50"] / base_branch["p50"],
                 "note": f"{len(q)} queries per route; hops max {max(hops)}"})

    # --- development dashboard -----------------------------------------------------------------------
    for label, org in (("province root", root), ("one county", county)):
        with CountQueries() as q:
            board = dashboard(org)
        t = timed(lambda org=org: dashboard(org), runs)
        rows.append({"name": f"province: dashboard({label}) selector", **_pick(t),
                     "baseline": "subtree count (county)", "ratio": t["p50"] / base_county["p50"],
                     "note": f"{len(q)} queries; {board.active:,} active, {board.overdue_count:,} overdue, "
                             f"{len(board.children)} children"})
    admin = (User.objects.filter(username="bench-admin").first()
             or User.objects.create_superuser("bench-admin", "bench@example.com", "x"))
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    for label, org in (("province root", root), ("one county", county)):
        url = f"/development/?org={org.pk}"
        with CountQueries() as q:
            resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)

        def get(url: str = url) -> None:
            assert client.get(url).status_code == 200

        t = timed(get, runs)
        rows.append({"name": f"province: GET /development/?org=<{label}>", **_pick(t),
                     "baseline": "subtree count (county)", "ratio": t["p50"] / base_county["p50"],
                     "note": f"{len(q)} queries, {len(resp.content) / 1024:.0f} KB"})

    # --- the branch picker ------------------------------------------------------------------------------
    towns = list(Organization.objects.filter(depth=4, kind="committee").order_by("path")[:501])
    sample_town = towns[-1]
    town_name = sample_town.name.split("县", 1)[1].removesuffix("镇委员会")
    rare = "鑫淼"  # characters outside the name generator's syllables and fixed words: no match
    assert not Organization.objects.filter(name__contains=rare).exists()
    queries = [
        ("2 characters, common (‘党支’)", "党支"),
        (f"2 characters, a town name (‘{town_name}’)", town_name),
        (f"2 characters, no match (‘{rare}’)", rare),
        (f"3+ characters, index (‘{town_name}镇’)", f"{town_name}镇"),
        ("3+ characters, index, common (‘村党支部’)", "村党支部"),
        (f"3+ characters, index, no match (‘{rare}村’)", f"{rare}村"),
    ]
    for label, q_text in queries:
        url = "/orgs/search/"
        params = {"scope": "transfer_target", "field": "to_org", "to_org_q": q_text}
        with CountQueries() as q:
            resp = client.get(url, params)
        assert resp.status_code == 200
        n = resp.content.decode().count('name="to_org" value=')

        def get(params: dict = params) -> None:
            assert client.get("/orgs/search/", params).status_code == 200

        t = timed(get, runs * 2)
        rows.append({"name": f"picker: GET /orgs/search/ {label}", **_pick(t), "baseline": "subtree count (county)",
                     "ratio": t["p50"] / base_county["p50"], "note": f"{len(q)} queries, {n} options"})

    def old_picker() -> None:
        list(Organization.objects.filter(kind__in=BRANCH_KINDS, is_active=True).order_by("path")
             .values_list("pk", "name")[:5000])

    t = timed(old_picker, runs)
    rows.append({"name": "old picker's query (5,000 branches in tree order, no HTML)", **_pick(t),
                 "baseline": "subtree count (county)", "ratio": t["p50"] / base_county["p50"],
                 "note": f"reached {5000 / len(branches):.0%} of the province's branches"})
    return {"rows": rows, "setup": {"organizations": tree["organizations"], "branches": len(branches),
                                    "tree_s": round(tree["seconds"], 1), "migrate_s": round(migrate_s, 1),
                                    "applicant_files": files["files"], "files_overdue": files["overdue"],
                                    "county": county.name, "county_orgs": n_county}}


def _pick(t: dict) -> dict:
    return {"p50": t["p50"], "p95": t["p95"], "runs": t["runs"]}
