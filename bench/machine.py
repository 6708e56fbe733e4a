"""What the numbers were measured on: CPU, memory, versions, git commit, load."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("dagster", "pyspark", "pandera", "deltalake", "pyarrow", "pandas", "moto", "boto3")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _field(text: str, name: str) -> str | None:
    match = re.search(rf"^{name}\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _run(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPO)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (done.stdout + done.stderr).strip()


def total_memory_bytes() -> int | None:
    kib = _field(_read("/proc/meminfo"), "MemTotal")
    return int(kib.split()[0]) * 1024 if kib else None


def java_version() -> str | None:
    java = Path(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    first = _run(str(java), "-version").splitlines()
    return first[0] if first else None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def describe() -> dict:
    """The machine description stored with every result file."""
    memory = total_memory_bytes()
    commit = _run("git", "rev-parse", "HEAD") or None
    return {
        "cpu_model": _field(_read("/proc/cpuinfo"), "model name") or platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1) if memory else None,
        "load_average_at_start": load_average(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "java": java_version(),
        "versions": {name: _version(name) for name in PACKAGES},
        "git_commit": commit,
        "git_dirty": bool(_run("git", "status", "--porcelain", "--untracked-files=no")) if commit else None,
    }
