"""Threshold changes a dataset's check history argues for (pure: figures in, suggestions out).

From the recorded evaluations of a silver table's checks (their metadata, see quality/checks.py):
- a tolerance never approached is tightened to HEADROOM times the worst figure observed
  (never below two rows of a typical batch);
- a check that fails every run is loosened when it misses by little (a stable level just over
  the tolerance is the feed's normal), or left as it is with a "fix the feed" note when it misses
  by more than NEAR_MISS times the tolerance (a looser threshold would hide the defect); a
  contract rule that fails in every run gets a note saying whether to widen the rule or fix the
  feed;
- the volume band is the median of rows read per ingestion date +- max_sigmas * 1.4826 * MAD
  (robust to the odd bad day), which sets the volume check's noise floor, min_relative_change.
A history shorter than `min_runs` suggests nothing.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Protocol

from dataops_platform.quality.policy import QualitySpec

MIN_RUNS = 5
HEADROOM = 3.0  # a tightened tolerance is this many times the worst figure observed
TIGHTEN_BELOW = 0.25  # tighten when the worst figure stays below this share of the tolerance
NEAR_MISS = 2.0  # failing every run by less than this factor: loosen; by more: fix the feed
LOOSEN_HEADROOM = 1.25
MAD_SIGMA = 1.4826  # MAD to standard deviation, for normally distributed counts
MIN_BAND = 0.05  # the volume band is at least +-5% of the median
VALUE_RULES = ("isin", "str_matches", "greater_than", "less_than", "in_range", "str_length")


class CheckEvaluation(Protocol):
    """One recorded evaluation (observability/history.py's CheckRun has these)."""

    passed: bool
    run_id: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Suggestion:
    """A change of `quality.<dimension>.<setting>` (or, with no setting, a note), and why."""

    dimension: str
    setting: str | None
    value: float | None
    evidence: str


@dataclass
class Suggestions:
    runs: int  # distinct runs in the history
    min_runs: int
    items: list[Suggestion] = field(default_factory=list)

    @property
    def enough(self) -> bool:
        return self.runs >= self.min_runs


@dataclass(frozen=True)
class Observation:
    passed: bool
    figure: float  # the fraction the tolerance applies to
    rows: float  # the rows it is a fraction of
    where: str = ""  # the worst column, when the check has several


def nice_up(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= `value`."""
    if value <= 0:
        return 0.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = round(step * 10.0**exponent, 12)
        if candidate >= value * (1 - 1e-9):
            return candidate
    return round(10.0 ** (exponent + 1), 12)


def _parts(metadata: dict) -> list[dict]:
    """One check result's figures, per partition when a range run combined several."""
    partitions = metadata.get("partitions")
    return [p for p in partitions if isinstance(p, dict)] if isinstance(partitions, list) else [metadata]


def _worst(per_key: dict) -> tuple[str, dict]:
    """The key (a column) with the highest fraction, and its figures."""
    return max(per_key.items(), key=lambda item: item[1].get("fraction", 0)) if per_key else ("", {})


def _completeness(metadata: dict) -> tuple:
    column, figures = _worst(metadata.get("columns") or {})
    return figures.get("fraction"), metadata.get("rows"), column


def _consistency(metadata: dict) -> tuple:
    column, figures = _worst(metadata.get("references") or {})
    return figures.get("fraction"), figures.get("checked"), column


FIGURES = {  # check -> (policy field, its setting, metadata -> (fraction, rows it is of, worst column))
    "completeness": ("completeness", "max_null_fraction", _completeness),
    "validity": ("validity", "max_failure_fraction", lambda m: (m.get("fraction"), m.get("rows"), "")),
    "uniqueness": (
        "uniqueness",
        "max_conflict_fraction",
        lambda m: (m.get("conflict_fraction"), m.get("batch_rows"), ""),
    ),
    "consistency": ("consistency", "max_orphan_fraction", _consistency),
}


def _observations(check: str, evaluations: list[CheckEvaluation]) -> list[Observation]:
    read = FIGURES[check][2]
    found = []
    for evaluation in evaluations:
        for part in _parts(evaluation.metadata):
            fraction, rows, where = read(part)
            if isinstance(fraction, (int, float)):
                found.append(Observation(evaluation.passed, float(fraction), float(rows or 0), where))
    return found


def _fraction(value: float) -> str:
    return f"{value:.4g}"


def _tolerance(check: str, current: float, observed: list[Observation]) -> Suggestion | None:
    dimension, setting, _ = FIGURES[check]
    figures = [o.figure for o in observed]
    worst, runs = max(figures), len(observed)
    span = f"{_fraction(min(figures))} to {_fraction(worst)}"
    if all(not o.passed for o in observed):
        if min(figures) <= current:
            return Suggestion(
                dimension,
                None,
                None,
                f"{check} fails in all {runs} runs with its fraction within tolerance ({span}, tolerated {current}): "
                "it fails for another reason (a rejected file, a duplicate key; see its summary): fix the feed",
            )
        if worst <= NEAR_MISS * current:
            value = min(nice_up(worst * LOOSEN_HEADROOM), 1.0)
            return Suggestion(
                dimension,
                setting,
                value,
                f"{check} fails in all {runs} runs at {span} (tolerated {current}): a stable level just over the "
                f"tolerance is this feed's normal; loosen {setting} {current} -> {value}, or fix the feed",
            )
        return Suggestion(
            dimension,
            None,
            None,
            f"{check} fails in all {runs} runs at {span}, more than {NEAR_MISS:g}x its tolerance {current}: "
            "fix the feed (a looser threshold would hide the defect); the threshold is left as it is",
        )
    if any(not o.passed for o in observed) or worst >= TIGHTEN_BELOW * current:
        return None
    typical = statistics.median(o.rows for o in observed) or 1
    value = nice_up(max(HEADROOM * worst, 2 / typical, 0.001))
    if value >= current:
        return None
    where = max(observed, key=lambda o: o.figure).where if worst > 0 else ""
    return Suggestion(
        dimension,
        setting,
        value,
        f"{check} tolerance {current} never approached: worst {_fraction(worst)}{f' ({where})' if where else ''} "
        f"over {runs} runs (median {_fraction(statistics.median(figures))}); tighten {setting} {current} -> {value} "
        f"({HEADROOM:g}x the worst, at least 2 rows of a typical {typical:g}-row batch)",
    )


def _column_of(rule: dict, name: str) -> str:
    found = re.search(r"`([^`]+)`", rule.get("rule", ""))
    return found.group(1) if found else name


def _rules_failing_every_run(evaluations: list[CheckEvaluation]) -> list[Suggestion]:
    """A note per contract rule that failed rows in every evaluation, saying what to change."""
    parts = [p for e in evaluations for p in _parts(e.metadata)]
    per_rule = [p.get("failing_rules") or {} for p in parts]
    always = set(per_rule[0]).intersection(*per_rule[1:]) if per_rule else set()
    notes = []
    for name in sorted(always):
        fractions = [rules[name].get("fraction", 0.0) for rules in per_rule]
        column = _column_of(per_rule[0][name], name)
        values = sorted({str(s.get(column)) for rules in per_rule for s in rules[name].get("samples", [])})[:5]
        if any(kind in name for kind in VALUE_RULES):
            advice = f"if these values are valid, widen the rule in schema.py (e.g. add {', '.join(values)}); else fix the feed"
        else:
            advice = "fix the feed (or the column's type in schema.py): the values do not parse or are missing"
        notes.append(
            Suggestion(
                "validity",
                None,
                None,
                f"rule {name} fails in all {len(parts)} runs ({_fraction(min(fractions))} to "
                f"{_fraction(max(fractions))} of rows; e.g. {', '.join(values) or 'no samples'}): {advice}",
            )
        )
    return notes


def _rows_read(evaluations: list[CheckEvaluation]) -> list[float]:
    values = []
    for evaluation in evaluations:
        for part in _parts(evaluation.metadata):
            rows = (part.get("metrics") or {}).get("rows_read") or {}
            if isinstance(rows.get("value"), (int, float)):
                values.append(float(rows["value"]))
    return values


def _volume_band(quality: QualitySpec, evaluations: list[CheckEvaluation]) -> list[Suggestion]:
    values = _rows_read(evaluations)
    spec = quality.volume
    median = statistics.median(values) if values else 0
    if median <= 0:
        return []
    mad = statistics.median(abs(v - median) for v in values)
    half = max(spec.max_sigmas * MAD_SIGMA * mad, MIN_BAND * median)
    value = nice_up(half / median)
    floor = "" if half > MIN_BAND * median else f", at least +-{MIN_BAND:.0%}"
    band = (
        f"rows read per ingestion date over {len(values)} runs: median {median:g}, MAD {mad:g} -> band "
        f"{median - half:.0f} to {median + half:.0f} (median +- {spec.max_sigmas:g} x {MAD_SIGMA} x MAD{floor})"
    )
    notes = []
    if all(not e.passed for e in evaluations):
        notes.append(Suggestion("volume", None, None, f"volume_anomaly flags all {len(evaluations)} runs; {band}"))
    current = spec.min_relative_change
    if value <= current / 1.5 or value >= current * 1.5:
        notes.append(
            Suggestion(
                "volume",
                "min_relative_change",
                value,
                f"{band}; min_relative_change {current} ignores changes up to +-{current * median:.0f} rows: set it "
                f"to {value} so the band is the check's noise floor",
            )
        )
    return notes


def suggest(quality: QualitySpec, history: dict[str, list[CheckEvaluation]], min_runs: int = MIN_RUNS) -> Suggestions:
    """Suggestions from each check's evaluations (newest first), by check name."""
    runs = len({e.run_id for evaluations in history.values() for e in evaluations})
    found = Suggestions(runs, min_runs)
    if not found.enough:
        return found
    for check, (dimension, setting, _) in FIGURES.items():
        observed = _observations(check, history.get(check, []))
        if len(observed) >= min_runs:
            current = getattr(getattr(quality, dimension), setting)
            suggestion = _tolerance(check, current, observed)
            found.items += [suggestion] if suggestion else []
    if len(history.get("validity", [])) >= min_runs:
        found.items += _rules_failing_every_run(history["validity"])
    if len(history.get("volume_anomaly", [])) >= min_runs:
        found.items += _volume_band(quality, history["volume_anomaly"])
    return found
