"""The benchmark command: runs the chosen scenarios, prints the table, writes JSON + Markdown.

.venv/bin/python -m bench --scales 1000000 --memory-rows 10000000 --runs 3 --readme README.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import traceback
import warnings
from pathlib import Path

from bench.context import Context, log
from bench.machine import describe, load_average
from bench.report import Row, ScenarioResult, as_json, markdown, splice_readme, timed, write

SCENARIOS = ("end_to_end", "quality_gate", "incremental", "detection", "load_time", "memory", "latency")
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _scenarios(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown scenario(s) {unknown}; choose from {', '.join(SCENARIOS)}")
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--scenario", type=_scenarios, default=list(SCENARIOS), help="comma-separated (default: all)")
    add("--scales", type=_ints, default=[100_000], help="transactions per end-to-end / quality-gate run")
    add("--runs", type=int, default=3, help="runs per measurement; medians are reported")
    add("--days", type=int, default=7, help="landing days of generated data (end_to_end, memory)")
    add("--out", type=Path, default=DEFAULT_OUT, help="JSON result file (the table goes next to it as .md)")
    add("--quality-rows", type=_ints, default=None, help="rows for quality_gate (default: --scales)")
    add("--incremental-days", type=int, default=30)
    add("--incremental-rows-per-day", type=int, default=10_000)
    add("--incremental-runs", type=int, default=None, help="sequences of partitions (default: --runs)")
    add("--detection-objects", type=_ints, default=[1_000, 10_000, 100_000], help="objects already in the prefix")
    add("--detection-new", type=int, default=100, help="new objects per measured tick")
    add("--declarations", type=int, default=100, help="extra dataset declarations for load_time")
    add("--memory-rows", type=int, default=None, help="transactions for memory (default: largest of --scales)")
    add("--latency-drops", type=int, default=5, help="files dropped one after another (latency)")
    add("--latency-rows", type=int, default=1_000, help="transactions per dropped file (latency)")
    add("--latency-demo-rows", type=int, default=2_000, help="demo data of scripts/run.sh (latency, first gold)")
    add("--latency-timeout", type=float, default=900.0, help="seconds to wait for each stage (latency)")
    add("--seed", type=int, default=42, help="demo data seed")
    add("--work-dir", help="where data and lakes go (default: a new temporary folder)")
    add("--keep-work", action="store_true", help="keep generated data and lakes")
    add("--no-warmup", action="store_true", help="skip the untimed warm-up run")
    add("--readme", type=Path, help="also write the table into this README, between its bench markers")
    return parser


def run_scenario(ctx: Context, name: str) -> ScenarioResult:
    """One scenario; a failure becomes a row saying so, so the other scenarios still run."""
    log(f"scenario {name}")
    try:
        seconds, result = timed(lambda: importlib.import_module(f"bench.{name}").run(ctx))
    except Exception as exc:  # noqa: BLE001 - reported in the results, never hidden
        log(f"scenario {name} failed: {exc!r}")
        return ScenarioResult(
            [Row(name, "—", None, None, "s", None, "—", None, f"**failed**: {exc!r}"[:300])],
            {"error": traceback.format_exc()},
        )
    result.details["scenario_wall_seconds"] = seconds
    return result


def header(machine: dict, args: argparse.Namespace) -> str:
    commit = (machine["git_commit"] or "?")[:10] + (" (uncommitted changes)" if machine["git_dirty"] else "")
    return (
        f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine['cpu_model']} "
        f"({machine['cpus_usable']} CPUs, {machine['memory_gib']} GiB), Python {machine['python']}, "
        f"{machine['java']}, Spark {machine['versions']['pyspark']}, Dagster {machine['versions']['dagster']}, "
        f"commit {commit}; medians of {args.runs} run(s); load average (1, 5, 15 min) at start "
        f"{_loads(machine['load_average_at_start'])}, at end {_loads(machine['load_average_at_end'])}.\n\n"
    )


def _loads(values: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in values)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.filterwarnings("ignore", message=r".*is currently in beta")  # one per asset factory call
    machine = describe()
    ctx = Context.create(args)
    started = dt.datetime.now(dt.timezone.utc)
    try:
        results = {name: run_scenario(ctx, name) for name in args.scenario}
    finally:
        ctx.close()
    machine["load_average_at_end"] = load_average()
    table = header(machine, args) + markdown([row for result in results.values() for row in result.rows])
    parameters = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    elapsed = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    document = {
        "machine": machine,
        "parameters": parameters,
        "started_at": started.isoformat(),
        "wall_seconds": elapsed,
        "scenarios": as_json(results),
        "table_markdown": table,
    }
    json_path, md_path = write(args.out, document, table)
    if args.readme:
        args.readme.write_text(splice_readme(args.readme.read_text(encoding="utf-8"), table), encoding="utf-8")
        log(f"wrote the table into {args.readme}")
    print(table)
    log(f"wrote {json_path} and {md_path}")
    return 1 if any("error" in r.details for r in results.values()) else 0
