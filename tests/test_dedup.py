from __future__ import annotations

import pickle
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import dedup, script
from toolkit.config import DedupConfig
from toolkit.dedup import (
    Cluster,
    DedupIndex,
    Permutations,
    describe,
    incompatible,
    jaccard,
    lsh_params,
    matching_view,
    permutations,
    prepare,
    prepare_many,
    shingle_hashes,
    signature,
    signature_values,
    text_similarity,
)
from toolkit.errors import ConfigError
from toolkit.split import body_text, find_segments

from .benchmarks.corpus import planted
from .conftest import ROOT, SEEDS


def view(text: str) -> str:
    det = script.detect(text)
    return matching_view(script.fold(text, det.script, det.variant))


def seed_bodies(text: str) -> list[str]:
    return [body_text(text, s) for s in find_segments(text) if s.kind == "article"]


def test_signature_is_bit_identical_to_datasketch() -> None:
    hashes = shingle_hashes(matching_view("汽車OTA的熱度似乎在退潮。根據艾拉比發佈的報告，品牌為92個"), 5)
    ours = signature(hashes, Permutations.create(128, 1))
    theirs = MinHash(num_perm=128, seed=1, hashfunc=lambda x: x)
    theirs.update_batch([int(h) for h in hashes])
    assert ours.scheme == theirs.scheme == "affine32"
    assert np.array_equal(ours.hashvalues, theirs.hashvalues)


@pytest.mark.parametrize(("width", "dtype"), [(32, np.uint32), (64, np.uint64)])
def test_fmix_is_datasketchs(width: int, dtype: type) -> None:
    from datasketch.minhash import _fmix as theirs

    info = np.iinfo(dtype)
    rng = np.random.default_rng(width)
    values = np.concatenate([rng.integers(0, info.max, 10_000, dtype=dtype, endpoint=True),
                             np.array([0, 1, info.max, info.max - 1, 1 << (width - 1)], dtype=dtype)])
    before = values.copy()
    with np.errstate(over="ignore"):
        ours = dedup._fmix(values, width)
        assert ours.dtype == dtype and np.array_equal(ours, theirs(values, width))
    assert np.array_equal(values, before)  # the input is left alone


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (16, 0), (1024, 2**32 - 1), (200, 12345)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    ours = Permutations.create(num_perm, seed)
    assert ours.a.dtype == ours.b.dtype == np.uint32
    assert np.array_equal(ours.a, a) and np.array_equal(ours.b, b)


def test_known_lsh_params_are_minhashlshs() -> None:
    from datasketch import MinHashLSH

    default = DedupConfig()
    assert (default.candidate_threshold, default.num_perm) in dedup._KNOWN_LSH_PARAMS
    for (threshold, num_perm), params in dedup._KNOWN_LSH_PARAMS.items():
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert params == (lsh.b, lsh.r)
    lsh = MinHashLSH(threshold=0.6, num_perm=64)  # not in the table: asked of datasketch
    assert lsh_params(DedupConfig(candidate_threshold=0.6, num_perm=64)) == (lsh.b, lsh.r)


def test_a_default_clean_never_imports_datasketch(tmp_path: Path) -> None:
    # datasketch's package imports scipy; a run with default settings must not pay for it.
    code = ("import sys\n"
            "from toolkit.config import Config\n"
            "from toolkit.io import discover, run_clean\n"
            f"run_clean(discover([{str(SEEDS)!r}]), __import__('pathlib').Path({str(tmp_path)!r}), Config())\n"
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert proc.stdout.strip() == "[]"
    assert (tmp_path / "clusters.jsonl").read_text(encoding="utf-8").count("\n") == 1  # the run found its cluster


def test_shingles_are_stable_across_runs() -> None:
    # Pinned values: a change here breaks compatibility with saved signatures.
    assert shingle_hashes("甲乙丙丁戊己", 5).tolist() == sorted(shingle_hashes("甲乙丙丁戊己", 5).tolist())
    assert shingle_hashes("甲乙丙丁戊己", 5).tolist() == [465675985, 2313118593]


def test_traditional_and_its_simplified_conversion_match(trad_text: str) -> None:
    body = seed_bodies(trad_text)[0]
    simplified = script.converter("tw2sp").convert(body)
    raw_a, raw_b = shingle_hashes(body), shingle_hashes(simplified)
    assert jaccard(raw_a, raw_b)[0] < 0.3  # unfolded, they barely overlap
    assert jaccard(shingle_hashes(view(body)), shingle_hashes(view(simplified)))[0] > 0.95


def test_seed_sisters_cluster_and_nothing_else(trad_text: str, simp_text: str) -> None:
    bodies = seed_bodies(trad_text) + seed_bodies(simp_text)
    index = DedupIndex(DedupConfig())
    for i, b in enumerate(bodies):
        index.add(i, view(b), len(b))
    [cluster] = index.finish()
    assert cluster.keeper == 7  # 虎嗅APP: the longer copy
    [member] = cluster.members
    assert member.index == 6 and member.reason == "near_duplicate" and member.similarity >= 0.85


def test_keep_first_rule(trad_text: str) -> None:
    bodies = seed_bodies(trad_text)
    index = DedupIndex(DedupConfig(keep="first"))
    for i, b in enumerate(bodies):
        index.add(i, view(b), len(b))
    [cluster] = index.finish()
    assert (cluster.keeper, [m.index for m in cluster.members]) == (6, [7])


def test_longest_keeps_a_sound_copy_over_a_longer_damaged_one(trad_text: str) -> None:
    body = seed_bodies(trad_text)[1]
    damaged = body[:200] + "锟斤拷锟斤拷锟斤拷" + body[200:]  # longer, and near-duplicate
    for keep, keeper in (("longest", 1), ("first", 0)):
        index = DedupIndex(DedupConfig(keep=keep))
        index.add(0, view(damaged), len(damaged), damaged=True)
        index.add(1, view(body), len(body))
        [cluster] = index.finish()
        assert (cluster.keeper, [m.index for m in cluster.members]) == (keeper, [1 - keeper])


def test_a_damaged_copy_is_not_kept_end_to_end(tmp_path: Path, trad_text: str) -> None:
    from toolkit.config import Config
    from toolkit.io import discover, run_clean

    body = seed_bodies(trad_text)[1]
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(body[:200] + "锟斤拷锟斤拷锟斤拷" + body[200:] + " (甲報)\n", encoding="utf-8")
    (src / "b.txt").write_text(body + " (乙報)\n", encoding="utf-8")
    for jobs in (1, 2):  # the flag travels from the workers too
        run_clean(discover([str(src)]), tmp_path / f"out{jobs}", Config(), jobs=jobs)
        [line] = (tmp_path / f"out{jobs}" / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
        assert '"kept":"b:0"' in line and '"id":"a:0"' in line


def test_exact_duplicates_after_folding_punctuation_and_script(trad_text: str) -> None:
    body = seed_bodies(trad_text)[1]
    copies = [body, body.replace(",", "，"), script.converter("tw2sp").convert(body)]
    index = DedupIndex(DedupConfig())
    for i, b in enumerate(copies):
        index.add(i, view(b), len(b))
    [cluster] = index.finish()
    assert sorted(m.reason for m in cluster.members) == ["exact_duplicate", "exact_duplicate"]


def test_truncated_copy_is_contained(trad_text: str) -> None:
    body = seed_bodies(trad_text)[3]
    short = body[: len(body) * 6 // 10]
    index = DedupIndex(DedupConfig())
    index.add(0, view(body), len(body))
    index.add(1, view(short), len(short))
    [cluster] = index.finish()
    [member] = cluster.members
    assert member.reason == "contained_duplicate" and member.containment >= 0.9 and member.similarity < 0.8


def test_a_whole_copy_removed_for_its_excerpt_is_containing(trad_text: str) -> None:
    # --keep first keeps the excerpt that came first: the whole article holds it, not the reverse.
    body = seed_bodies(trad_text)[3]
    short = body[: len(body) * 6 // 10]
    index = DedupIndex(DedupConfig(keep="first"))
    index.add(0, view(short), len(short))
    index.add(1, view(body), len(body))
    [cluster] = index.finish()
    [member] = cluster.members
    assert (cluster.keeper, member.index, member.reason) == (0, 1, "containing_duplicate")


def test_no_chains_of_weak_links() -> None:
    # b edits the first half of a, c edits the second half of b: a~b and b~c are
    # near-duplicates, a and c are not, so c must not join a cluster kept by a.
    rng = np.random.default_rng(0)
    base = list(rng.choice([chr(0x4E00 + i) for i in range(3000)], 600))

    def edit(chars: list[str], lo: int, hi: int) -> list[str]:
        out = list(chars)
        for p in rng.choice(np.arange(lo, hi), 12, replace=False):
            out[p] = chr(0x6000 + int(rng.integers(0, 3000)))
        return out

    b = edit(base, 0, 300)
    c = edit(b, 300, 600)
    texts = ["".join(t) for t in (base, b, c)]
    hs = [shingle_hashes(t) for t in texts]
    assert jaccard(hs[0], hs[1])[0] >= 0.8 and jaccard(hs[1], hs[2])[0] >= 0.8 > jaccard(hs[0], hs[2])[0]
    index = DedupIndex(DedupConfig(candidate_threshold=0.3))
    for i, t in enumerate(texts):
        index.add(i, t, 600 - i)  # a is "longest", so it is kept first
    [cluster] = index.finish()
    assert cluster.keeper == 0 and [m.index for m in cluster.members] == [1]


def test_signature_in_blocks_is_bit_identical_to_datasketch() -> None:
    # More shingles than one block, and a tail block: the blocked min must equal the whole min.
    rng = np.random.default_rng(1)
    text = "".join(chr(0x4E00 + int(i)) for i in rng.integers(0, 20000, 5000))
    hashes = shingle_hashes(text, 5)
    assert hashes.size > 2 * 2048
    theirs = MinHash(num_perm=128, seed=1, hashfunc=lambda x: x)
    theirs.update_batch([int(h) for h in hashes])
    assert np.array_equal(signature_values(hashes, permutations(128, 1)), theirs.hashvalues)
    empty = signature_values(np.empty(0, dtype=np.uint32), permutations(128, 1))
    assert empty.tolist() == [2**32 - 1] * 128


KERNELS = [pytest.param(dedup._minhash_numpy, id="numpy"), pytest.param(dedup._minhash_c, id="c", marks=pytest.mark.skipif(
    dedup._minhash is None, reason="the C kernel is not built"))]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("count", [125, 128, 1])
def test_each_minhash_kernel_is_bit_identical_to_datasketch(kernel: Any, count: int) -> None:
    # Sets of one shingle, sets across block edges, and the extreme hash values.
    rng = np.random.default_rng(count)
    sizes = [1, 2, 2047, 2049, 1, 5000, 3]
    sets = [rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32) for n in sizes]
    sets[1] = np.array([0, 2**32 - 1], dtype=np.uint32)
    perms = permutations(128, 7)
    got = kernel(np.concatenate(sets), np.array(sizes), perms, count)
    assert got.shape == (count, len(sizes)) and got.dtype == np.uint32
    for column, hashes in enumerate(sets):
        theirs = MinHash(num_perm=128, seed=7, hashfunc=lambda x: x)
        theirs.update_batch([int(h) for h in hashes])
        assert np.array_equal(got[:, column], theirs.hashvalues[:count])


def test_the_c_kernels_are_built_where_a_compiler_is() -> None:
    # The install builds them when it can: a silent fallback would cost several times the time.
    from toolkit import normalize

    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    assert dedup._minhash is not None and normalize._text is not None


@pytest.mark.skipif(dedup._minhash is None, reason="the C kernel is not built")
def test_the_c_kernel_refuses_arrays_that_do_not_fit() -> None:
    assert dedup._minhash is not None
    perms = permutations(128, 1)
    hashes, counts = np.arange(10, dtype=np.uint32), np.array([4, 6], dtype=np.int64)
    out = np.empty((128, 2), dtype=np.uint32)
    dedup._minhash.minhash(hashes, counts, perms.a, perms.b, out)  # fits
    with pytest.raises(ValueError, match="add up"):
        dedup._minhash.minhash(hashes, np.array([4, 5], dtype=np.int64), perms.a, perms.b, out)
    with pytest.raises(ValueError, match="negative"):
        dedup._minhash.minhash(hashes, np.array([14, -4], dtype=np.int64), perms.a, perms.b, out)
    with pytest.raises(ValueError, match="out must hold"):
        dedup._minhash.minhash(hashes, counts, perms.a, perms.b, out[:64])
    with pytest.raises(ValueError, match="one length"):
        dedup._minhash.minhash(hashes, counts, perms.a, perms.b[:64], out)
    with pytest.raises(TypeError):
        dedup._minhash.minhash(hashes, counts, perms.a, perms.b, out.tobytes())  # read-only


@pytest.mark.skipif(dedup._minhash is None, reason="the C kernel is not built")
@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=300), st.integers(1, 20))
def test_window_hashes_in_c_equal_numpys(codes: list[int], n: int) -> None:
    # Every window length up to the text's, code points up to 2**32 - 1 (the products wrap).
    array = np.array(codes, dtype=np.uint32)
    n = min(n, array.size)
    with np.errstate(over="ignore"):
        expected = dedup._window_hashes_numpy(array, n)
    got = dedup.window_hashes(array, n)
    assert got.dtype == np.uint64 and np.array_equal(got, expected)
    assert int(got[0]) == sum(c * dedup._POLY ** (n - 1 - k) for k, c in enumerate(codes[:n])) % 2**64


@pytest.mark.skipif(dedup._minhash is None, reason="the C kernel is not built")
def test_the_window_kernel_refuses_arrays_that_do_not_fit() -> None:
    assert dedup._minhash is not None
    codes, out = np.arange(10, dtype=np.uint32), np.empty(6, dtype=np.uint64)
    dedup._minhash.windows(codes, 5, 3, out)  # fits
    for n, where in ((0, out), (11, out), (5, out[:5])):
        with pytest.raises(ValueError):
            dedup._minhash.windows(codes, n, 3, where)
    with pytest.raises(TypeError):
        dedup._minhash.windows(codes, 5, 3, out.tobytes())  # read-only


@pytest.mark.skipif(dedup._minhash is None, reason="the C kernel is not built")
@given(st.lists(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40), min_size=1, max_size=6),
       st.integers(1, 8))
def test_batch_shingles_in_c_equal_numpys(texts: list[list[int]], n: int) -> None:
    n = min(n, *map(len, texts))
    codes = np.array([c for t in texts for c in t], dtype=np.uint32)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    got = dedup._batch_shingles(codes, lengths, n)
    with mock.patch.object(dedup, "_minhash", None):
        expected = dedup._batch_shingles(codes, lengths, n)
    assert got.dtype == np.uint32 and np.array_equal(got, expected)
    assert got.size == sum(len(t) - n + 1 for t in texts)
    last = sum(c * dedup._POLY ** (n - 1 - k) for k, c in enumerate(texts[-1][-n:])) % 2**64
    with np.errstate(over="ignore"):
        assert int(got[-1]) == int(dedup._fmix(np.array([last], dtype=np.uint64), 64)[0] >> np.uint64(32))


@pytest.mark.skipif(dedup._minhash is None, reason="the C kernel is not built")
def test_the_shingle_kernel_refuses_arrays_that_do_not_fit() -> None:
    assert dedup._minhash is not None
    codes, lengths = np.arange(10, dtype=np.uint32), np.array([4, 6], dtype=np.int64)
    dedup._minhash.shingles(codes, lengths, 3, 7, np.empty(6, dtype=np.uint32))  # fits
    for n, sizes, out in ((3, [4, 5], 5), (3, [4, 7], 7), (3, [11, -1], 6), (5, [4, 6], 2), (3, [4, 6], 5), (0, [4, 6], 12)):
        with pytest.raises(ValueError):
            dedup._minhash.shingles(codes, np.array(sizes, dtype=np.int64), n, 7, np.empty(out, dtype=np.uint32))
    with pytest.raises(TypeError):
        dedup._minhash.shingles(codes, lengths, 3, 7, np.empty(6, dtype=np.uint32).tobytes())  # read-only


# Views with few distinct shingles among many (a repeated character or phrase), short ones and the
# empty one, beside the seeds' articles.
FEW_SHINGLES = ["哈" * 50, "哈哈哈哈哈嘿" * 10, "abcdefg", "甲乙丙丁戊己庚辛壬癸" * 3, "a" * 4, "", "abcdeabcdeabcde",
                "一二三四五六七八九十", "甲乙" * 30 + "丙", "ab"]


@pytest.mark.parametrize("min_shingles", [1, 2, 8, 13])
def test_prepare_many_gives_the_same_without_the_c_kernel(monkeypatch: pytest.MonkeyPatch, min_shingles: int) -> None:
    views = [view(t) for p in sorted(SEEDS.glob("*.txt")) for t in seed_bodies(p.read_text(encoding="utf-8"))]
    views = [v for pair in zip(views, FEW_SHINGLES * 2, strict=False) for v in pair]
    cfg = DedupConfig(min_shingles=min_shingles)
    with_kernel = prepare_many(views, cfg)
    assert 0 < sum(p.bands is None for p in with_kernel) < len(views)  # some views have too few shingles
    monkeypatch.setattr(dedup, "_FEW", 0)  # the kernel's MinHash after the sort that counts distinct shingles
    assert same_prepared(prepare_many(views, cfg), with_kernel)
    monkeypatch.setattr(dedup, "_minhash", None)
    assert same_prepared(prepare_many(views, cfg), with_kernel)


@pytest.mark.skipif(dedup._minhash is None, reason="the C kernel is not built")
@given(st.lists(st.lists(st.integers(0, 5), max_size=30), min_size=1, max_size=8), st.integers(1, 8))
def test_the_kernel_tells_the_sets_with_enough_distinct_hashes(sets: list[list[int]], k: int) -> None:
    assert dedup._minhash is not None
    hashes = np.array([h for s in sets for h in s], dtype=np.uint32)
    out = np.empty(len(sets), dtype=bool)
    dedup._minhash.enough(hashes, np.array([len(s) for s in sets], dtype=np.int64), k, out)
    assert out.tolist() == [len(set(s)) >= k for s in sets]


@pytest.mark.skipif(dedup._minhash is None, reason="the C kernel is not built")
def test_the_distinct_count_kernel_refuses_arrays_that_do_not_fit() -> None:
    assert dedup._minhash is not None
    hashes, counts, out = np.arange(10, dtype=np.uint32), np.array([4, 6], dtype=np.int64), np.empty(2, dtype=bool)
    dedup._minhash.enough(hashes, counts, 3, out)  # fits
    assert out.tolist() == [True, True]
    for args, match in (((hashes, np.array([4, 5], dtype=np.int64), 3, out), "add up"),
                        ((hashes, np.array([14, -4], dtype=np.int64), 3, out), "negative"),
                        ((hashes, counts, 0, out), "k >= 1"), ((hashes, counts, 3, out[:1]), "one bool")):
        with pytest.raises(ValueError, match=match):
            dedup._minhash.enough(*args)


def test_a_bucket_of_hundreds_of_copies_gives_candidates_linear_in_its_size() -> None:
    # Hundreds of copies of one template (a number changed in each): every pair would be 44,850.
    [body] = seed_bodies((SEEDS / "004_14352a4bf9531335.txt").read_text(encoding="utf-8"))[:1]
    def copies(count: int) -> DedupIndex:
        index = DedupIndex(DedupConfig())
        for n in range(count):
            index.add(n, matching_view(f"{body[:300]}{n * 7919}{body[300:600]}"), 600 + (n == 150))
        return index

    index = copies(300)
    pairs = index.candidates()
    assert len(copies(600).candidates()) < 2.5 * len(pairs) < 300 * 299 // 2  # all pairs: 4 times as many
    assert all((150, n) in pairs or (n, 150) in pairs for n in range(300) if n != 150)  # the keeper meets each
    [cluster] = index.finish()
    assert cluster.keeper == 150  # the longest
    assert sorted(m.index for m in cluster.members) == [n for n in range(300) if n != 150]


def test_small_buckets_give_every_pair() -> None:
    [body] = seed_bodies((SEEDS / "004_14352a4bf9531335.txt").read_text(encoding="utf-8"))[:1]
    index = DedupIndex(DedupConfig())
    for n in range(20):
        index.add(n, matching_view(f"{body[:300]}{n * 7919}{body[300:600]}"), 600)
    assert len(index.candidates()) == 20 * 19 // 2


def same_prepared(ours: list[dedup.Prepared], theirs: list[dedup.Prepared]) -> bool:
    return len(ours) == len(theirs) and all(
        a.key == b.key and a.view == b.view and (a.bands is None) == (b.bands is None)
        and (a.bands is None or b.bands is None or np.array_equal(a.bands, b.bands)) for a, b in zip(ours, theirs, strict=True))


@settings(max_examples=60)
@given(st.lists(st.text(alphabet=st.sampled_from("甲乙丙丁戊己庚辛壬癸ab1𠀀"), max_size=40), max_size=12),
       st.integers(1, 8), st.integers(1, 12))
def test_views_prepared_together_are_prepared_one_by_one(views: list[str], ngram: int, min_shingles: int) -> None:
    # Empty and short views, repeats within and across views, every window width.
    cfg = DedupConfig(ngram=ngram, min_shingles=min_shingles)
    assert same_prepared(prepare_many(views, cfg), [prepare(v, cfg) for v in views])


def test_articles_prepared_together_across_blocks(planted_corpus: tuple) -> None:
    # Real articles: many sets share a block of the MinHash loop and many sets span two blocks.
    views, _ = planted_corpus
    cfg = DedupConfig()
    assert sum(map(len, views)) > 10 * dedup._BLOCK
    ours = prepare_many(views, cfg)
    assert same_prepared(ours, [prepare(v, cfg) for v in views])
    assert sum(p.bands is not None for p in ours) > len(views) // 2


def test_default_bands_find_pairs_at_the_threshold() -> None:
    cfg = DedupConfig()
    bands, rows = lsh_params(cfg)
    assert bands * rows <= cfg.num_perm
    found = 1 - (1 - cfg.threshold**rows) ** bands  # chance a pair at the threshold becomes a candidate
    assert found > 0.999
    assert 1 - (1 - 0.1**rows) ** bands < 0.001  # unrelated stories almost never do


def test_describe_and_incompatible() -> None:
    saved = describe(DedupConfig())
    assert saved["scheme"] == "toolkit-minhash/1" and (saved["bands"], saved["rows"]) == (25, 5)
    assert incompatible(saved, DedupConfig(threshold=0.9, keep="first")) == []  # decisions, not signatures
    assert incompatible(saved, DedupConfig(seed=2, num_perm=64)) == [
        "num_perm: saved 128, current 64", "seed: saved 1, current 2", "bands: saved 25, current 14",
        "rows: saved 5, current 4"]
    signatures_only = {k: v for k, v in saved.items() if k not in ("bands", "rows")}
    assert incompatible(signatures_only, DedupConfig(candidate_threshold=0.7)) == []
    assert incompatible({**saved, "scheme": "toolkit-minhash/0"}, DedupConfig()) == [
        "scheme: saved toolkit-minhash/0, current toolkit-minhash/1"]


def planted_views(n: int, seed: int) -> tuple[list[str], list[tuple[str, int, int, bool]]]:
    views: list[str] = []
    pairs = []
    for p in planted(n, seed, length=600):
        pairs.append((p.kind, len(views), len(views) + 1, p.duplicate))
        views += [view(p.a), view(p.b)]
    return views, pairs


@pytest.fixture(scope="module")
def planted_corpus() -> tuple[list[str], list[tuple[str, int, int, bool]]]:
    return planted_views(32, seed=5)


def build(views: list[str], order: list[int], cfg: DedupConfig | None = None) -> list[Cluster]:
    index = DedupIndex(cfg or DedupConfig())
    for i in order:
        index.add(i, views[i], len(views[i]))
    return index.finish()


def test_planted_pairs_found_and_verified_against_the_keeper(planted_corpus: tuple) -> None:
    views, pairs = planted_corpus
    cfg = DedupConfig()
    clusters = build(views, list(range(len(views))))
    where = {i: c.id for c in clusters for i in (c.keeper, *(m.index for m in c.members))}
    for c in clusters:
        for m in c.members:
            jac, con = jaccard(shingle_hashes(views[c.keeper]), shingle_hashes(views[m.index]))
            assert (m.similarity, m.containment) == (round(jac, 4), round(con, 4))
            assert {"near_duplicate": jac >= cfg.threshold, "contained_duplicate": con >= cfg.containment,
                    "containing_duplicate": con >= cfg.containment,
                    "exact_duplicate": views[c.keeper] == views[m.index]}[m.reason]
    for kind, a, b, duplicate in pairs:
        jac, con = jaccard(shingle_hashes(views[a]), shingle_hashes(views[b]))
        together = a in where and where.get(a) == where.get(b)
        if not duplicate:
            assert not together, f"hard negative merged ({kind}, Jaccard {jac:.2f})"
        elif jac >= cfg.threshold or con >= cfg.containment:
            assert together, f"{kind} pair missed (Jaccard {jac:.2f}, containment {con:.2f})"
    assert sum(len(c.members) for c in clusters) >= 20


@settings(max_examples=15)
@given(st.randoms(use_true_random=False))
def test_input_order_does_not_change_clusters(planted_corpus: tuple, rnd: random.Random) -> None:
    views, _ = planted_corpus
    views = [*views[:16], views[3], views[0]]  # with exact duplicates
    order = list(range(len(views)))
    rnd.shuffle(order)
    assert build(views, order) == build(views, list(range(len(views))))


def test_prepared_in_another_process_gives_the_same_clusters(planted_corpus: tuple) -> None:
    views, _ = planted_corpus
    cfg = DedupConfig()
    index = DedupIndex(cfg)
    for i, v in enumerate(views):
        index.add_prepared(i, pickle.loads(pickle.dumps(prepare(v, cfg))), len(v))  # as a worker hands it over
    assert index.finish() == build(views, list(range(len(views))))


def test_verification_in_batches_through_another_map_gives_the_same_clusters(
        planted_corpus: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    views, _ = planted_corpus
    whole = build(views, list(range(len(views))))
    batches = []

    def elsewhere(fn: Any, jobs: Any) -> Any:  # as a pool runs them: arguments and results pickled
        for job in jobs:
            batches.append(len(job.pairs))
            yield pickle.loads(pickle.dumps(fn(pickle.loads(pickle.dumps(job)))))

    monkeypatch.setattr(dedup, "VERIFY_PAIRS", 3)
    index = DedupIndex(DedupConfig())
    for i, v in enumerate(views):
        index.add(i, v, len(v))
    assert index.finish(elsewhere) == whole
    assert len(batches) > 3 and max(batches) == 3 and any(c.members for c in whole)


def test_prepared_survives_pickling(planted_corpus: tuple) -> None:
    views, _ = planted_corpus
    cfg = DedupConfig()
    for p in (prepare(views[0], cfg), prepare("短", cfg)):  # with bands, and too short for any
        back = pickle.loads(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL))
        assert (back.key, back.view) == (p.key, p.view)
        if p.bands is None:
            assert back.bands is None
        else:
            assert back.bands is not None and back.bands.dtype == p.bands.dtype == np.uint64
            assert np.array_equal(back.bands, p.bands)


def test_index_holds_less_than_the_shingle_arrays(planted_corpus: tuple) -> None:
    views, _ = planted_corpus
    index = DedupIndex(DedupConfig())
    for i, v in enumerate(views):
        index.add(i, v, len(v))
    assert 0 < index.view_bytes() < sum(shingle_hashes(v).nbytes for v in views) / 2


def test_text_similarity_folds_each_side() -> None:
    trad = "資訊科技公司今年在晶片市場的營收持續成長，使用者數量也創下新高。"
    simp = script.converter("tw2sp").convert(trad)
    assert text_similarity(trad, simp, DedupConfig()) == (1.0, 1.0)
    jac, con = text_similarity(trad, trad[:20], DedupConfig())
    assert con == 1.0 and jac < 0.8


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"min_shingles": 0}, "dedup.min_shingles must be at least 1, got 0 (try 8)"),
        ({"seed": -1}, "dedup.seed must be between 0 and 2^32-1, got -1 (try 1)"),
        ({"containment": 0.0}, "dedup.containment must be in (0, 1] (try 0.9)"),
        ({"candidate_threshold": 0.9}, "dedup.candidate_threshold must be in (0, threshold] (try 0.5)"),
    ],
)
def test_bad_dedup_settings_fail_early(settings_: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        DedupConfig(**settings_)
    assert str(err.value) == message


@given(st.text(alphabet=st.sampled_from(
    "中文，。 ＡＢ１２〇々ｶﾞ①㈱ﬁ\u0301e“”—…・．\u0323\u0307sḍ\u1e9b\u00a0한\u1100\u1161℃㍿\ufa10")
    | st.characters(codec="utf-8"), max_size=60))
def test_fast_nfkc_is_exactly_nfkc(text: str) -> None:
    import unicodedata

    assert dedup.nfkc(text) == unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize("threshold", [0.5, 0.7])
def test_band_index_proposes_exactly_the_pairs_datasketch_minhashlsh_proposes(
        planted_corpus: tuple, threshold: float) -> None:
    from datasketch import LeanMinHash, MinHashLSH

    from toolkit.dedup import permutations, signature_values

    views, _ = planted_corpus
    views = views + [v[: len(v) // 2] for v in views[:20]]  # excerpts: candidates at lower similarity
    cfg = DedupConfig(candidate_threshold=threshold)
    index = DedupIndex(cfg)
    lsh = MinHashLSH(threshold=threshold, num_perm=cfg.num_perm)
    expected: set[tuple[int, int]] = set()
    seen: set[str] = set()
    for i, v in enumerate(views):
        index.add(i, v, len(v))
        if v in seen:
            continue  # exact duplicates are grouped before LSH, in both
        seen.add(v)
        sig = LeanMinHash(seed=cfg.seed, scheme="affine32",
                          hashvalues=signature_values(shingle_hashes(v, cfg.ngram),
                                                      permutations(cfg.num_perm, cfg.seed)))
        expected.update((j, i) for j in lsh.query(sig))
        lsh.insert(i, sig)
    assert index.candidates() == sorted(expected)
    assert len(expected) > 32  # the planted pairs and excerpts, not an empty comparison


@given(st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), max_size=30), st.randoms(use_true_random=False))
def test_candidates_are_the_pairs_sharing_a_band(rows: list[list[int]], rnd: random.Random) -> None:
    # Few distinct hash values: runs of one, two and many equal hashes in every band.
    index = DedupIndex(DedupConfig())
    members = rnd.sample(range(10_000), len(rows))
    index._bands = bytearray(b"".join((np.array(r, dtype=np.uint64) + np.uint64(2**63)).tobytes() for r in rows))
    index._members = members
    expected = {(min(members[i], members[j]), max(members[i], members[j]))
                for i in range(len(rows)) for j in range(i + 1, len(rows))
                if any(a == b for a, b in zip(rows[i], rows[j], strict=True))}
    assert index.candidates() == sorted(expected)


VIEW_ALPHABET = "車企裡里，。！？ＯＴＡ２０２５℃ｶﾞ\u3000 _-.İßǅΣe\u0301𠀀𪚥㐀\uf900①½Ab9\n"


@given(st.text(alphabet=st.sampled_from(VIEW_ALPHABET), max_size=60))
def test_matching_view_agrees_with_nfkc_lower_and_the_regex(text: str) -> None:
    # The numpy tables must give what the definitions say, astral ideographs included.
    assert dedup.nfkc(text) == unicodedata.normalize("NFKC", text)
    assert matching_view(text) == re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())


# Beside those: characters that compose with the one before them (a combining mark, a Hangul vowel
# or final, a kana voicing mark, a nukta), singletons NFC changes, and long compatibility expansions.
KERNEL_VIEW_ALPHABET = VIEW_ALPHABET + "한\u1100\u1161\u11a8かカ\u3099\u309a\u0915\u093c\u0b47\u0b3e\u2329\u212b" \
    "\ufb1d\ufdfa\ufb01…▲\u302a㈠\u00c5\u0041\u030a"


@given(st.text(alphabet=st.sampled_from(KERNEL_VIEW_ALPHABET), max_size=60)
       | st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_matching_view_in_c_and_in_numpy_is_the_definition(text: str) -> None:
    expected = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())
    assert matching_view(text) == expected
    with mock.patch.object(dedup, "_text", None):
        assert matching_view(text) == expected


def _composing() -> set[int]:
    """Code points that compose with the character before them (NFC_Quick_Check=Maybe)."""
    out = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul vowels and finals
    for c in range(0x110000):
        parts = unicodedata.decomposition(chr(c)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            first, second = (int(p, 16) for p in parts)
            if unicodedata.normalize("NFC", chr(first) + chr(second)) == chr(c):
                out.add(second)
    return out


@pytest.mark.skipif(dedup._text is None, reason="the C kernel is not built")
def test_the_view_kernel_skips_the_nfc_check_only_for_characters_that_keep_a_text_nfc() -> None:
    assert dedup._text is not None
    to, lowered, several = dedup._view_tables()
    composing = _composing()
    plain = [c for c in range(0x10000) if to[c] == c and c not in (0x130, 0x3A3)
             and dedup._text.view(chr(c), to, lowered, several)[1] is None]  # type: ignore[index]
    assert len(plain) > 28_000  # Latin, the CJK blocks, CJK and general punctuation, shapes
    for c in plain:
        ch = chr(c)
        assert unicodedata.combining(ch) == 0 and unicodedata.normalize("NFC", ch) == ch and c not in composing, hex(c)


@pytest.mark.skipif(dedup._text is None, reason="the C kernel is not built")
def test_the_view_kernel_refuses_tables_that_do_not_fit() -> None:
    assert dedup._text is not None
    to, lowered, several = dedup._view_tables()
    assert dedup._text.view("車企…ＯＴＡ", to, lowered, several) == ("車企ota", None)
    assert dedup._text.view("İ", to, lowered, several) is None
    with pytest.raises(ValueError, match="one uint32"):
        dedup._text.view("車", to[:-1], lowered, several)
    with pytest.raises(ValueError, match="one uint32"):
        dedup._text.view("車", to, lowered.astype(np.uint16), several)
    with pytest.raises(ValueError, match="no expansion"):
        dedup._text.view("…", to, lowered, {})


def test_the_lower_case_table_is_str_lower_then_the_filter_for_every_code_point() -> None:
    # Every code point but İ and Σ (which matching_view sends through str.lower) lowers on its own.
    kept, lowered = dedup._alnum()
    every = "".join(chr(c) for c in range(0x110000) if c not in (0x130, 0x3A3))
    codes = np.frombuffer(every.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    low = np.frombuffer(every.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    assert np.array_equal(lowered[codes], np.where(kept[low], low, 0))
    assert (lowered[[0x130, 0x3A3]] == 0).all()


def reference_shingle_hashes(view: str, n: int) -> np.ndarray:
    """The scheme as documented: Horner's rule over code points modulo 2^64, fmix64, high 32 bits."""
    from datasketch.minhash import _fmix

    cps = np.frombuffer(view.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if cps.size == 0:
        return np.empty(0, dtype=np.uint32)
    n = min(n, cps.size)
    h = np.zeros(cps.size - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = h * np.uint64(0x100000001B3) + cps[k:k + h.size]
        return np.unique((_fmix(h, 64) >> np.uint64(32)).astype(np.uint32))


@given(st.text(alphabet=st.sampled_from(VIEW_ALPHABET), max_size=60), st.integers(1, 12))
def test_shingle_hashes_follow_the_documented_scheme(view: str, n: int) -> None:
    assert np.array_equal(shingle_hashes(view, n), reference_shingle_hashes(view, n))


@given(st.lists(st.integers(0, 2**32 - 1), min_size=128, max_size=128), st.sampled_from([(25, 5), (16, 8), (42, 3), (1, 1)]))
def test_band_hashes_are_horner_over_each_band_then_fmix64(values: list[int], shape: tuple[int, int]) -> None:
    from datasketch.minhash import _fmix

    bands, rows = shape
    table = np.array(values, dtype=np.uint32)[:bands * rows].reshape(bands, rows).astype(np.uint64)
    h = np.zeros(bands, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(rows):
            h = h * np.uint64(0x100000001B3) + table[:, k]
        want = _fmix(h, 64)
    assert np.array_equal(dedup.band_hashes(np.array(values, dtype=np.uint32), bands, rows), want)


def test_preparer_keeps_tags_in_order_across_batches(planted_corpus: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    views, _ = planted_corpus
    cfg = DedupConfig()
    monkeypatch.setattr(dedup, "BATCH_VIEW_CHARS", 3000)  # several batches, cut between any two views
    preparer: dedup.Preparer[int] = dedup.Preparer(cfg)
    for i, v in enumerate(views):
        preparer.add(-i, v)
    assert len(preparer.done) < len(views)  # batches were prepared as views came in
    preparer.flush()
    assert [tag for tag, _ in preparer.done] == [-i for i in range(len(views))]
    assert same_prepared([p for _, p in preparer.done], [prepare(v, cfg) for v in views])
