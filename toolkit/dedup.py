"""Exact and near-duplicate detection.

Signature scheme ``toolkit-minhash/1`` (record it with any saved signatures):

- matching view: the article folded to Simplified (OpenCC ``tw2sp`` for Taiwan
  phrasing, ``hk2s`` for Hong Kong, ``t2s`` otherwise), NFKC, lower-cased, and
  reduced to letters and digits (punctuation and whitespace dropped);
- shingles: character n-grams of the view (n=5 by default), hashed as a
  polynomial over code points modulo 2^64, finalized with MurmurHash3's fmix64
  and truncated to the high 32 bits;
- MinHash: datasketch 2.0's ``affine32`` scheme (fmix32 pre-mix, then
  ``a*h + b mod 2^32`` with datasketch's own permutations for the seed), computed
  over the whole shingle array in numpy and held in ``LeanMinHash`` objects;
- LSH: datasketch ``MinHashLSH`` banded for ``candidate_threshold``; every
  candidate pair is confirmed by its exact Jaccard (or containment) on the
  shingle sets before it counts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from datasketch.minhash import _fmix

from .config import DedupConfig

SCHEME = "toolkit-minhash/1"
_POLY = np.uint64(0x100000001B3)  # FNV-1 64-bit prime: odd, spreads code points
_DROP = re.compile(r"[\W_]+")


def matching_view(folded: str) -> str:
    """The text used for matching: NFKC, lower case, letters and digits only.

    >>> matching_view("車企，OTA 2.0！")
    '車企ota20'
    """
    return _DROP.sub("", unicodedata.normalize("NFKC", folded).lower())


def view_key(view: str) -> str:
    """A stable hash of the matching view, for exact duplicates."""
    return hashlib.blake2b(view.encode("utf-8"), digest_size=12).hexdigest()


def shingle_hashes(view: str, n: int = 5) -> np.ndarray:
    """Sorted unique 32-bit hashes of the view's character n-grams (vectorized).

    >>> shingle_hashes("甲乙丙丁戊甲乙丙丁戊", 5).size   # 6 windows, 5 distinct
    5
    >>> shingle_hashes("", 5).size, shingle_hashes("甲乙", 5).size
    (0, 1)
    """
    cps = np.frombuffer(view.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if cps.size == 0:
        return np.empty(0, dtype=np.uint32)
    n = min(n, cps.size)  # a view shorter than n is one shingle
    width = cps.size - n + 1
    h = np.zeros(width, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = h * _POLY + cps[k:k + width]
        h = _fmix(h, 64) >> np.uint64(32)
    h = np.sort(h.astype(np.uint32))
    keep = np.empty(h.size, dtype=bool)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


@dataclass(frozen=True, slots=True)
class Permutations:
    seed: int
    a: np.ndarray
    b: np.ndarray

    @classmethod
    def create(cls, num_perm: int, seed: int) -> Permutations:
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        return cls(seed, a.astype(np.uint32), b.astype(np.uint32))


def signature(hashes: np.ndarray, perms: Permutations) -> LeanMinHash:
    """MinHash of a shingle-hash array, bit-identical to datasketch's ``update_batch``."""
    if hashes.size == 0:
        values = np.full(perms.a.size, np.iinfo(np.uint32).max, dtype=np.uint32)
    else:
        with np.errstate(over="ignore"):
            hv = _fmix(hashes.astype(np.uint32), 32)[:, None]
            values = (hv * perms.a[None, :] + perms.b[None, :]).min(axis=0)
    return LeanMinHash(seed=perms.seed, hashvalues=values, scheme="affine32")


def jaccard(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact Jaccard and containment (share of the smaller set in the other)."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter), inter / min(a.size, b.size)


Prepared = tuple[str, np.ndarray]  # (exact key, unique shingle hashes) of one matching view


def prepare(view: str, ngram: int) -> Prepared:
    """The per-article part of dedup, computed where the article is processed."""
    return view_key(view), shingle_hashes(view, ngram)


@dataclass(frozen=True, slots=True)
class Member:
    index: int
    reason: str  # exact_duplicate | near_duplicate | contained_duplicate
    similarity: float
    containment: float


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    keeper: int
    members: tuple[Member, ...]


@dataclass
class DedupIndex:
    """Collects matching data for every article, then clusters them in :meth:`finish`."""

    config: DedupConfig = field(default_factory=DedupConfig)
    _keys: dict[int, str] = field(default_factory=dict)
    _hashes: dict[int, np.ndarray] = field(default_factory=dict)
    _length: dict[int, int] = field(default_factory=dict)

    def add(self, index: int, view: str, length: int) -> None:
        """Register an article by input index, its matching view and its cleaned length."""
        self.add_prepared(index, prepare(view, self.config.ngram), length)

    def add_prepared(self, index: int, prepared: Prepared, length: int) -> None:
        """Register an article whose view was already hashed (by a worker process)."""
        self._keys[index], self._hashes[index] = prepared
        self._length[index] = length

    def _priority(self, index: int) -> tuple[int, int]:
        if self.config.keep == "longest":
            return (-self._length[index], index)
        return (0, index)

    def finish(self) -> list[Cluster]:
        cfg = self.config
        groups: dict[str, list[int]] = defaultdict(list)
        for index in sorted(self._keys):
            groups[self._keys[index]].append(index)
        exact: dict[int, list[int]] = {}
        for members in groups.values():
            members.sort(key=self._priority)
            exact[members[0]] = members[1:]
        reps = sorted(exact, key=self._priority)

        perms = Permutations.create(cfg.num_perm, cfg.seed)
        lsh = MinHashLSH(threshold=cfg.candidate_threshold, num_perm=cfg.num_perm)
        eligible = [i for i in sorted(reps) if self._hashes[i].size >= cfg.min_shingles]
        sigs = {i: signature(self._hashes[i], perms) for i in eligible}
        for i in eligible:
            lsh.insert(i, sigs[i])
        edges: dict[int, dict[int, tuple[str, float, float]]] = defaultdict(dict)
        for i in eligible:
            for j in lsh.query(sigs[i]):
                if j <= i:
                    continue
                jac, con = jaccard(self._hashes[i], self._hashes[j])
                if jac >= cfg.threshold:
                    reason = "near_duplicate"
                elif con >= cfg.containment:
                    reason = "contained_duplicate"
                else:
                    continue
                edges[i][j] = edges[j][i] = (reason, round(jac, 4), round(con, 4))

        clusters: list[Cluster] = []
        taken: set[int] = set()
        for keeper in reps:
            if keeper in taken:
                continue
            found: list[Member] = [Member(i, "exact_duplicate", 1.0, 1.0) for i in exact[keeper]]
            # Members are verified against the keeper itself: no chains of weak links.
            for j in sorted(edges.get(keeper, {}), key=self._priority):
                if j in taken:
                    continue
                reason, jac, con = edges[keeper][j]
                taken.add(j)
                found.append(Member(j, reason, jac, con))
                found.extend(Member(k, reason, jac, con) for k in exact[j])
            taken.add(keeper)
            if found:
                clusters.append(Cluster("", keeper, tuple(sorted(found, key=lambda m: m.index))))
        clusters.sort(key=lambda c: c.keeper)
        return [Cluster(f"c{n:04d}", c.keeper, c.members) for n, c in enumerate(clusters, 1)]


def removals(clusters: Iterable[Cluster]) -> dict[int, tuple[Cluster, Member]]:
    """Index every removed member by its article index."""
    return {m.index: (c, m) for c in clusters for m in c.members}
