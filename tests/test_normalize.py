from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from toolkit import normalize as normalize_module
from toolkit.config import NormalizeConfig
from toolkit.models import Step
from toolkit.normalize import FIXERS, build_chain, count_captions, fullwidth_punct, normalize, replay
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


# Generated text built from the pieces Chinese web text mixes: ideographs, CJK and ASCII
# punctuation, digits, numbers with separators, Latin words, URLs, e-mail, odd spaces,
# invisible characters, captions and every kind of line break.
PIECES = st.sampled_from([
    "中", "國", "车企", "研發", "，", "。", "、", "“", "”", "（", "）", ",", ".", ":", ";", "!", "?", "(", ")",
    "1", "2025", "2.0", "10:30", "1,000", "90%", "OTA", "Hello, world", "U8", " ", "  ", "\t", "\xa0",
    "\u3000", "\u200b", "\ufeff", "\x07", "\n", "\n\n", "\n\n\n", "\r\n", "\r", "▲", "# ", "- ", "1. ",
    "https://a.cn/x?a=1,2&b=(3)", "www.example.com/p;q", "mail@example.cn", "e\u0301",
    "這些不僅能滿足中國客戶需求並且帶動更多的國際合作夥伴一起在華投入研發與生產製造",
])
MIXED = st.lists(PIECES, max_size=60).map("".join)


@given(MIXED)
def test_mixed_text_cleaning_twice_changes_nothing(text: str) -> None:
    once, _ = normalize(text)
    assert normalize(once) == (once, ())


@given(MIXED)
def test_mixed_text_steps_replay(text: str) -> None:
    clean, steps = normalize(text)
    assert replay(text, steps) == clean
    assert all(s.count > 0 for s in steps)
    assert [s.fixer for s in steps] == [f for f in FIXERS if f in {s.fixer for s in steps}]


@given(MIXED)
@example("mail@example.cnhttps://a.cn/x?a=1,2&b=(3)中")  # an address running into a URL
def test_mixed_text_keeps_urls_numbers_and_latin(text: str) -> None:
    clean, _ = normalize(text)
    for kept in ("https://a.cn/x?a=1,2&b=(3)", "www.example.com/p;q", "mail@example.cn", "10:30", "1,000", "2.0",
                 "Hello, world"):
        assert clean.count(kept) >= text.count(kept), kept


@given(MIXED)
def test_mixed_text_output_nfc_not_nfkc(text: str) -> None:
    import unicodedata

    clean, _ = normalize(text)
    assert unicodedata.is_normalized("NFC", clean)
    for mark in "，。、（）“”":  # NFKC would flatten these; they must survive
        assert clean.count(mark) >= text.count(mark)


@pytest.mark.parametrize(("raw", "want"), [
    ("期,OTA", "期，OTA"),
    ("個;2025", "個；2025"),
    ("體制(RCE)", "體制（RCE）"),
    ("什麼?真的!", "什麼？真的！"),
    ("如下:第一", "如下：第一"),
    ("版本2.0發佈", "版本2.0發佈"),
    ("在10:30開會", "在10:30開會"),
    ("U8車型", "U8車型"),
    ("他說Hello, world再見", "他說Hello, world再見"),
    ("見https://a.cn/x?a=1,2(3)吧", "見https://a.cn/x?a=1,2(3)吧"),
    ("寫信給mail@example.cn,謝謝", "寫信給mail@example.cn，謝謝"),
    ("汽車軟體的OTA,90%以上", "汽車軟體的OTA,90%以上"),  # neither neighbour is CJK: ambiguous, left alone
    ("代碼f(x, y)不變", "代碼f(x, y)不變"),
    ("詳見[官方網站](https://www.mi.com)了解更多", "詳見[官方網站](https://www.mi.com)了解更多"),  # a Markdown link
    ("見[說明](第二節),再看", "見[說明](第二節)，再看"),
    ("並說,“Think different,”是關鍵", "並說，“Think different,”是關鍵"),  # an English quotation
    ("他說“好的,”然後", "他說“好的，”然後"),
    ("他說“增長了7,”然後", "他說“增長了7，”然後"),
])
def test_fullwidth_punct_examples(raw: str, want: str) -> None:
    assert fullwidth_punct(raw)[0] == want


def test_each_fixer_is_named_documented_and_counted() -> None:
    chain = build_chain(NormalizeConfig(remove_captions=True))
    assert [n for n, _ in chain] == list(FIXERS)
    for name, fixer in chain:
        assert fixer.__doc__ and ">>>" in fixer.__doc__, name
        assert fixer("") == ("", 0), name


def test_disabled_fixers_do_not_run() -> None:
    text = "中國客戶的需求很大也很多樣化並且還在持續地增長之中而各家企業紛紛加碼投入\n\n研發,生產"
    clean, steps = normalize(text, NormalizeConfig(disable=("join_paragraphs", "fullwidth_punct")))
    assert clean == text and steps == ()


def test_captions_reported_and_removed_only_when_asked() -> None:
    text = "正文第一段。\n▲ 圖為工廠外景\n正文。▲部分車企在華研發佈局大眾汽車"
    kept, steps = normalize(text)
    assert kept == text and count_captions(kept) == 2
    removed, steps = normalize(text, NormalizeConfig(remove_captions=True))
    assert removed == "正文第一段。\n正文。▲部分車企在華研發佈局大眾汽車"  # the inline one is only counted
    assert Step("captions", 1) in steps


def test_seed_captions_are_counted(trad_text: str) -> None:
    assert sum(count_captions(clean) for _, clean, _ in cleaned_articles(trad_text)) == 2


def test_title_line_is_never_joined_to_the_body() -> None:
    text = "# 跨国车企拥抱中国技术新华社记者的调查报告来自上海北京和广州等多个城市的采访\n\n正文开始"
    assert normalize(text)[0] == text


SEED_BODIES: list[str] = []


def _seed_bodies() -> list[str]:
    if not SEED_BODIES:
        from .conftest import SIMP, TRAD

        for path in (TRAD, SIMP):
            text = path.read_text(encoding="utf-8")
            SEED_BODIES.extend(body_text(text, s) for s in find_segments(text) if s.kind == "article")
    return SEED_BODIES


@given(st.data())
def test_seed_slices_idempotent_and_replayable(data: st.DataObject) -> None:
    # Any window of a real article, cut anywhere (mid-URL, mid-number, mid-paragraph).
    bodies = _seed_bodies()
    body = bodies[data.draw(st.integers(0, len(bodies) - 1))]
    start = data.draw(st.integers(0, len(body)))
    text = body[start:start + data.draw(st.integers(0, 400))]
    clean, steps = normalize(text)
    assert normalize(clean) == (clean, ())
    assert replay(text, steps) == clean


# --- The fast paths against straightforward references ---------------------------------
# fullwidth_punct decides the common marks with regexes, the chain skips fixers that
# cannot find anything, and several regexes are spelled for speed. The references below
# are the plain versions; generated text must give the same text and counts.

_REF_CTX = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
                      "\u3001-\u303f\uff01-\uff60\u2018\u2019\u201c\u201d\u2026\u2014]")
_REF_IDEO = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_REF_CALL = re.compile(r"(?<![A-Za-z0-9_.])[a-z_][A-Za-z0-9_.]*\Z", re.ASCII)
_REF_FULL = dict(zip(",:;!?()", "，：；！？（）", strict=True))


def reference_fullwidth_punct(text: str) -> tuple[str, int]:
    """Every mark visited in order, in Python."""
    from toolkit.normalize import protected_spans

    protected = protected_spans(text)
    size = len(text)

    def ctx(i: int) -> bool:
        return 0 <= i < size and bool(_REF_CTX.match(text[i]))

    def cjk_next_to(i: int) -> bool:
        return ctx(i - 1) or ctx(i + 1)

    changed: dict[int, str] = {}
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    lone: list[int] = []
    for i, ch in enumerate(text):
        if ch == "\n":
            lone.extend(stack)
            stack.clear()
        elif ch not in _REF_FULL or any(a <= i < b for a, b in protected):
            continue
        elif ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                pairs.append((stack.pop(), i))
            else:
                lone.append(i)
        elif ch in ",:" and 0 < i < size - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            continue
        elif ctx(i - 1) or (ctx(i + 1) and not (
                i > 0 and text[i - 1].isascii() and text[i - 1].isalpha() and text[i + 1] in "”’")):
            changed[i] = _REF_FULL[ch]
    lone.extend(stack)
    for a, b in pairs:
        if a > 0 and text[a - 1] == "]":  # [text](target): Markdown link syntax
            continue
        call = bool(_REF_CALL.search(text, max(0, a - 64), a))
        if ctx(a - 1) or _REF_IDEO.search(text, a, b) or (not call and (cjk_next_to(a) or cjk_next_to(b))):
            changed[a], changed[b] = "（", "）"
    for i in lone:
        if cjk_next_to(i) and not (text[i] == "(" and i > 0 and text[i - 1] == "]"):
            changed[i] = _REF_FULL[text[i]]
    return "".join(changed.get(i, ch) for i, ch in enumerate(text)), len(changed)


_REF_SPACE_BY_PUNCT = re.compile("[ \t]+(?=[，。、；：！？）」』》〉】])|(?<=[，。、；：！？（「『《〈【])[ \t]+")
_REF_TRAILING = re.compile(r"[ \t]+(?=\n|$)")
_REF_CAPTION_LINE = re.compile(r"^[ \t]*▲[^\n]*\n?", re.M)


def reference_join_paragraphs(text: str, min_chars: int) -> tuple[str, int]:
    """Every paragraph break tried."""
    from toolkit.normalize import _TERMINAL, _is_structure

    parts = re.split(r"(\n(?:[ \t]*\n)*)", text)
    out = [parts[0]]
    count = 0
    for k in range(1, len(parts), 2):
        prev, sep, nxt = out[-1].rsplit("\n", 1)[-1], parts[k], parts[k + 1]
        starts_an_idea = bool(nxt[:1]) and bool(_REF_IDEO.match(nxt[:1])) and len(prev.strip()) >= min_chars
        goes_on = nxt[:1] in "，、。．；：？！）」』》〉】〕”’" and prev.strip() != ""  # no line starts so
        if ((starts_an_idea or goes_on) and prev.rstrip()[-1:] not in _TERMINAL
                and not _is_structure(prev) and not _is_structure(nxt)):
            out[-1] = out[-1].rstrip() + nxt
            count += 1
        else:
            out.extend((sep, nxt))
    return "".join(out), count


def reference_normalize(text: str, config: NormalizeConfig) -> tuple[str, tuple[Step, ...]]:
    """The chain cycled until every fixer in a row leaves the text alone, every fixer run every time."""
    references = {
        "fullwidth_punct": reference_fullwidth_punct,
        "space_by_cjk_punct": lambda t: _REF_SPACE_BY_PUNCT.subn("", t),
        "trailing_spaces": lambda t: _REF_TRAILING.subn("", t),
        "join_paragraphs": lambda t: reference_join_paragraphs(t, config.join_min_chars),
        "captions": lambda t: _REF_CAPTION_LINE.subn("", t),
    }
    chain = [(name, references.get(name, fixer)) for name, fixer in build_chain(config)]
    counts = dict.fromkeys((n for n, _ in chain), 0)
    quiet = k = 0
    while quiet < len(chain):
        name, fixer = chain[k % len(chain)]
        text, n = fixer(text)
        counts[name] += n
        quiet, k = 0 if n else quiet + 1, k + 1
    return text, tuple(Step(name, n) for name, n in counts.items() if n)


# Marks in every context the fast paths tell apart: full-width digits (context characters
# that str.isdigit accepts), other digits, neighbouring marks, parentheses across lines,
# calls, URLs and e-mail with marks inside and after them.
MARK_PIECES = st.sampled_from([
    "中", "文", "，", "。", "（", "）", "“", "…", "—", "０", "１２", "３", "1", "22", "²", "٣", "a", "Ab", "x_y.z",
    ",", ":", ";", "!", "?", "(", ")", ",,", "!?", "(,)", ")(", "\n", "\n\n", " ", "\t", "\xa0", "\u200b", "\r",
    "f(x, y)", "Stellantis(14%)", "https://a.cn/x?a=(1),2", "(見https://a.cn/x)", "www.a.cn/p;q,", "a.b@c.cn,",
    "e\u0301", "▲", "𠀀", "# ", "1. ", "”", "’", "“Think different",  "[官網](", "](", "[a](https://a.cn/x)", "這些不僅能滿足中國客戶需求並且帶動更多的國際合作", "ab cd",
])
MARKS_TEXT = st.lists(MARK_PIECES, max_size=50).map("".join)


@contextmanager
def marks_by(kernel: ModuleType | None) -> Iterator[None]:
    """fullwidth_punct with the C kernel for the marks, or (None) with the regexes."""
    saved = normalize_module._text
    normalize_module._text = kernel
    try:
        yield
    finally:
        normalize_module._text = saved


MARK_PATHS = [pytest.param(None, id="regex"), pytest.param(normalize_module._text, id="c", marks=pytest.mark.skipif(
    normalize_module._text is None, reason="the C kernel is not built"))]


@pytest.mark.parametrize("kernel", MARK_PATHS)
@given(st.lists(st.one_of(MARK_PIECES, st.just("\ud800")), max_size=50).map("".join))
@example("Ab,”中 中!” x?’")  # a mark after a letter and before a closing quote ends an English quotation
@example("０,1 ２:３ 1,０ ０;1 ０!a")  # ,: between two digits stay; a full-width digit decides ;!? alone
@example("a(b\nc)中 f(中) " + "x" * 70 + "(1)中 [a](中")  # lines, ideographs inside, long names, link targets
@example("，(" * 30 + "a" + ")" * 30 + "中(a)見https://x.cn/p " * 5 + "(" * 30 + "中" + ")" * 30)  # nesting, URLs
def test_fullwidth_punct_matches_the_reference(kernel: ModuleType | None, text: str) -> None:
    with marks_by(kernel):
        got = fullwidth_punct(text)
    assert got == reference_fullwidth_punct(text)
    assert type(got[0]) is str and (got[0] is text) == (got[1] == 0)


@pytest.mark.skipif(normalize_module._text is None, reason="the C kernel is not built")
def test_the_c_kernel_refuses_a_table_that_does_not_fit() -> None:
    assert normalize_module._text is not None
    assert normalize_module._text.fullwidth("中(a),文", normalize_module._mark_table(), []) == ("中（a），文", 3)
    with pytest.raises(ValueError, match="one byte per code point"):
        normalize_module._text.fullwidth("中,", b"\x01" * 100, [])
    with pytest.raises(TypeError):
        normalize_module._text.fullwidth("中,", normalize_module._mark_table(), ["0"])


@given(st.one_of(MARKS_TEXT, MIXED))
def test_normalize_matches_the_reference_chain(text: str) -> None:
    for config in (NormalizeConfig(), NormalizeConfig(remove_captions=True, join_min_chars=3),
                   NormalizeConfig(disable=("nfc", "fullwidth_punct"))):
        assert normalize(text, config) == reference_normalize(text, config)


def test_a_configuration_with_a_list_normalizes_as_with_a_tuple() -> None:
    # The chain is built once per configuration, keyed by it: one built by hand with a list
    # (unhashable) still works.
    text = "期,OTA\xa0升級 \n\n\n▲ 圖\n正文"
    listed = NormalizeConfig(disable=["odd_spaces"], remove_captions=True)  # type: ignore[arg-type]
    assert normalize(text, listed) == normalize(text, NormalizeConfig(disable=("odd_spaces",), remove_captions=True))
    assert normalize(text, listed)[0] == "期，OTA\xa0升級\n\n正文"


@pytest.mark.parametrize("kernel", MARK_PATHS)
def test_fullwidth_punct_matches_the_reference_on_the_seeds(kernel: ModuleType | None) -> None:
    for body in _seed_bodies():
        with marks_by(kernel):
            got, cleaned = fullwidth_punct(body), normalize(body)
        assert got == reference_fullwidth_punct(body)
        assert cleaned == reference_normalize(body, NormalizeConfig())


def test_the_only_digits_among_context_characters_are_full_width() -> None:
    # fullwidth_punct keeps ,: between two digits (1,000); its regexes rely on ０-９ being
    # the only context characters str.isdigit accepts.
    from toolkit.normalize import _CTX_RE

    digits = [ch for ch in map(chr, range(0x110000)) if ch.isdigit()]
    assert {ch for ch in digits if _CTX_RE.match(ch)} == set("０１２３４５６７８９")


def test_nfc_brings_back_no_character_the_once_fixers_remove() -> None:
    # normalize runs line_endings, invisible_chars and odd_spaces once: no fixer may bring
    # their characters back. nfc composes and decomposes only canonically, so it is enough
    # that a character holds one of them exactly when its canonical decomposition does.
    import unicodedata

    from toolkit.normalize import _ONCE_ANY

    for code in range(0x110000):
        ch = chr(code)
        mapping = unicodedata.decomposition(ch)
        if mapping and not mapping.startswith("<"):
            assert bool(_ONCE_ANY.search(ch)) == bool(_ONCE_ANY.search(unicodedata.normalize("NFD", ch))), hex(code)



ONCE_CHARS = [chr(c) for c in range(0x10000) if normalize_module._ONCE_ANY.match(chr(c))]


@pytest.mark.parametrize("kernel", MARK_PATHS)
@given(st.lists(st.sampled_from([*ONCE_CHARS, "中", "a", " ", "\n", "\t", "𠀀"]), max_size=8).map("".join))
def test_idle_once_fixers_are_those_without_their_characters(kernel: ModuleType | None, text: str) -> None:
    with marks_by(kernel):
        idle = normalize_module._idle_once(text)
    assert idle == {name for name, chars in normalize_module._ONCE.items() if not re.search(f"[{chars}]", text)}


def test_once_fixers_leave_none_of_their_characters_and_make_no_once_character() -> None:
    # normalize runs each once fixer at most once: after it ran, none of its characters
    # may be left, and what it puts in their place must be no once character either.
    from toolkit.normalize import _ONCE_ANY, _ONCE_EACH, invisible_chars, line_endings, odd_spaces

    chars = [chr(c) for c in range(0x10000) if _ONCE_ANY.match(chr(c))]
    text = "".join(f"中{ch}文{ch}a{ch}\r\n" for ch in chars)
    for fixer in (line_endings, invisible_chars, odd_spaces):
        out, n = fixer(text)
        assert n and not _ONCE_EACH[fixer.__name__].search(out), fixer.__name__
        assert not _ONCE_ANY.search("".join(set(out) - set(text))), fixer.__name__


@pytest.mark.parametrize(("raw", "want"), [
    ("家庭👨\u200d👩\u200d👧合照", "家庭👨\u200d👩\u200d👧合照"),  # one emoji, not three
    ("心❤\ufe0f\u200d🔥了", "心❤\ufe0f\u200d🔥了"),
    ("跑步🏃\u200d♀\ufe0f中", "跑步🏃\u200d♀\ufe0f中"),
    ("中\u200d文", "中文"),  # between ideographs it is noise
    ("👨\u200d", "👨"),
    ("\u200d👩", "👩"),
])
def test_a_zero_width_joiner_stays_only_inside_an_emoji(raw: str, want: str) -> None:
    text, steps = normalize(raw)
    assert text == want
    assert normalize(text) == (text, ())
    assert replay(raw, steps) == text


def test_two_glued_urls_keep_their_own_parentheses() -> None:
    text = "https://a.cn/x?b=(3))https://a.cn/x?b=(3)中"
    assert normalize(text) == (text, ())


@pytest.mark.parametrize(("raw", "want"), [
    ("大樓於昨日正式落成\n，全面啟用。", "大樓於昨日正式落成，全面啟用。"),  # wrapped at a fixed width
    ("短\n\n、長", "短、長"),
    ("他說「好」\n，然後離開。", "他說「好」\n，然後離開。"),  # 」 ends a clause: the break may be real
    ("# 標題\n，正文", "# 標題\n，正文"),
])
def test_a_line_starting_with_a_closing_mark_joins_the_one_before(raw: str, want: str) -> None:
    assert normalize(raw, only=["join_paragraphs"])[0] == want
