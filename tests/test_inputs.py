"""Inputs end to end: JSON Lines, gzip, stdin, re-encoded seeds, and bad input that never stops the run."""

from __future__ import annotations

import codecs
import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.config import Config
from toolkit.pipeline import process_file

from .conftest import ROOT, SIMP, TRAD

runner = CliRunner()
ARTICLE = "標題\n這是一篇正常的文章，內容很完整，講述了汽車市場的變化。 (某報)"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def clean(*args: str) -> Any:
    result = runner.invoke(app, ["clean", *args, "-q"])
    assert result.exit_code == 0, result.stderr
    return result


def jsonl(*records: Any) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records).encode()


def test_jsonl_records_keep_their_fields_as_meta_and_their_line_as_origin(tmp_path: Path) -> None:
    data = jsonl({"text": ARTICLE, "url": "https://example.com/1", "id": 7}, "",
                 {"text": "新华社北京5月4日电 中国汽车产业接连迎来标志性事件。", "tags": ["车"]})
    (tmp_path / "news.jsonl").write_bytes(data)
    clean(str(tmp_path / "news.jsonl"), "--out", str(tmp_path / "o"))
    kept = lines(tmp_path / "o" / "corpus.jsonl")
    assert [r["id"] for r in kept] == ["news:1", "news:3"]  # the blank line 2 is not a record
    first, second = kept
    assert first["meta"] == {"url": "https://example.com/1", "id": 7}
    assert (first["title"], first["source"]) == ("標題", "某報")  # a record's text is split like a file
    assert first["origin"]["line"] == 1 and first["origin"]["file"] == "news.jsonl"
    assert ARTICLE[first["origin"]["start"]:first["origin"]["end"]].startswith("標題")
    assert second["meta"] == {"tags": ["车"]} and second["source"] == "新华社"


def test_jsonl_record_holding_several_articles_is_split(tmp_path: Path) -> None:
    seed = TRAD.read_text(encoding="utf-8")
    (tmp_path / "dump.jsonl").write_bytes(jsonl({"text": seed, "n": 1}))
    clean(str(tmp_path / "dump.jsonl"), "--out", str(tmp_path / "o"))
    records = lines(tmp_path / "o" / "corpus.jsonl") + lines(tmp_path / "o" / "removed.jsonl")
    assert sorted(r["id"] for r in records) == [f"dump:1.{k}" for k in range(8)]
    assert all(r["meta"] == {"n": 1} and r["origin"]["line"] == 1 for r in records)


def test_jsonl_record_without_markers_is_one_article() -> None:
    text = "沒有任何標記的一段文字，只是一篇文章的正文而已。"
    info, [item] = process_file(jsonl({"text": text}), "a.jsonl", 0, Config())
    assert (item.doc.id, item.doc.text, item.removal) == ("a:1", text, None)
    assert (info.articles, info.reason, info.encoding) == (1, None, "utf-8")


def test_jsonl_files_each_opening_with_a_bom_concatenated_lose_no_record(tmp_path: Path) -> None:
    record = jsonl({"text": ARTICLE}).decode()
    (tmp_path / "cat.jsonl").write_bytes((codecs.BOM_UTF8 + record.encode()) * 2)
    clean(str(tmp_path / "cat.jsonl"), "--out", str(tmp_path / "out"))
    kept = lines(tmp_path / "out" / "corpus.jsonl")
    assert [r["id"] for r in kept] == ["cat:1"]  # the second is an exact duplicate, not a bad line
    [dup] = lines(tmp_path / "out" / "removed.jsonl")
    assert (dup["id"], dup["reason"]) == ("cat:2", "exact_duplicate")


def test_bad_jsonl_lines_are_removed_records_with_their_line_number(tmp_path: Path) -> None:
    data = jsonl({"text": ARTICLE}, "{not json", "[1, 2]", {"body": "no text field"}, {"text": ["a list"]},
                 {"text": "  "}, '{"text": NaN}', '{"text": "lone \\ud800 surrogate"}')
    (tmp_path / "bad.jsonl").write_bytes(data)
    result = clean(str(tmp_path / "bad.jsonl"), "--out", str(tmp_path / "o"))
    assert result.stderr == ""
    assert [r["id"] for r in lines(tmp_path / "o" / "corpus.jsonl")] == ["bad:1"]
    removed = {r["id"]: (r["reason"], r["detail"]) for r in lines(tmp_path / "o" / "removed.jsonl")}
    assert removed["bad:2"][0] == "invalid_json" and removed["bad:2"][1].startswith("line 2: not valid JSON")
    assert removed["bad:3"] == ("invalid_json", "line 3: a JSON list, not an object")
    assert removed["bad:4"] == ("missing_text", "line 4: the record has no field 'text'")
    assert removed["bad:5"] == ("missing_text", "line 5: the record has a list, not a string, as its field 'text'")
    assert removed["bad:6"] == ("empty", "line 6: the record has no article text")
    assert removed["bad:7"][0] == removed["bad:8"][0] == "invalid_json"
    by_id = {r["id"]: r for r in lines(tmp_path / "o" / "removed.jsonl")}
    assert by_id["bad:2"]["text"] == "{not json"  # nothing lost: the line itself is kept
    assert by_id["bad:4"]["meta"] == {"body": "no text field"}
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["removed_by_reason"] == {"empty": 1, "invalid_json": 4, "missing_text": 2}


def test_jsonl_lines_that_json_would_read_with_a_loss_are_rejected_whole(tmp_path: Path) -> None:
    # json keeps the last of two equal keys and reads 1e400 as inf, which no JSON output holds.
    data = jsonl('{"text": "第一篇文章。", "text": "第二篇。"}', '{"text": "正文。", "meta": {"a": 1, "a": 2}}',
                 '{"text": "正文。", "score": 1e400}', '{"text": "正文。", "score": -1e999}',
                 {"text": ARTICLE, "score": 1e300, "n": 10**30})
    (tmp_path / "lossy.jsonl").write_bytes(data)
    clean(str(tmp_path / "lossy.jsonl"), "--out", str(tmp_path / "o"))
    removed = {r["id"]: r for r in lines(tmp_path / "o" / "removed.jsonl")}
    assert {k: (r["reason"], r["detail"]) for k, r in removed.items()} == {
        "lossy:1": ("invalid_json", "line 1: not valid JSON (the key 'text' appears twice in one object)"),
        "lossy:2": ("invalid_json", "line 2: not valid JSON (the key 'a' appears twice in one object)"),
        "lossy:3": ("invalid_json", "line 3: not valid JSON (1e400 is too large for a number)"),
        "lossy:4": ("invalid_json", "line 4: not valid JSON (-1e999 is too large for a number)"),
    }
    assert removed["lossy:1"]["text"] == '{"text": "第一篇文章。", "text": "第二篇。"}'  # both texts kept
    [kept] = lines(tmp_path / "o" / "corpus.jsonl")
    assert kept["meta"] == {"score": 1e300, "n": 10**30}
    written = [line for name in ("corpus.jsonl", "removed.jsonl")
               for line in (tmp_path / "o" / name).read_text(encoding="utf-8").splitlines()]

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} written")

    for line in written:  # strict JSON: no Infinity or NaN written
        json.loads(line, parse_constant=refuse)


def test_an_encoding_override_giving_a_lone_surrogate_does_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(b"Hello +2AA- world\n")  # utf-7 for U+D800 alone
    (tmp_path / "in" / "b.txt").write_bytes(ARTICLE.encode("utf-7"))
    result = runner.invoke(app, ["clean", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--encoding", "utf-7"])
    assert result.exit_code == 0, result.stderr
    assert "a.txt" in result.stderr and "check the encoding" in result.stderr
    records = lines(tmp_path / "o" / "corpus.jsonl") + lines(tmp_path / "o" / "removed.jsonl")
    assert sorted(r["text"] for r in records) == ["Hello \ufffd world", ARTICLE.split("\n")[1].removesuffix(" (某報)")]


def test_text_field_option_and_config(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_bytes(jsonl({"content": ARTICLE, "text": "not this"}))
    clean(str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"), "--text-field", "content")
    [rec] = lines(tmp_path / "o" / "corpus.jsonl")
    assert rec["source"] == "某報" and rec["meta"] == {"text": "not this"}
    cfg = tmp_path / "c.toml"
    cfg.write_text('[input]\ntext_field = "content"\n')
    clean(str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o2"), "--config", str(cfg))
    assert lines(tmp_path / "o2" / "corpus.jsonl") == [rec]


def test_empty_text_field_name_is_a_config_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["clean", str(SIMP), "--out", str(tmp_path / "o"), "--text-field", " "])
    assert result.exit_code == 2
    assert result.stderr.strip() == 'Error: input.text_field must be a non-empty field name (try "text" or "content")'
    assert not (tmp_path / "o").exists()


def test_gzipped_jsonl_and_text(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(jsonl({"text": ARTICLE}), mtime=0))
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress("標題二\n另一篇完全不同的報導，談的是電池與晶片的供應。 (他報)".encode("big5"), mtime=0))
    clean(str(tmp_path), "--out", str(tmp_path / "o"))
    kept = {r["id"]: r for r in lines(tmp_path / "o" / "corpus.jsonl")}
    assert set(kept) == {"a.jsonl:1", "b.txt:0"}
    assert kept["b.txt:0"]["origin"]["encoding"] == "big5hkscs"


def test_stdin(tmp_path: Path) -> None:
    result = runner.invoke(app, ["clean", "-", "--out", str(tmp_path / "o"), "-q"], input=ARTICLE.encode("gb18030"))
    assert result.exit_code == 0, result.stderr
    [rec] = lines(tmp_path / "o" / "corpus.jsonl")
    assert (rec["id"], rec["origin"]["file"], rec["origin"]["encoding"]) == ("<stdin>:0", "<stdin>", "gb18030")


def test_re_encoded_seeds_give_the_same_corpus(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / TRAD.name).write_bytes(codecs.BOM_UTF16_LE + TRAD.read_text(encoding="utf-8").encode("utf-16-le"))
    (inputs / SIMP.name).write_bytes(SIMP.read_text(encoding="utf-8").encode("gb18030"))
    clean(str(inputs), "--out", str(tmp_path / "o"))
    want = lines(ROOT / "reports" / "corpus.jsonl")
    got = lines(tmp_path / "o" / "corpus.jsonl")
    assert [(r["id"], r["text"], r["steps"]) for r in got] == [(r["id"], r["text"], r["steps"]) for r in want]
    assert {r["origin"]["encoding"] for r in got} == {"utf-16", "gb18030"}


def test_mojibake_seed_is_repaired_and_the_step_recorded(tmp_path: Path) -> None:
    seed = SIMP.read_text(encoding="utf-8")
    (tmp_path / "moji.txt").write_text(seed.encode("gbk").decode("latin-1"), encoding="utf-8")
    clean(str(tmp_path / "moji.txt"), "--out", str(tmp_path / "o"))
    [rec] = lines(tmp_path / "o" / "corpus.jsonl")
    [want] = [r for r in lines(ROOT / "reports" / "corpus.jsonl") if r["id"].startswith("004")]
    assert rec["text"] == want["text"]
    assert rec["steps"][0]["fixer"] == "mojibake" and rec["steps"][0]["count"] > 0
    assert not rec["quality"]["mojibake_suspect"]


def test_every_kind_of_bad_input_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (inputs / "b_empty.txt").write_bytes(b"")
    (inputs / "c_blob.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (inputs / "d_undecodable.txt").write_bytes(b"\x81")
    (inputs / "e.jsonl").write_bytes(b'{"text": "ok"}\n{oops\n')
    (inputs / "f_corrupt.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    (inputs / "g_gone.txt").symlink_to(tmp_path / "nowhere")
    os.mkfifo(inputs / "h_fifo")
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(inputs), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    warnings = result.stderr.splitlines()
    assert [w.split(":")[1].strip() for w in warnings] == ["cannot read f_corrupt.gz", "cannot read g_gone.txt",
                                                            "cannot read h_fifo"]
    assert all(w.startswith("Warning: ") for w in warnings)
    assert "not a regular file" in warnings[2]
    removed = {r["id"]: r for r in lines(out / "removed.jsonl")}
    reasons = {i: r["reason"] for i, r in removed.items()}
    assert reasons == {"b_empty:file": "empty", "c_blob:file": "binary", "d_undecodable:file": "undecodable",
                       "e:2": "invalid_json", "f_corrupt:file": "unreadable", "g_gone:file": "unreadable",
                       "h_fifo:file": "unreadable", "e:1": "quality:low_cjk"}
    assert removed["d_undecodable:file"]["detail"].endswith("(1 bytes)")
    assert removed["e:2"]["detail"].startswith("line 2:")
    report = json.loads((out / "report.json").read_text())
    assert report["removed_by_reason"] == {"binary": 1, "empty": 1, "invalid_json": 1, "quality:low_cjk": 1,
                                           "undecodable": 1, "unreadable": 3}
    assert [f["file"] for f in report["files"]] == sorted(p.name for p in inputs.iterdir())
    assert [r["source"] for r in lines(out / "corpus.jsonl")] == ["某報"]
    sizes = {f["file"]: f["size"] for f in report["files"]}
    assert (sizes["f_corrupt.gz"], sizes["g_gone.txt"]) == (24, 0)  # a corrupt file has its size on disk


def test_file_names_that_are_not_utf8_are_recorded_escaped(tmp_path: Path) -> None:
    # A GBK-named file unpacked on Linux (新闻.txt), and a name holding a control character.
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / os.fsdecode(b"\xd0\xc2\xce\xc5.txt")).write_text(ARTICLE, encoding="utf-8")
    (inputs / "tab\tname.txt").write_text(ARTICLE.replace("汽車", "電池"), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(inputs), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    assert "2 file names not valid UTF-8 or holding control characters" in result.stderr
    kept = lines(out / "corpus.jsonl")
    assert sorted(r["origin"]["file"] for r in kept) == ["\\xd0\\xc2\\xce\\xc5.txt", "tab\\x09name.txt"]
    assert sorted(r["id"] for r in kept) == ["\\xd0\\xc2\\xce\\xc5:0", "tab\\x09name:0"]
    for name in ("report.json", "report.md", "report.html", "clusters.jsonl"):
        (out / name).read_text(encoding="utf-8")  # valid UTF-8 throughout


def test_unlistable_directory_and_directory_link_are_reported(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "in"
    (inputs / "locked").mkdir(parents=True)
    (inputs / "locked" / "hidden.txt").write_text(ARTICLE, encoding="utf-8")
    (inputs / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (inputs / "link").symlink_to(inputs / "locked", target_is_directory=True)
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # permissions cannot deny root, so deny the listing here
        if isinstance(path, str | os.PathLike) and Path(path) == inputs / "locked":  # rmtree passes fds
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(inputs), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Warning: cannot read link: a link to a directory (not followed)",
        "Warning: cannot read locked: cannot list directory: Permission denied",
    ]
    removed = {r["id"]: r["reason"] for r in lines(out / "removed.jsonl")}
    assert removed == {"link:file": "unreadable", "locked:file": "unreadable"}
    assert [r["id"] for r in lines(out / "corpus.jsonl")] == ["a:0"]


def test_missing_input_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(SIMP), str(tmp_path / "nope.jsonl"), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Error: input not found: {tmp_path / 'nope.jsonl'} "
                                          "(check the path; nothing was written)"]
    assert not out.exists()


def test_output_directory_that_refuses_files_is_left_untouched(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.io

    out = tmp_path / "out"
    out.mkdir()

    def refuse(*args: Any, **kwargs: Any) -> Any:  # root ignores permissions, so refuse here
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(toolkit.io.tempfile, "NamedTemporaryFile", refuse)
    result = runner.invoke(app, ["clean", str(SIMP), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: cannot write to output directory {out}: Permission denied "
                                          "(choose another --out or fix its permissions)"]
    assert list(out.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = runner.invoke(app, ["clean", str(SIMP), "--out", str(out)])
        assert result.exit_code == 1
        [line] = result.stderr.splitlines()
        assert line.startswith(f"Error: cannot write to output directory {out}")
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o700)


def test_jsonl_output_is_deterministic(tmp_path: Path) -> None:
    data = jsonl({"text": TRAD.read_text(encoding="utf-8"), "k": {"b": 1, "a": 2}}, "{bad", {"text": ARTICLE})
    (tmp_path / "x.jsonl").write_bytes(data)
    trees = []
    for name in ("o1", "o2"):
        clean(str(tmp_path / "x.jsonl"), "--out", str(tmp_path / name))
        trees.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})
    assert trees[0] == trees[1]


@settings(max_examples=200)
@given(st.binary(max_size=300), st.sampled_from(["x.txt", "x.jsonl"]))
def test_random_bytes_never_stop_a_file(data: bytes, name: str) -> None:
    info, items = process_file(data, name, 0, Config())
    assert (info.reason is None) == bool(items)
    assert [item.doc.index for item in items] == list(range(len(items)))
    assert len({item.doc.id for item in items}) == len(items)


_JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda inner: st.lists(inner)
                            | st.dictionaries(st.text(), inner), max_leaves=8)


_LINE = st.text(st.characters(exclude_categories=["Cc", "Cs"]))  # control bytes make a file binary


@given(st.lists(st.dictionaries(st.sampled_from(["text", "id", "url"]), _JSON_VALUES) | _LINE, max_size=6))
def test_any_jsonl_lines_give_one_outcome_per_record(records: list[Any]) -> None:
    data = "".join((json.dumps(r) if isinstance(r, dict) else r.replace("\n", " ")) + "\n" for r in records)
    _info, items = process_file(data.encode(), "r.jsonl", 0, Config())
    nonblank = [i for i, line in enumerate(data.split("\n"), 1) if line.strip()]
    # every non-blank line is accounted for: as articles, or as one removed record
    assert sorted({int(item.doc.id.split(":")[1].split(".")[0]) for item in items}) == nonblank
    assert all(item.doc.origin.line == int(item.doc.id.split(":")[1].split(".")[0]) for item in items)


@pytest.mark.parametrize("command", [["split", "--preview"], ["detect"], ["clean", "-q", "--out"]])
def test_every_command_warns_about_a_corrupt_gzip_and_goes_on(tmp_path: Path, command: list[str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "bad.txt.gz").write_bytes(gzip.compress(SIMP.read_bytes())[:-20])  # cut short
    (inputs / "good.txt").write_bytes(SIMP.read_bytes())
    args = [*command, str(tmp_path / "out")] if command[0] == "clean" else command
    result = runner.invoke(app, [args[0], str(inputs), *args[1:]])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Warning: cannot read bad.txt.gz: not a readable gzip file "
        "(Compressed file ended before the end-of-stream marker was reached)"]
    if command[0] != "clean":
        assert "跨国车企拥抱中国技术" in result.stdout


def test_detect_json_lists_an_unreadable_file_with_its_reason(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "bad.txt.gz").write_bytes(gzip.compress(SIMP.read_bytes())[:-20])
    (inputs / "good.txt").write_bytes(SIMP.read_bytes())
    result = runner.invoke(app, ["detect", str(inputs), "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totals"]["files"] == 2
    bad = report["files"][0]
    assert (bad["file"], bad["reason"], bad["articles"]) == ("bad.txt.gz", "unreadable", [])
    assert bad["detail"].startswith("cannot read bad.txt.gz: not a readable gzip file")
