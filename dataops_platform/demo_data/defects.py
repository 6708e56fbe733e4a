"""The defect kinds, their rates (DefectRates) and the assignment of at most one defect per source row."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

MAX_RATE = 0.5  # cap of a single scaled defect rate
MAX_DEFECT_SHARE = 0.95  # cap of the share of rows with a row-level defect


class Rates:
    """A frozen dataclass of defect rates: each a fraction of a dataset's source rows."""

    def __post_init__(self) -> None:
        for f in fields(self):
            if not 0.0 <= getattr(self, f.name) <= 1.0:
                raise ValueError(f"defect rate {f.name} must be within [0, 1]")

    def scaled(self, factor: float):
        """All rates multiplied by `factor`, each capped at `MAX_RATE`."""
        if factor < 0:
            raise ValueError("defect scale must be >= 0")
        return type(self)(**{f.name: min(MAX_RATE, round(getattr(self, f.name) * factor, 10)) for f in fields(self)})


@dataclass(frozen=True)
class DefectRates(Rates):
    """Fraction of a dataset's source rows that get each defect (see the package docstring)."""

    null_critical: float = 0.02
    null_primary_key: float = 0.003
    duplicate: float = 0.03
    messy_email: float = 0.10
    malformed_date: float = 0.005
    future_date: float = 0.003
    negative_amount: float = 0.005
    non_numeric_amount: float = 0.003
    orphan_foreign_key: float = 0.01
    unknown_category: float = 0.005
    alias_category: float = 0.02
    corrupt_line: float = 0.001


DEFECT_KINDS = tuple(f.name for f in fields(DefectRates))
ROW_DEFECTS = tuple(kind for kind in DEFECT_KINDS if kind != "duplicate")  # at most one per source row
QUARANTINED = (
    "null_primary_key",
    "malformed_date",
    "future_date",
    "negative_amount",
    "non_numeric_amount",
    "unknown_category",
    "corrupt_line",
)


def assign_defects(rng: np.random.Generator, n: int, kinds: tuple[str, ...], rates: Rates) -> np.ndarray:
    """One code per row: index into `kinds`, or len(kinds) for a clean row."""
    p = np.array([getattr(rates, kind) for kind in kinds], np.float64)
    if p.sum() > MAX_DEFECT_SHARE:
        p *= MAX_DEFECT_SHARE / p.sum()
    return np.searchsorted(np.cumsum(p), rng.random(n), side="right").astype(np.int8)
