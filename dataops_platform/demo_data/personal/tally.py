"""What was written for one personal-analytics dataset, and what silver should make of it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..writer import FileSink
from .defects import QUARANTINED
from .vocabulary import Feed


@dataclass
class Tally:
    """Counts of one dataset's output; `summary()` is its manifest entry."""

    kinds: tuple[str, ...]  # the row defects that apply, in code order
    delivery: tuple[str, ...]  # the delivery kinds that apply (duplicate, late_reading, re_export)
    files: list = field(default_factory=list)
    source_rows: int = 0
    rows_written: int = 0
    quarantined: int = 0  # written lines silver quarantines (a re-exported bad row counts each time)
    copies: int = 0  # written copies of valid rows besides their first: removed as re-sends
    defects: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.defects = {kind: 0 for kind in (*self.delivery, *self.kinds)}

    def count_rows(self, codes: np.ndarray) -> None:
        """A batch of new source rows and their defect codes."""
        for code, kind in enumerate(self.kinds):
            self.defects[kind] += int(np.count_nonzero(codes == code))
        self.source_rows += codes.size

    def bad(self, codes: np.ndarray) -> np.ndarray:
        """Which rows of these codes silver quarantines."""
        return np.isin(codes, [code for code, kind in enumerate(self.kinds) if kind in QUARANTINED])

    def write(self, feed: Feed, root, relpath: str, lines, mtime: int) -> None:
        """One file of `lines` (with the CSV header), landed at `mtime`."""
        sink = FileSink(root, relpath, feed.header() if relpath.endswith(".csv") else "", mtime, feed.encoding)
        sink.write(lines)
        self.files.append(sink.close())
        self.rows_written += len(lines)

    def summary(self) -> dict:
        bad_sources = sum(self.defects[kind] for kind in self.kinds if kind in QUARANTINED)
        return {
            "files": self.files,
            "source_rows": self.source_rows,
            "rows_written": self.rows_written,
            "defects": self.defects,
            "expected": {
                "quarantined": self.quarantined,
                "duplicates_removed": self.copies,
                "silver_rows": self.source_rows - bad_sources,
            },
        }
