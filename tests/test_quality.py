from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.config import Config, QualityConfig, load_config
from toolkit.errors import ConfigError
from toolkit.normalize import normalize
from toolkit.quality import repeated_share, signals, verdict
from toolkit.split import body_text, find_segments


def test_cjk_ratio_covers_every_cjk_block_and_common_hanzi() -> None:
    # 一 上 士 are ordinary hanzi (data-juicer counts them as special characters);
    # 𠀀 (Extension B), 㐀 (Extension A) and 〇 are CJK too.
    q = signals("一上士𠀀㐀〇")
    assert q["cjk_ratio"] == 1.0 and q["punct_ratio"] == 0.0


def test_ratios_are_over_visible_characters() -> None:
    q = signals("中文， 12\n\nab。")
    assert q["chars"] == 11
    assert (q["cjk_ratio"], q["punct_ratio"], q["digit_ratio"]) == (0.25, 0.25, 0.25)


def test_longest_line_and_replacement_and_mojibake() -> None:
    q = signals("短\n長一點的行\n\ufffd\ufffd锟斤拷锟斤拷烫烫烫")
    assert q["longest_line"] == 11
    assert q["replacement_chars"] == 2
    assert q["mojibake_markers"] == 3


def test_extra_signals_are_merged_under_their_own_keys() -> None:
    q = signals("中文", minority_chars=3, halfwidth_fixed=5, boilerplate_lines=1)
    assert (q["minority_chars"], q["halfwidth_fixed"], q["boilerplate_lines"]) == (3, 5, 1)


def test_article_pasted_twice_is_repetitive() -> None:
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(400))
    assert repeated_share(text) == 0.0
    assert 0.45 < repeated_share(text + text) < 0.55
    assert verdict(signals(text + text + text), QualityConfig()) == "quality:repetitive"
    assert verdict(signals(text + text), QualityConfig(max_repeated_13gram=0.4)) == "quality:repetitive"


@pytest.mark.parametrize(("text", "config", "rule"), [
    ("", QualityConfig(), "quality:too_short"),
    ("中文很短", QualityConfig(min_chars=10), "quality:too_short"),
    ("中文\ufffd\ufffd\ufffd" + "字" * 20, QualityConfig(), "quality:mojibake"),
    ("Hello world, this is English text 中", QualityConfig(), "quality:low_cjk"),
    ("中文" * 3 + "abc" * 10, QualityConfig(min_cjk_ratio=0.5), "quality:low_cjk"),
    ("中文正常的句子。", QualityConfig(), None),
])
def test_each_rule_and_its_threshold(text: str, config: QualityConfig, rule: str | None) -> None:
    assert verdict(signals(text), config) == rule


@given(st.text(alphabet=st.sampled_from(list("中文字一上，。,. 1a\n\ufffd")), max_size=300))
def test_signals_are_bounded(text: str) -> None:
    q = signals(text)
    for key in ("cjk_ratio", "punct_ratio", "digit_ratio", "repeated_13gram"):
        assert 0.0 <= q[key] <= 1.0, key
    assert q["cjk_ratio"] + q["punct_ratio"] + q["digit_ratio"] <= 1.0001
    assert q["longest_line"] <= q["chars"] == len(text)
    assert q["replacement_chars"] == text.count("\ufffd")


def test_defaults_keep_every_seed_article() -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    scores = []
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for seg in find_segments(text):
            if seg.kind == "article":
                q = signals(normalize(body_text(text, seg))[0])
                assert verdict(q, QualityConfig()) is None
                scores.append(q)
    assert len(scores) == 9
    # Real news sits far from every default threshold: the defaults catch broken text only.
    assert min(q["cjk_ratio"] for q in scores) > 0.6
    assert max(q["repeated_13gram"] for q in scores) < 0.01
    assert min(q["chars"] for q in scores) > 1000


def test_thresholds_come_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[quality]\nmin_chars = 200\nmin_cjk_ratio = 0.5\n", encoding="utf-8")
    config = load_config(path)
    assert config.quality == QualityConfig(min_chars=200, min_cjk_ratio=0.5)
    path.write_text("[quality]\nmin_cjk_ratio = 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("quality.min_cjk_ratio must be between 0 and 1, got 1.5")):
        load_config(path)


def test_quality_removal_is_recorded_with_its_rule(tmp_path: Path) -> None:
    from toolkit.io import discover, run_clean

    src = tmp_path / "in.txt"
    chinese = "".join(chr(0x4E00 + (i * 7919) % 20000) + ("。" if i % 20 == 19 else "") for i in range(300))
    english = " ".join(f"word{i}" for i in range(200))
    src.write_text(f"標題一\n{chinese} (甲報)\n標題二\n{english} (乙報)\n", encoding="utf-8")
    out = tmp_path / "out"
    data = run_clean(discover([str(src)]), out, Config())
    removed = [json.loads(line) for line in (out / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    [rec] = removed
    assert rec["reason"] == "quality:low_cjk" and rec["quality"]["cjk_ratio"] < 0.01
    assert rec["detail"] == f"quality rule low_cjk: cjk_ratio {rec['quality']['cjk_ratio']} below min_cjk_ratio 0.2"
    assert "word199" in removed[0]["text"]
    assert data["removed_by_reason"] == {"quality:low_cjk": 1}


# --- The vectorized signals against straightforward references ---------------------------

def reference_repeated_share(text: str, n: int = 13) -> float:
    """Hashes rolled one character at a time (n passes), as a reference for the prefix-sum form."""
    import numpy as np

    total = len(text) - n + 1
    if total <= 0:
        return 0.0
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(total, dtype=np.uint64)
    for k in range(n):
        h = h * np.uint64(0x100000001B3) + cps[k:k + total]
    return round((total - len(set(h.tolist()))) / total, 4)


_REF_HALFWIDTH_LEFT = re.compile(r"(?<!\d),(?=\S)|,(?=[^\d\s])|[;!?](?=[^\s!?;,.)'\"])")
SIGNAL_TEXT = st.lists(st.sampled_from([
    "中文", "字", "一上", "𠀀", "，", "。", ",", ";", "!", "?", "1,000", "2", "a", "Ab c", " ", "\n", "\u3000",
    "\ufffd", "锟斤拷", "烫烫烫", "屯屯", "▲", "https://a.cn/?a=1,b;c", "x@y.cn;", "OTA,90%",
]), max_size=80).map("".join)


@given(st.one_of(SIGNAL_TEXT, SIGNAL_TEXT.map(lambda t: t * 3)), st.integers(1, 20))
def test_repeated_share_matches_the_rolling_hash(text: str, n: int) -> None:
    assert repeated_share(text, n) == reference_repeated_share(text, n)


def test_repeated_share_beyond_the_cached_powers() -> None:
    from toolkit.dedup import _CACHED_POWERS

    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(_CACHED_POWERS // 2 + 50)) * 2
    assert len(text) > _CACHED_POWERS
    assert repeated_share(text) == reference_repeated_share(text) > 0.45


@given(SIGNAL_TEXT)
def test_signals_match_the_plain_counts(text: str) -> None:
    from toolkit.normalize import protected_spans
    from toolkit.quality import halfwidth_left

    q = signals(text)
    visible = sum(not ch.isspace() for ch in text) or 1
    assert q["cjk_ratio"] == round(sum(bool(re.match("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
                                                     "\u3007]", ch)) for ch in text) / visible, 4)
    assert q["digit_ratio"] == round(sum(ch.isdecimal() for ch in text) / visible, 4)
    assert q["longest_line"] == max((len(line) for line in text.split("\n")), default=0)
    assert q["mojibake_markers"] == len(re.findall("锟斤拷|烫烫烫|屯屯屯", text))
    spans = protected_spans(text)
    assert halfwidth_left(text) == sum(1 for m in _REF_HALFWIDTH_LEFT.finditer(text)
                                       if not any(a <= m.start() < b for a, b in spans))


def test_lone_surrogates_are_classified_and_repeated_share_raises_as_before() -> None:
    # As before the numpy rewrite: a text with a lone surrogate is classified, and the
    # 13-gram share raises UnicodeEncodeError once the text holds a window.
    short = "中\ud800文，" * 3
    assert signals(short) == {
        "chars": 12, "cjk_ratio": 0.5, "punct_ratio": 0.25, "digit_ratio": 0.0, "repeated_13gram": 0.0,
        "longest_line": 12, "replacement_chars": 0, "mojibake_markers": 0, "captions": 0, "halfwidth_left": 0,
    }
    with pytest.raises(UnicodeEncodeError):
        signals(short + "中")
