"""Near-duplicate groups (one problem, many voices): an exact hash of the canonical text puts
verbatim repeats together, then MinHash LSH over character shingles of the canonical text finds
the near ones (a greeting added, punctuation or a character changed). Groups are the connected
components of both, numbered by their smallest member; singletons are not groups.

``DuplicateIndex`` is also the incremental check: ``add`` a text, get the earlier texts it
duplicates, without rebuilding anything.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from dangjian.insight.pipeline.text import canonical

#: Letter frames that make two different problems look alike; cut before comparing.
_FRAMES = ("尊敬的领导", "领导好", "书记您好", "您好", "你好", "谢谢", "拜托了", "同意楼上", "急")


def strip_boilerplate(canon: str) -> str:
    for frame in _FRAMES:
        canon = canon.replace(frame, "")
    return canon


@dataclass(frozen=True)
class DuplicateParams:
    threshold: float = 0.7  # LSH: candidates above this estimated Jaccard similarity
    verify: float = 0.8  # exact Jaccard similarity of the shingle sets a candidate must reach
    num_perm: int = 64
    shingle: int = 3
    seed: int = 17

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _shingles(canon: str, k: int) -> list[bytes]:
    if len(canon) <= k:
        return [canon.encode()] if canon else []
    return [canon[i:i + k].encode() for i in range(len(canon) - k + 1)]


def _shingle_codes(canon: str, k: int) -> np.ndarray:
    """The CRC-32 values of the shingles, sorted and unique (the exact Jaccard similarity is taken
    over these: two different shingles share a value with odds of 1 in 4 billion)."""
    return np.unique(np.fromiter((zlib.crc32(s) for s in _shingles(canon, k)), dtype=np.uint32))


class DuplicateIndex:
    def __init__(self, params: DuplicateParams | None = None) -> None:
        self.params = p = params or DuplicateParams()
        self._lsh = MinHashLSH(threshold=p.threshold, num_perm=p.num_perm)
        self._exact: dict[bytes, int] = {}
        # CRC-32 of each shingle (C, deterministic across processes) instead of datasketch's SHA-1
        self._template = MinHash(num_perm=p.num_perm, seed=p.seed, hashfunc=zlib.crc32)
        # per indexed text: its shingles' CRC-32 values, sorted and unique, as bytes (≈4 bytes a
        # shingle; a frozenset of the shingles took ≈40× that and dominated a large run's memory)
        self._sets: dict[int, bytes] = {}

    def _minhash(self, canon: str) -> MinHash:
        m = self._template.copy()
        m.update_batch(_shingles(canon, self.params.shingle))
        return m

    def add(self, key: int, text: str, *, canon: str | None = None) -> list[tuple[float, int]]:
        """Index ``text`` under ``key``; return ``(similarity, key)`` of the texts already indexed
        that it duplicates, most similar first (ties: smaller key). Texts too short to judge
        (fewer than 8 characters) are never duplicates."""
        c = strip_boilerplate(canonical(text) if canon is None else canon)
        if len(c) < 8:
            return []
        # exact classes by a 64-bit digest of the canonical text, not the text itself (memory)
        first = self._exact.setdefault(hashlib.blake2b(c.encode(), digest_size=8).digest(), key)
        if first != key:
            return [(1.0, first)]  # its exact class is already in the LSH under ``first``
        shingles = _shingle_codes(c, self.params.shingle)
        m = self._minhash(c)
        found = []
        for k in self._lsh.query(m):
            other = np.frombuffer(self._sets[k], dtype=np.uint32)
            common = len(np.intersect1d(shingles, other, assume_unique=True))
            sim = common / (len(shingles) + len(other) - common)
            if sim >= self.params.verify:
                found.append((sim, int(k)))
        self._lsh.insert(key, m)
        self._sets[key] = shingles.tobytes()
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        return found


def duplicate_groups(texts: Sequence[str], params: DuplicateParams | None = None,
                     canon: Sequence[str] | None = None) -> np.ndarray:
    """Per text: its group (the position of the group's first text) or -1."""
    index = DuplicateIndex(params)
    group = np.arange(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        found = index.add(i, text, canon=None if canon is None else canon[i])
        if found:  # joins the group of the most similar earlier text (no chaining of groups)
            group[i] = group[found[0][1]]
    sizes = np.bincount(group, minlength=len(texts))
    return np.where(sizes[group] > 1, group, -1)
