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
  over the whole shingle array by a C kernel (numpy where it is not built, with the same
  values), bit-identical to ``LeanMinHash``/``update_batch``
  (fmix and the permutations are derived here as datasketch derives them; tests compare);
- LSH: the bands and rows datasketch's ``MinHashLSH`` derives for ``candidate_threshold``
  (0.5 gives 25 bands of 5 rows, over the first 125 values, as ``MinHashLSH`` cuts them).
  Each band is kept as one 64-bit hash in a numpy table (8 bytes a band, where
  ``MinHashLSH``'s dictionaries of sets take about 9 KB an article), and articles that
  share a band are candidates: the same pairs ``MinHashLSH`` proposes (a test checks it).
  Every candidate pair is confirmed by its exact Jaccard (or containment) on the
  shingle sets before it counts.

:func:`describe` lists all of this for a config; :func:`incompatible` compares
a saved description with the current one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from .config import DedupConfig

_minhash: ModuleType | None
try:  # the C kernel, built by the install where a compiler is at hand
    from . import _minhash
except ImportError:
    _minhash = None
_text: ModuleType | None
try:  # the text kernels (toolkit/_text.c): the matching view in one pass
    from . import _text
except ImportError:
    _text = None

# datasketch is imported only where it alone has the answer: importing its package imports its
# LSH module and with it scipy, a cost every process of a run would pay.
if TYPE_CHECKING:
    from datasketch import LeanMinHash

T = TypeVar("T")
Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]  # map, or a pool's map
SCHEME = "toolkit-minhash/1"
_POLY = 0x100000001B3  # FNV-1 64-bit prime: odd, spreads code points, and invertible modulo 2**64


@cache
def _compat() -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Code points that NFKC changes on their own (NBSP, ℃, full-width forms...), and their NFKC."""
    points = [c for c in (*range(0xD800), *range(0xE000, 0x20000), *range(0x2F800, 0x2FA20))
              if unicodedata.normalize("NFKC", chr(c)) != chr(c)]
    table = np.zeros(0x110000, dtype=bool)
    table[points] = True
    mapped = {c: unicodedata.normalize("NFKC", chr(c)) for c in points}
    # Where the NFKC is one character (full-width forms, the ideographic space): that code point.
    single = np.zeros(0x110000, dtype=np.uint32)
    for c, out in mapped.items():
        if len(out) == 1:
            single[c] = ord(out)
    table.setflags(write=False)  # shared by every call in the process
    single.setflags(write=False)
    return table, single, mapped


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, an order of magnitude faster on Chinese text.

    NFKC is NFC of the compatibility decomposition; replacing each compatibility character by
    its own NFKC gives a canonically equivalent string, so NFC of it is exactly NFKC. NFC alone
    runs at memory speed on text that needs no change, which is most of it.

    >>> nfkc("２０２５年　ＯＴＡ℃ｶﾞ") == unicodedata.normalize("NFKC", "２０２５年　ＯＴＡ℃ｶﾞ")
    True
    """
    table, single, mapped = _compat()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    where = np.flatnonzero(table.take(codes))
    if where.size:
        # The one-for-one replacements in numpy; the few that expand (… ℃) leave a NUL to splice over.
        out = single.take(codes.take(where))
        codes = codes.copy()
        codes[where] = out
        changed = codes.tobytes().decode("utf-32-le", "surrogatepass")
        parts: list[str] = []
        pos = 0
        for i in where[out == 0].tolist():
            parts += (changed[pos:i], mapped[ord(text[i])])
            pos = i + 1
        text = "".join((*parts, changed[pos:])) if parts else changed
    return unicodedata.normalize("NFC", text)


def matching_view(folded: str) -> str:
    """The text used for matching: NFKC, lower case, letters and digits only.

    >>> matching_view("車企，OTA 2.0！")
    '車企ota20'
    """
    if _text is not None:
        # The view of the text with each character replaced by its own NFKC: when that text is
        # NFC already, it is the NFKC of the whole (see nfkc), and this is the answer. The kernel
        # leaves out that text when its characters alone show it.
        found = _text.view(folded, *_view_tables())
        if found is not None and (found[1] is None or unicodedata.is_normalized("NFC", found[1])):
            return found[0]
    text = nfkc(folded)
    kept, lowered = _alnum()
    if "\u0130" in text or "\u03a3" in text:  # İ lowers to two characters, Σ to σ or ς by context
        codes = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return codes.compress(kept.take(codes)).tobytes().decode("utf-32-le", "surrogatepass")
    # Lower case and the filter in one lookup: no lowered copy of the text to encode again.
    codes = lowered.take(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    return codes.compress(codes.astype(bool)).tobytes().decode("utf-32-le", "surrogatepass")


@cache
def _view_tables() -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """The C kernel's tables: each code point's NFKC alone where it is one character (else
    0xFFFFFFFF, with the expansion in the dict), and the view's lower case of each (0: dropped)."""
    compat, single, mapped = _compat()
    to = np.arange(0x110000, dtype=np.uint32)
    to[compat] = single[compat]
    several = {c: out for c, out in mapped.items() if len(out) != 1}
    to[list(several)] = 0xFFFFFFFF
    to.setflags(write=False)
    return to, _alnum()[1], several


@cache
def _alnum() -> tuple[np.ndarray, np.ndarray]:
    """The code points that ``[\\W_]`` leaves, and per code point its lower case where that is one
    of them (else 0): table lookups beat a regex sub and ``str.lower`` per article."""
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")  # every code point
    kept = np.frombuffer(re.sub(r"[\W_]+", "", every).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = np.zeros(0x110000, dtype=bool)
    table[kept] = True
    table.setflags(write=False)
    # Nothing above the SMP has a lower case; İ and Σ, which lower by more than their own code
    # point, map to 0 here and never reach the table.
    lower = np.arange(0x110000, dtype=np.uint32)
    plane = every[:0x20000].replace("\u0130", "\0").replace("\u03a3", "\0").lower()
    lower[:0x20000] = np.frombuffer(plane.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lowered = np.where(table.take(lower), lower, np.uint32(0)).astype(np.uint32)
    lowered.setflags(write=False)
    return table, lowered


_POLY_INVERSE = pow(_POLY, -1, 1 << 64)  # odd, so invertible modulo 2**64
_CACHED_POWERS = 1 << 18  # power tables kept for texts (and batches of views) up to this long


def _powers(base: int, size: int) -> np.ndarray:
    """base**0, base**1, ... modulo 2**64."""
    out = np.full(size, base, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, out=out)


@cache
def _power_tables() -> tuple[np.ndarray, np.ndarray]:
    return _powers(_POLY, _CACHED_POWERS), _powers(_POLY_INVERSE, _CACHED_POWERS)


def window_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """h[i] = sum(codes[i + k] * POLY**(n - 1 - k) for k < n) modulo 2**64, for every window of
    ``n`` code points (``n`` at most ``len(codes)``): the shingle hash, before fmix, and the
    quality signal's repeated windows. The C kernel rolls one window into the next.
    """
    if _minhash is not None and 1 <= n <= len(codes):  # the same values, rolled in C
        out = np.empty(len(codes) - n + 1, dtype=np.uint64)
        _minhash.windows(np.ascontiguousarray(codes, dtype=np.uint32), n, _POLY, out)
        return out
    return _window_hashes_numpy(codes, n)


def _window_hashes_numpy(codes: np.ndarray, n: int) -> np.ndarray:
    """:func:`window_hashes` in numpy. With prefix sums of codes[j] * POLY**-j, a window is a
    difference of two prefixes times POLY**(i + n - 1): a few passes over the text instead of n."""
    size = len(codes)
    up, down = _power_tables() if size <= _CACHED_POWERS else (_powers(_POLY, size), _powers(_POLY_INVERSE, size))
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(codes * down[:size], out=prefix[1:])
    h = prefix[n:] - prefix[:-n]
    h *= up[n - 1:size]
    return h


def shingle_hashes(view: str, n: int = 5) -> np.ndarray:
    """Sorted unique 32-bit hashes of the view's character n-grams (vectorized).

    >>> shingle_hashes("甲乙丙丁戊甲乙丙丁戊", 5).size   # 6 windows, 5 distinct
    5
    >>> shingle_hashes("", 5).size, shingle_hashes("甲乙", 5).size
    (0, 1)
    """
    cps = np.frombuffer(view.encode("utf-32-le"), dtype=np.uint32)
    if cps.size == 0:
        return np.empty(0, dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = _fmix(window_hashes(cps, min(n, cps.size)), 64) >> np.uint64(32)  # a view shorter than n: one shingle
    h = np.sort(h.astype(np.uint32))
    keep = np.empty(h.size, dtype=bool)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


_FMIX = {  # MurmurHash3's finalizer constants by width: shift, multiplier, shift, multiplier, shift
    32: (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16)),
    64: (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33)),
}


def _fmix(h: np.ndarray, width: int) -> np.ndarray:
    """MurmurHash3's fmix32/fmix64 of each value (uint32 or uint64 to match ``width``), as
    datasketch's ``minhash._fmix`` computes it; ``h`` is left alone."""
    s1, m1, s2, m2, s3 = _FMIX[width]
    h = h ^ (h >> s1)
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s3
    return h


# Shingles per block when applying the permutations: the (num_perm, block) scratch array stays
# in cache, and the min runs along its contiguous axis.
_BLOCK = 2048


@dataclass(frozen=True, slots=True)
class Permutations:
    seed: int
    a: np.ndarray
    b: np.ndarray

    @classmethod
    def create(cls, num_perm: int, seed: int) -> Permutations:
        """datasketch's affine32 permutations for ``seed`` (``MinHash(...).permutations``): odd
        multipliers and any offsets, drawn in that order from ``RandomState(seed)``."""
        gen = np.random.RandomState(seed)
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        return cls(seed, a, b)


def signature_values(hashes: np.ndarray, perms: Permutations) -> np.ndarray:
    """MinHash values (uint32, one per permutation) of a shingle-hash array."""
    if hashes.size == 0:
        return np.full(perms.a.size, np.iinfo(np.uint32).max, dtype=np.uint32)
    return _minhash_many(hashes.astype(np.uint32), np.array([hashes.size]), perms, perms.a.size)[:, 0]


def _minhash_many(hashes: np.ndarray, counts: np.ndarray, perms: Permutations, count: int) -> np.ndarray:
    """The first ``count`` MinHash values of consecutive shingle sets (``counts`` long each, none
    empty), as a (count, sets) array."""
    if _minhash is None:
        return _minhash_numpy(hashes, counts, perms, count)
    return _minhash_c(hashes, counts, perms, count)


def _minhash_c(hashes: np.ndarray, counts: np.ndarray, perms: Permutations, count: int) -> np.ndarray:
    """:func:`_minhash_many` by the C kernel: one pass over the shingles, the permutations in
    the inner loop."""
    assert _minhash is not None
    out = np.empty((count, counts.size), dtype=np.uint32)
    _minhash.minhash(np.ascontiguousarray(hashes, dtype=np.uint32), np.ascontiguousarray(counts, dtype=np.int64),
                     np.ascontiguousarray(perms.a[:count]), np.ascontiguousarray(perms.b[:count]), out)
    return out


@cache
def _tiles(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """a and b of :func:`permutations`, each value repeated along a block: numpy multiplies two
    arrays of one shape much faster than it broadcasts a column over a block. Made only where
    the numpy path runs."""
    perms = permutations(num_perm, seed)
    tiles = (np.repeat(perms.a[:, None], _BLOCK, axis=1), np.repeat(perms.b[:, None], _BLOCK, axis=1))
    for tile in tiles:
        tile.setflags(write=False)
    return tiles


def _minhash_numpy(hashes: np.ndarray, counts: np.ndarray, perms: Permutations, count: int) -> np.ndarray:
    """:func:`_minhash_many` in numpy: the blocks run across sets, and each set's minimum is
    taken over its own columns of a block."""
    a, b = (tile[:count] for tile in _tiles(perms.a.size, perms.seed))
    out = np.full((count, counts.size), np.iinfo(np.uint32).max, dtype=np.uint32)
    starts = np.cumsum(counts) - counts  # each set's first column
    scratch = np.empty((count, min(_BLOCK, hashes.size)), dtype=np.uint32)
    with np.errstate(over="ignore"):
        hv = _fmix(hashes, 32)
        for start in range(0, hv.size, _BLOCK):
            end = min(start + _BLOCK, hv.size)
            # The sets in this block: the one holding its first column, then those starting in it.
            first, stop = int(np.searchsorted(starts, start, "right")) - 1, int(np.searchsorted(starts, end))
            tmp = scratch[:, :end - start]
            np.multiply(a[:, :end - start], hv[None, start:end], out=tmp)
            np.add(tmp, b[:, :end - start], out=tmp)
            mins = out[:, first:stop]
            np.minimum(mins, np.minimum.reduceat(tmp, np.maximum(starts[first:stop], start) - start, axis=1), out=mins)
    return out


def signature(hashes: np.ndarray, perms: Permutations) -> LeanMinHash:
    """MinHash of a shingle-hash array, bit-identical to datasketch's ``update_batch``."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=perms.seed, hashvalues=signature_values(hashes, perms), scheme="affine32")


def lsh_params(config: DedupConfig) -> tuple[int, int]:
    """(bands, rows) that datasketch's ``MinHashLSH`` derives from ``candidate_threshold``.

    >>> lsh_params(DedupConfig())   # a pair at Jaccard 0.8 becomes a candidate with p > 0.9999
    (25, 5)
    """
    return _lsh_params(config.candidate_threshold, config.num_perm)


# MinHashLSH's answers for the default settings, so that a default run needs no datasketch
# (its parameter search integrates with scipy); a test checks them against MinHashLSH.
_KNOWN_LSH_PARAMS = {(0.5, 128): (25, 5)}


@cache
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    if (threshold, num_perm) in _KNOWN_LSH_PARAMS:
        return _KNOWN_LSH_PARAMS[threshold, num_perm]
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def describe(config: DedupConfig) -> dict[str, object]:
    """Everything a saved signature or index depends on; compare with :func:`incompatible`."""
    bands, rows = lsh_params(config)
    return {
        "scheme": SCHEME, "ngram": config.ngram, "num_perm": config.num_perm, "seed": config.seed,
        "shingle_hash": "polynomial(0x100000001B3) over code points mod 2^64, fmix64, high 32 bits",
        "permutations": "datasketch affine32", "bands": bands, "rows": rows,
        "folding": "OpenCC tw2sp (Taiwan) / hk2s (Hong Kong) / t2s, NFKC, lower case, letters and digits only",
    }


def incompatible(saved: dict[str, object], config: DedupConfig) -> list[str]:
    """The settings in which ``saved`` (a :func:`describe` dict) differs from ``config``'s signatures.

    Bands and rows only matter for an LSH index, not for signatures, so they are compared too only
    when ``saved`` has them.

    >>> incompatible(describe(DedupConfig()), DedupConfig())
    []
    >>> incompatible(describe(DedupConfig()), DedupConfig(ngram=4))
    ['ngram: saved 5, current 4']
    """
    current = describe(config)
    return [f"{k}: saved {saved.get(k)}, current {v}" for k, v in current.items()
            if (k in saved or k not in ("bands", "rows")) and saved.get(k) != v]


def jaccard(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact Jaccard and containment (share of the smaller set in the other)."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter), inter / min(a.size, b.size)


def text_similarity(a: str, b: str, config: DedupConfig) -> tuple[float, float]:
    """Jaccard and containment of two articles' matching views, each folded by its own script.

    >>> text_similarity("臺灣的汽車出口創新高，電動車帶動成長。", "台湾的汽车出口创新高,电动车带动成长", DedupConfig())
    (1.0, 1.0)
    """
    from . import script  # local import: only this helper needs OpenCC

    views = []
    for text in (a, b):
        label = script.label(text)[0]
        views.append(matching_view(script.fold(text, label, script.variant_of(text, label)[0])))
    return jaccard(shingle_hashes(views[0], config.ngram), shingle_hashes(views[1], config.ngram))


@dataclass(frozen=True, slots=True)
class Member:
    index: int
    reason: str  # exact_duplicate | near_duplicate | contained_duplicate | containing_duplicate
    similarity: float
    containment: float


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    keeper: int
    members: tuple[Member, ...]


Edge = tuple[str, float, float]  # reason, Jaccard, containment (rounded)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The per-article part of dedup, pure and picklable, so it can run where the article is processed."""

    key: bytes  # digest of the matching view: equal keys are exact duplicates
    bands: np.ndarray | None  # LSH band hashes (uint64); None when the view has too few shingles for LSH
    view: bytes  # the view (UTF-16), to recompute its shingles if it becomes a candidate

    def __reduce__(self) -> tuple[Any, ...]:
        # Every article's goes from a worker to the parent: the bands as bytes pickle and load
        # several times faster than an array, and than a slotted dataclass's own state.
        return _prepared, (self.key, None if self.bands is None else self.bands.tobytes(), self.view)


def _prepared(key: bytes, bands: bytes | None, view: bytes) -> Prepared:
    return Prepared(key, None if bands is None else np.frombuffer(bands, dtype=np.uint64), view)


@cache
def permutations(num_perm: int, seed: int) -> Permutations:
    """The permutations for a config, built once per process."""
    return Permutations.create(num_perm, seed)


def _encode(view: str) -> bytes:
    return view.encode("utf-16-le")  # two bytes a character for Chinese, where UTF-8 takes three


def _decode(data: bytes) -> str:
    return data.decode("utf-16-le")


def prepare(view: str, config: DedupConfig) -> Prepared:
    """Digest, band hashes and encoded view of one matching view."""
    encoded = _encode(view)
    key = _key(encoded)
    hashes = shingle_hashes(view, config.ngram)
    if hashes.size < config.min_shingles:
        return Prepared(key, None, b"")
    values = signature_values(hashes, permutations(config.num_perm, config.seed))
    return Prepared(key, band_hashes(values, *lsh_params(config)), encoded)


def _key(encoded: bytes) -> bytes:
    """The digest of an encoded view: equal for equal views (exact duplicates), and never written out."""
    return hashlib.blake2b(encoded, digest_size=12).digest()


# View characters prepared together by :func:`prepare_many`: big enough that numpy's per-call cost
# is spread over many articles, small enough that its arrays stay a few megabytes.
BATCH_VIEW_CHARS = 1 << 17
# Up to this min_shingles, the kernel counts a view's distinct shingles in a list it searches.
_FEW = 64


def prepare_many(views: Sequence[str], config: DedupConfig) -> list[Prepared]:
    """:func:`prepare` of each view, computed together: the shingles of all the views are hashed in
    one pass, and their MinHash values taken over all of them at once (a per-article loop spends
    most of its time starting numpy calls). Without the C kernel, they are first sorted and made
    unique in one pass each, to count each view's distinct shingles.

    Only the values the LSH bands use are computed; nothing else reads a signature.
    """
    n = config.ngram
    encoded = [_encode(v) for v in views]
    keys = [_key(e) for e in encoded]
    out = [Prepared(key, None, b"") for key in keys]
    # A view shorter than n is one shingle of its own length: the single-view path.
    short = [i for i, v in enumerate(views) if 0 < len(v) < n]
    for i in short:
        out[i] = prepare(views[i], config)
    batch = [i for i, v in enumerate(views) if len(v) >= n]
    if not batch:
        return out
    lengths = np.array([len(views[i]) for i in batch], dtype=np.int64)
    codes = np.frombuffer("".join(views[i] for i in batch).encode("utf-32-le"), dtype=np.uint32)
    hashes = _batch_shingles(codes, lengths, n)
    bands, rows = lsh_params(config)
    perms = permutations(config.num_perm, config.seed)
    if _minhash is not None and config.min_shingles <= _FEW:
        # A minimum is the same over the shingles with their repeats, so nothing is sorted: the
        # kernel only tells which views have min_shingles distinct ones, and stops there.
        shingles, sizes = hashes, lengths - n + 1
        chosen = np.empty(len(batch), dtype=bool)
        _minhash.enough(shingles, sizes, config.min_shingles, chosen)
        if not chosen.any():
            return out
        values = _minhash_many(shingles[np.repeat(chosen, sizes)], sizes[chosen], perms, bands * rows)
    else:
        owner = np.repeat(np.arange(len(batch), dtype=np.uint64), lengths - n + 1)
        keyed = np.sort((owner << np.uint64(32)) | hashes.astype(np.uint64))
        first = np.empty(keyed.size, dtype=bool)
        first[0] = True
        np.not_equal(keyed[1:], keyed[:-1], out=first[1:])
        keyed = keyed[first]
        owners = (keyed >> np.uint64(32)).astype(np.intp)
        counts = np.bincount(owners, minlength=len(batch))
        chosen = counts >= config.min_shingles
        if not chosen.any():
            return out
        keep = chosen[owners]
        values = _minhash_many((keyed[keep] & np.uint64(0xFFFFFFFF)).astype(np.uint32), counts[chosen], perms,
                               bands * rows)
    banded = band_hashes(values.T, bands, rows)
    for row, k in enumerate(np.flatnonzero(chosen).tolist()):
        i = batch[k]
        out[i] = Prepared(keys[i], banded[row], encoded[i])
    return out


def _batch_shingles(codes: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """The 32-bit shingle hashes of consecutive views (``lengths``, each at least ``n``), in order:
    the high half of fmix64 of each window's hash, no window crossing into the next view."""
    if _minhash is not None:  # in one pass of the kernel
        out = np.empty(int(lengths.sum()) - len(lengths) * (n - 1), dtype=np.uint32)
        _minhash.shingles(codes, lengths, n, _POLY, out)
        return out
    with np.errstate(over="ignore"):
        windows = window_hashes(codes, n)
        # Drop the windows that cross from one view into the next: the last n - 1 of each view.
        cross = (np.cumsum(lengths)[:-1, None] - np.arange(1, n)).ravel()
        windows = np.delete(windows, cross) if cross.size else windows
        return (_fmix(windows, 64) >> np.uint64(32)).astype(np.uint32)


@dataclass
class Preparer(Generic[T]):
    """Prepares views a batch of :data:`BATCH_VIEW_CHARS` at a time as they are added; ``done``
    holds (tag, prepared) in the order added, complete after :meth:`flush`."""

    config: DedupConfig
    done: list[tuple[T, Prepared]] = field(default_factory=list)
    _waiting: list[tuple[T, str]] = field(default_factory=list)
    _chars: int = 0

    def add(self, tag: T, view: str) -> None:
        self._waiting.append((tag, view))
        self._chars += len(view)
        if self._chars >= BATCH_VIEW_CHARS:
            self.flush()

    def flush(self) -> None:
        prepared = prepare_many([view for _, view in self._waiting], self.config)
        self.done.extend((tag, p) for (tag, _), p in zip(self._waiting, prepared, strict=True))
        self._waiting.clear()
        self._chars = 0


def band_hashes(values: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per LSH band of MinHash values (band i covers values i*rows to (i+1)*rows),
    along the last axis: (..., num_perm) values give (..., bands) hashes.

    Equal bands give equal hashes; unequal ones collide with odds of 2^-64, and a collision
    only costs one verification.
    """
    table = values[..., :bands * rows].reshape(*values.shape[:-1], bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        # Horner's rule over each band (h = h * POLY + v) written out as one product modulo 2**64
        return _fmix(table @ _row_powers(rows), 64)


@cache
def _row_powers(rows: int) -> np.ndarray:
    """POLY**(rows - 1), ..., POLY**0 modulo 2**64."""
    out = np.array([pow(_POLY, rows - 1 - k, 1 << 64) for k in range(rows)], dtype=np.uint64)
    out.setflags(write=False)  # shared by every call in the process
    return out


@dataclass
class DedupIndex:
    """Takes articles one by one; :meth:`finish` finds, verifies and clusters the duplicates.

    Memory per distinct matching view: its band hashes (8 bytes a band) and the view itself in
    ``views`` (a mapping the caller may keep on disk), compressed when ``compress``; shingles are
    recomputed from it only for candidates.
    """

    config: DedupConfig = field(default_factory=DedupConfig)
    views: MutableMapping[int, bytes] = field(default_factory=dict)  # first article -> its view
    # Compressing costs more than the rest of add_prepared; worth it only while views are in memory.
    compress: bool = True
    _first: dict[bytes, int] = field(default_factory=dict)  # view digest -> first article with it
    _exact: dict[int, list[int]] = field(default_factory=dict)  # first article -> every article with its view
    _length: dict[int, int] = field(default_factory=dict)
    _damaged: set[int] = field(default_factory=set)  # never kept by "longest" over a sound copy
    _edges: dict[int, dict[int, Edge]] = field(default_factory=dict)  # verified, between first articles
    # Band hashes (uint64) of LSH members, one row each in arrival order: appended as bytes, since
    # stacking a hundred thousand small arrays at the end costs more than all the appends.
    _bands: bytearray = field(default_factory=bytearray)
    _members: list[int] = field(default_factory=list)  # the article of each row of _bands

    def add(self, index: int, view: str, length: int, damaged: bool = False) -> None:
        """Register an article by input index, its matching view, its cleaned length and whether
        its text looks damaged (mojibake)."""
        self.add_prepared(index, prepare(view, self.config), length, damaged)

    def add_prepared(self, index: int, prepared: Prepared, length: int, damaged: bool = False) -> None:
        """Register an article whose view was already prepared (possibly in another process)."""
        self._length[index] = length
        if damaged:
            self._damaged.add(index)
        first = self._first.setdefault(prepared.key, index)
        self._exact.setdefault(first, []).append(index)
        if first != index or prepared.bands is None:
            return  # an exact duplicate has the first copy's candidates; a tiny view has none
        self._bands += prepared.bands.astype(np.uint64, copy=False).tobytes()
        self._members.append(index)
        self.views[index] = zlib.compress(prepared.view, 1) if self.compress else prepared.view

    def candidates(self) -> list[tuple[int, int]]:
        """Pairs of articles (smaller index first) sharing at least one band, sorted."""
        if not self._bands:
            return []
        members = np.asarray(self._members, dtype=np.int64)
        rows = np.frombuffer(self._bands, dtype=np.uint64).reshape(members.size, -1)
        table = np.ascontiguousarray(rows.T)  # one contiguous row per band
        found = []  # pairs as (smaller << 32) | larger (article indices stay below 2**31)
        for band in table:
            order = np.argsort(band)  # the order within a run of equal hashes does not matter
            ordered = band[order]
            same = ordered[1:] == ordered[:-1]
            if not same.any():
                continue
            starts = np.concatenate(([0], np.flatnonzero(~same) + 1))  # runs of equal hashes
            sizes = np.diff(starts, append=band.size)
            two = starts[sizes == 2]  # nearly every run: one pair
            a, b = members[order[two]], members[order[two + 1]]
            found.append((np.minimum(a, b) << 32) | np.maximum(a, b))
            for start, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist(), strict=True):
                found.append(self._bucket_pairs(members[order[start:start + size]]))
        if not found:
            return []
        keys = np.unique(np.concatenate(found))
        return list(zip((keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist(), strict=True))

    def _bucket_pairs(self, group: np.ndarray) -> np.ndarray:
        """The candidate pairs of articles sharing one band hash, as (smaller << 32) | larger: every
        pair, or in a bucket of more than :data:`FULL_BUCKET` (thousands of copies of one
        template), each article with the bucket's first ones in keep order, the keepers
        clustering will try first: pairs grow with the bucket, not with its square."""
        if group.size <= FULL_BUCKET:
            group = np.sort(group)
            i, j = np.triu_indices(group.size, 1)
            return (group[i] << 32) | group[j]
        top = np.array(sorted(group.tolist(), key=self._priority)[:FULL_BUCKET], dtype=np.int64)
        a, b = np.repeat(top, group.size), np.tile(group, top.size)
        other = a != b
        a, b = a[other], b[other]
        return (np.minimum(a, b) << 32) | np.maximum(a, b)

    def _verify_all(self, run: Mapper) -> None:
        pairs = self.candidates()
        jobs = (_Verify(self.config, {i: self.views[i] for pair in chunk for i in pair}, tuple(chunk), self.compress)
                for chunk in (pairs[k:k + VERIFY_PAIRS] for k in range(0, len(pairs), VERIFY_PAIRS)))
        for edges in run(_verify_batch, jobs):
            for a, b, edge in edges:
                self._edges.setdefault(b, {})[a] = edge
                self._edges.setdefault(a, {})[b] = edge

    def _priority(self, index: int) -> tuple[bool, int, int]:
        if self.config.keep == "longest":  # the most complete copy: a damaged one is not
            return (index in self._damaged, -self._length[index], index)
        return (False, 0, index)

    def finish(self, run: Mapper = map) -> list[Cluster]:
        """Verify the candidate pairs (in batches, through ``run``: ``map`` or a pool's) and cluster."""
        self._verify_all(run)
        # Each exact group is represented by its preferred member; edges join groups.
        rep = {first: min(members, key=self._priority) for first, members in self._exact.items()}
        group = {r: first for first, r in rep.items()}
        clusters: list[Cluster] = []
        taken: set[int] = set()
        for keeper in sorted(group, key=self._priority):
            first = group[keeper]
            if first in taken:
                continue
            found = [Member(i, "exact_duplicate", 1.0, 1.0) for i in self._exact[first] if i != keeper]
            # Members are verified against the keeper itself: no chains of weak links.
            neighbours = self._edges.get(first, {})
            for other in sorted(neighbours, key=lambda g: self._priority(rep[g])):
                if other in taken:
                    continue
                reason, jac, con = neighbours[other]
                taken.add(other)
                found.extend(Member(i, self._directed(reason, i, keeper), jac, con) for i in self._exact[other])
            taken.add(first)
            if found:
                clusters.append(Cluster("", keeper, tuple(sorted(found, key=lambda m: m.index))))
        clusters.sort(key=lambda c: c.keeper)
        return [Cluster(f"c{n:04d}", c.keeper, c.members) for n, c in enumerate(clusters, 1)]

    def _directed(self, reason: str, member: int, keeper: int) -> str:
        """A containment edge says which copy holds the other: the member is contained in the
        keeper, unless the keep rule kept the shorter copy (``first``, or a damaged longer one)."""
        if reason == "contained_duplicate" and self._length[member] > self._length[keeper]:
            return "containing_duplicate"
        return reason

    def view_bytes(self) -> int:
        """Bytes of views held for verification (for benchmarks)."""
        return sum(len(v) for v in self.views.values())


# Articles sharing a band hash beyond which not every pair is a candidate (see
# DedupIndex._bucket_pairs); buckets of real corpora hold a few articles.
FULL_BUCKET = 32

# Candidate pairs verified together: a batch for a worker when ``finish`` is given a pool's map.
# Its views are held while it waits to be run: small batches keep that to a few megabytes.
VERIFY_PAIRS = 128


@dataclass(frozen=True, slots=True)
class _Verify:
    config: DedupConfig
    # Every article of the pairs: its matching view as stored (UTF-16, zlib'd when compressed),
    # decoded by the worker that verifies, not by the process that holds the index.
    views: dict[int, bytes]
    pairs: tuple[tuple[int, int], ...]  # sorted, smaller index first
    compressed: bool = False

    def view(self, index: int) -> str:
        data = self.views[index]
        return _decode(zlib.decompress(data) if self.compressed else data)


def _verify_batch(job: _Verify) -> list[tuple[int, int, Edge]]:
    """The pairs of ``job`` that are duplicates, with their edge: exact Jaccard and containment on
    the views' shingles against the config's thresholds."""
    cfg = job.config
    out = []
    current, hashes = -1, np.empty(0, dtype=np.uint32)
    for a, b in job.pairs:
        if a != current:  # pairs are sorted: each article's shingles are computed once as "a"
            current, hashes = a, shingle_hashes(job.view(a), cfg.ngram)
        jac, con = jaccard(shingle_hashes(job.view(b), cfg.ngram), hashes)
        reason = "near_duplicate" if jac >= cfg.threshold else \
            "contained_duplicate" if con >= cfg.containment else None
        if reason is not None:
            out.append((a, b, (reason, round(jac, 4), round(con, 4))))
    return out


def removals(clusters: Iterable[Cluster]) -> dict[int, tuple[Cluster, Member]]:
    """Index every removed member by its article index."""
    return {m.index: (c, m) for c in clusters for m in c.members}
