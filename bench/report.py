"""Results: one row per scenario and scale, medians, the Markdown table and the JSON file."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def median(values: list[float]) -> float | None:
    """The median of the values that are not None (None if there are none)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def paired_runs(
    runs: int, first: Callable[[], Any], second: Callable[[], Any], label: Callable[[Any, Any], str] | None = None
) -> tuple[list, list]:
    """`runs` results of each callable, alternating which goes first (spreads drift and warm-up)."""
    firsts, seconds = [], []
    for i in range(runs):
        if i % 2 == 0:
            a = first()
            b = second()
        else:
            b = second()
            a = first()
        firsts.append(a)
        seconds.append(b)
        if label:
            print(f"[bench]   run {i + 1}/{runs}: {label(a, b)}", file=sys.stderr, flush=True)
    return firsts, seconds


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


@dataclass
class Row:
    """One line of the results table: the platform's figure against its baseline's."""

    scenario: str
    scale: str
    platform: float | None
    baseline: float | None
    unit: str  # "s", "req", "GiB"
    ratio: float | None
    target: str  # what `ratio` (or `platform`) must satisfy, in words
    met: bool | None  # None: not measurable in this run
    notes: str = ""


@dataclass
class ScenarioResult:
    """Rows for the table plus everything measured (runs, profiles) for the JSON file."""

    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "req":
        return f"{value:,.0f} req"
    return f"{value:,.2f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def _met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[met]


def markdown(rows: list[Row]) -> str:
    """The results as a Markdown table (paste-ready for the README's Performance section)."""
    lines = [
        "| scenario | scale | platform | baseline | ratio | target | met? | notes |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in rows:
        shown_ratio = "—" if r.ratio is None else f"{r.ratio:.2f}"
        lines.append(
            f"| {r.scenario} | {r.scale} | {_number(r.platform, r.unit)} | {_number(r.baseline, r.unit)} "
            f"| {shown_ratio} | {r.target} | {_met(r.met)} | {r.notes} |"
        )
    return "\n".join(lines) + "\n"


def write(out: Path, document: dict[str, Any], table: str) -> tuple[Path, Path]:
    """Writes the JSON document and the Markdown table next to it (same name, .md)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    md = out.with_suffix(".md")
    md.write_text(table, encoding="utf-8")
    return out, md


README_START = "<!-- bench:table:start (written by python -m bench --readme; edits here are overwritten) -->"
README_END = "<!-- bench:table:end -->"


def splice_readme(readme: str, table: str) -> str:
    """`readme` with the text between the bench markers replaced by `table` (markers kept)."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no '{README_START}' ... '{README_END}' block for the table")
    return readme[: start + len(README_START)] + "\n\n" + table.strip() + "\n\n" + readme[end:]


def as_json(results: dict[str, ScenarioResult]) -> dict[str, Any]:
    return {
        name: {"rows": [asdict(r) for r in result.rows], "details": result.details} for name, result in results.items()
    }


def median_by_key(dicts: list[dict[str, float]]) -> dict[str, float]:
    """Per key, the median over the dicts that have it."""
    keys = sorted({k for d in dicts for k in d})
    return {k: median([d.get(k) for d in dicts]) for k in keys}


def top(seconds: dict[str, float], n: int = 3) -> str:
    """The `n` largest entries, e.g. 'silver_web_events 4.1 s, gold__customer_360 3.0 s'."""
    largest = sorted(seconds.items(), key=lambda item: -item[1])[:n]
    return ", ".join(f"{name} {value:.1f} s" for name, value in largest)


def per_scale(scales: list[int], measure: Callable[[int], tuple[Row, dict]]) -> ScenarioResult:
    """A row and the details for each scale (details keyed by the scale)."""
    result = ScenarioResult()
    for scale in scales:
        row, result.details[str(scale)] = measure(scale)
        result.rows.append(row)
    return result
