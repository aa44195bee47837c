"""Text classifiers: sentiment (neg / neu / pos) and routing (the department that finally owned a
case). Logistic regression over TF-IDF of content words and character 1–2-grams (the latter
survive typos and words the segmenter cuts differently); deterministic (lbfgs, fixed order).

``ranked(text)`` answers the classes best first with their probability and the *deciding terms*:
the features of the text that pushed most towards that class (weight × coefficient), so every
suggestion can be explained to the dispatcher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits


def _identity(x: list[str]) -> list[str]:
    return x


@dataclass
class Ranked:
    label: str
    probability: float
    terms: list[str]


class TextClassifier:
    def __init__(self, *, c: float = 4.0, char_ngrams: tuple[int, int] = (1, 2), class_weight: str | None = None) -> None:
        self.word = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1, dtype=np.float32)
        self.char = TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, sublinear_tf=True, min_df=2,
                                    dtype=np.float32)
        self.model = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
        self.names: np.ndarray = np.array([])

    def _x(self, tokens: Sequence[list[str]], canon: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([self.word.transform(tokens), self.char.transform(canon)]).tocsr()

    def fit(self, tokens: Sequence[list[str]], canon: Sequence[str], labels: Sequence[str],
            weights: Sequence[float] | None = None) -> TextClassifier:
        with threadpool_limits(limits=1):
            self.word.fit(tokens)
            self.char.fit(canon)
            self.names = np.concatenate([self.word.get_feature_names_out(), self.char.get_feature_names_out()])
            self.model.fit(self._x(tokens, canon), list(labels),
                           sample_weight=None if weights is None else np.asarray(weights, dtype=np.float64))
        return self

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.model.classes_]

    # Prediction multiplies a sparse matrix by the coefficients (scipy, one thread): deterministic
    # without a thread limit, and a single text costs well under a millisecond.
    def predict(self, tokens: Sequence[list[str]], canon: Sequence[str]) -> list[str]:
        return [str(c) for c in self.model.predict(self._x(tokens, canon))]

    def probabilities(self, tokens: Sequence[list[str]], canon: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(self._x(tokens, canon))

    def ranked(self, tokens: list[str], canon: str, k: int = 3, terms: int = 5) -> list[Ranked]:
        """The ``k`` likeliest classes of one text with their deciding terms."""
        x = self._x([tokens], [canon])
        proba = self.model.predict_proba(x)[0]
        coef = self.model.coef_
        order = sorted(range(len(proba)), key=lambda i: (-proba[i], self.classes[i]))[:k]
        row = x.getrow(0)
        out = []
        for i in order:
            w = coef[i] if coef.shape[0] > 1 else (coef[0] if i == 1 else -coef[0])
            contrib = row.data * w[row.indices]
            best = sorted(range(len(contrib)), key=lambda j: (-contrib[j], self.names[row.indices[j]]))
            words: list[str] = []
            for j in best:
                if contrib[j] <= 0 or len(words) >= terms:
                    break
                name = str(self.names[row.indices[j]])
                if len(name) > 1 and not any(name in w2 for w2 in words):
                    words.append(name)
            out.append(Ranked(self.classes[i], float(proba[i]), words))
        return out
