"""The memory bench counts each address space once: a child still in its parent's image under a
thread's name (the JVM's spawn before exec) is not a process of its own."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from bench import procs

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")


def _fork_from_named_thread() -> int:
    """Fork in a thread named like a JVM worker; the child sleeps without exec (Linux prctl)."""
    pids = []

    def body():
        ctypes.CDLL(None).prctl(15, b"Executor task l", 0, 0, 0)  # PR_SET_NAME: this thread's name
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        pids.append(pid)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return pids[0]


def test_a_child_caught_mid_spawn_is_left_out_and_an_executed_child_is_counted():
    clone = _fork_from_named_thread()
    executed = subprocess.Popen(["sleep", "30"])
    try:
        time.sleep(0.2)
        assert procs.status(clone)["Name"] == "Executor task l"
        assert procs.mid_spawn(clone, os.getpid())
        assert not procs.mid_spawn(executed.pid, os.getpid())
        counted = procs.descendants(os.getpid(), skip_mid_spawn=True)
        assert executed.pid in counted and clone not in counted
        assert clone in procs.descendants(os.getpid())
    finally:
        os.kill(clone, signal.SIGKILL)
        os.waitpid(clone, 0)
        executed.kill()
        executed.wait()
