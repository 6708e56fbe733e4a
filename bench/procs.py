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


def descendants(root: int, skip_mid_spawn: bool = False) -> list[int]:
    """`root` and every process below it (optionally without children caught mid-spawn)."""
    children, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [c for c in children.get(pid, []) if not (skip_mid_spawn and mid_spawn(c, pid))]
    return found


def _exe(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def mid_spawn(pid: int, parent: int) -> bool:
    """A child that is still its parent's image under a thread's name: the JVM's posix_spawn
    (vfork) before exec, as when Hadoop's local file system runs `chmod` for a written file. It
    shares the parent's memory, so its resident set is the parent's, not memory of its own."""
    child_status, parent_status = status(pid), status(parent)
    same_image = _exe(pid) != "" and _exe(pid) == _exe(parent)
    return same_image and child_status.get("Name") != parent_status.get("Name")


def child_names(pid: int) -> list[str]:
    """Names of the direct children of `pid` (e.g. 'java' once PySpark started a JVM)."""
    return [status(child).get("Name", "?") for child in _children().get(pid, [])]
