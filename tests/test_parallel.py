"""Worker processes: the output is the same for any --jobs, and a failed run leaves no output file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit import io
from toolkit.cli import app
from toolkit.config import Config
from toolkit.errors import ConfigError

from .conftest import SIMP, TRAD


def _corpus(root: Path) -> Path:
    """Several files of different kinds, so that work is spread over the workers."""
    root.mkdir()
    (root / "a").mkdir()
    (root / "a" / "trad.txt").write_bytes(TRAD.read_bytes())
    (root / "a" / "simp-gbk.txt").write_bytes(SIMP.read_text(encoding="utf-8").encode("gb18030"))
    (root / "b.txt.gz").write_bytes(gzip.compress(TRAD.read_bytes(), mtime=0))
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (root / "z-simp.txt").write_bytes(SIMP.read_bytes())
    return root


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "in")
    outs = []
    for jobs in (1, 2, 3):
        out = tmp_path / f"out{jobs}"
        io.run_clean(io.discover([str(root)]), out, Config(), jobs=jobs)
        outs.append(_tree(out))
    assert outs[0] == outs[1] == outs[2]
    names = set(outs[0])
    assert {"corpus.jsonl", "removed.jsonl", "clusters.jsonl", "report.json", "report.md"} <= names
    assert not [n for n in names if n.startswith(".")], "no spill or temporary file is left behind"
    # Copies of the seeds are found as duplicates across files, whichever worker read them.
    assert outs[0]["clusters.jsonl"].count(b"\n") == 8  # 7 stories in the Traditional seed, 1 in the Simplified


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--jobs must be at least 1"):
        io.run_clean(io.discover([str(TRAD)]), tmp_path / "o", Config(), jobs=0)
    result = CliRunner().invoke(app, ["clean", str(TRAD), "--out", str(tmp_path / "o2"), "--jobs", "0"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --jobs must be at least 1, not 0")


def test_failed_run_leaves_no_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def broken(*args: object) -> object:
        calls.append(1)
        if len(calls) > 3:
            raise RuntimeError("interrupted")
        return real(*args)

    real = io.finalize
    monkeypatch.setattr(io, "finalize", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="interrupted"):
        io.run_clean(io.discover([str(TRAD), str(SIMP)]), out, Config(), jobs=1)
    assert [p.name for p in out.rglob("*") if p.is_file()] == []
