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
    text_field: Annotated[str | None, typer.Option(help="JSON Lines inputs: the field holding the text (default text).")] = None,
    keep: Annotated[str | None, typer.Option(help="Which copy of a duplicate cluster to keep: longest | first.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Near-duplicate Jaccard threshold (default 0.8).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Clean INPUT... into DIR: corpus.jsonl, removed.jsonl, clusters.jsonl, report.{json,md}, diffs/."""
    from .io import discover, run_clean

    try:
        config = load_config(config_file).with_overrides(dedup={"keep": keep, "threshold": threshold},
                                                         input={"text_field": text_field})
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


def main() -> None:
    app()
