"""Topics (hot spots): TF-IDF over words (and, if ``char_weight`` > 0, character n-grams), reduced by truncated SVD, clustered
by MiniBatchKMeans into more clusters than expected, whose centroids are then merged by
agglomerative clustering under a cosine-distance threshold; a text farther than a similarity
threshold from its topic's centroid is left *unassigned* (label ``-1``), as are the texts of topics
smaller than ``min_size`` or without three different texts and top terms to show. Measured choices: docs/decisions/0009-insight-clusterer.md.

For big inputs the vectorisers, the SVD and the clusterer are fitted on an evenly spaced sample
(``fit_sample`` texts) and every text is then transformed and assigned in batches, so memory is
bounded by the sample, not by the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

UNASSIGNED = -1
MIN_SAMPLES = 3  # different texts a topic shows as its evidence


@dataclass(frozen=True)
class TopicParams:
    k0: int = 60  # clusters before merging
    merge_distance: float = 0.8  # centroids closer than this (cosine distance) are one topic
    assign_similarity: float = 0.25  # a text less similar than this to its centroid: unassigned
    min_size: int = 5
    svd_dims: int = 100
    char_weight: float = 0.0  # share of character n-grams in the vector (0: words only, measured best)
    fit_sample: int = 60_000
    batch: int = 20_000
    top_terms: int = 8
    samples: int = 5
    seed: int = 17

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Topic:
    number: int
    size: int
    terms: list[str]
    sample_indexes: list[int]  # positions in the input, most central first
    centroid: np.ndarray = field(repr=False)

    @property
    def label(self) -> str:
        return "·".join(self.terms[:3])


@dataclass
class TopicModel:
    """What a run keeps to place a new text later (incremental analysis)."""

    word: CountVectorizer
    word_tfidf: TfidfTransformer
    char: TfidfVectorizer | None
    svd: TruncatedSVD
    params: TopicParams
    centroids: np.ndarray  # topics × dims, unit rows, in topic-number order

    def embed(self, tokens: Sequence[list[str]], canon: Sequence[str]) -> np.ndarray:
        xw = normalize(self.word_tfidf.transform(self.word.transform(tokens)))
        w = self.params.char_weight
        if self.char is None or w <= 0:
            return normalize(self.svd.transform(xw))
        x = sparse.hstack([xw * (1 - w) ** 0.5, normalize(self.char.transform(canon)) * w**0.5]).tocsr()
        return normalize(self.svd.transform(x))

    def nearest(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(topic number or -1, similarity) for each row of ``vectors``."""
        if len(self.centroids) == 0:
            return np.full(len(vectors), UNASSIGNED), np.zeros(len(vectors))
        sims = vectors @ self.centroids.T
        best = sims.argmax(axis=1)
        score = sims[np.arange(len(vectors)), best]
        return np.where(score >= self.params.assign_similarity, best, UNASSIGNED), score


@dataclass
class TopicResult:
    labels: np.ndarray  # per text: topic number or -1
    similarity: np.ndarray  # per text: cosine similarity to its nearest centroid
    topics: list[Topic]
    model: TopicModel


def _identity(x: list[str]) -> list[str]:
    return x


def _sample(n: int, limit: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).astype(np.int64))


def fit_topics(tokens: Sequence[list[str]], canon: Sequence[str], params: TopicParams | None = None,
               *, progress: Any = None) -> TopicResult:
    """Cluster the texts given as token lists and canonical strings (same order).

    BLAS runs on one thread: the same floating-point summation order on every machine (part of
    "same input, same output"), and no oversubscription on a shared two-core machine."""
    with threadpool_limits(limits=1):
        return _fit_topics(tokens, canon, params, progress)


def _fit_topics(tokens: Sequence[list[str]], canon: Sequence[str], params: TopicParams | None,
                progress: Any) -> TopicResult:
    p = params or TopicParams()
    n = len(tokens)
    fit_idx = _sample(n, p.fit_sample)
    fit_tokens = [tokens[i] for i in fit_idx]
    fit_canon = [canon[i] for i in fit_idx]
    min_df = 2 if len(fit_idx) >= 50 else 1
    word = CountVectorizer(analyzer=_identity, min_df=min_df, max_features=60_000, dtype=np.float32)
    counts_fit = word.fit_transform(fit_tokens)
    word_tfidf = TfidfTransformer(sublinear_tf=True).fit(counts_fit)
    w = p.char_weight
    char = None
    x_fit = normalize(word_tfidf.transform(counts_fit))
    if w > 0:
        char = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=min_df, max_features=120_000,
                               sublinear_tf=True, dtype=np.float32)
        x_fit = sparse.hstack([x_fit * (1 - w) ** 0.5, normalize(char.fit_transform(fit_canon)) * w**0.5]).tocsr()
    dims = max(2, min(p.svd_dims, len(fit_idx) - 1, x_fit.shape[1] - 1))
    svd = TruncatedSVD(n_components=dims, random_state=p.seed, algorithm="randomized", n_iter=5)
    model = TopicModel(word, word_tfidf, char, svd, p, np.zeros((0, dims)))
    v_fit = normalize(svd.fit_transform(x_fit))
    if progress:
        progress(0.3)
    k0 = max(1, min(p.k0, len(fit_idx) // max(p.min_size, 1)))
    km = MiniBatchKMeans(n_clusters=k0, random_state=p.seed, n_init=3, batch_size=4096, max_iter=200)
    km.fit(v_fit)
    centres = normalize(km.cluster_centers_)
    if k0 > 1:
        merged = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                         distance_threshold=p.merge_distance).fit_predict(centres)
    else:
        merged = np.zeros(1, dtype=np.int64)
    # the merged topics' centroids: the mean of the fitted texts of their k-means clusters
    fit_merged = merged[km.labels_]
    groups = sorted(set(merged.tolist()))
    cents = normalize(np.vstack([v_fit[fit_merged == g].mean(axis=0) for g in groups]))
    model.centroids = cents
    if progress:
        progress(0.5)
    # assign every text, in batches
    labels = np.empty(n, dtype=np.int64)
    sims = np.empty(n, dtype=np.float64)
    vectors_for_terms: list[sparse.csr_matrix] = []
    for start in range(0, n, p.batch):
        stop = min(n, start + p.batch)
        v = model.embed(tokens[start:stop], canon[start:stop])
        labels[start:stop], sims[start:stop] = model.nearest(v)
        vectors_for_terms.append(word.transform(tokens[start:stop]))
        if progress:
            progress(0.5 + 0.4 * stop / n)
    counts = sparse.vstack(vectors_for_terms).tocsr() if vectors_for_terms else sparse.csr_matrix((0, 0))
    # drop topics below min_size; renumber by size (desc), then by their most central text
    sizes = np.bincount(labels[labels >= 0], minlength=len(cents))
    keep = [g for g in range(len(cents)) if sizes[g] >= p.min_size]
    order = sorted(keep, key=lambda g: (-int(sizes[g]), int(np.flatnonzero(labels == g)[0])))
    renumber = np.full(len(cents), UNASSIGNED)
    for new, old in enumerate(order):
        renumber[old] = new
    labels = np.where(labels >= 0, renumber[np.maximum(labels, 0)], UNASSIGNED)
    model.centroids = cents[order] if order else np.zeros((0, cents.shape[1]))
    topics = _describe(labels, sims, counts, word, canon, model, p)
    # a topic must be explainable: top terms and at least MIN_SAMPLES different texts; the texts
    # of one that is not (repeated greetings, spam) go to the unassigned bucket
    bad = [t.number for t in topics if not t.terms or len(t.sample_indexes) < MIN_SAMPLES]
    if bad:
        good = [t.number for t in topics if t.number not in bad]
        renumber = np.full(len(topics), UNASSIGNED)
        renumber[good] = np.arange(len(good))
        labels = np.where(labels >= 0, renumber[np.maximum(labels, 0)], UNASSIGNED)
        model.centroids = model.centroids[good] if good else np.zeros((0, cents.shape[1]))
        topics = _describe(labels, sims, counts, word, canon, model, p)
    if progress:
        progress(1.0)
    return TopicResult(labels, sims, topics, model)


def _describe(labels: np.ndarray, sims: np.ndarray, counts: sparse.csr_matrix, word: CountVectorizer,
              canon: Sequence[str], model: TopicModel, p: TopicParams) -> list[Topic]:
    """Top terms by class-based TF-IDF (a term frequent in this topic and rare across topics) and
    the most central texts, one per exact-duplicate class."""
    k = len(model.centroids)
    if k == 0:
        return []
    assigned = np.flatnonzero(labels >= 0)
    member = sparse.csr_matrix((np.ones(len(assigned)), (labels[assigned], assigned)), shape=(k, len(labels)))
    tf = (member @ counts).toarray()
    tf_norm = tf / np.maximum(tf.sum(axis=1, keepdims=True), 1)
    avg = tf.sum() / k
    idf = np.log(1 + avg / np.maximum(tf.sum(axis=0), 1))
    ctfidf = tf_norm * idf
    names = word.get_feature_names_out()
    topics: list[Topic] = []
    for t in range(k):
        idx = np.flatnonzero(labels == t)
        top = sorted(np.flatnonzero(ctfidf[t] > 0), key=lambda j: (-ctfidf[t, j], names[j]))[: p.top_terms]
        central = idx[np.lexsort((idx, -sims[idx]))]
        seen: set[str] = set()
        samples: list[int] = []
        for i in central:
            if canon[i] not in seen:
                seen.add(canon[i])
                samples.append(int(i))
            if len(samples) >= p.samples:
                break
        topics.append(Topic(t, len(idx), [str(names[j]) for j in top], samples, model.centroids[t]))
    return topics
