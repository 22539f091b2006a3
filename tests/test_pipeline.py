"""The record of steps explains the text: replaying them from the split body gives the output text."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import mojibake, pipeline
from toolkit.config import Config, ScriptConfig
from toolkit.decode import Decoded, decode_bytes
from toolkit.split import body_text, find_segments

from .conftest import SIMP, TRAD


def _bodies(data: bytes, config: Config) -> list[str]:
    decoded = decode_bytes(data)
    assert isinstance(decoded, Decoded)
    text, _ = mojibake.repair(decoded.text)
    return [body_text(text, s) for s in find_segments(text, config.split) if s.kind == "article"]


@pytest.mark.parametrize("mode", ["keep", "hans", "tw", "hk"])
@pytest.mark.parametrize("data", [TRAD.read_bytes(), SIMP.read_bytes(),
                                  SIMP.read_text(encoding="utf-8").encode("gb18030").decode("latin-1").encode()],
                         ids=["trad", "simp", "simp-mojibake"])
def test_steps_replay_from_the_split_body(mode: str, data: bytes) -> None:
    config = Config(script=ScriptConfig(mode=mode))
    _, items = pipeline.process_file(data, "x.txt", 0, config)
    bodies = _bodies(data, config)
    assert len(items) == len(bodies) > 0
    for item, body in zip(items, bodies, strict=True):
        names = [s.fixer for s in item.doc.steps]
        assert pipeline.replay(body, item.doc.steps, config) == item.doc.text, names
        assert [_rank(n) for n in names] == sorted(_rank(n) for n in names), names


def _rank(step: str) -> int:
    """The documented order of steps: mojibake, cut_credits, script conversion, fixers, script:repair."""
    order = {"mojibake": 0, "cut_credits": 1, "script:repair": 4}
    return order.get(step, 2 if step.startswith("script:") else 3)


def test_repair_is_the_last_step_and_only_touches_the_spans() -> None:
    config = Config(script=ScriptConfig(mode="repair"))
    _, items = pipeline.process_file(TRAD.read_bytes(), "x.txt", 0, config)
    corpus = pipeline.Corpus(config)
    for item in items:
        corpus.add(item)
    decisions = corpus.finish()
    repaired = []
    for item in items:
        _, rec = pipeline.finalize(item, decisions, {i.doc.index: i.doc.id for i in items})
        if rec["mixed_spans"]:
            repaired.append(rec)
            assert rec["steps"][-1] == {"fixer": "script:repair", "count": 1}
            before = pipeline.replay(_bodies(TRAD.read_bytes(), config)[item.doc.index], item.doc.steps, config)
            assert [(a, b) for a, b in zip(before, rec["text"], strict=True) if a != b] == [("里", "裡")]
    assert len(repaired) == 1


_BIG5_RUN = "中國汽車市場".encode("big5").decode("latin-1")
_LINES = st.sampled_from([
    "標題甲", "正文一句。", "正文。（汽車商業評論）", "#車企", "# 大標題", "新华社北京5月4日电 正文。", "责任编辑：王某",
    "", "正文°ê³õ很好。", f"新聞{_BIG5_RUN}。", "¼ò½é£º公司", '{"text": "標題\\n正文。（甲報）", "url": "u"}',
    '{"text": "正文一。 (甲報)\\n標題二\\n正文二。（乙報）"}', '{"title": 1}', "[1, 2]", '{"text": 3}',
    '{"text": "正文。（甲報）\\n#車企"}',
])


def _tasks(rel: str, text: str, cuts: list[int]) -> tuple[list[pipeline.Task], list[pipeline.Task], int]:
    """The tasks of a file split whole and streamed in pieces cut at ``cuts``, and the streamed count."""
    decoded = Decoded(text, "utf-8", None, 1.0, "utf8", True, 0)
    info = pipeline.decoded_info(rel, len(text), decoded)
    _, whole = pipeline.split_file(info, *pipeline.repair_file(rel, decoded), 0, Config(), "f")
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces = [text[a:b] for a, b in itertools.pairwise([0, *points, len(text)])]
    found = pipeline.Streaming()
    streamed = list(pipeline.stream_tasks(pieces, replace(decoded, text=""), rel, Config(), "f", found))
    if not found.settled():
        found = found.again()
        streamed = list(pipeline.stream_tasks(pieces, replace(decoded, text=""), rel, Config(), "f", found))
    return whole, streamed, found.articles


def _detached(tasks: list[pipeline.Task]) -> list[pipeline.Task]:
    return [t.detached() if isinstance(t, pipeline.ArticleTask) else t for t in tasks]


@settings(deadline=None)
@given(st.lists(_LINES, max_size=30).map("\n".join), st.lists(st.integers(0, 10**6), max_size=10),
       st.sampled_from(["a.txt", "a.jsonl"]))
def test_streamed_tasks_are_the_tasks_of_the_whole_file(text: str, cuts: list[int], rel: str) -> None:
    whole, streamed, count = _tasks(rel, text, cuts)
    assert _detached(streamed) == _detached(whole) and count == len(whole)


def test_streamed_tasks_of_the_seeds() -> None:
    for path in (TRAD, SIMP):
        text = path.read_text(encoding="utf-8")
        whole, streamed, _ = _tasks(path.name, text, list(range(0, len(text), 97)))
        assert _detached(streamed) == _detached(whole) and len(whole) > 0


@pytest.mark.parametrize(("rel", "text", "ids", "tags"), [
    ("a.txt", "#車企\n標題\n正文一句。（甲報）\n#標籤 #出海\n\n#車企\n", ["f:0", "f:1"], "#標籤 #出海\n#車企"),
    ("a.txt", "#車企\n", ["f:0"], "#車企"),
    ("a.jsonl", '{"text": "正文。（甲報）\\n#車企"}\n', ["f:1", "f:1.1"], "#車企"),
    ("a.jsonl", '{"text": "#車企 #出海"}\n', ["f:1"], "#車企 #出海"),
])
def test_tags_no_article_follows_are_a_removed_record(rel: str, text: str, ids: list[str], tags: str) -> None:
    whole, streamed, _ = _tasks(rel, text, [len(text) // 2])
    assert _detached(streamed) == _detached(whole)
    decoded = Decoded(text, "utf-8", None, 1.0, "utf8", True, 0)
    info = pipeline.decoded_info(rel, len(text), decoded)
    info, tasks = pipeline.split_file(info, *pipeline.repair_file(rel, decoded), 0, Config(), "f")
    assert info.reason is None and info.articles == len(ids)
    items = [pipeline.run_task(t, Config()) for t in tasks]
    assert [i.doc.id for i in items] == ids
    last = items[-1]
    assert last.removal is not None and last.removal.reason == "tags_only"
    assert last.doc.text == tags and tags.replace("\n", " ") in last.removal.detail
    if rel == "a.txt":  # its origin covers the tag lines in the file
        assert text[last.doc.origin.start:last.doc.origin.end].replace("\n\n", "\n") == tags
