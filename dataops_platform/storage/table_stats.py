"""Figures read straight from a Delta table (via delta-rs, only the needed columns)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable


def _columns(uri: str, columns: list[str], storage_options=None, filters=None) -> pa.Table:
    return DeltaTable(uri, storage_options=storage_options).to_pyarrow_table(columns=columns, filters=filters)


def null_counts(uri: str, columns: list[str], storage_options=None) -> tuple[int, dict[str, int]]:
    """(rows, nulls per column) of the current table version."""
    table = _columns(uri, columns, storage_options)
    return table.num_rows, {c: table.column(c).null_count for c in columns}


def key_counts(uri: str, keys: list[str], storage_options=None) -> tuple[int, int]:
    """(rows, distinct keys) of the current table version."""
    table = _columns(uri, keys, storage_options)
    if table.num_rows == 0:
        return 0, 0
    distinct = table.group_by(keys).aggregate([]).num_rows
    return table.num_rows, distinct


def rows_for_ingestion_date(uri: str, day: dt.date, storage_options=None) -> int:
    """Rows of a quarantine table that came from one ingestion date."""
    return _columns(uri, ["_ingestion_date"], storage_options, filters=[("_ingestion_date", "=", day)]).num_rows


def size_bytes(uri: str, storage_options=None) -> int:
    """Bytes of the data files in the current table version."""
    actions = pa.table(DeltaTable(uri, storage_options=storage_options).get_add_actions(flatten=True))
    return int(pc.sum(actions.column("size_bytes")).as_py() or 0) if actions.num_rows else 0


def version(uri: str, storage_options=None) -> int:
    return DeltaTable(uri, storage_options=storage_options).version()
