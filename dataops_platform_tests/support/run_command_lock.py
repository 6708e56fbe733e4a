"""One `scripts/run.sh` stack at a time across pytest-xdist workers.

A stack is a webserver, a daemon, a code server and a new process with its own JVM for every
automatic run. Two of them at once on the suite's 2 cores starve each other: on a busy machine
neither reached its first gold within the wait (seen in a fresh-clone CI run, 2026-12-03)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def run_command_lock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Held while a module's stack runs; the file sits in the pytest root that all workers share."""
    root = tmp_path_factory.getbasetemp()
    shared = root.parent if root.name.startswith("popen-gw") else root  # xdist: .../pytest-N/popen-gwK
    with open(shared / "run-command.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
