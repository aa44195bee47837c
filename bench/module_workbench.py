"""Benchmark (issue 14): the workbench of the county administrator on the 50,000-member county
with thousands of open to-dos, and the one search box.

Setup, on a private copy of the seeded county database (``use_private_copy("workbench")``): the
applicant files of ``module_members.build_files`` (``BENCH_APPLICANTS``, default 3,000, about a
fifth overdue), so the development source alone holds hundreds to thousands of open items; the
demo county's own transfers, bills, activities, opinions and cases add theirs.

Timed in-process through the Django test client (``timed``: p50/p95 after one warm-up; the
to-do badges' 30 s cache is cleared before every run, so each run counts afresh):
- ``GET /`` (the workbench) and ``GET /todos/`` as ``demo-admin`` (the whole county) and ``GET /``
  as ``demo-secretary`` (one branch);
- ``GET /api/v1/me/todos`` as ``demo-admin``;
- ``POST /staff/search/`` with a member's pinyin initials and with a name, as ``demo-admin``;
- baselines, same run: ``GET /me/preferences/`` (a plain signed-in page with the same shell) for
  the pages, and a plain indexed lookup ``Person.objects.filter(name_initials__startswith=…)[:5]``
  for the search.

Prints ``BENCH_JSON {"rows": [...]}``.
"""

from __future__ import annotations

import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import CountQueries, emit, setup_django, timed, use_private_copy  # noqa: E402


def main() -> None:
    use_private_copy("workbench")
    setup_django()
    from django.test import Client
    from django.utils import timezone
    from module_members import build_files

    from dangjian.core.models import User
    from dangjian.core.todos import forget_counts, todos_for
    from dangjian.members.models import Person
    from dangjian.orgs import BRANCH_KINDS
    from dangjian.orgs.models import Organization

    runs = int(os.environ.get("BENCH_RUNS", "15"))
    rng = random.Random(14)  # noqa: S311 - benchmark data
    root = Organization.get_root_nodes().first()
    assert root is not None, "no organizations: seed first"
    branches = list(Organization.objects.filter(path__startswith=root.path, kind__in=BRANCH_KINDS, is_active=True)
                    .order_by("path"))
    setup = build_files(rng, branches, timezone.localdate())
    admin = User.objects.get(username="demo-admin")
    secretary = User.objects.get(username="demo-secretary")
    rows: list[dict] = []

    def client_for(user: User) -> Client:
        c = Client(HTTP_HOST="localhost")  # ALLOWED_HOSTS of the bench environment
        c.force_login(user)
        return c

    def page(name: str, c: Client, user: User, method: str, url: str, data: dict | None = None,
             base: dict | None = None, base_name: str = "—", note: str = "") -> dict:
        def call() -> None:
            forget_counts(user)
            response = c.post(url, data or {}) if method == "POST" else c.get(url)
            assert response.status_code == 200, (url, response.status_code)

        forget_counts(user)
        with CountQueries() as q:
            size = len((c.post(url, data or {}) if method == "POST" else c.get(url)).content)
        t = timed(call, runs)
        row = {"name": name, "p50": t["p50"], "p95": t["p95"], "runs": t["runs"], "baseline": base_name,
               "ratio": t["p95"] / base["p95"] if base else 1.0,
               "note": f"{q.n} queries, {size / 1024:.0f} KB{'; ' + note if note else ''}"}
        rows.append(row)
        return t

    admin_client, secretary_client = client_for(admin), client_for(secretary)
    base = page("baseline: GET /me/preferences/ (plain page, same shell)", admin_client, admin, "GET",
                "/me/preferences/")
    admin_todos = todos_for(admin, limit=1)
    page("GET / workbench, county administrator", admin_client, admin, "GET", "/", base=base,
         base_name="plain page (p95)", note=f"{admin_todos.total:,} open to-dos "
         + ", ".join(f"{k} {v}" for k, v in sorted(admin_todos.counts.items())))
    page("GET /todos/ (all to-dos, page 1), county administrator", admin_client, admin, "GET", "/todos/", base=base,
         base_name="plain page (p95)")
    page("GET /api/v1/me/todos, county administrator", admin_client, admin, "GET", "/api/v1/me/todos", base=base,
         base_name="plain page (p95)")
    page("GET / workbench, branch secretary", secretary_client, secretary, "GET", "/", base=base,
         base_name="plain page (p95)", note=f"{todos_for(secretary, limit=1).total} open to-dos")

    person = Person.objects.exclude(name_initials="").order_by("pk")[len(branches) // 2]
    initials = person.name_initials[:3]
    lookup = timed(lambda: list(Person.objects.filter(name_initials__startswith=initials)[:5]), runs * 5)
    rows.append({"name": f"baseline: Person initials lookup '{initials}' [:5]", "p50": lookup["p50"],
                 "p95": lookup["p95"], "runs": lookup["runs"], "baseline": "—", "ratio": 1.0, "note": "1 query"})
    page(f"POST /staff/search/ q={initials} (pinyin initials), county administrator", admin_client, admin, "POST",
         "/staff/search/", {"q": initials}, base=lookup, base_name="initials lookup (p95)")
    page("POST /staff/search/ q=<a surname>, county administrator", admin_client, admin, "POST", "/staff/search/",
         {"q": person.name[:1]}, base=lookup, base_name="initials lookup (p95)")

    emit({"rows": rows, "setup": {"branches": len(branches), "applicant_files": setup["files"],
                                  "files_overdue": setup["overdue"], "open_todos_admin": admin_todos.total}})


if __name__ == "__main__":
    main()
