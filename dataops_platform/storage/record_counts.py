"""Count records in source files independently of Spark, to reconcile what was read.

Records are counted the way the reader splits them: JSON lines, one per non-blank line; CSV,
one per RFC 4180 record after the header (a quoted field may span lines) when the dialect is
multi-line, else one per non-blank line. Files are UTF-8 here (the reader transcodes others).
"""

from __future__ import annotations

import csv
from pathlib import Path

from dataops_platform.storage.dialect import DialectSpec
from dataops_platform.storage.file_checks import is_blank

CHUNK = 1024 * 1024


def _holds(path: Path, byte: bytes) -> bool:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if byte in chunk:
                return True
    return False


def _csv_records(path: Path, dialect: DialectSpec) -> int:
    """RFC 4180 records, header included; empty lines are not records (Spark skips them)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter, quotechar=dialect.quote, doublequote=True)
        return sum(1 for row in reader if row)


def _lines(path: Path, skip_whitespace: bool) -> int:
    records = 0
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip() if skip_whitespace else line.rstrip(b"\r\n"):
                records += 1
    return records


def count_records(path: Path, file_format: str, dialect: DialectSpec | None = None) -> int:
    """Records in one file, the header not counted."""
    dialect = dialect or DialectSpec()
    if is_blank(path):  # nothing but whitespace: the reader skips the file
        return 0
    if file_format != "csv":
        return _lines(path, skip_whitespace=True)
    if not dialect.multiline:
        return max(_lines(path, skip_whitespace=True) - 1, 0)
    if not _holds(path, dialect.quote.encode()):  # no quote, no record spans lines: count lines (fast)
        return max(_lines(path, skip_whitespace=False) - 1, 0)
    return max(_csv_records(path, dialect) - 1, 0)


def count_all(paths: list[Path], file_format: str, dialect: DialectSpec | None = None) -> int:
    return sum(count_records(p, file_format, dialect) for p in paths)
