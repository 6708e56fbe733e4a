"""Process-tree facts read from /proc (Linux; psutil is not a dependency of the project)."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path


def status(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict ({} if the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _children() -> dict[int, list[int]]:
    children = defaultdict(list)
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry))  # field 4: parent pid
    return children


def descendants(root: int) -> list[int]:
    """`root` and every process below it."""
    children, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def child_names(pid: int) -> list[str]:
    """Names of the direct children of `pid` (e.g. 'java' once PySpark started a JVM)."""
    return [status(child).get("Name", "?") for child in _children().get(pid, [])]
