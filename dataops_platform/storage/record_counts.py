"""Count records in source files independently of Spark, to reconcile what was read."""

from __future__ import annotations

from pathlib import Path


def count_records(path: Path, file_format: str) -> int:
    """Non-blank lines, minus the header line for CSV (each physical line is one record)."""
    records, first = 0, True
    with open(path, "rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            if first and file_format == "csv":
                first = False
                continue
            first = False
            records += 1
    return records


def count_all(paths: list[Path], file_format: str) -> int:
    return sum(count_records(p, file_format) for p in paths)
