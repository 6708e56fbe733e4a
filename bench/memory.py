"""memory: peak resident memory (Python + JVM) of the end-to-end paths at the largest scale.

Each path runs once in a fresh child process (bench/memory_child.py) so the JVM starts with
the platform's settings (driver memory 4g by default). The parent samples the resident set
of the child's whole process tree (the Python driver and the JVM it launches) from
/proc/<pid>/status every 0.2 s; the peak of the sum is reported, with each process's own
high-water mark (VmHWM) alongside. A child caught between the JVM's spawn and its exec (it has
the JVM's image and a thread's name, e.g. `Executor task l`) shares the JVM's memory and is not
counted: Spark's local writes spawn such children (`chmod`) for every file. The target: the platform completes, within the machine's
memory, at no more than 1.25 times the baseline's peak. The same two runs also give an
end-to-end ratio at this scale (one run of each path, so not a median).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench import procs
from bench.context import log
from bench.end_to_end import TARGET as E2E_TARGET  # the end-to-end target, here at the memory scale
from bench.machine import REPO, total_memory_bytes
from bench.report import Row, ScenarioResult, ratio

GIB = 2**30
INTERVAL = 0.2
TARGET = 1.25  # platform peak / baseline peak


def _kib(value: str | None) -> int:
    return int(value.split()[0]) * 1024 if value else 0


def sample(process: subprocess.Popen) -> dict:
    """Peak summed RSS of the tree while `process` runs, and each process's peak VmHWM."""
    peak, hwm, names = 0, {}, {}
    while process.poll() is None:
        total = 0
        for pid in procs.descendants(process.pid, skip_mid_spawn=True):
            status = procs.status(pid)
            total += _kib(status.get("VmRSS"))
            hwm[pid] = max(hwm.get(pid, 0), _kib(status.get("VmHWM")))
            names[pid] = status.get("Name", "?")
        peak = max(peak, total)
        time.sleep(INTERVAL)
    by_name = defaultdict(int)
    for pid, value in hwm.items():
        by_name[names[pid]] = max(by_name[names[pid]], value)
    return {"peak_tree_rss_gib": peak / GIB, "peak_by_process_gib": {k: v / GIB for k, v in by_name.items() if v}}


def measure_path(ctx, path: str, intake: Path) -> dict:
    with ctx.scratch(f"memory-{path}") as work:
        out, err = work / "stdout.txt", work / "stderr.txt"
        started = time.perf_counter()
        with open(out, "w") as stdout, open(err, "w") as stderr:  # files: a full pipe would block the child
            command = [sys.executable, "-m", "bench.memory_child", path, str(intake), str(work / "run")]
            process = subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=stderr)
            figures = sample(process)
        figures.update(completed=process.wait() == 0, wall_seconds=time.perf_counter() - started)
        if figures["completed"]:
            figures["run_seconds"] = json.loads(out.read_text().strip().splitlines()[-1])["seconds"]
        else:
            figures["error"] = err.read_text()[-2000:]
    log(f"  memory {path}: peak {figures['peak_tree_rss_gib']:.2f} GiB, completed {figures['completed']}")
    return figures


def run(ctx) -> ScenarioResult:
    rows = ctx.args.memory_rows or max(ctx.args.scales)
    demo = ctx.demo(rows, ctx.args.days)
    figures = {path: measure_path(ctx, path, demo.intake) for path in ("platform", "baseline")}
    p, b = figures["platform"], figures["baseline"]
    scale = f"{rows:,} tx, {len(demo.days)} days"
    return ScenarioResult(
        [_memory_row(scale, p, b), _seconds_row(scale, rows, p, b)], {"transactions": rows, **figures}
    )


def _memory_row(scale: str, p: dict, b: dict) -> Row:
    limit = (total_memory_bytes() or 0) / GIB
    value = ratio(p["peak_tree_rss_gib"], b["peak_tree_rss_gib"])
    met = p["completed"] and p["peak_tree_rss_gib"] < limit and value is not None and value <= TARGET
    return Row(
        "memory (peak RSS, Python + JVM)",
        scale,
        p["peak_tree_rss_gib"],
        b["peak_tree_rss_gib"],
        "GiB",
        value,
        f"≤ {TARGET} × baseline, within {limit:.0f} GiB",
        met,
        f"per process peak (GiB): platform {_per_process(p)}, baseline {_per_process(b)}; completed: {p['completed']}",
    )


def _per_process(figures: dict) -> str:
    """'python 1.3, java 4.8': each process's peak, leaving out the tiny ones."""
    return ", ".join(f"{n} {g:.1f}" for n, g in figures["peak_by_process_gib"].items() if g >= 0.05)


def _seconds_row(scale: str, rows: int, p: dict, b: dict) -> Row:
    ps, bs = p.get("run_seconds"), b.get("run_seconds")
    value = ratio(ps, bs)
    speed = f"{rows / ps:,.0f} tx/s vs {rows / bs:,.0f} tx/s; " if ps and bs else ""
    return Row(
        "end_to_end (1 run each, memory scenario)",
        scale,
        ps,
        bs,
        "s",
        value,
        f"platform/baseline ≤ {E2E_TARGET}",
        value is not None and value <= E2E_TARGET,
        speed + "each path in a fresh process with its own JVM",
    )
