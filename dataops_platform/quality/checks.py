"""Quality checks as pure functions: figures in, a CheckOutcome out (no Dagster, no Spark).

Each outcome carries the dimension, whether it passed, its severity (ERROR checks on silver
block gold; WARN ones only report), a one-line summary and plain metadata (counts,
fractions, thresholds, masked samples) that the assets turn into Dagster check results.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from dataops_platform.quality.policy import (
    CompletenessSpec,
    ConsistencySpec,
    RuleSpec,
    SchemaDriftSpec,
    UniquenessSpec,
    ValiditySpec,
    VolumeSpec,
)
from dataops_platform.quality.rules import FILE_READABLE

CHECK_DESCRIPTIONS = {
    "completeness": "Null rate of each critical column stays within the tolerated fraction.",
    "uniqueness": "Primary key is unique in the table; conflicting versions in a batch stay within tolerance "
    "(re-sent rows and older versions are counted, never failed).",
    "validity": "Rows satisfy every rule of the pandera contract (types, ranges, patterns, allowed values).",
    "consistency": "Foreign keys point at existing rows of the referenced table.",
    "accuracy": "Every bronze record is in silver or quarantine, or counted as re-sent, superseded or conflicting.",
    "schema_drift": "Incoming files have the declared columns; additive changes allowed, breaking ones fail.",
    "volume_anomaly": "Row count, processing time and failed rows stay within N standard deviations of history.",
    "reconciliation": "Gold totals reconcile with the silver rows they are built from.",
}


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    passed: bool
    severity: str
    summary: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _ratio(part: int | float, whole: int | float) -> float:
    return round(part / whole, 6) if whole else 0.0


def _not_enforced(over_threshold: bool, rows: int, min_rows: int) -> str:
    return f" (not enforced: {rows} rows <= {min_rows})" if over_threshold else ""


def completeness(null_counts: dict[str, int], rows: int, spec: CompletenessSpec) -> CheckOutcome:
    """Fails when the table has more than `min_rows` rows and a critical column's null
    fraction exceeds `max_null_fraction`."""
    per_column = {
        col: {"nulls": n, "fraction": _ratio(n, rows), "threshold": spec.max_null_fraction}
        for col, n in sorted(null_counts.items())
    }
    worst = [c for c, v in per_column.items() if v["fraction"] > spec.max_null_fraction]
    passed = not (worst and rows > spec.min_rows)
    summary = (
        f"null rate above {spec.max_null_fraction:.0%} in {worst}" if worst else "critical columns within tolerance"
    )
    summary += _not_enforced(bool(worst) and passed, rows, spec.min_rows)
    return CheckOutcome(
        "completeness", passed, spec.severity, summary, {"rows": rows, "min_rows": spec.min_rows, "columns": per_column}
    )


def uniqueness(
    batch_rows: int,
    conflicts: int,
    resent: int,
    superseded: int,
    table_rows: int,
    table_distinct_keys: int,
    spec: UniquenessSpec,
    samples: list[dict] | None = None,
) -> CheckOutcome:
    """Fails on any duplicate key in the table, or a batch conflict fraction above tolerance.
    Re-sends (identical rows) and older versions of a key are counted, never failed."""
    fraction = _ratio(conflicts, batch_rows)
    table_duplicates = table_rows - table_distinct_keys
    over = fraction > spec.max_conflict_fraction
    too_many = over and batch_rows > spec.min_rows
    passed = table_duplicates == 0 and not too_many
    summary = (
        f"{conflicts} conflicting row(s) in the batch ({fraction:.2%}, tolerated {spec.max_conflict_fraction:.0%}), "
        f"{table_duplicates} duplicate key(s) in the table; {resent} re-sent and {superseded} superseded row(s)"
    )
    summary += _not_enforced(over and not too_many, batch_rows, spec.min_rows)
    return CheckOutcome(
        "uniqueness",
        passed,
        spec.severity,
        summary,
        {
            "batch_rows": batch_rows,
            "conflicts": conflicts,
            "conflict_fraction": fraction,
            "threshold": spec.max_conflict_fraction,
            "resent": resent,
            "superseded": superseded,
            "min_rows": spec.min_rows,
            "table_rows": table_rows,
            "table_duplicate_keys": table_duplicates,
            "conflict_samples": samples or [],
        },
    )


def validity(
    rule_failures: dict[str, int],
    rule_descriptions: dict[str, str],
    rows: int,
    rows_failed: int,
    samples: dict[str, list[dict]],
    spec: ValiditySpec,
) -> CheckOutcome:
    """Per-rule failing rows; fails when the fraction of rows failing any rule exceeds tolerance,
    or when a whole bronze file was rejected as unreadable (none of its records reached silver)."""
    fraction = _ratio(rows_failed, rows)
    rules = {
        name: {
            "rule": rule_descriptions.get(name, name),
            "failed": count,
            "fraction": _ratio(count, rows),
            "threshold": spec.max_failure_fraction,
            "samples": samples.get(name, []),
        }
        for name, count in sorted(rule_failures.items())
        if count
    }
    over = fraction > spec.max_failure_fraction
    files_rejected = rule_failures.get(FILE_READABLE, 0)
    passed = not (over and rows > spec.min_rows) and not files_rejected
    summary = f"{rows_failed} of {rows} row(s) failed {len(rules)} rule(s) ({fraction:.2%}, tolerated {spec.max_failure_fraction:.0%})"
    summary += _not_enforced(over and not (rows > spec.min_rows), rows, spec.min_rows)
    if files_rejected:
        summary += f"; {files_rejected} file(s) rejected as unreadable, see the quarantine for why"
    return CheckOutcome(
        "validity",
        passed,
        spec.severity,
        summary,
        {
            "rows": rows,
            "rows_failed": rows_failed,
            "fraction": fraction,
            "threshold": spec.max_failure_fraction,
            "min_rows": spec.min_rows,
            "rules_checked": len(rule_descriptions),
            "failing_rules": rules,
        },
    )


def consistency(references: dict[str, tuple[int, int, list]], spec: ConsistencySpec) -> CheckOutcome:
    """`references`: column -> (orphan rows, rows checked, sample orphan values)."""
    columns = {
        col: {"orphans": o, "checked": n, "fraction": _ratio(o, n), "threshold": spec.max_orphan_fraction, "samples": s}
        for col, (o, n, s) in sorted(references.items())
    }
    over = [c for c, v in columns.items() if v["fraction"] > spec.max_orphan_fraction]
    failing = [c for c in over if columns[c]["checked"] > spec.min_rows]
    summary = (
        ", ".join(f"{c}: {v['orphans']} orphan(s) of {v['checked']}" for c, v in columns.items()) or "no references"
    )
    summary += _not_enforced(
        bool(over) and not failing, max((v["checked"] for v in columns.values()), default=0), spec.min_rows
    )
    return CheckOutcome("consistency", not failing, spec.severity, summary, {"references": columns})


def accuracy(
    source_records: int,
    rows_read: int,
    accounted: dict[str, int],
    quarantined: int,
    quarantine_table_rows: int,
    spec: RuleSpec,
    predicted_writes: dict[str, int] | None = None,
) -> CheckOutcome:
    """Reconciles the records in the bronze files with where each row went (`accounted`: quarantined,
    held, resent, superseded, conflicting, inserted, updated, stale ...), the quarantine table
    with the rows sent to it (`quarantined`), and the MERGE's figures with the audit's prediction."""
    problems = []
    if source_records != rows_read:
        problems.append(f"bronze files hold {source_records} record(s) but {rows_read} were read")
    total = sum(accounted.values())
    if total != rows_read:
        problems.append(f"{rows_read - total} row(s) unaccounted for")
    if quarantine_table_rows != quarantined:
        problems.append(f"quarantine holds {quarantine_table_rows} row(s) for the batch, expected {quarantined}")
    for name, expected in (predicted_writes or {}).items():
        if accounted.get(name, 0) != expected:
            problems.append(f"the MERGE {name} {accounted.get(name, 0)} row(s), the audit expected {expected}")
    summary = "; ".join(problems) or f"all {rows_read} bronze row(s) accounted for"
    metadata = {
        "bronze_records": source_records,
        "rows_read": rows_read,
        **accounted,
        "quarantine_table_rows": quarantine_table_rows,
        "unaccounted": rows_read - total,
    }
    return CheckOutcome("accuracy", not problems, spec.severity, summary, metadata)


def schema_drift(
    extra_columns: dict[str, list[str]],
    missing_columns: dict[str, list[str]],
    parse_failures: dict[str, int],
    non_null_values: dict[str, int],
    spec: SchemaDriftSpec,
) -> CheckOutcome:
    """New columns are additive (allowed unless the policy says otherwise); missing columns and
    columns whose values mostly fail to parse (retyped) are breaking."""
    retyped = {
        col: {
            "unparsable": n,
            "non_null": non_null_values.get(col, 0),
            "fraction": _ratio(n, non_null_values.get(col, 0)),
        }
        for col, n in sorted(parse_failures.items())
        if n and non_null_values.get(col, 0) >= 10 and _ratio(n, non_null_values[col]) >= spec.retyped_fraction
    }
    added = sorted({c for cols in extra_columns.values() for c in cols})
    removed = sorted({c for cols in missing_columns.values() for c in cols})
    breaking = bool(removed or retyped or (added and not spec.allow_additive))
    parts = [
        f"new: {added}" if added else "",
        f"missing: {removed}" if removed else "",
        f"retyped: {list(retyped)}" if retyped else "",
    ]
    summary = "; ".join(p for p in parts if p) or "no drift"
    return CheckOutcome(
        "schema_drift",
        not breaking,
        spec.severity,
        summary,
        {
            "added_columns": added,
            "missing_columns": removed,
            "retyped_columns": retyped,
            "files_with_new_columns": extra_columns,
            "files_missing_columns": missing_columns,
            "additive_allowed": spec.allow_additive,
        },
    )


def volume_anomaly(current: dict[str, float], history: list[dict[str, float]], spec: VolumeSpec) -> CheckOutcome:
    """Each metric vs. the mean of its recent history: anomalous beyond `max_sigmas` standard
    deviations (and beyond a noise floor); too little history passes with a note."""
    metrics, flagged = {}, []
    floors = {"duration_seconds": spec.min_duration_change_seconds}
    for metric, value in sorted(current.items()):
        past = [h[metric] for h in history if h.get(metric) is not None][: spec.history]
        if len(past) < spec.min_history:
            metrics[metric] = {
                "value": value,
                "history": len(past),
                "note": f"needs {spec.min_history} runs of history",
            }
            continue
        mean, stdev = statistics.fmean(past), statistics.pstdev(past)
        sigmas = abs(value - mean) / stdev if stdev > 0 else (0.0 if value == mean else math.inf)
        low, high = mean - spec.max_sigmas * stdev, mean + spec.max_sigmas * stdev
        metrics[metric] = {
            "value": value,
            "mean": round(mean, 3),
            "stdev": round(stdev, 3),
            "sigmas": round(sigmas, 2) if math.isfinite(sigmas) else "inf",
            "band": [round(low, 3), round(high, 3)],
            "history": len(past),
        }
        tolerance = max(spec.min_relative_change * abs(mean), floors.get(metric, 0.0))
        if sigmas > spec.max_sigmas and abs(value - mean) > tolerance:
            flagged.append(metric)
    enough = [m for m, v in metrics.items() if "note" not in v]
    if flagged:
        summary = f"anomalous: {flagged} (beyond {spec.max_sigmas} standard deviations)"
    elif not enough:
        summary = f"not enough history yet (needs {spec.min_history} materializations)"
    else:
        summary = f"{enough} within {spec.max_sigmas} standard deviations"
    return CheckOutcome("volume_anomaly", not flagged, spec.severity, summary, {"metrics": metrics})


def reconciliation(label: str, expected: float, actual: float, spec: RuleSpec) -> CheckOutcome:
    """A gold total must equal the silver total it is computed from."""
    passed = expected == actual
    summary = f"{label}: gold {actual} {'=' if passed else '!='} silver {expected}"
    figures = {
        "measure": label,
        "silver": float(expected),
        "gold": float(actual),
        "difference": float(actual - expected),
    }
    return CheckOutcome("reconciliation", passed, spec.severity, summary, figures)


def combine(outcomes: list[CheckOutcome]) -> CheckOutcome:
    """One result for a check evaluated on several partitions in one run (a range backfill)."""
    if len(outcomes) == 1:
        return outcomes[0]
    failed = [o for o in outcomes if not o.passed]
    first = outcomes[0]
    summary = failed[0].summary if failed else f"passed on {len(outcomes)} partitions"
    return CheckOutcome(first.name, not failed, first.severity, summary, {"partitions": [o.metadata for o in outcomes]})
