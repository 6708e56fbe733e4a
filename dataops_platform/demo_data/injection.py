"""Defect injection: edits of a chunk's clean columns (messy, malformed, ...), cut lines, duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .defects import ROW_DEFECTS
from .formatting import DAY, Columns, fmt_ids, fmt_ts, join, take
from .spec import Spec
from .vocabulary import ORPHAN_MIN
from .world import World


class Edits:
    """Replacement values per column, applied in one pass per column."""

    def __init__(self) -> None:
        self.rows: dict[str, list[np.ndarray]] = {}
        self.values: dict[str, list[pa.Array]] = {}

    def set(self, column: str, rows: np.ndarray, values) -> None:
        if len(rows):
            self.rows.setdefault(column, []).append(rows)
            values = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
            self.values.setdefault(column, []).append(values)

    def set_null(self, column: str, rows: np.ndarray) -> None:
        self.set(column, rows, pa.nulls(len(rows), pa.string()))

    def apply(self, cols: Columns, n: int) -> Columns:
        cols = dict(cols)
        for column, parts in self.rows.items():
            rows = np.concatenate(parts)
            order = np.argsort(rows, kind="stable")
            mask = np.zeros(n, bool)
            mask[rows] = True
            values = pa.concat_arrays(self.values[column]).take(pa.array(order))
            cols[column] = pc.replace_with_mask(cols[column], pa.array(mask), values)
        return cols


def messy(email: str, style: int, left: int, right: int) -> str:
    """Mixed case and stray spaces, e.g. '  Emma.Smith12@Example.COM '."""
    local, domain = email.split("@")
    if style == 0:
        name, dot, tld = domain.rpartition(".")
        email = f"{local.title()}@{name.capitalize()}{dot}{tld.upper()}"
    elif style == 1:
        email = email.upper()
    else:
        email = email.title()
    return " " * left + email + " " * right


def malformed(style: int, day: dt.date, n: int, date_only: bool) -> str:
    """An unparsable date (or timestamp) near `day`; `n` is a random number."""
    clock = f"{n % 24:02d}:{n // 24 % 60:02d}"
    if style == 0:  # month 13, day > 31
        return f"{day.year}-13-{32 + n % 14}" + ("" if date_only else f"T{clock}:00Z")
    if style == 1:  # day first
        return f"{13 + n % 16:02d}/{day.month:02d}/{day.year}" + ("" if date_only else f" {clock}")
    return ("yesterday", "not a date", "00/00/0000")[n % 3]


def non_numeric(style: int, amount: str) -> str:
    dollars, cents = amount.split(".")
    return ("abc", f"{dollars},{cents}", f"{amount} USD")[style]


@dataclass(frozen=True)
class _Target:
    """The chunk being damaged: what the defect injectors read and where they write."""

    spec: Spec
    world: World
    rng: np.random.Generator
    cols: Columns
    day: int
    edits: Edits

    def values(self, column: str, rows: np.ndarray) -> list[str]:
        return self.cols[column].take(pa.array(rows)).to_pylist()

    def integers(self, low: int, high: int, rows: np.ndarray) -> np.ndarray:
        return self.rng.integers(low, high, rows.size)


def _inject_null_critical(t: _Target, rows: np.ndarray) -> None:
    which = t.integers(0, len(t.spec.critical), rows)
    for i, column in enumerate(t.spec.critical):
        t.edits.set_null(column, rows[which == i])


def _inject_null_primary_key(t: _Target, rows: np.ndarray) -> None:
    t.edits.set_null(t.spec.id_col, rows)


def _inject_messy_email(t: _Target, rows: np.ndarray) -> None:
    styles, lefts, rights = t.integers(0, 3, rows), t.integers(1, 3, rows), t.integers(0, 2, rows)
    emails = t.values(t.spec.email_col, rows)
    t.edits.set(t.spec.email_col, rows, [messy(*args) for args in zip(emails, styles, lefts, rights)])


def _inject_malformed_date(t: _Target, rows: np.ndarray) -> None:
    styles, noise = t.integers(0, 3, rows), t.integers(0, 1 << 20, rows)
    values = [malformed(s, t.world.day_date(t.day), n, t.spec.date_only) for s, n in zip(styles, noise)]
    for column in t.spec.malformed_cols:
        t.edits.set(column, rows, values)


def _inject_future_date(t: _Target, rows: np.ndarray) -> None:
    secs = t.world.day_secs(t.day) + t.integers(365, 3 * 365, rows) * DAY + t.integers(0, DAY, rows)
    values = fmt_ts(secs)
    for column in t.spec.future_cols:
        t.edits.set(column, rows, values)


def _inject_negative_amount(t: _Target, rows: np.ndarray) -> None:
    t.edits.set(t.spec.amount_col, rows, join("-", t.cols[t.spec.amount_col].take(pa.array(rows))))


def _inject_non_numeric_amount(t: _Target, rows: np.ndarray) -> None:
    styles, amounts = t.integers(0, 3, rows), t.values(t.spec.amount_col, rows)
    t.edits.set(t.spec.amount_col, rows, [non_numeric(s, a) for s, a in zip(styles, amounts)])


def _inject_orphan_foreign_key(t: _Target, rows: np.ndarray) -> None:
    prefix, width = t.spec.fk_ids
    t.edits.set(t.spec.fk_col, rows, fmt_ids(prefix, width, t.integers(ORPHAN_MIN, 10**width, rows)))


def _inject_unknown_category(t: _Target, rows: np.ndarray) -> None:
    values = t.spec.unknown_values
    t.edits.set(t.spec.unknown_col, rows, take(values, t.integers(0, len(values), rows)))


def _inject_alias_category(t: _Target, rows: np.ndarray) -> None:
    columns = list(t.spec.aliases)
    which = t.integers(0, len(columns), rows)
    for i, column in enumerate(columns):
        picked, variants = rows[which == i], t.spec.aliases[column]
        choice = t.integers(0, 1 << 20, picked)
        aliases = [variants[v][c % len(variants[v])] for v, c in zip(t.values(column, picked), choice)]
        t.edits.set(column, picked, aliases)


_INJECT = {kind: globals()[f"_inject_{kind}"] for kind in ROW_DEFECTS if kind != "corrupt_line"}


def inject_defects(
    spec: Spec, world: World, rng: np.random.Generator, cols: Columns, codes: np.ndarray, day: int
) -> Columns:
    """Columns with every row's defect applied (corrupt lines are cut after formatting)."""
    target = _Target(spec, world, rng, cols, day, Edits())
    for code, kind in enumerate(spec.row_defects):
        rows = np.flatnonzero(codes == code)
        if rows.size and kind in _INJECT:
            _INJECT[kind](target, rows)
    return target.edits.apply(cols, codes.size)


def cut_lines(rng: np.random.Generator, lines: pa.Array, rows: np.ndarray) -> pa.Array:
    """JSON lines truncated somewhere in their middle."""
    if not rows.size:
        return lines
    texts = lines.take(pa.array(rows)).to_pylist()
    cuts = rng.uniform(0.3, 0.8, rows.size)
    mask = np.zeros(len(lines), bool)
    mask[rows] = True
    cut = pa.array([text[: int(len(text) * c)] for text, c in zip(texts, cuts)], pa.string())
    return pc.replace_with_mask(lines, pa.array(mask), cut)


def pick_duplicates(rng: np.random.Generator, codes: np.ndarray, clean_code: int, rate: float) -> np.ndarray:
    """Sorted clean rows to copy (about `rate` of all rows), each at most once."""
    clean = np.flatnonzero(codes == clean_code)
    count = min(int(rng.binomial(codes.size, rate)), clean.size)
    return np.sort(rng.choice(clean, size=count, replace=False))
