from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

from .conftest import ROOT, SEEDS

runner = CliRunner()


def test_missing_input_fails_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", "no/such/file.txt", "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: input not found: no/such/file.txt (check the path; nothing was written)"
    assert not out.exists()


def test_unwritable_output_is_one_error_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(blocker / "out")])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot write to output directory") and "choose another --out" in line


def test_bad_config_value_fails_with_hint(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[dedup]\nthreshold = 1.5\n")
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(tmp_path / "o"), "--config", str(cfg)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: dedup.threshold must be in (0, 1], got 1.5 (try 0.8)"


def test_unknown_config_key(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[dedup]\nthreshhold = 0.7\n")
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(tmp_path / "o"), "--config", str(cfg)])
    assert result.exit_code == 2
    assert "unknown setting(s) in [dedup]: threshhold" in result.stderr


@pytest.mark.parametrize(("toml", "message"), [
    ("dedup = 3\n", "[dedup] in {cfg} must be a table of settings, got 3"),
    ("split = []\n", "[split] in {cfg} must be a table of settings, got []"),
    ("[normalize]\ndisable = [1]\n", "[normalize] disable must be a list of strings, got 1"),
    ("[split]\nmarkers = [\"x\"]\n", "[split] markers must be a list of tables, got 'x'"),
    ("[split]\ndisable = \"x\"\n", "[split] disable must be a list, got 'x'"),
    ("[dedup]\nthreshold = \"a\"\n", "[dedup] threshold must be a number, got 'a'"),
    ("encoding = [\"gbk\"]\n", "encoding in {cfg} must be a string, got ['gbk']"),
    ("encoding = 5\n", "encoding in {cfg} must be a string, got 5"),
    ("foo = 1\n", "unknown section(s) or setting(s) in {cfg}: foo"),
])
@pytest.mark.parametrize("command", ["clean", "detect", "split"])
def test_config_values_of_the_wrong_kind_are_one_error_line(tmp_path: Path, toml: str, message: str,
                                                            command: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml)
    extra = ["--out", str(tmp_path / "o")] if command == "clean" else []
    result = runner.invoke(app, [command, str(SEEDS), *extra, "--config", str(cfg)])
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: " + message.format(cfg=cfg))


def test_a_config_file_with_a_bom_is_read(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(b"\xef\xbb\xbf[dedup]\nthreshold = 0.85\n")
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(tmp_path / "o"), "--config", str(cfg), "-q"])
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "o" / "report.json").read_text())["dedup"]["threshold"] == 0.85


def test_unknown_encoding_fails_before_any_output(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(out), "--encoding", "nonsense"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown encoding: nonsense (use a Python codec name such as gb18030)"
    assert not out.exists()


def test_a_forced_encoding_that_does_not_fit_is_kept_with_a_warning(tmp_path: Path) -> None:
    src = tmp_path / "u8.txt"
    src.write_text("新华社北京5月4日电 中国汽车市场保持稳定增长。（完）\n", encoding="utf-8")
    result = runner.invoke(app, ["clean", str(src), "--out", str(tmp_path / "o"), "--encoding", "gbk", "-q"])
    assert result.exit_code == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Warning: u8.txt: --encoding gbk put U+FFFD for ") and line.endswith("check the encoding")
    fine = runner.invoke(app, ["clean", str(src), "--out", str(tmp_path / "o2"), "--encoding", "utf-8", "-q"])
    assert fine.exit_code == 0 and fine.stderr == ""


def test_keep_first_flag(tmp_path: Path) -> None:
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(tmp_path), "--keep", "first", "-q"])
    assert result.exit_code == 0, result.stderr
    [dup] = [json.loads(line) for line in (tmp_path / "removed.jsonl").read_text().splitlines()]
    assert dup["source"] == "虎嗅APP" and dup["keep_rule"] == "first"


def test_bad_keep_value(tmp_path: Path) -> None:
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(tmp_path), "--keep", "best"])
    assert result.exit_code == 2
    assert "dedup.keep must be 'longest' or 'first'" in result.stderr


def test_bad_files_are_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("標題\n這是一篇正常的文章，內容很完整。 (某報)\n", encoding="utf-8")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "blob.bin").write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(inputs), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    kept = [json.loads(line) for line in (out / "corpus.jsonl").read_text().splitlines()]
    removed = {json.loads(line)["origin"]["file"]: json.loads(line)["reason"]
               for line in (out / "removed.jsonl").read_text().splitlines()}
    assert [k["source"] for k in kept] == ["某報"]
    assert removed == {"empty.txt": "empty", "blob.bin": "binary"}
    report = json.loads((out / "report.json").read_text())
    assert report["removed_by_reason"] == {"binary": 1, "empty": 1}
    assert (report["totals"]["removed"], report["totals"]["files_removed"]) == (2, 2)
    # No article was removed: the two lines of removed.jsonl are files, and the summaries say so.
    assert result.stderr.strip().endswith(
        f"1 articles from 3 files: 1 kept, 0 removed, 2 files removed, 0 duplicate clusters -> {out}")
    assert "1 articles found: 1 kept, 0 removed, 2 files removed;" in (out / "report.md").read_text()
    cards = (out / "report.html").read_text()
    assert "<b>0</b><span>removed</span>" in cards and "<b>2</b><span>files removed</span>" in cards


def test_unreadable_file_warns_and_is_recorded(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("標題\n這是一篇正常的文章，內容很完整。 (某報)\n", encoding="utf-8")
    (inputs / "gone.txt").symlink_to(tmp_path / "missing-target")
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(inputs), "--out", str(out), "-q"])
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: cannot read gone.txt:")
    [rec] = [json.loads(line) for line in (out / "removed.jsonl").read_text().splitlines()]
    assert (rec["id"], rec["reason"]) == ("gone:file", "unreadable")


def test_gbk_input_is_decoded(tmp_path: Path) -> None:
    text = "跨国车企拥抱中国技术\n新华社北京5月4日电 中国汽车产业接连迎来标志性事件，奔驰宣布升级研发中心。\n"
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    result = runner.invoke(app, ["clean", str(tmp_path / "gbk.txt"), "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 0, result.stderr
    [rec] = [json.loads(line) for line in (tmp_path / "o" / "corpus.jsonl").read_text().splitlines()]
    assert rec["origin"]["encoding"] == "gb18030" and rec["title"] == "跨国车企拥抱中国技术"


def test_no_half_written_files_after_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "corpus.jsonl").is_file()
    assert not [p for p in tmp_path.rglob(".*") if p.is_file() or p.is_dir()]


@pytest.mark.skipif(os.name != "posix", reason="runs the installed module")
def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "toolkit", "clean", str(SEEDS), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == f"9 articles from 2 files: 8 kept, 1 removed, 1 duplicate clusters -> {tmp_path}"


def test_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    trees = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "toolkit", "clean", str(SEEDS), "--out", str(out), "-q"],
                       check=True, env=env, cwd=ROOT)
        trees.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1]


@pytest.mark.parametrize("args", [["split", str(SEEDS)], ["detect", str(SEEDS)],
                                  ["diff", str(SEEDS / "004_14352a4bf9531335.txt"), str(SEEDS / "004_14352a4bf9531335.txt")]])
def test_unknown_encoding_is_one_error_line_in_every_command(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--encoding", "nonsense"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown encoding: nonsense (use a Python codec name such as gb18030)"


@pytest.mark.parametrize("codec", ["hex", "base64", "rot13", "zlib"])
def test_a_codec_that_is_not_a_text_encoding_is_refused(tmp_path: Path, codec: str) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(out), "--encoding", codec])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: not a text encoding: {codec} (use a Python codec name such as gb18030)"
    assert not out.exists()


def test_unknown_encoding_in_the_config_file_stops_before_any_output(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('encoding = "nonsense"\n')
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(tmp_path / "o"), "--config", str(cfg)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown encoding: nonsense (use a Python codec name such as gb18030)"
    assert not (tmp_path / "o").exists()


def test_an_output_directory_inside_the_input_is_not_read_again(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("標題\n這是一篇正常的文章，內容很完整。 (某報)\n", encoding="utf-8")
    out = inputs / "out"
    for _ in range(2):  # the second run would find the first one's corpus and reports
        result = runner.invoke(app, ["clean", str(inputs), "--out", str(out), "-q"])
        assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in (out / "corpus.jsonl").read_text().splitlines()] == ["a:0"]
    assert (out / "removed.jsonl").read_text() == ""
    assert json.loads((out / "report.json").read_text())["totals"]["files"] == 1


def test_an_empty_output_name_is_an_error_not_the_current_directory(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where a run with --out "" would write
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", ""])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --out is empty")
    assert list(tmp_path.iterdir()) == []


def test_inputs_with_no_file_warn(tmp_path: Path) -> None:
    (tmp_path / "none").mkdir()
    result = runner.invoke(app, ["clean", str(tmp_path / "none"), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0
    assert result.stderr.startswith(f"Warning: no input files found in {tmp_path / 'none'}")


def test_hidden_entries_under_a_directory_are_skipped_with_a_warning(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / ".git").mkdir(parents=True)
    (inputs / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (inputs / "sub").mkdir()
    (inputs / "sub" / "._a.txt").write_bytes(b"\x00\x05\x16\x07")  # a macOS AppleDouble copy
    (inputs / "a.txt").write_text("標題\n這是一篇正常的文章，內容很完整。 (某報)\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(inputs), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == (f"Warning: skipped 2 hidden entries under {inputs} (.git, sub/._a.txt); "
                                     "name one as an input to read it")
    assert [f["file"] for f in json.loads((out / "report.json").read_text())["files"]] == ["a.txt"]
    # Named on its own, a hidden file is read.
    result = runner.invoke(app, ["clean", str(inputs / "sub" / "._a.txt"), "--out", str(out), "-q"])
    assert json.loads((out / "report.json").read_text())["removed_by_reason"] == {"binary": 1}


def test_an_input_given_twice_is_read_once_with_a_warning(tmp_path: Path) -> None:
    seed = SEEDS / "004_14352a4bf9531335.txt"
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(SEEDS), str(seed), "-", "-", "--out", str(out), "-q"], input="")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Warning: 2 input(s) given more than once, read once: {seed}, <stdin>")
    report = json.loads((out / "report.json").read_text())
    assert [f["file"] for f in report["files"]] == ["000_79e19496e3b9640c.txt", "004_14352a4bf9531335.txt", "<stdin>"]
    assert report["totals"]["clusters"] == 1  # not one more for the file against itself
