"""Typer command line: flags → config → pipeline → exit code. No logic of its own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .config import load_config
from .errors import EXIT_OK, ToolkitError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Clean, split and deduplicate Chinese text corpora.")


def _error(err: ToolkitError) -> None:
    typer.echo(f"Error: {err}", err=True)
    raise typer.Exit(err.exit_code)


@app.callback()
def _root() -> None:
    """Clean, split and deduplicate Chinese text corpora."""


@app.command()
def clean(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT...", help="Files, directories (recursive) or - for stdin.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("out"),
    config_file: Annotated[Path | None, typer.Option("--config", help="TOML file with per-stage settings.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Decode every input with this codec instead of detecting.")] = None,
    keep: Annotated[str | None, typer.Option(help="Which copy of a duplicate cluster to keep: longest | first.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Near-duplicate Jaccard threshold (default 0.8).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Clean INPUT... into DIR: corpus.jsonl, removed.jsonl, clusters.jsonl, report.{json,md}, diffs/."""
    from .io import discover, run_clean

    try:
        config = load_config(config_file).with_overrides(dedup={"keep": keep, "threshold": threshold})
        if encoding:
            import dataclasses

            config = dataclasses.replace(config, encoding=encoding)
        files = discover(inputs)
        total = sum(f.path.stat().st_size for f in files if f.path is not None and f.path.is_file())

        def warn(msg: str) -> None:
            typer.echo(f"Warning: {msg}", err=True)

        if quiet or not sys.stderr.isatty():
            data = run_clean(files, out, config, warn=warn)
        else:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(TextColumn("cleaning"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                          transient=True) as bar:
                task = bar.add_task("clean", total=total or None)
                data = run_clean(files, out, config, progress=lambda n: bar.advance(task, n), warn=warn)
    except ToolkitError as err:
        _error(err)
        return
    t = data["totals"]
    if not quiet:
        typer.echo(f"{t['articles_found']} articles from {t['files']} files: {t['kept']} kept, "
                   f"{t['removed']} removed, {t['clusters']} duplicate clusters -> {out}", err=True)
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
            import dataclasses

            config = dataclasses.replace(config, encoding=encoding)
        use_color = sys.stdout.isatty() if color is None else color
        text = run_diff(a, b, run, config, color=use_color)
    except ToolkitError as err:
        _error(err)
        return
    typer.echo(text, color=use_color)  # click strips ANSI codes off a pipe unless told otherwise
    raise typer.Exit(EXIT_OK)


def main() -> None:
    app()
