"""Benchmark: the subtree member-count queries, timed in-process (median of N runs).

- ``subtree_member_count(root)`` and ``(one town)`` — one indexed range count on members.org_path;
- ``with_member_counts(root's children)`` — the tree browser's counts for one level, one query.

Run by bench/run.py with the bench environment; prints ``BENCH_JSON {...}``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import emit, setup_django  # noqa: E402


def _time(fn, runs: int) -> dict:
    fn()  # warm the page cache once
    samples = []
    value = None
    for _ in range(runs):
        t = time.perf_counter()
        value = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples), "runs": runs,
            "value": value}


def main() -> None:
    setup_django()
    from dangjian.members.selectors import subtree_member_count
    from dangjian.orgs.models import Organization
    from dangjian.orgs.selectors import with_member_counts

    runs = int(os.environ.get("BENCH_RUNS", "15"))
    root = Organization.get_root_nodes().first()
    assert root is not None, "no organizations: seed first"
    town = (Organization.objects.filter(name__endswith="镇委员会", path__startswith=root.path).order_by("path").first()
            or root)
    county = Organization.objects.filter(depth=2, name__endswith="县委员会", path__startswith=root.path).order_by("path").first()
    kids = list(root.get_children())
    results = {
        "root": {"name": root.name, **_time(lambda: subtree_member_count(root.path), runs)},
        "town": {"name": town.name, **_time(lambda: subtree_member_count(town.path), runs)},
    }
    if county is not None:
        results["county"] = {"name": county.name, **_time(lambda: subtree_member_count(county.path), runs)}
    r = _time(lambda: sum(o.member_count for o in with_member_counts(list(kids))), runs)  # type: ignore[attr-defined]
    results["children"] = {"name": f"{len(kids)} children of {root.name}", **r}
    emit(results)


if __name__ == "__main__":
    main()
