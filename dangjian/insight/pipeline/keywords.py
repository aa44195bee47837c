"""Keywords of one text: its content words weighted by term frequency × the IDF table that ships
inside jieba (``jieba.analyse``'s ``idf.txt``; no download), with our segmentation and stop words.
Cheap enough for every new text (microseconds once the table is loaded)."""

from __future__ import annotations

import functools
from collections import Counter


@functools.cache
def _idf() -> tuple[dict[str, float], float]:
    import jieba.analyse

    table = jieba.analyse.default_tfidf
    return table.idf_freq, table.median_idf


def keywords(tokens: list[str], k: int = 5) -> list[str]:
    """The ``k`` heaviest tokens, ties by first appearance (deterministic)."""
    if not tokens:
        return []
    idf, median = _idf()
    counts = Counter(tokens)
    first = {t: i for i, t in reversed(list(enumerate(tokens)))}
    scored = sorted(counts, key=lambda t: (-counts[t] * idf.get(t, median), first[t]))
    return scored[:k]
