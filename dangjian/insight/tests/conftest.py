from __future__ import annotations

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
