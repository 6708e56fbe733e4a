"""quality_gate: every row-level check of silver transactions, the project's engine vs pandera.

Both run on the same cached, typed DataFrame (the bronze reader + `conform` of the silver
step, on one day of N generated transactions). The project's engine is `gate_figures` below: the silver
step's rules (`quality.rules.table_rules`, the same boolean expressions) counted in one
aggregation pass (rows, valid rows, failures per rule, non-null values per column). The silver
step itself splits that count: failures per rule over the rejected rows it caches for
quarantine, valid rows and non-null values as an observation of the job that stages them, so
this row measures the rules' evaluation, not the step's plan.
The quarantine reasons (strings) are not part of the gate: the silver step builds them for
the rejected rows, work pandera does not do either. pandera
is its own PySpark backend validating the same model (schemas.transactions.Transactions),
SCHEMA_AND_DATA depth, which runs a Spark job per check (and a group-by for Config.unique)
and reports which checks failed but no counts. Checks are also given as a fraction of the
silver step's time in a real materialization of the same data.
"""

from __future__ import annotations

from pyspark.sql import functions as F

from bench import platform_path
from bench.report import Row, ScenarioResult, median, paired_runs, per_scale, ratio, timed
from bench.warmup import warm_up
from dataops_platform.declarations import load_declarations
from dataops_platform.quality.contract import TableContract
from dataops_platform.quality.rules import RAW_PREFIX, RowRule, failed_any, is_text
from dataops_platform.steps.silver import read_options, silver_spec
from dataops_platform.storage.bronze_reader import read_bronze_files
from dataops_platform.transforms.silver import conform

TARGET = 3.0  # pandera / project engine
DATASET = "transactions"
SILVER_STEP = f"silver_{DATASET}"


def gate_figures(rules: list[RowRule], contract: TableContract) -> list:
    """The gate as one aggregation: `_rows`, `_valid` (rows failing no rule), failures per rule
    (named after it) and non-null raw values per column (a string column's value is its text).
    Only boolean rule expressions are evaluated, no quarantine reasons."""
    return [
        F.count(F.lit(1)).alias("_rows"),
        F.count(F.when(~failed_any(rules), 1)).alias("_valid"),
        *[F.count(F.when(rule.failed, 1)).alias(rule.name) for rule in rules],
        *[F.count(c.name if is_text(c) else RAW_PREFIX + c.name).alias(RAW_PREFIX + c.name) for c in contract.columns],
    ]


def _declaration():
    return next(d for d in load_declarations() if d.name == DATASET)


def typed_frame(spark, demo, declaration):
    """The conformed (typed + cleansed text) DataFrame of the day's files, cached and counted."""
    paths = sorted((demo.intake / declaration.intake.prefix).rglob(declaration.intake.pattern))
    raw, _ = read_bronze_files(spark, paths, read_options(declaration), demo.days[0])
    conformed = conform(raw, silver_spec(declaration)).cache()
    conformed.count()
    return conformed


def project_engine(conformed, declaration, key_check: bool = False) -> dict[str, int]:
    """The silver step's single aggregation pass (optionally with a distinct-key count)."""
    rules = silver_spec(declaration).rules()
    extra = [F.count_distinct(*declaration.primary_key).alias("_distinct_keys")] if key_check else []
    figures = conformed.agg(*gate_figures(rules, declaration.contract), *extra).first().asDict()
    return {name: int(value) for name, value in figures.items()}


def pandera_validate(conformed, declaration) -> list[str]:
    """pandera's PySpark validation of the model; the checks it reports as failed."""
    from pandera.config import ValidationDepth, config_context

    model = declaration.schema_model
    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        validated = model.validate(conformed.select(*declaration.contract.column_names))
    errors = validated.pandera.errors or {}
    return sorted(
        f"{e.get('column')}:{e.get('check')}" for scope in errors.values() for kind in scope.values() for e in kind
    )


def measure(ctx, rows: int) -> tuple[Row, dict]:
    declaration = _declaration()
    demo = ctx.demo(rows, 1)
    conformed = typed_frame(ctx.spark(), demo, declaration)
    try:
        project, pandera = paired_runs(
            ctx.args.runs,
            lambda: timed(lambda: project_engine(conformed, declaration)),
            lambda: timed(lambda: pandera_validate(conformed, declaration)),
            lambda a, b: f"project engine {a[0]:.2f} s, pandera {b[0]:.2f} s",
        )
        with_keys = median(
            [timed(lambda: project_engine(conformed, declaration, key_check=True))[0] for _ in range(ctx.args.runs)]
        )
    finally:
        conformed.unpersist()
    keys = {platform_path.layer_key("bronze", DATASET), platform_path.layer_key("silver", DATASET)}
    silver_steps = [platform_path.fresh_run(ctx, demo, keys).steps.get(SILVER_STEP) for _ in range(ctx.args.runs)]
    p, b, silver = median([s for s, _ in project]), median([s for s, _ in pandera]), median(silver_steps)
    value = ratio(b, p)
    counts = project[0][1]
    share = ratio(p, silver)
    notes = (
        f"{len(silver_spec(declaration).rules())} rules counted in one pass; checks = "
        f"{share:.0%} of the silver step ({silver:.1f} s); with a distinct-key count {with_keys:.2f} s"
        if share is not None
        else "silver step time not available"
    )
    row = Row(
        "quality_gate",
        f"{rows:,} tx, 1 day",
        p,
        b,
        "s",
        value,
        f"pandera/project ≥ {TARGET:g}",
        value is not None and value >= TARGET,
        notes,
    )
    details = {
        "rows": rows,
        "project_seconds": [s for s, _ in project],
        "pandera_seconds": [s for s, _ in pandera],
        "project_with_key_count_seconds": with_keys,
        "silver_step_seconds": silver_steps,
        "checks_fraction_of_silver_step": share,
        "project_figures": counts,
        "pandera_failed_checks": pandera[0][1],
    }
    return row, details


def run(ctx) -> ScenarioResult:
    warm_up(ctx)
    return per_scale(ctx.args.quality_rows or ctx.args.scales, lambda rows: measure(ctx, rows))
