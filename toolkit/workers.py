"""How worker processes start. Light on imports, so that the command line can start the fork
server before it loads the stages itself: the two load them at the same time."""

from __future__ import annotations

import multiprocessing
import os
import select
import time
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


def die_with(run: int) -> None:
    """Worker initializer: end the worker when the process ``run`` ends, so that a killed run
    leaves no workers behind to write into its output directory. (A worker never sees its queue
    close: it holds both ends; and the fork server lives as long as any worker.)"""
    import threading

    def watch() -> None:
        try:
            select.select([os.pidfd_open(run)], [], [])  # readable once the run has ended
        except (AttributeError, OSError):  # no pidfd (not Linux 5.3+): look every second
            while _alive(run):
                time.sleep(1)
        os._exit(1)  # nobody is left to take the results

    threading.Thread(target=watch, name="die-with-run", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def start(jobs: int) -> None:
    """Start the fork server now when there will be workers, instead of at their first job."""
    if jobs > 1:
        import multiprocessing.forkserver

        context()
        multiprocessing.forkserver.ensure_running()
