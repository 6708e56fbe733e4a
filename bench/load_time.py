"""load_time: loading the code location in a fresh process, with 4 and with 4 + N datasets.

Each load is a new interpreter that imports the definitions module, calls
`build_definitions(Settings.from_env())` and resolves the repository (and, when dagster's
internal API allows, builds the snapshot a code server sends to the webserver). The N extra
declarations are copies of the transactions `defs.yaml` with their own names, folders and
intake prefixes, in a throwaway dg project passed through DATAOPS_EXTRA_PROJECTS (its root on
the probe's PYTHONPATH so its defs module imports). The probe also records whether a
SparkSession or a JVM started during the load (it must not). `python -X importtime` gives
where import time goes, by top-level package.

Bytecode caches are on, as in a default Python install (PYTHONDONTWRITEBYTECODE is removed from
the probe's environment), and one untimed load writes them first: every run worker after the
first loads the code location from cached bytecode, so that is the load a user waits for.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.context import log
from bench.machine import REPO
from bench.report import Row, ScenarioResult, median, ratio, timed
from dataops_platform.declarations import DEFS_DIR, load_declarations

TARGET_SECONDS = 3.0
PROBE = r"""
import json, os, sys, time
t0 = time.perf_counter()
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
t1 = time.perf_counter()
defs = build_definitions(Settings.from_env())
t2 = time.perf_counter()
repo = defs.get_repository_def()
t3 = time.perf_counter()
try:
    from dagster._core.remote_representation.external_data import RepositorySnap
    RepositorySnap.from_def(repo)
    snapshot = time.perf_counter() - t3
except Exception:  # internal API: optional
    snapshot = None
from bench.procs import child_names  # after the timings; standard library only
children = child_names(os.getpid())
pyspark = sys.modules.get("pyspark")
print(json.dumps({
    "import_seconds": t1 - t0, "build_seconds": t2 - t1, "resolve_seconds": t3 - t2, "snapshot_seconds": snapshot,
    "assets": len(defs.resolve_all_asset_keys()),
    "pyspark_imported": pyspark is not None,
    "spark_session_started": bool(pyspark and pyspark.SparkContext._active_spark_context is not None),
    "child_processes": children,
}))
"""


PROJECT_PACKAGE = "bench_load_time_datasets"
PYPROJECT = f"""\
[project]
name = "{PROJECT_PACKAGE}"
version = "0.0.1"

[tool.dg]
directory_type = "project"

[tool.dg.project]
root_module = "{PROJECT_PACKAGE}"
defs_module = "{PROJECT_PACKAGE}.defs"
"""


def declarations(root: Path, count: int) -> Path:
    """A dg project at `root` whose defs/ holds `count` copies of the transactions defs.yaml,
    each with its own name, folder and intake prefix (same schema reference); returns `root`."""
    defs = root / PROJECT_PACKAGE / "defs"
    defs.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / PROJECT_PACKAGE / "__init__.py").write_text("", encoding="utf-8")
    (defs / "__init__.py").write_text("", encoding="utf-8")
    text = (DEFS_DIR / "transactions" / "defs.yaml").read_text(encoding="utf-8")
    for i in range(count):
        name = f"generated_{i:03d}"
        copy, named = re.subn(r"^(\s+name:) transactions\s*$", rf"\1 {name}", text, count=1, flags=re.MULTILINE)
        copy, prefixed = re.subn(r"^(\s+prefix:) .*$", rf"\1 generated/{name}/", copy, count=1, flags=re.MULTILINE)
        if not (named and prefixed):
            raise RuntimeError("transactions defs.yaml changed shape: no 'name:' or 'prefix:' line to rewrite")
        (defs / name).mkdir(exist_ok=True)
        (defs / name / "defs.yaml").write_text(copy, encoding="utf-8")
    return root


def _env(scratch: Path, extra: Path | None) -> dict[str, str]:
    env = dict(
        os.environ,
        DATAOPS_INTAKE_ROOT=str(scratch / "intake"),
        DATAOPS_LAKE_ROOT=str(scratch / "lake"),
        DATAOPS_EXTRA_PROJECTS=str(extra) if extra else "",
        PYTHONWARNINGS="ignore",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if extra:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(extra), os.environ.get("PYTHONPATH", "")) if p)
    return env


def load_once(env: dict[str, str]) -> tuple[float, dict]:
    """Wall seconds of a fresh process that loads the code location, and what it reported."""
    seconds, done = timed(
        lambda: subprocess.run(
            [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
        )
    )
    if done.returncode:
        raise RuntimeError(f"loading the code location failed:\n{done.stderr[-3000:]}")
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def import_breakdown(env: dict[str, str], top: int = 8) -> dict[str, float]:
    """Seconds of import time by top-level package (self time, so nothing is counted twice)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import dataops_platform.definitions"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    by_package: Counter = Counter()
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[0].split(":")[1].strip().isdigit():
            by_package[parts[2].strip().split(".")[0]] += int(parts[0].split(":")[1]) / 1e6
    shown = dict(by_package.most_common(top))
    shown["(other)"] = sum(by_package.values()) - sum(shown.values())
    shown["(total)"] = sum(by_package.values())
    return {k: round(v, 3) for k, v in shown.items()}


def measure(ctx, env: dict[str, str]) -> tuple[float, dict, list[float]]:
    load_once(env)  # untimed: writes the bytecode caches
    loads = [load_once(env) for _ in range(ctx.args.runs)]
    reports = [r for _, r in loads]
    phases = {
        k: median([r[k] for r in reports])
        for k in ("import_seconds", "build_seconds", "resolve_seconds", "snapshot_seconds")
    }
    last = reports[-1]
    facts = {
        **phases,
        "assets": last["assets"],
        "pyspark_imported": last["pyspark_imported"],
        "spark_session_started": any(r["spark_session_started"] for r in reports),
        "jvm_started": any(any("java" in c for c in r["child_processes"]) for r in reports),
    }
    return median([s for s, _ in loads]), facts, [s for s, _ in loads]


def _notes(facts: dict) -> str:
    started = facts["spark_session_started"] or facts["jvm_started"]
    snapshot = facts["snapshot_seconds"]
    return (
        f"import {facts['import_seconds']:.2f} s, build {facts['build_seconds']:.2f} s, resolve "
        f"{facts['resolve_seconds']:.2f} s"
        + (f", snapshot {snapshot:.2f} s" if snapshot is not None else "")
        + f"; {facts['assets']} assets; Spark at load: {'**yes**' if started else 'no'}"
    )


def run(ctx) -> ScenarioResult:
    # the datasets the default settings build (an optional domain's are declared, read, not built)
    extra_count = ctx.args.declarations
    builtin = len([d for d in load_declarations() if d.domain == "customer360"])
    with ctx.scratch("load-time") as scratch:
        base_env, extra_env = _env(scratch, None), _env(scratch, declarations(scratch / "project", extra_count))
        log(f"load_time: {builtin} datasets")
        base, base_facts, base_runs = measure(ctx, base_env)
        log(f"load_time: {builtin} + {extra_count} datasets")
        many, many_facts, many_runs = measure(ctx, extra_env)
        breakdown = import_breakdown(base_env)
    no_spark = not any(f["spark_session_started"] or f["jvm_started"] for f in (base_facts, many_facts))
    rows = [
        Row(
            "load_time", f"{builtin} datasets", base, None, "s", None, "no Spark at load", no_spark, _notes(base_facts)
        ),
        Row(
            "load_time",
            f"{builtin + extra_count} datasets",
            many,
            base,
            "s",
            ratio(many, base),
            f"< {TARGET_SECONDS:g} s",
            many < TARGET_SECONDS and no_spark,
            _notes(many_facts),
        ),
    ]
    top_imports = ", ".join(f"{k} {v:.2f} s" for k, v in breakdown.items() if not k.startswith("("))
    rows[0].notes += f"; imports: {top_imports}"
    details = {
        f"{builtin}_datasets": {"seconds": base_runs, **base_facts},
        f"{builtin + extra_count}_datasets": {"seconds": many_runs, **many_facts},
        "import_seconds_by_package": breakdown,
    }
    return ScenarioResult(rows, details)
