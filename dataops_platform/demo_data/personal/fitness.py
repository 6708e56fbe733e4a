"""The fitness_activities dataset: a sports watch's activities, exported daily over three days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..defects import assign_defects
from ..formatting import Columns, digits, fmt_fixed, fmt_ts, take
from ..injection import Edits, malformed
from ..lines import csv_lines
from ..randomness import pick
from .damage import alias_injector, damage, null_injector, unknown_injector
from .layout import EXPORT_TIME, activities_file
from .plan import Plan
from .tally import Tally
from .vocabulary import FITNESS, HEART_RATE_GLITCHES, WATCH_NULL, feeds
from .words import ACTIVITY_IDS, SPORTS

NUMBER = 1  # the dataset's random stream
ROW_DEFECTS = (
    "null_primary_key",
    "malformed_date",
    "unknown_category",
    "non_numeric",
    "heart_rate_glitch",
    "alias_category",
    "missing_heart_rate",
)
EXPORT_DAYS = 3  # an export holds the activities of its day and of the two days before


def activities_per_day(rows: int) -> int:
    return max(2, rows // 100)


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def _summer_time(secs: int) -> bool:
    """Central European summer time, as the watch keeps it."""
    year = dt.datetime.fromtimestamp(secs, dt.timezone.utc).year
    start, end = (
        dt.datetime.combine(_last_sunday(year, month), dt.time(1), dt.timezone.utc).timestamp() for month in (3, 10)
    )
    return start <= secs < end


def _local_time(secs: np.ndarray) -> pa.Array:
    """ISO-8601 local time with its offset, as the app exports it: 2026-11-10T08:32:15+01:00."""
    hours = np.array([2 if _summer_time(int(s)) else 1 for s in secs], np.int64)
    offsets = pc.if_else(pa.array(hours == 2), "+02:00", "+01:00")
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(fmt_ts(secs + hours * 3600), 0, 19), offsets, "")


def _activities(plan: Plan, day: int, first_id: int, n: int, rng) -> Columns:
    sports = feeds()[FITNESS].categories["sport"]
    code = pick(rng, n, sports.p)
    profile = [SPORTS[s] for s in sports.values]
    minutes = np.array([p.minutes for p in profile])[code] * np.exp(rng.normal(0, 0.25, n))
    duration = np.clip(np.round(minutes * 60), 300, 6 * 3600).astype(np.int64)
    speed = np.array([p.speed_kmh for p in profile])[code] * np.exp(rng.normal(0, 0.1, n))
    centi_km = np.round(speed * duration / 3600 * 100).astype(np.int64)
    heart = np.array([p.heart_rate for p in profile])[code] + np.round(rng.normal(0, 8, n)).astype(np.int64)
    peak = np.minimum(heart + rng.integers(15, 36, n), 220)
    kcal = np.array([p.kcal_per_minute for p in profile])[code] * duration / 60 * np.exp(rng.normal(0, 0.1, n))
    start = plan.day_secs(day) + np.sort(rng.integers(6 * 3600, 20 * 3600, n))
    return {
        "activity_id": digits(ACTIVITY_IDS[0] + first_id + np.arange(n), ACTIVITY_IDS[1]),
        "sport": take(sports.values, code),
        "start_time": _local_time(start),
        "duration_s": pa.array(duration).cast(pa.string()),
        "distance_km": pc.if_else(pa.array(speed > 0), fmt_fixed(centi_km, 2), pa.scalar(None, pa.string())),
        "avg_heart_rate": pa.array(heart).cast(pa.string()),
        "max_heart_rate": pa.array(peak).cast(pa.string()),
        "calories": pa.array(np.round(kcal).astype(np.int64)).cast(pa.string()),
    }


def _clock(seconds: list[str]) -> list[str]:
    """Durations as H:MM:SS, the way the watch shows them."""
    return [f"{int(s) // 3600}:{int(s) // 60 % 60:02d}:{int(s) % 60:02d}" for s in seconds]


def _injectors(plan: Plan, day: int) -> dict:
    feed = feeds()[FITNESS]

    def malformed_start(edits: Edits, cols: Columns, rows: np.ndarray, rng) -> None:
        styles, noise = rng.integers(0, 3, rows.size), rng.integers(0, 1 << 20, rows.size)
        edits.set("start_time", rows, [malformed(s, plan.day_date(day), n, False) for s, n in zip(styles, noise)])

    def duration_as_clock(edits: Edits, cols: Columns, rows: np.ndarray, rng) -> None:
        edits.set("duration_s", rows, _clock(cols["duration_s"].take(pa.array(rows)).to_pylist()))

    def heart_rate_glitch(edits: Edits, cols: Columns, rows: np.ndarray, rng) -> None:
        glitches = tuple(str(g) for g in HEART_RATE_GLITCHES)
        edits.set("avg_heart_rate", rows, take(glitches, rng.integers(0, len(glitches), rows.size)))

    return {
        "null_primary_key": null_injector("activity_id"),
        "malformed_date": malformed_start,
        "unknown_category": unknown_injector(feed),
        "non_numeric": duration_as_clock,
        "heart_rate_glitch": heart_rate_glitch,
        "alias_category": alias_injector(feed),
        "missing_heart_rate": null_injector("avg_heart_rate", "max_heart_rate"),
    }


def write(plan: Plan, root) -> dict:
    """One export per day; returns the dataset's manifest entry."""
    feed = feeds()[FITNESS]
    tally = Tally(ROW_DEFECTS, ("re_export",))
    history: list[tuple[pa.Array, np.ndarray]] = []  # each day's lines and which of them silver quarantines
    per_day = activities_per_day(plan.rows)
    for day in range(plan.days):
        rng = plan.rng(NUMBER, day)
        cols = _activities(plan, day, day * per_day, per_day, rng)
        codes = assign_defects(rng, per_day, ROW_DEFECTS, plan.rates)
        tally.count_rows(codes)
        damaged = damage(cols, codes, ROW_DEFECTS, _injectors(plan, day), rng)
        watch = {column: pc.fill_null(values, WATCH_NULL) for column, values in damaged.items()}
        history.append((csv_lines(watch, feed.columns, feed.delimiter), tally.bad(codes)))
        export = history[-EXPORT_DAYS:]
        for lines, bad in export:
            tally.quarantined += int(bad.sum())
        for lines, bad in export[:-1]:  # the days before, exported again unchanged
            tally.copies += int((~bad).sum())
            tally.defects["re_export"] += len(lines)
        out = pa.concat_arrays([lines for lines, _ in export])
        tally.write(
            feed, root, activities_file(feed.folder, plan.day_date(day)), out, plan.day_secs(day) + EXPORT_TIME[FITNESS]
        )
    return tally.summary()
