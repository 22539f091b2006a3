"""The record of steps explains the text: replaying them from the split body gives the output text."""

from __future__ import annotations

import pytest

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
