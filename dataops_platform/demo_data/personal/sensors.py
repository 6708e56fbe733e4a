"""The sensor_readings dataset: each device's readings in six-hour batch files, re-sent and late."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from ..defects import assign_defects
from ..formatting import DAY, Columns, fmt_fixed, fmt_ts, take
from ..injection import Edits, cut_lines, malformed, pick_duplicates
from ..lines import interleave, json_lines
from .damage import alias_injector, damage, null_injector, unknown_injector
from .layout import SENSOR_UPLOAD_LAG, WINDOWS, sensor_file
from .plan import Plan
from .tally import Tally
from .vocabulary import SENSOR_ERROR, SENSORS, feeds
from .words import DEVICES, PLACES, Device

NUMBER = 0  # the dataset's random stream
ROW_DEFECTS = (
    "null_primary_key",
    "malformed_date",
    "unknown_category",
    "non_numeric",
    "sensor_error",
    "corrupt_line",
    "alias_category",
    "null_value",
)
UNTIMED = [ROW_DEFECTS.index("malformed_date"), ROW_DEFECTS.index("corrupt_line")]  # never late: no time to tell
STEPS = (4, 8, 12, 24, 48, 96, 144, 288)  # readings per device metric and day the generator picks from
NON_NUMERIC = ('"err"', '"--"', '"0x1F"')  # JSON strings where a number belongs
WINDOW = DAY // WINDOWS


def readings_per_day(rows: int, days: int) -> int:
    """Readings per device metric and day: the step closest to `rows` readings in all."""
    series = sum(len(device.series) for device in DEVICES)
    target = rows / (days * series)
    return min(STEPS, key=lambda step: (abs(step - target), step))


def _measured(device: Device, metric: str, unit: str, secs: np.ndarray, interval: int, rng) -> np.ndarray:
    """Values in `unit`: energy used in the interval, a temperature or a humidity."""
    hour = secs % DAY / 3600
    if metric == "energy":
        profile = 0.7 + 0.6 * ((hour >= 17) & (hour < 23)) + 0.3 * ((hour >= 7) & (hour < 9))
        kwh = device.load_kw * interval / 3600 * profile * np.exp(rng.normal(0, 0.3, secs.size))
        return kwh * (1000 if unit == "Wh" else 1)
    if metric == "temperature":
        celsius = 20.5 + 1.5 * np.sin(2 * math.pi * (hour - 9) / 24) + rng.normal(0, 0.3, secs.size)
        return celsius * 9 / 5 + 32 if unit == "°F" else celsius
    return np.clip(50 + 8 * np.sin(2 * math.pi * (hour - 3) / 24) + rng.normal(0, 2, secs.size), 25, 85)


def _batch(plan: Plan, device: Device, day: int, window: int, per_day: int, rng) -> Columns:
    """A device's readings of one window, metric by metric, each in time order."""
    interval = DAY // per_day
    secs = plan.day_secs(day) + window * WINDOW + interval * np.arange(per_day // WINDOWS)
    parts: dict[str, list] = {column: [] for column in ("device_id", "metric", "reading_ts", "room", "value", "unit")}
    for metric, unit in device.series:
        places = PLACES[unit]
        value = _measured(device, metric, unit, secs, interval, rng)
        for column, text in (
            ("device_id", device.device_id),
            ("metric", metric),
            ("room", device.room),
            ("unit", unit),
        ):
            parts[column].append(pa.array([text] * secs.size, pa.string()))
        parts["reading_ts"].append(fmt_ts(secs))
        parts["value"].append(fmt_fixed(np.round(value * 10**places).astype(np.int64), places))
    return {column: pa.concat_arrays(arrays) for column, arrays in parts.items()}


def _injectors(plan: Plan, day: int) -> dict:
    feed = feeds()[SENSORS]

    def malformed_ts(edits: Edits, cols: Columns, rows: np.ndarray, rng) -> None:
        styles, noise = rng.integers(0, 3, rows.size), rng.integers(0, 1 << 20, rows.size)
        edits.set("reading_ts", rows, [malformed(s, plan.day_date(day), n, False) for s, n in zip(styles, noise)])

    def text(values):
        return lambda edits, cols, rows, rng: edits.set(
            "value", rows, take(values, rng.integers(0, len(values), rows.size))
        )

    return {
        "null_primary_key": null_injector("device_id"),
        "malformed_date": malformed_ts,
        "unknown_category": unknown_injector(feed),
        "non_numeric": text(NON_NUMERIC),
        "sensor_error": text((str(SENSOR_ERROR),)),
        "alias_category": alias_injector(feed),
        "null_value": null_injector("value"),
    }


def write(plan: Plan, root) -> dict:
    """Every device's batch files; returns the dataset's manifest entry."""
    feed = feeds()[SENSORS]
    tally = Tally(ROW_DEFECTS, ("duplicate", "late_reading"))
    per_day = readings_per_day(plan.rows, plan.days)
    clean = len(ROW_DEFECTS)
    for number, device in enumerate(DEVICES):
        carry = pa.array([], pa.string())  # late readings and re-sends for the device's next batch
        for day in range(plan.days):
            for window in range(WINDOWS):
                last = day == plan.days - 1 and window == WINDOWS - 1
                rng = plan.rng(NUMBER, number, day, window)
                cols = _batch(plan, device, day, window, per_day, rng)
                codes = assign_defects(rng, len(cols["device_id"]), ROW_DEFECTS, plan.rates)
                tally.count_rows(codes)
                tally.quarantined += int(tally.bad(codes).sum())
                lines = json_lines(
                    damage(cols, codes, ROW_DEFECTS, _injectors(plan, day), rng), feed.columns, ("value",)
                )
                lines = cut_lines(rng, lines, np.flatnonzero(codes == ROW_DEFECTS.index("corrupt_line")))
                late = (
                    (rng.random(codes.size) < plan.rates.late_reading)
                    & (not last)
                    & np.isin(codes, UNTIMED, invert=True)
                )
                resent = pick_duplicates(rng, np.where(late, -1, codes), clean, plan.rates.duplicate)
                later = (rng.random(resent.size) < 0.5) & (not last)
                position = np.cumsum(~late) - 1  # of each on-time line among the on-time lines
                on_time = lines.filter(pa.array(~late))
                out = interleave(rng, on_time, position[resent[~later]], carry)
                carry = pa.concat_arrays(
                    [lines.take(pa.array(np.flatnonzero(late))), lines.take(pa.array(resent[later]))]
                )
                tally.defects["late_reading"] += int(late.sum())
                tally.defects["duplicate"] += int(resent.size)
                tally.copies += int(resent.size)
                path = sensor_file(feed.folder, device.device_id, plan.day_date(day), window)
                mtime = plan.day_secs(day) + (window + 1) * WINDOW - SENSOR_UPLOAD_LAG
                tally.write(feed, root, path, out, mtime)
    return tally.summary()
