"""Row defects applied to a batch's clean columns, at most one per row."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from ..formatting import Columns, take
from ..injection import Edits
from .vocabulary import Feed

# (edits, clean columns, damaged rows, rng): records the rows' new values in `edits`
Injector = Callable[[Edits, Columns, np.ndarray, np.random.Generator], None]


def damage(cols: Columns, codes: np.ndarray, kinds: tuple[str, ...], injectors: dict[str, Injector], rng) -> Columns:
    """The columns with each row's defect (codes index `kinds`) applied."""
    edits = Edits()
    for code, kind in enumerate(kinds):
        rows = np.flatnonzero(codes == code)
        if rows.size and kind in injectors:
            injectors[kind](edits, cols, rows, rng)
    return edits.apply(cols, codes.size)


def by_column(columns, rows: np.ndarray, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """The rows split at random between the columns (one column damaged per row)."""
    columns = list(columns)
    which = rng.integers(0, len(columns), rows.size)
    return [(column, rows[which == i]) for i, column in enumerate(columns)]


def misspelled(feed: Feed, column: str, cols: Columns, rows: np.ndarray, rng: np.random.Generator) -> list[str]:
    """A declared misspelling of each row's value (see vocabulary.ALIASES)."""
    variants = feed.aliases[column]
    choice = rng.integers(0, 1 << 20, rows.size)
    values = cols[column].take(pa.array(rows)).to_pylist()
    return [variants[value][c % len(variants[value])] for value, c in zip(values, choice)]


def unknown(feed: Feed, column: str, rows: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Values the contract refuses, even after cleansing (see vocabulary.UNKNOWN)."""
    values = feed.unknown[column]
    return take(values, rng.integers(0, len(values), rows.size))


def alias_injector(feed: Feed) -> Injector:
    """alias_category: one of the feed's aliased columns misspelled per row."""

    def inject(edits: Edits, cols: Columns, rows: np.ndarray, rng: np.random.Generator) -> None:
        for column, picked in by_column(feed.aliases, rows, rng):
            edits.set(column, picked, misspelled(feed, column, cols, picked, rng))

    return inject


def unknown_injector(feed: Feed) -> Injector:
    """unknown_category: one of the feed's categorical columns given a value it does not allow."""

    def inject(edits: Edits, cols: Columns, rows: np.ndarray, rng: np.random.Generator) -> None:
        for column, picked in by_column(feed.unknown, rows, rng):
            edits.set(column, picked, unknown(feed, column, picked, rng))

    return inject


def null_injector(*columns: str) -> Injector:
    """The rows' values of these columns removed."""

    def inject(edits: Edits, cols: Columns, rows: np.ndarray, rng: np.random.Generator) -> None:
        for column in columns:
            edits.set_null(column, rows)

    return inject
