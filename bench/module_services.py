"""Benchmark (issue 20): the approver's inbox of the service centre at 100,000 applications, and
the deadline sweep over 100,000 open steps, against plain indexed reads of the same tables in the
same run.

One of ``make bench``'s ``module_*`` scripts (``BENCH_ONLY=services make bench`` runs it alone, after
the shared seeding), or by itself::

    .venv/bin/python bench/module_services.py                   # builds var/bench/services-inbox.sqlite3
    BENCH_SERVICES_REUSE=1 .venv/bin/python bench/module_services.py   # reuses it

``BENCH_APPS`` (applications, default 100,000), ``BENCH_SERVICES_RUNS`` (timed runs per row, default 50).
It uses a database of its own, not the seeded county: the numbers are the service centre's alone.

1. A throwaway SQLite database (migrated): a county with 20 towns of 10 branches, a secretary on
   every branch, an organizer on every town, two county approvers; the matter 困难党员帮扶
   (branch → nearest committee → county, all three `any`). Applications are written in bulk
   (``bulk_create``, not through ``do_submit_application``: a benchmark of the reads, not of
   100,000 audited writes), spread over the branches, each with its three steps, the active one a
   third of the time at each level, deadlines spread over ±20 days (so some are overdue), and its
   ``StepApprover`` rows.
2. In process (``timed``: p50/p95 after one warm-up):
   - ``inbox_for(user)`` first page (25) and its ``count()``, for a county approver (a third of
     all applications wait for them), a town organizer and a branch secretary;
   - ``GET /services/inbox/`` through the test client as the county approver (the whole page);
   - baseline: a plain indexed page of the same table,
     ``Step.objects.filter(state="active").order_by("due_on", "pk")[:25]`` (index
     ``services_step_state_due_idx``) and its count;
   - the sweep: ``escalate_overdue``'s candidate read, and one full ``warn_steps`` pass (timed
     once; it walks every running step, claims a thousand at a time and sends one message per
     approver per thousand through ``notify_each``) against reading every active step's id.

Prints a table and ``BENCH_JSON {"rows": [...]}`` (``name``, ``p50``/``p95``, ``baseline``, ``ratio`` of
the p95s); issue 20's target: inbox p95 < 300 ms.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, ROOT, emit, timed  # noqa: E402

APPS = int(os.environ.get("BENCH_APPS", "100000"))
RUNS = int(os.environ.get("BENCH_SERVICES_RUNS", "50"))
TARGET_MS = 300
DB = BENCH_DIR / "services-inbox.sqlite3"


def _environment() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("BENCH_SERVICES_REUSE"):
        for suffix in ("", "-wal", "-shm"):
            Path(str(DB) + suffix).unlink(missing_ok=True)
    os.environ.update(DANGJIAN_VAR_DIR=str(BENCH_DIR), SQLITE_PATH=str(DB), DJANGO_SETTINGS_MODULE="dangjian.settings",
                      DJANGO_DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost,testserver", LOG_LEVEL="WARNING")
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _build() -> dict:
    import random
    import secrets

    from django.core.management import call_command
    from django.utils import timezone

    from dangjian.core.actions import do_create_user, do_grant_role
    from dangjian.core.roles import Role
    from dangjian.orgs.actions import do_create_organization
    from dangjian.services import Anchor, Audience, SignOffRule, State, StepState
    from dangjian.services.actions import do_save_matter
    from dangjian.services.chain import approvers_of
    from dangjian.services.models import Application, Step, StepApprover

    call_command("migrate", verbosity=0)
    from dangjian.core.models import User

    if Application.objects.count() >= APPS:
        return {"built": False}
    password = "bench-pass-123456"  # noqa: S105 - a throwaway benchmark database
    root = User.objects.create_superuser("bench-root", "root@example.com", password)

    def org(parent, name, kind):  # noqa: ANN001, ANN202
        return do_create_organization(parent, {"name": name, "kind": kind}, acting_user=root)

    def user(name, role, where):  # noqa: ANN001, ANN202
        u = do_create_user(username=name, password=password, name=name, acting_user=root)
        do_grant_role(u, role, where, acting_user=root)
        return u

    county = org(None, "中共基准县委员会", "committee")
    user("county-a", Role.COUNTY_ADMIN, county)
    user("county-b", Role.ORGANIZER, county)
    towns, branches = [], []
    for t in range(20):
        town = org(county, f"中共第{t}镇委员会", "committee")
        user(f"town-{t}", Role.ORGANIZER, town)
        towns.append(town)
        for b in range(10):
            branch = org(town, f"第{t}镇第{b}村党支部", "branch")
            user(f"branch-{t}-{b}", Role.SECRETARY, branch)
            branches.append((branch, town))
    admin = User.objects.get(username="county-a")
    matter = do_save_matter(county, {"title": "困难党员帮扶", "audience": Audience.MEMBERS, "time_limit_days": 10,
                                     "active": True},
                            [{"name": "支部核实", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 3},
                             {"name": "镇党委审核", "anchor": Anchor.ANCESTOR, "anchor_kind": "committee",
                              "rule": SignOffRule.ANY, "time_limit_days": 3},
                             {"name": "县委组织部审批", "anchor": Anchor.FIXED, "fixed_organization": county.pk,
                              "rule": SignOffRule.ANY, "time_limit_days": 4}],
                            fields=[{"key": "details", "label": "困难情况", "type": "textarea", "required": True}],
                            acting_user=admin)
    version = matter.current_form()
    approvers = {o.pk: approvers_of(o) for o in [county, *towns, *(b for b, _t in branches)]}
    rng = random.Random(20)
    today = timezone.localdate()
    applicant = admin
    batch = 5000
    for start in range(0, APPS, batch):
        apps = []
        chosen = []
        for n in range(start, min(APPS, start + batch)):
            branch, town = branches[n % len(branches)]
            level = rng.randrange(3) + 1
            chosen.append((branch, town, level))
            apps.append(Application(public_id=secrets.token_urlsafe(12), number=f"BJ{today.year}-{n + 1:06d}",
                                    matter=matter, form_version=version, applicant=applicant, organization=branch,
                                    org_path=branch.path, applicant_name=f"申请人{n}",
                                    data_text='{"details": "因病"}',
                                    state=State.IN_PROGRESS if level > 1 else State.SUBMITTED,
                                    current_position=level, submitted_on=today - dt.timedelta(days=10),
                                    due_on=today + dt.timedelta(days=rng.randint(-20, 20))))
        Application.objects.bulk_create(apps)
        steps = []
        for a, (branch, town, level) in zip(apps, chosen, strict=True):
            for pos, (name, where, days) in enumerate((("支部核实", branch, 3), ("镇党委审核", town, 3),
                                                       ("县委组织部审批", county, 4)), 1):
                state = StepState.DONE if pos < level else StepState.ACTIVE if pos == level else StepState.PENDING
                due = today + dt.timedelta(days=rng.randint(-20, 20)) if pos == level else None
                steps.append(Step(application=a, position=pos, name=name, organization=where, org_path=where.path,
                                  rule=SignOffRule.ANY, required=1, state=state, limit_days=days,
                                  opened_on=due - dt.timedelta(days=days) if due else None, due_on=due))
        Step.objects.bulk_create(steps)
        StepApprover.objects.bulk_create([StepApprover(step=s, user_id=u) for s in steps if s.state == StepState.ACTIVE
                                          for u in approvers[s.organization_id]])
    return {"built": True}


def main() -> None:
    _environment()
    t = time.perf_counter()
    built = _build()
    build_s = time.perf_counter() - t
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from dangjian.core.models import User
    from dangjian.services.actions import escalation_candidates, warn_steps
    from dangjian.services.models import Application, Step
    from dangjian.services.selectors import inbox_for

    with connection.cursor() as c:
        c.execute("ANALYZE")
    rows = []
    users = {"county approver": User.objects.get(username="county-a"), "town organizer": User.objects.get(
        username="town-3"), "branch secretary": User.objects.get(username="branch-3-4")}
    for label, u in users.items():
        rows.append({"what": f"inbox first page (25), {label}", **timed(lambda u=u: list(inbox_for(u)[:25]), RUNS),
                     "items": inbox_for(u).count()})
        rows.append({"what": f"inbox count, {label}", **timed(lambda u=u: inbox_for(u).count(), RUNS)})
    client = Client()
    client.force_login(users["county approver"])
    rows.append({"what": "GET /services/inbox/ (county approver)",
                 **timed(lambda: client.get("/services/inbox/").status_code == 200 or sys.exit("page failed"), RUNS)})
    rows.append({"what": "GET /me/preferences/ (a plain signed-in page, baseline)",
                 **timed(lambda: client.get("/me/preferences/"), RUNS)})
    plain = Step.objects.filter(state="active").order_by("due_on", "pk")
    rows.append({"what": "baseline: plain indexed page of active steps (25)", **timed(lambda: list(plain[:25]), RUNS)})
    rows.append({"what": "baseline: count of active steps", **timed(lambda: plain.count(), RUNS)})
    today = timezone.localdate()
    rows.append({"what": "sweep: overdue candidates (escalate_overdue's read)",
                 **timed(lambda: escalation_candidates(today), 5)})
    rows.append({"what": "baseline: all active step ids", **timed(lambda: list(plain.values_list("pk", flat=True)), 5)})
    t = time.perf_counter()
    from django.db import transaction

    with transaction.atomic():
        sent = warn_steps(today)
        transaction.set_rollback(True)  # measure, do not keep (the run can be repeated)
    rows.append({"what": "sweep: one warn_steps pass over every running step (once)",
                 "p50": (time.perf_counter() - t) * 1000, "p95": (time.perf_counter() - t) * 1000, "runs": 1,
                 "warned": sent})
    def find(prefix: str) -> dict:
        return next(r for r in rows if r["what"].startswith(prefix))

    baselines = {"inbox first page": "baseline: plain indexed page", "inbox count": "baseline: count of active",
                 "GET /services/inbox/": "GET /me/preferences/", "sweep:": "baseline: all active step ids"}
    for r in rows:
        r["name"] = f"services: {r['what']}"
        base = next((find(b) for prefix, b in baselines.items() if r["what"].startswith(prefix)), None)
        if base is None:
            r["baseline"], r["ratio"] = "—", 1.0
        else:
            r["baseline"], r["ratio"] = base["what"][:40], round(r["p95"] / base["p95"], 1) if base["p95"] else None
    print(f"{Application.objects.count():,} applications, {Step.objects.filter(state='active').count():,} "
          f"active steps; build {build_s:.0f} s ({'built' if built['built'] else 'reused'})")
    for r in rows:
        print(f"  {r['what']:<62} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  ×{r['ratio']}")
    inbox = find("GET /services/inbox/")
    print(f"target: inbox page p95 < {TARGET_MS} ms → {'met' if inbox['p95'] < TARGET_MS else 'NOT met'}")
    emit({"rows": rows, "applications": APPS})


if __name__ == "__main__":
    main()
