"""end_to_end: intake to gold on the embedded default, the platform vs a plain PySpark script.

For each scale, `--runs` runs of each path on the same generated data (fresh lake, fresh
ephemeral Dagster instance, alternating which path goes first), after an untimed warm-up;
both share this process's SparkSession. The platform materializes every asset and asset
check for all generated days in one run (a partition range: every asset has a single-run
backfill policy).
"""

from __future__ import annotations

from bench import baseline, platform_path
from bench.report import Row, ScenarioResult, median, median_by_key, paired_runs, per_scale, ratio, top
from bench.warmup import warm_up

TARGET = 1.25  # platform / baseline at 1M transactions, with every check on


def _label(p: platform_path.PlatformRun, b: baseline.BaselineRun) -> str:
    return f"platform {p.seconds:.1f} s, baseline {b.seconds:.1f} s"


def _outputs(demo, p: platform_path.PlatformRun, b: baseline.BaselineRun) -> dict:
    """Silver rows per dataset of both paths against the generator's expectation."""
    expected = demo.expected_silver_rows()
    return {
        "expected": expected,
        "platform": p.silver_rows,
        "baseline": b.silver_rows,
        "match": expected == p.silver_rows == b.silver_rows,
    }


def measure(ctx, rows: int) -> tuple[Row, dict]:
    demo = ctx.demo(rows, ctx.args.days)
    platform_runs, baseline_runs = paired_runs(
        ctx.args.runs, lambda: platform_path.fresh_run(ctx, demo), lambda: baseline.fresh_run(ctx, demo), _label
    )
    p, b = median([r.seconds for r in platform_runs]), median([r.seconds for r in baseline_runs])
    steps = median_by_key([r.steps for r in platform_runs])
    outputs = _outputs(demo, platform_runs[0], baseline_runs[0])
    value = ratio(p, b)
    notes = (
        f"{rows / p:,.0f} tx/s vs {rows / b:,.0f} tx/s ({demo.rows_written / p:,.0f} rows/s all datasets); "
        f"Spark jobs {platform_runs[0].spark_jobs} vs {baseline_runs[0].spark_jobs}; slowest steps: {top(steps)}"
        + ("" if outputs["match"] else "; **silver row counts differ**")
    )
    row = Row(
        "end_to_end",
        f"{rows:,} tx, {len(demo.days)} days",
        p,
        b,
        "s",
        value,
        f"platform/baseline ≤ {TARGET}",
        value is not None and value <= TARGET,
        notes,
    )
    details = {
        "transactions": rows,
        "days": len(demo.days),
        "rows_written_all_datasets": demo.rows_written,
        "platform_seconds": [r.seconds for r in platform_runs],
        "baseline_seconds": [r.seconds for r in baseline_runs],
        "platform_step_seconds": steps,
        "spark_jobs": {"platform": platform_runs[0].spark_jobs, "baseline": baseline_runs[0].spark_jobs},
        "platform_overhead_seconds": median([r.overhead for r in platform_runs]),
        "baseline_phase_seconds": median_by_key([r.phases for r in baseline_runs]),
        "silver_rows": outputs,
    }
    return row, details


def run(ctx) -> ScenarioResult:
    warm_up(ctx)
    return per_scale(ctx.args.scales, lambda rows: measure(ctx, rows))
