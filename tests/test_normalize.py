from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from toolkit.normalize import fullwidth_punct, normalize, replay
from toolkit.split import body_text, find_segments


def cleaned_articles(text: str) -> list[tuple[str, str, tuple]]:
    out = []
    for seg in find_segments(text):
        if seg.kind == "article":
            body = body_text(text, seg)
            clean, steps = normalize(body)
            out.append((body, clean, steps))
    return out


def test_traditional_seed_half_width_punctuation_restored(trad_text: str) -> None:
    arts = cleaned_articles(trad_text)
    fixed = sum(s.count for _, _, steps in arts for s in steps if s.fixer == "fullwidth_punct")
    assert fixed == 1317
    text = "\n".join(clean for _, clean, _ in arts)
    assert "期，OTA" in text and "個；2025" in text and "體制（RCE）" in text
    assert not re.search(r"[\u4e00-\u9fff][,;!?]|[,;!?][\u4e00-\u9fff]", text)
    for kept in ("2.0", "10:30" if "10:30" in trad_text else "2.0", "Model 3", "AI"):
        assert kept in text


def test_ascii_in_numbers_and_latin_is_untouched() -> None:
    text = "版本2.0在10:30發佈,售價1,000元。Hello, world! 見https://a.cn/x?a=1,2 吧"
    out, _ = fullwidth_punct(text)
    assert out == "版本2.0在10:30發佈，售價1,000元。Hello, world! 見https://a.cn/x?a=1,2 吧"


def test_nbsp_becomes_space(trad_text: str) -> None:
    text = "\n".join(clean for _, clean, _ in cleaned_articles(trad_text))
    assert "\xa0" not in text and "1. 墨西哥" in text


def test_broken_paragraph_joined_and_nothing_else(simp_text: str) -> None:
    [(body, clean, steps)] = cleaned_articles(simp_text)
    assert "中国客\n\n户需求" in body
    assert "中国客户需求" in clean
    assert [s.count for s in steps if s.fixer == "join_paragraphs"] == [1]
    assert "\n\n\n" in body and "\n\n\n" not in clean
    assert clean.replace("中国客户需求", "中国客\n\n户需求") == re.sub(r"\n{3,}", "\n\n", body).translate(
        str.maketrans(",:;!?()", "，：；！？（）"))


def test_titles_are_never_joined(trad_text: str, simp_text: str) -> None:
    for text in (trad_text, simp_text):
        for seg in find_segments(text):
            if seg.kind == "article" and seg.title:
                title = text[seg.title[0]:seg.title[1]]
                assert title not in normalize(body_text(text, seg))[0][:len(title) + 5]


def test_seeds_idempotent_and_replayable(trad_text: str, simp_text: str) -> None:
    for text in (trad_text, simp_text):
        for body, clean, steps in cleaned_articles(text):
            assert normalize(clean) == (clean, ())
            assert replay(body, steps) == clean


TEXT = st.text(alphabet=st.sampled_from(list("中文字，。,.:;!?()（） \xa0\u200b\n\r\t1a2Bx▲")), max_size=200)


@given(TEXT)
def test_cleaning_twice_changes_nothing(text: str) -> None:
    once, _ = normalize(text)
    assert normalize(once) == (once, ())


@given(TEXT)
def test_recorded_steps_replay(text: str) -> None:
    clean, steps = normalize(text)
    assert replay(text, steps) == clean


@given(st.text(max_size=200))
def test_output_is_nfc_and_has_no_controls(text: str) -> None:
    import unicodedata

    clean, _ = normalize(text)
    assert unicodedata.is_normalized("NFC", clean)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b]", clean)
