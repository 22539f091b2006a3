"""Typer command line: flags → config → pipeline → exit code. No logic of its own."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from .config import load_config
from .errors import EXIT_OK, ConfigError, ToolkitError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Clean, split and deduplicate Chinese text corpora.")


def _warn(msg: str) -> None:
    typer.echo(f"Warning: {msg}", err=True)


def _error(err: ToolkitError) -> None:
    typer.echo(f"Error: {err}", err=True)
    raise typer.Exit(err.exit_code)


@app.callback()
def _root() -> None:
    """Clean, split and deduplicate Chinese text corpora."""


@app.command()
def clean(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT...", help="Files, directories (recursive) or - for stdin.")],
    out_dir: Annotated[str, typer.Option("--out", "-o", help="Output directory (left out of the inputs).")] = "out",
    config_file: Annotated[Path | None, typer.Option("--config", help="TOML file with per-stage settings.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Decode every input with this codec instead of detecting.")] = None,
    text_field: Annotated[str | None, typer.Option(help="JSON Lines inputs: the field holding the text (default text).")] = None,
    keep: Annotated[str | None, typer.Option(help="Which copy of a duplicate cluster to keep: longest | first.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Near-duplicate Jaccard threshold (default 0.8).")] = None,
    script_mode: Annotated[str | None, typer.Option(
        "--script", metavar="MODE",
        help="keep (default): report only; repair: fix definite minority-script spans; "
             "hans | hant | tw | hk: convert whole articles with OpenCC.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes (default: all cores).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Clean INPUT... into DIR: corpus.jsonl, removed.jsonl, clusters.jsonl, report.{json,md,html}, diffs/."""
    from .workers import default_jobs, start

    workers = default_jobs() if jobs is None else jobs
    start(workers)  # the fork server loads the stages while this process does
    from .io import discover, run_clean
    from .report import articles_removed, files_removed_phrase

    out = Path(out_dir)
    try:
        if not out_dir.strip():  # Path("") is the current directory: an unset variable, not a choice
            raise ConfigError("--out is empty", "name the output directory, for example --out out")
        config = load_config(config_file).with_overrides(dedup={"keep": keep, "threshold": threshold},
                                                         script={"mode": script_mode},
                                                         input={"text_field": text_field})
        if encoding:
            config = dataclasses.replace(config, encoding=encoding)
        files = discover(inputs, skip=out, notice=_warn)
        if not files:
            _warn(f"no input files found in {', '.join(inputs)}")
        total = sum(f.path.stat().st_size for f in files if f.path is not None and f.path.is_file())

        if quiet or not sys.stderr.isatty():
            data = run_clean(files, out, config, warn=_warn, jobs=workers)
        else:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(TextColumn("cleaning"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                          transient=True) as bar:
                task = bar.add_task("clean", total=total or None)
                data = run_clean(files, out, config, progress=lambda n: bar.advance(task, n), warn=_warn,
                                 jobs=workers)
    except ToolkitError as err:
        _error(err)
        return
    t = data["totals"]
    if not quiet:
        typer.echo(f"{t['articles_found']} articles from {t['files']} files: {t['kept']} kept, "
                   f"{articles_removed(t)} removed{files_removed_phrase(t)}, {t['clusters']} duplicate clusters -> {out}", err=True)
    raise typer.Exit(EXIT_OK)


@app.command()
def split(
    inputs: Annotated[list[str], typer.Argument(metavar="PATH...", help="Files, directories (recursive) or - for stdin.")],
    preview: Annotated[bool, typer.Option("--preview", help="A table of boundaries for people instead of JSON lines.")] = False,
    config_file: Annotated[Path | None, typer.Option("--config", help="TOML file; its [split] table sets the markers.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Decode every input with this codec instead of detecting.")] = None,
) -> None:
    """Show where PATH... split into articles: marker kinds, title, source (JSON lines, or --preview)."""
    import json

    from .decode import Rejected, decode_bytes
    from .io import cannot_read, discover, read_input
    from .split import describe, marker_table

    try:
        config = load_config(config_file)
        if encoding:
            config = dataclasses.replace(config, encoding=encoding)
        table = marker_table(config.split)
        files = discover(inputs, notice=_warn)
    except ToolkitError as err:
        _error(err)
        return
    rows: list[tuple[str, dict[str, Any]]] = []
    for f in files:
        try:
            decoded = decode_bytes(read_input(f), config.encoding)
        except OSError as err:
            typer.echo(f"Warning: {cannot_read(f, err)}", err=True)
            continue
        if isinstance(decoded, Rejected):
            typer.echo(f"Warning: {f.rel}: {decoded.reason}: {decoded.detail}", err=True)
            continue
        for rec in describe(decoded.text, config.split, table):
            if preview:
                rows.append((f.rel, rec))
            else:
                typer.echo(json.dumps({"file": f.rel, **rec}, ensure_ascii=False, sort_keys=True))
    if preview:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        from .display import shown

        view = Table("file", "#", "line", "start marker", "end marker", "title", "source", "tags", "chars")
        for rel, rec in rows:
            cells = (rel, str(rec["index"]), str(rec["line"]), ", ".join(rec["start_markers"]) or "-",
                     ", ".join(rec["end_markers"]) or "-", rec["title"] or "-", rec["source"] or "-",
                     " ".join(rec["tags"]) or "-", str(len(rec["text"])))
            view.add_row(*(escape(shown(c)) for c in cells))  # input text: no terminal codes, no rich markup
        # a fixed width off a terminal, so piped output is whole and stable
        Console(width=None if sys.stdout.isatty() else 240).print(view)
    raise typer.Exit(EXIT_OK)


@app.command()
def detect(
    inputs: Annotated[list[str], typer.Argument(metavar="PATH...", help="Files, directories (recursive) or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document instead of a table.")] = False,
    config_file: Annotated[Path | None, typer.Option("--config", help="TOML file with per-stage settings.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Decode every input with this codec instead of detecting.")] = None,
) -> None:
    """Label each article of PATH... Simplified or Traditional and show its minority-script spans."""
    import json

    from .decode import Rejected
    from .io import cannot_read, discover, read_input
    from .script import detect_files, detect_table

    try:
        config = load_config(config_file)
        if encoding:
            config = dataclasses.replace(config, encoding=encoding)
        files = discover(inputs, notice=_warn)
    except ToolkitError as err:
        _error(err)
        return

    def contents() -> Iterator[tuple[str, bytes | Rejected]]:
        for f in files:
            try:
                yield f.rel, read_input(f)
            except OSError as err:
                typer.echo(f"Warning: {cannot_read(f, err)}", err=True)
                yield f.rel, Rejected("unreadable", cannot_read(f, err), 0)  # listed in the report too

    report = detect_files(contents(), config)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, sort_keys=True, indent=1))
    else:
        typer.echo(detect_table(report), nl=False)
    raise typer.Exit(EXIT_OK)



@app.command("diff")
def diff_command(
    a: Annotated[str, typer.Argument(metavar="A", help="Kept side: a file, FILE:N, or an article id.")],
    b: Annotated[str, typer.Argument(metavar="B", help="Other side: a file, FILE:N, or an article id.")],
    run: Annotated[Path, typer.Option("--run", help="Output of a previous clean, to look ids up in.")] = Path("out"),
    config_file: Annotated[Path | None, typer.Option("--config", help="TOML file with per-stage settings.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Decode files with this codec instead of detecting.")] = None,
    color: Annotated[bool | None, typer.Option("--color/--no-color", help="ANSI colours (default: on a terminal).")]
    = None,
) -> None:
    """Align two articles sentence by sentence, then by character, as on the diff pages.

    A and B are each an existing file (its whole text), FILE:N (article N of FILE, from 0, cleaned
    as clean does), or an article id from RUN/corpus.jsonl or RUN/removed.jsonl.
    """
    from .io import run_diff

    try:
        config = load_config(config_file)
        if encoding:
            config = dataclasses.replace(config, encoding=encoding)
        use_color = sys.stdout.isatty() if color is None else color
        text = run_diff(a, b, run, config, color=use_color)
    except ToolkitError as err:
        _error(err)
        return
    typer.echo(text, color=use_color)  # click strips ANSI codes off a pipe unless told otherwise
    raise typer.Exit(EXIT_OK)



def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # `kill` cleans up as Ctrl-C does: temporary files go, workers stop


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    app()
