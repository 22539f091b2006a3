"""A labelled synthetic Chinese news corpus for the dedup and performance benchmarks.

Words come from OpenCC's ``STPhrases`` table (about 49,000 Simplified phrases, read from the
``opencc`` wheel the toolkit already depends on) plus a fixed list of common function words and
number forms. Every phrase in that table has a Traditional form, so converting an article with
``s2twp`` or ``s2hk`` changes it the way re-posting a story in the other script does. Words are
drawn with Zipf-Mandelbrot frequencies over a fixed rank order (the same for every seed), sentences
hold 6-24 words with commas and end in 。！？, paragraphs hold 2-6 sentences. Two articles from
different draws share almost no character 5-grams (Jaccard about 0.01), like distinct news stories.

API (deterministic for a seed; nothing happens at import time):

- :func:`articles` ``(n, seed, length=2000) -> Iterator[str]``: distinct articles of about
  ``length`` characters (within ±10%).
- :func:`planted` ``(n, seed, length=2000, kinds=ALL_KINDS) -> Iterator[Pair]``: ``n`` pairs cycling
  through ``kinds``. Duplicate kinds (``Pair.duplicate`` is true; ``a`` is the original, ``b`` the copy):

  - ``sentence_edit``: 1-4 sentences deleted, inserted or reworded;
  - ``section_numbers``: paragraphs numbered (``一、`` / ``01.`` / ``（1）``);
  - ``char_subst``: 0.5-3% of the Chinese characters replaced by others;
  - ``halfwidth``: Chinese punctuation written half-width (``，`` → ``,``);
  - ``s2twp`` / ``s2hk``: converted to Traditional with Taiwan phrasing / Hong Kong forms;
  - ``truncate``: cut to 85-95% of its length.

  The negative kind ``boilerplate`` pairs two distinct articles that share one long paragraph (25-50%
  of the article, drawn from a small pool, so several pairs share the same one): they must never merge.

Whether a planted copy is still a near-duplicate depends on the edit (a 3% substitution falls below a
Jaccard of 0.8); benchmarks measure the true similarity of each pair on the folded text and label by it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

DUPLICATE_KINDS = ("sentence_edit", "section_numbers", "char_subst", "halfwidth", "s2twp", "s2hk", "truncate")
NEGATIVE_KINDS = ("boilerplate",)
ALL_KINDS = DUPLICATE_KINDS + NEGATIVE_KINDS

# The most frequent words of news prose, ranked first (Simplified, as the generated text is).
FUNCTION_WORDS = (
    "的 了 在 是 和 有 也 就 都 与 及 对 将 从 到 把 被 为 向 等 中 上 下 这 那 其 并 而 但 又 还 更 最 很 已 "
    "我们 他们 今年 目前 表示 认为 公司 市场 企业 发展 政府 经济 国家 行业 技术 产品 增长 进行 通过 以及 同时 "
    "此外 其中 由于 根据 记者 数据 显示 方面 问题 情况 影响 需要 继续 相关 主要 提供 推动 成为 一个 没有 已经 "
    "可以 因为 所以 但是 如果 不过 之后 之前 期间 方式 能力 服务 项目 消费者 平台 合作 全球 国内 地区 城市 "
    "用户 汽车 电动车 新能源 报告 预计 亿元 万元 百分之 人员 工作 管理 系统 政策 投资 销售 业务 研究"
).split()
_HALFWIDTH = str.maketrans({"，": ",", "。": ".", "！": "!", "？": "?", "：": ":", "；": ";", "（": "(", "）": ")"})
_ENDS = "。。。。。！？"
_ZIPF_SHIFT = 2.7  # Mandelbrot's shift: flattens the head so the top word is not half the text


@dataclass(frozen=True, slots=True)
class Pair:
    """Two planted articles: ``a`` the original, ``b`` the copy (or, for a negative, another story)."""

    kind: str
    a: str
    b: str
    duplicate: bool


@dataclass(frozen=True)
class Vocabulary:
    words: np.ndarray  # object array of str, in rank order
    cdf: np.ndarray  # cumulative Zipf-Mandelbrot probabilities
    chars: str  # the Chinese characters the words use, for substitutions


@cache
def vocabulary() -> Vocabulary:
    """Function words, number forms, then OpenCC's Simplified phrases in a fixed shuffled order."""
    from toolkit.tables import read_table

    phrases = sorted(set(read_table("STPhrases")) - set(FUNCTION_WORDS))
    order = np.random.default_rng(0).permutation(len(phrases))  # fixed ranks, independent of any seed
    numbers = [f"{k}{unit}" for k in (3, 5, 8, 12, 15, 20, 30, 45, 60, 100, 2023, 2024, 2025)
               for unit in ("年", "月", "日", "%", "亿元", "万辆", "家")]
    words = [*FUNCTION_WORDS, *numbers[:40], *(phrases[i] for i in order), *numbers[40:]]
    weights = 1.0 / (np.arange(len(words)) + _ZIPF_SHIFT)
    cdf = np.cumsum(weights / weights.sum())
    chars = "".join(sorted({c for w in words for c in w if "\u4e00" <= c <= "\u9fff"}))
    return Vocabulary(np.array(words, dtype=object), cdf, chars)


def _draw(rng: np.random.Generator, vocab: Vocabulary, size: int) -> np.ndarray:
    idx = np.searchsorted(vocab.cdf, rng.random(size), side="right")
    return vocab.words[np.minimum(idx, len(vocab.words) - 1)]


def _draw_sentences(rng: np.random.Generator, vocab: Vocabulary, count: int) -> list[str]:
    """``count`` sentences of 6-24 words, drawn in one go (one numpy call per property, not per word)."""
    lengths = rng.integers(6, 25, count)
    words = _draw(rng, vocab, int(lengths.sum())).tolist()
    comma = (rng.random(len(words)) < 0.08).tolist()  # a comma after about one word in twelve
    ends = rng.integers(len(_ENDS), size=count).tolist()
    out, pos = [], 0
    for n, end in zip(lengths.tolist(), ends, strict=True):
        parts = [w + "，" if 3 <= j < n - 3 and comma[pos + j] else w for j, w in enumerate(words[pos:pos + n])]
        out.append("".join(parts) + _ENDS[end])
        pos += n
    return out


def _sentence(rng: np.random.Generator, vocab: Vocabulary) -> str:
    return _draw_sentences(rng, vocab, 1)[0]


def _article(rng: np.random.Generator, vocab: Vocabulary, length: int) -> str:
    target = int(length * rng.uniform(0.9, 1.1))
    parts: list[str] = []
    size = 0
    while size < target:
        batch = _draw_sentences(rng, vocab, max(4, (target - size) // 40))  # sentences average ~45 chars
        breaks = (rng.random(len(batch)) < 0.3).tolist()
        for sentence, new_paragraph in zip(batch, breaks, strict=True):
            if size >= target:
                break
            if new_paragraph and parts and parts[-1] != "\n" and (len(parts) < 2 or parts[-2] != "\n"):
                parts.append("\n")  # paragraphs of 2 sentences or more
            parts.append(sentence)
            size += len(sentence)
    return "".join(parts)


def articles(n: int, seed: int, length: int = 2000) -> Iterator[str]:
    """``n`` distinct articles of about ``length`` characters, the same for the same seed.

    >>> a = list(articles(2, seed=7, length=300))
    >>> a == list(articles(2, seed=7, length=300)) and a[0] != a[1] and 270 <= len(a[0]) <= 400
    True
    """
    vocab = vocabulary()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    for _ in range(n):
        yield _article(rng, vocab, length)


def _sentences(text: str) -> list[str]:
    out, start = [], 0
    for i, c in enumerate(text):
        if c in "。！？\n":
            out.append(text[start:i + 1])
            start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


def _sentence_edit(rng: np.random.Generator, vocab: Vocabulary, text: str) -> str:
    sents = _sentences(text)
    for _ in range(int(rng.integers(1, 5))):
        i = int(rng.integers(len(sents)))
        op = int(rng.integers(3))
        if op == 0 and len(sents) > 2:
            del sents[i]
        elif op == 1:
            sents.insert(i, _sentence(rng, vocab))
        else:  # reword: a few words swapped in the middle of the sentence
            s = sents[i]
            cut = int(rng.integers(0, max(1, len(s) - 6)))
            sents[i] = s[:cut] + "".join(_draw(rng, vocab, 2)) + s[cut + 4:]
    return "".join(sents)


def _section_numbers(rng: np.random.Generator, text: str) -> str:
    numerals = "一二三四五六七八九十"
    style = int(rng.integers(3))
    out = []
    for k, para in enumerate(text.split("\n")):
        label = (f"{numerals[k % 10]}、", f"{k + 1:02d}.", f"（{k + 1}）")[style]
        out.append(label + para)
    return "\n".join(out)


def _char_subst(rng: np.random.Generator, vocab: Vocabulary, text: str) -> str:
    chars = list(text)
    cjk = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
    count = max(1, int(len(cjk) * rng.uniform(0.005, 0.03)))
    for i in rng.choice(cjk, min(count, len(cjk)), replace=False):
        chars[int(i)] = vocab.chars[int(rng.integers(len(vocab.chars)))]
    return "".join(chars)


def _convert(config: str, text: str) -> str:
    from toolkit.script import converter

    return str(converter(config).convert(text))


def _boilerplates(rng: np.random.Generator, vocab: Vocabulary, length: int, count: int) -> list[str]:
    return [_article(rng, vocab, length).replace("\n", "") for _ in range(count)]


def _negative(rng: np.random.Generator, vocab: Vocabulary, length: int, pool: Sequence[str]) -> Pair:
    shared = pool[int(rng.integers(len(pool)))]
    share = rng.uniform(0.25, 0.5)
    plate = shared[: int(length * share)]
    body = int(length * (1 - share))
    a = _article(rng, vocab, body)
    b = _article(rng, vocab, body)
    # The shared paragraph sits where disclaimers and outlet blurbs do: at the start or the end.
    return Pair("boilerplate", a + "\n" + plate, plate + "\n" + b, False) if rng.integers(2) \
        else Pair("boilerplate", a + "\n" + plate, b + "\n" + plate, False)


def planted(n: int, seed: int, length: int = 2000, kinds: Sequence[str] = ALL_KINDS) -> Iterator[Pair]:
    """``n`` labelled pairs, cycling through ``kinds`` (see the module docstring).

    >>> pairs = list(planted(8, seed=3, length=400))
    >>> [p.kind for p in pairs] == list(ALL_KINDS) and [p.duplicate for p in pairs].count(False) == 1
    True
    >>> [p for p in pairs if p.kind == "s2twp"][0].b != [p for p in pairs if p.kind == "s2twp"][0].a
    True
    """
    unknown = sorted(set(kinds) - set(ALL_KINDS))
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; known: {', '.join(ALL_KINDS)}")
    vocab = vocabulary()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    pool = _boilerplates(rng, vocab, length, 6)
    for k in range(n):
        kind = kinds[k % len(kinds)]
        if kind == "boilerplate":
            yield _negative(rng, vocab, length, pool)
            continue
        a = _article(rng, vocab, length)
        if kind == "sentence_edit":
            b = _sentence_edit(rng, vocab, a)
        elif kind == "section_numbers":
            b = _section_numbers(rng, a)
        elif kind == "char_subst":
            b = _char_subst(rng, vocab, a)
        elif kind == "halfwidth":
            b = a.translate(_HALFWIDTH)
        elif kind == "s2twp":
            b = _convert("s2twp", a)
        elif kind == "s2hk":
            b = _convert("s2hk", a)
        else:  # truncate
            b = a[: int(len(a) * rng.uniform(0.85, 0.95))]
        yield Pair(kind, a, b, True)


if __name__ == "__main__":
    import sys

    for pair in planted(int(sys.argv[1]) if len(sys.argv) > 1 else 8, seed=0, length=200):
        print(f"== {pair.kind} (duplicate={pair.duplicate})\n{pair.a}\n--\n{pair.b}\n")
