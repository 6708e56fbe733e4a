"""incremental: daily partitions materialized one after another, as sensors would run them.

`--incremental-days` days of `--incremental-rows-per-day` transactions each, one run per
partition (every asset and check) on one lake and one ephemeral instance. If the cost of a
day grew with the history already in the tables, the last partitions would be slower than
the first: the ratio last/first (and the more robust median of partitions 28-30 over 2-4)
shows it. Each sequence starts from an empty lake; `--incremental-runs` (default `--runs`) sequences, medians per partition.
"""

from __future__ import annotations

import dagster as dg

from bench import platform_path
from bench.context import log
from bench.report import Row, ScenarioResult, median, median_by_key, ratio, top
from bench.warmup import warm_up

TARGET = 1.1  # issue 13: the 30th partition within 10% of the first
EDGE = 3  # partitions at each end of the robust variant (2-4 vs the last three)


def sequence(ctx, demo) -> list[platform_path.PlatformRun]:
    """One run per day, in order, on an empty lake."""
    with ctx.scratch("incremental-lake") as lake:
        instance = dg.DagsterInstance.ephemeral()
        settings = ctx.settings(demo, lake)
        return [platform_path.materialize(settings, [day], instance) for day in demo.days]


def _growth(first: dict[str, float], last: dict[str, float]) -> dict[str, float]:
    """Seconds each step gained between the first and the last partition."""
    return {step: last.get(step, 0.0) - first.get(step, 0.0) for step in sorted(set(first) | set(last))}


def run(ctx) -> ScenarioResult:
    warm_up(ctx)
    days, per_day = ctx.args.incremental_days, ctx.args.incremental_rows_per_day
    demo = ctx.demo(days * per_day, days)
    sequences, runs = [], ctx.args.incremental_runs or ctx.args.runs
    for i in range(runs):
        sequences.append(sequence(ctx, demo))
        log(f"  sequence {i + 1}/{runs}: " + " ".join(f"{r.seconds:.1f}" for r in sequences[-1]))
    seconds = [median([s[day].seconds for s in sequences]) for day in range(days)]
    early, late = median(seconds[1 : 1 + EDGE]), median(seconds[-EDGE:])
    first_steps = median_by_key([s[0].steps for s in sequences])
    last_steps = median_by_key([s[-1].steps for s in sequences])
    growth = _growth(first_steps, last_steps)
    scale = f"{days} partitions × {per_day:,} tx"
    robust, plain = ratio(late, early), ratio(seconds[-1], seconds[0])
    grew = {step: gain for step, gain in growth.items() if gain >= 0.05}
    notes = f"grew most: {top(grew)}" if grew else "no step grew by 0.05 s or more"
    rows = [
        Row(
            "incremental (last/first)",
            scale,
            seconds[-1],
            seconds[0],
            "s",
            plain,
            f"≤ {TARGET}",
            plain is not None and plain <= TARGET,
            notes,
        ),
        Row(
            f"incremental (median last {EDGE} / partitions 2-{EDGE + 1})",
            scale,
            late,
            early,
            "s",
            robust,
            f"≤ {TARGET}",
            robust is not None and robust <= TARGET,
            "platform: late partitions, baseline: early ones",
        ),
    ]
    details = {
        "days": days,
        "rows_per_day": per_day,
        "seconds_per_partition": seconds,
        "sequences": [[r.seconds for r in s] for s in sequences],
        "first_partition_steps": first_steps,
        "last_partition_steps": last_steps,
        "step_growth": growth,
        "spark_jobs_per_partition": [r.spark_jobs for r in sequences[0]],
    }
    return ScenarioResult(rows, details)
