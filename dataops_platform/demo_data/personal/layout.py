"""Where the personal-analytics files go, and when they land (their modification time)."""

from __future__ import annotations

import datetime as dt

WINDOWS = 4  # sensor batch files per device and day, one per six hours


def sensor_file(folder: str, device_id: str, day: dt.date, window: int) -> str:
    """A device's batch file of one six-hour window, e.g. `<folder>/plug-office-01/plug-office-01_2026-11-10T06.jsonl`."""
    return f"{folder}/{device_id}/{device_id}_{day.isoformat()}T{window * 24 // WINDOWS:02d}.jsonl"


def activities_file(folder: str, day: dt.date) -> str:
    return f"{folder}/activities_{day.isoformat()}.csv"


def bookings_file(folder: str, day: dt.date) -> str:
    return f"{folder}/bookings_{day.isoformat()}.csv"


SAMPLE_FILES = {  # one name per dataset, checked against the declared intake pattern
    "sensor_readings": sensor_file("f", "plug-office-01", dt.date(2026, 1, 1), 3).rsplit("/", 1)[-1],
    "fitness_activities": activities_file("f", dt.date(2026, 1, 1)).rsplit("/", 1)[-1],
    "bank_transactions": bookings_file("f", dt.date(2026, 1, 1)).rsplit("/", 1)[-1],
}
# When files land, in seconds after 00:00 UTC of their day.
SENSOR_UPLOAD_LAG = 60  # a batch is uploaded a minute before its window ends
EXPORT_TIME = {"fitness_activities": 21 * 3600, "bank_transactions": 22 * 3600}
