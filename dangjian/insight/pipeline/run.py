"""One full analysis over a list of texts, and the incremental analysis of one new text.

``analyse(records, …)`` → :class:`Analysis` (per-text keywords, topic, duplicate group and
sentiment; topics with their figures, places and samples; the fitted :class:`Bundle` that places
a new text later). ``Bundle.analyse_one(text)`` is the incremental path: keywords, the nearest
topic (or unassigned), the duplicates among the run's recent texts, and the sentiment.

Records must come sorted by the caller (the Django side sorts by key); the same records give the
same analysis, byte for byte.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from dangjian.insight.pipeline import PIPELINE_VERSION
from dangjian.insight.pipeline.classify import Ranked, TextClassifier
from dangjian.insight.pipeline.duplicates import DuplicateIndex, DuplicateParams, duplicate_groups
from dangjian.insight.pipeline.keywords import keywords
from dangjian.insight.pipeline.scores import TopicFigures, topic_figures
from dangjian.insight.pipeline.text import Segmenter, canonical, exact_hash
from dangjian.insight.pipeline.topics import UNASSIGNED, TopicModel, TopicParams, fit_topics

Progress = Callable[[float], object]


@dataclass(frozen=True)
class TextRecord:
    key: str  # "<source>:<id>", unique across sources
    text: str
    created_at: datetime
    place: str = ""
    org_path: str = ""
    category: str = ""
    resolved: bool | None = None  # None: no case behind it, outcome unknown
    reopened: bool = False
    departments: tuple[str, ...] = ()  # routing history of its case, the final one last


@dataclass
class TopicSummary:
    number: int
    label: str
    terms: list[str]
    figures: TopicFigures
    places: list[tuple[str, int]]
    sample_keys: list[str]
    member_keys: list[str] = field(repr=False)


@dataclass
class TextResult:
    key: str
    keywords: list[str]
    topic: int  # -1: unassigned
    similarity: float
    duplicate_of: str  # the key of its group's first text, "" when none
    sentiment: str
    text_hash: str


@dataclass
class Bundle:
    """What the incremental analysis needs, kept with the run (joblib file)."""

    segmenter: Segmenter
    topics: TopicModel
    sentiment: TextClassifier
    duplicates: DuplicateIndex
    duplicate_keys: list[str]  # index key → text key
    topic_numbers: list[int]
    versions: dict[str, str]
    router: TextClassifier | None = None

    def suggest(self, text: str, k: int = 3) -> list[Ranked]:
        """Departments most likely to own ``text``, best first, with their deciding terms."""
        if self.router is None:
            return []
        return suggest_departments(self.router, self.segmenter, text, k)

    def analyse_one(self, text: str) -> dict[str, Any]:
        tokens = self.segmenter.tokens(text)
        canon = canonical(text)
        vec = self.topics.embed([tokens], [canon])
        labels, sims = self.topics.nearest(vec)
        found = self.duplicates.add(len(self.duplicate_keys), text, canon=canon)
        self.duplicate_keys.append("")  # the new text is indexed but has no key yet
        return {
            "keywords": keywords(tokens),
            "topic": int(labels[0]),
            "similarity": round(float(sims[0]), 4),
            "duplicates": [self.duplicate_keys[k] for _s, k in found if self.duplicate_keys[k]],
            "sentiment": self.sentiment.predict([tokens], [canon])[0],
            "text_hash": exact_hash(text),
        }


@dataclass
class Analysis:
    texts: list[TextResult]
    topics: list[TopicSummary]
    unassigned: int
    bundle: Bundle
    params: dict[str, Any]
    versions: dict[str, str]


def versions() -> dict[str, str]:
    import datasketch
    import jieba
    import rjieba
    import sklearn

    return {"pipeline": PIPELINE_VERSION, "sklearn": sklearn.__version__, "jieba": jieba.__version__,
            "rjieba": getattr(rjieba, "__version__", "0.2"), "datasketch": datasketch.__version__,
            "sentiment": f"evalset-17-{PIPELINE_VERSION}"}


@functools.lru_cache(maxsize=4)
def default_sentiment(dictionary: tuple[str, ...] = ()) -> TextClassifier:
    """The sentiment classifier trained on the project's labelled set (``insight.evalset``, seed 17,
    4,000 texts): deterministic, no download. With analysts' corrections: ``train_sentiment``."""
    from dangjian.insight.evalset import generate

    seg = Segmenter(dictionary)
    data = generate(4000, seed=17)
    return TextClassifier().fit([seg.tokens(x.text) for x in data], [canonical(x.text) for x in data],
                                [x.sentiment for x in data])


#: How much one analyst's correction counts against one text of the labelled set: enough that a
#: corrected wording is learnt, not so much that a handful of corrections outweighs thousands.
CORRECTION_WEIGHT = 25.0


def train_sentiment(dictionary: Iterable[str], corrections: Sequence[tuple[str, str]],
                    weight: float = CORRECTION_WEIGHT) -> TextClassifier:
    """The sentiment classifier trained on the labelled set plus analysts' corrections
    (``(text, label)``, each weighing ``weight`` labelled texts); deterministic."""
    from dangjian.insight.evalset import generate

    seg = Segmenter(tuple(sorted(set(dictionary))))
    data = generate(4000, seed=17)
    texts = [x.text for x in data] + [t for t, _label in corrections]
    labels = [x.sentiment for x in data] + [label for _t, label in corrections]
    weights = [1.0] * len(data) + [weight] * len(corrections)
    return TextClassifier().fit([seg.tokens(t) for t in texts], [canonical(t) for t in texts], labels, weights)


def train_router(records: Iterable[TextRecord], segmenter: Segmenter, limit: int = 200_000) -> TextClassifier | None:
    """A routing classifier from the texts whose case ended with a department (the last one of its
    history; at most ``limit``, the newest); None with fewer than two departments to choose from."""
    rows = [r for r in records if r.departments][-limit:]
    if len({r.departments[-1] for r in rows}) < 2:
        return None
    return TextClassifier().fit([segmenter.tokens(r.text) for r in rows], [canonical(r.text) for r in rows],
                                [r.departments[-1] for r in rows])


def suggest_departments(router: TextClassifier, segmenter: Segmenter, text: str, k: int = 3) -> list[Ranked]:
    return router.ranked(segmenter.tokens(text), canonical(text), k=k)


def analyse(records: Sequence[TextRecord], *, dictionary: Iterable[str] = (), topic_params: TopicParams | None = None,
            duplicate_params: DuplicateParams | None = None, sentiment: TextClassifier | None = None,
            as_of: datetime | None = None, window_days: int = 30, recent_days: int = 60,
            progress: Progress | None = None) -> Analysis:
    dictionary = tuple(sorted(set(dictionary)))
    seg = Segmenter(dictionary)
    tp = topic_params or TopicParams()
    dp = duplicate_params or DuplicateParams()
    report = progress or (lambda _f: None)
    texts = [r.text for r in records]
    tokens = [seg.tokens(t) for t in texts]
    canon = [canonical(t) for t in texts]
    report(0.1)
    fitted = fit_topics(tokens, canon, tp, progress=lambda f: report(0.1 + 0.6 * f))
    groups = duplicate_groups(texts, dp, canon)
    report(0.8)
    clf = sentiment or default_sentiment(dictionary)
    sentiments: list[str] = []
    for start in range(0, len(records), 20_000):
        sentiments += clf.predict(tokens[start:start + 20_000], canon[start:start + 20_000])
    report(0.9)
    as_of = as_of or max((r.created_at for r in records), default=None)
    results = [
        TextResult(r.key, keywords(tokens[i]), int(fitted.labels[i]), round(float(fitted.similarity[i]), 4),
                   records[int(groups[i])].key if groups[i] >= 0 and groups[i] != i else "", sentiments[i],
                   exact_hash(r.text))
        for i, r in enumerate(records)
    ]
    summaries: list[TopicSummary] = []
    for topic in fitted.topics:
        idx = [int(i) for i in np.flatnonzero(fitted.labels == topic.number)]
        figures = topic_figures([records[i].created_at for i in idx], [sentiments[i] == "neg" for i in idx],
                                [records[i].resolved for i in idx], [records[i].reopened for i in idx],
                                as_of=as_of or records[0].created_at, window_days=window_days)
        places = Counter(records[i].place for i in idx if records[i].place)
        summaries.append(TopicSummary(topic.number, topic.label, topic.terms, figures,
                                      sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))[:5],
                                      [records[i].key for i in topic.sample_indexes],
                                      [records[i].key for i in idx]))
    # the incremental duplicate check compares with the run's recent texts only
    index = DuplicateIndex(dp)
    recent_keys: list[str] = []
    cutoff = (as_of - timedelta(days=recent_days)) if as_of else None
    for i, r in enumerate(records):
        if cutoff is None or r.created_at >= cutoff:
            index.add(len(recent_keys), texts[i], canon=canon[i])
            recent_keys.append(r.key)
    v = versions()
    bundle = Bundle(seg, fitted.model, clf, index, recent_keys, [t.number for t in fitted.topics], v,
                    train_router(records, seg))
    report(1.0)
    params = {"topics": tp.as_dict(), "duplicates": dp.as_dict(), "window_days": window_days,
              "recent_days": recent_days, "dictionary_words": len(dictionary)}
    return Analysis(results, summaries, int((fitted.labels == UNASSIGNED).sum()), bundle, params, v)
