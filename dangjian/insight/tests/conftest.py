from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dangjian.insight.evalset import ALL_DEPARTMENTS, COMMUNITIES, GRIDS, TOWNS, EvalText, generate
from dangjian.insight.pipeline.run import Analysis, TextRecord, analyse

DICTIONARY = tuple(TOWNS + COMMUNITIES + GRIDS + ALL_DEPARTMENTS)


def to_records(data: list[EvalText]) -> list[TextRecord]:
    return [TextRecord(f"eval:{x.id:06d}", x.text, x.created_at, place=x.place, category=x.topic or "",
                       resolved=x.resolved if x.topic else None, reopened=x.reopened,
                       departments=tuple(x.departments)) for x in data]


@pytest.fixture(scope="session")
def evalset() -> list[EvalText]:
    return generate(4000, seed=17)


@pytest.fixture(scope="session")
def analysis(evalset: list[EvalText]) -> Analysis:
    return analyse(to_records(evalset), dictionary=DICTIONARY)


PHONE_TEXT = "城关镇幸福小区的路灯坏了好几个月没人修，晚上全黑，联系电话13912345678，请尽快处理"


class EvalSource:
    """The evaluation set offered through the real text-source hook, as a module would: its texts
    alternate between town A's and town B's branches, the scope filter is the hook's contract."""

    def __init__(self, tree: Any, data: list[EvalText]) -> None:
        self.rows = []
        for x in data:
            org = tree.branch_a1 if x.id % 2 == 0 else tree.branch_b1
            self.rows.append({"id": x.id + 1, "org_id": org.pk, "org_path": org.path, "text": x.text,
                              "category": x.topic or "", "place": x.place, "created_at": x.created_at,
                              "resolved": x.resolved if x.topic else None, "reopened": x.reopened,
                              "departments": list(x.departments)})
        org = tree.branch_a1
        self.rows.append({"id": len(data) + 1, "org_id": org.pk, "org_path": org.path, "text": PHONE_TEXT,
                          "category": "streetlight", "place": "幸福小区", "created_at": data[-1].created_at,
                          "resolved": False, "reopened": False, "departments": ["城市管理局"]})

    def batches(self, paths: list[str] | None, since: Any, until: Any, size: int) -> Iterator[list[dict[str, Any]]]:
        rows = [r for r in self.rows if paths is None or any(r["org_path"].startswith(p) for p in paths)]
        for start in range(0, len(rows), size):
            yield rows[start:start + size]


@pytest.fixture
def eval_source(tree: Any) -> Iterator[EvalSource]:
    from dangjian.core.hooks import TextSource, register_text_source, unregister_text_source

    source = EvalSource(tree, generate(800, seed=23))
    register_text_source(TextSource("eval", "eval", source.batches, order=1))
    yield source
    unregister_text_source("eval")


@pytest.fixture
def county_run(tree: Any) -> Any:
    """A county run stored as rows (lamps, roads, a topic merged into lamps, unassigned texts)."""
    from dangjian.insight.tests.chartdata import build_county_run

    return build_county_run(tree)
