"""Headless Chromium for the browser tests: render a local page, collect its console.

Uses the Debian ``chromium`` binary directly (``.ci/run`` installs it): ``--dump-dom``
gives the DOM after scripts ran, ``--enable-logging=stderr`` gives every console
message and uncaught error, ``--screenshot`` saves what a reviewer would see.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars")
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]? (.*)$")


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]  # every console message and uncaught error, as Chromium logged it


def chromium() -> str:
    """The Chromium binary, or skip the test with the reason."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (.ci/run installs the Debian package 'chromium')")


def _run(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=120, check=False)


def render(page: Path, screenshot: Path | None = None, size: tuple[int, int] = (1280, 1600)) -> Rendered:
    """Load ``page`` in headless Chromium; return the rendered DOM and the console log."""
    done = _run(page, "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [m.group(1) for line in done.stderr.splitlines() if (m := CONSOLE.search(line))]
    if screenshot is not None:
        shot = _run(page, f"--screenshot={screenshot.resolve()}", f"--window-size={size[0]},{size[1]}")
        assert shot.returncode == 0 and screenshot.is_file(), shot.stderr[-2000:]
    return Rendered(done.stdout, console)
