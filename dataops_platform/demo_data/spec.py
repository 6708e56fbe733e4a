"""Spec: how one dataset is generated, damaged and laid out (declared part + the generator's choices)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .defects import ROW_DEFECTS
from .formatting import Columns
from .vocabulary import IdFormat, VocabularyError, vocabulary
from .world import Chunk, World


@dataclass(frozen=True)
class Spec:
    """How one dataset is generated, damaged and laid out."""

    # from the declaration and contract (vocabulary.Declared)
    name: str
    folder: str
    fmt: str  # "csv" or "jsonl"
    columns: tuple[str, ...]  # the first one is the primary key
    critical: tuple[str, ...]  # candidates for null_critical
    fk_col: str | None
    fk_ids: IdFormat | None
    unknown_col: str
    unknown_values: tuple[str, ...]
    aliases: Mapping[str, Mapping[str, tuple[str, ...]]]  # column -> canonical value -> aliases
    # the generator's own
    rows_per_day: Callable[[World], list[int]]
    generate: Callable[[World, np.random.Generator, Chunk], Columns]
    malformed_cols: tuple[str, ...]
    future_cols: tuple[str, ...]
    amount_col: str | None = None
    email_col: str | None = None
    split_parts: bool = True  # big days go to part files (else one file, written in chunks)
    carry_duplicates: bool = True  # some duplicates land in the next day's file
    extras: Callable[[World, np.random.Generator, Chunk], Columns | None] | None = None
    on_rows: Callable[[World, Chunk, np.ndarray, np.ndarray], None] | None = None  # (clean, quarantined)

    @classmethod
    def declared(cls, name: str, **own) -> Spec:
        """The spec of a declared dataset with the generator's own settings `own`."""
        d = vocabulary()[name]
        spec = cls(
            name=d.name,
            folder=d.folder,
            fmt=d.fmt,
            columns=d.columns,
            critical=d.critical,
            fk_col=d.fk_col,
            fk_ids=d.fk_ids,
            unknown_col=d.unknown_col,
            unknown_values=d.unknown_values,
            aliases=d.aliases,
            **own,
        )
        named = [*spec.malformed_cols, *spec.future_cols, spec.amount_col, spec.email_col]
        unknown = [c for c in named if c is not None and c not in spec.columns]
        if unknown:
            raise VocabularyError(f"{name}: columns {unknown} are not in the contract {list(spec.columns)}")
        return spec

    @property
    def id_col(self) -> str:
        return self.columns[0]

    @property
    def date_only(self) -> bool:
        return self.malformed_cols[0].endswith("_date")

    @property
    def row_defects(self) -> tuple[str, ...]:
        """Row-level defect kinds that apply to this dataset, in a fixed order."""
        applies = {
            "messy_email": self.email_col,
            "negative_amount": self.amount_col,
            "non_numeric_amount": self.amount_col,
            "orphan_foreign_key": self.fk_col,
            "corrupt_line": self.fmt == "jsonl",
        }
        return tuple(kind for kind in ROW_DEFECTS if applies.get(kind, True))
