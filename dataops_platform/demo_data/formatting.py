"""Vectorized text formatting: ids, dates, timestamps and cents as pyarrow string arrays."""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86_400  # seconds

Columns = dict[str, pa.Array]  # column name -> string values


def join(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, "")


def take(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """values[code] of every code."""
    return pa.array(values, pa.string()).take(pa.array(codes))


def digits(numbers: np.ndarray, width: int) -> pa.Array:
    """Numbers zero-padded to `width` digits."""
    return pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")


def fmt_ids(prefix: str, width: int, numbers: np.ndarray) -> pa.Array:
    """Ids like C0000001: a prefix and zero-padded numbers."""
    return join(prefix, digits(numbers, width))


@cache
def _clock() -> pa.Array:
    """The clock time (HH:MM:SS) of every second of a day."""
    return pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)])


def fmt_dates(epoch_days: np.ndarray) -> pa.Array:
    """YYYY-MM-DD of days since 1970-01-01."""
    epoch_days = np.asarray(epoch_days, np.int64)
    if not epoch_days.size:
        return pa.array([], pa.string())
    low = int(epoch_days.min())
    days = np.arange(low, int(epoch_days.max()) + 1, dtype=np.int32)
    return pa.array(days, pa.date32()).cast(pa.string()).take(pa.array(epoch_days - low))


def fmt_ts(secs: np.ndarray) -> pa.Array:
    """ISO-8601 UTC (YYYY-MM-DDTHH:MM:SSZ) of seconds since the epoch."""
    secs = np.asarray(secs, np.int64)
    return join(fmt_dates(secs // DAY), "T", _clock().take(pa.array(secs % DAY)), "Z")


def fmt_cents(cents: np.ndarray) -> pa.Array:
    """Decimal text with two places of an amount in cents."""
    return join(pa.array(cents // 100).cast(pa.string()), ".", digits(cents % 100, 2))


def fmt_fixed(units: np.ndarray, places: int) -> pa.Array:
    """Signed decimal text with `places` places of integers in units of 10**-places (-1250, 2 -> -12.50)."""
    units = np.asarray(units, np.int64)
    scale = 10**places
    sign = pc.if_else(pa.array(units < 0), "-", "")
    whole = pa.array(np.abs(units) // scale).cast(pa.string())
    return join(sign, whole, ".", digits(np.abs(units) % scale, places)) if places else join(sign, whole)
