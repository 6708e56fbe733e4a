"""Text lines of rows: CSV fields, JSON members, and duplicates interleaved after their originals."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .formatting import Columns, join
from .spec import Spec


def _csv_field(values: pa.Array, delimiter: str = ",") -> pa.Array:
    """CSV text of a column: empty for null, quoted where needed."""
    values = pc.fill_null(values, "")
    needs = pc.or_(
        pc.or_(pc.match_substring(values, delimiter), pc.match_substring(values, '"')),
        pc.match_substring(values, "\n"),
    )
    if pc.any(needs).as_py():
        values = pc.if_else(needs, join('"', pc.replace_substring(values, '"', '""'), '"'), values)
    return values


def _json_member(name: str, values: pa.Array) -> pa.Array:
    """'"name": "value"' (or null) of a string column."""
    if pc.any(pc.or_(pc.match_substring(values, "\\"), pc.match_substring(values, '"'))).as_py():
        values = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    return join(f'"{name}": ', pc.fill_null(join('"', values, '"'), "null"))


def header(spec: Spec) -> str:
    """The first line of every file of the dataset (CSV only)."""
    return ",".join(spec.columns) + "\n" if spec.fmt == "csv" else ""


def csv_lines(cols: Columns, columns, delimiter: str = ",") -> pa.Array:
    """One CSV line (without newline) per row, fields in the order of `columns`."""
    return pc.binary_join_element_wise(*(_csv_field(cols[c], delimiter) for c in columns), delimiter)


def json_lines(cols: Columns, columns, literal: tuple[str, ...] = ()) -> pa.Array:
    """One JSON object (without newline) per row; the `literal` columns already hold JSON text
    (numbers), the others are strings."""
    members = [
        join(f'"{c}": ', pc.fill_null(cols[c], "null")) if c in literal else _json_member(c, cols[c]) for c in columns
    ]
    return join("{", pc.binary_join_element_wise(*members, ", "), "}")


def format_lines(spec: Spec, cols: Columns) -> pa.Array:
    """One text line (without newline) per row."""
    return csv_lines(cols, spec.columns) if spec.fmt == "csv" else json_lines(cols, spec.columns)


def interleave(rng: np.random.Generator, lines: pa.Array, duplicates: np.ndarray, inserts: pa.Array) -> pa.Array:
    """Lines with copies of `duplicates` placed after their originals and `inserts` anywhere."""
    n = len(lines)
    keys = np.concatenate(
        [np.arange(n, dtype=np.float64), rng.integers(duplicates, n) + 0.5, rng.integers(0, n + 1, len(inserts)) - 0.5]
    )
    merged = pa.concat_arrays([lines, lines.take(pa.array(duplicates, pa.int64())), inserts])
    return merged.take(pa.array(np.argsort(keys, kind="stable")))
