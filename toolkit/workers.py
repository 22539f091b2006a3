"""How worker processes start. Light on imports, so that the command line can start the fork
server before it loads the stages itself: the two load them at the same time."""

from __future__ import annotations

import multiprocessing
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not on Windows, where a run can still use one process
    from multiprocessing.context import ForkServerContext

PRELOAD = ["toolkit.pipeline"]  # every stage, with numpy and OpenCC: loaded once, in the fork server


def default_jobs() -> int:
    """All cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def context() -> ForkServerContext:
    """forkserver: workers start from a clean process (no inherited threads or open outputs)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start(jobs: int) -> None:
    """Start the fork server now when there will be workers, instead of at their first job."""
    if jobs > 1:
        import multiprocessing.forkserver

        context()
        multiprocessing.forkserver.ensure_running()
