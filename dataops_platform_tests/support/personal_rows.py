"""The personal-analytics demo files read back and judged from their content alone.

Independent of the generator: the allowed values, spellings and ranges below are the contracts'
as a reader of `defs/personal_analytics/` would write them down, and every line is classified
and cleansed here in plain Python. Only which defect kinds are meant for quarantine is the
generator's (its QUARANTINED): that is the claim the tests hold the platform to. Tests compare these recounts with the generator's manifest,
and the gold products' figures with figures computed from `valid` rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dataops_platform.demo_data.personal.defects import QUARANTINED  # the kinds the generator says quarantine

UTC = dt.timezone.utc
FOLDERS = {
    "sensor_readings": "home/sensors",
    "fitness_activities": "fitness/watch",
    "bank_transactions": "bank/statements",
}
ROOMS = {"kitchen", "living_room", "bedroom", "office", "bathroom"}
ROOM_SYNONYMS = {"living room": "living_room", "lounge": "living_room", "study": "office"}
UNITS = {"kwh": "kWh", "wh": "Wh", "°c": "°C", "degc": "°C", "°f": "°F", "degf": "°F", "pct": "%", "%": "%"}
SPORTS = {"running", "cycling", "swimming", "walking", "hiking", "strength"}
SPORT_SYNONYMS = {
    "run": "running",
    "ride": "cycling",
    "bike": "cycling",
    "swim": "swimming",
    "walk": "walking",
    "hike": "hiking",
    "weight training": "strength",
}
CURRENCIES = {"eur": "EUR", "€": "EUR", "usd": "USD", "$": "USD", "gbp": "GBP", "£": "GBP", "chf": "CHF"}
CATEGORIES = {
    "groceries",
    "restaurants",
    "transport",
    "housing",
    "utilities",
    "shopping",
    "health",
    "leisure",
    "income",
}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
WINDOW_FILE = re.compile(r"(?P<device>[a-z_-]+\d{2})_(?P<day>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2})\.jsonl")


@dataclass(frozen=True)
class Line:
    path: str  # under the intake root
    text: str
    record: dict | None  # None: not a JSON object


@dataclass
class Recount:
    lines: list[Line]
    kinds: list[str | None]  # the defect of each line (None: clean)
    defects: Counter = field(default_factory=Counter)
    valid: list[dict] = field(default_factory=list)  # cleansed and typed, one per key
    resent: int = 0  # repeated lines of valid rows: what de-duplication removes

    @property
    def quarantined(self) -> int:
        return sum(kind in QUARANTINED for kind in self.kinds)


def read_lines(root: Path, name: str) -> list[Line]:
    """Every data line of a dataset's files, in file order (CSV: header checked and dropped)."""
    lines = []
    for path in sorted((root / FOLDERS[name]).rglob("*.*")):
        relative = path.relative_to(root).as_posix()
        if name == "sensor_readings":
            text = path.read_text(encoding="utf-8")
            lines += [Line(relative, t, _json(t)) for t in text.split("\n")[:-1]]
            continue
        encoding, delimiter = ("cp1252", ";") if name == "bank_transactions" else ("utf-8", ",")
        rows = list(csv.reader(path.read_text(encoding=encoding).splitlines(), delimiter=delimiter))
        header = rows.pop(0)
        lines += [Line(relative, delimiter.join(r), dict(zip(header, r))) for r in rows]
    return lines


def _json(text: str) -> dict | None:
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def stamp(text) -> dt.datetime | None:
    """An ISO-8601 timestamp with Z or an offset, in UTC; None if it is not one."""
    if not isinstance(text, str) or not STAMP.fullmatch(text):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _spelled(value: str, allowed: set[str], synonyms: dict[str, str]) -> tuple[str | None, bool]:
    """(the standard value or None, whether it was spelled differently)."""
    cleansed = synonyms.get(value.strip().lower(), value.strip().lower())
    return (cleansed if cleansed in allowed else None), cleansed != value


def classify_sensor(record: dict | None) -> tuple[str | None, dict | None]:
    if record is None:
        return "corrupt_line", None
    if not record["device_id"]:
        return "null_primary_key", None
    ts = stamp(record["reading_ts"])
    if ts is None:
        return "malformed_date", None
    unit = UNITS.get(record["unit"].strip().lower())
    if unit is None:
        return "unknown_category", None
    value = record["value"]
    if isinstance(value, str):
        return "non_numeric", None
    if value is not None and value < -60:
        return "sensor_error", None
    room, room_alias = _spelled(record["room"], ROOMS, ROOM_SYNONYMS)
    row = {"device_id": record["device_id"], "metric": record["metric"], "reading_ts": ts}
    row |= {"room": room, "value": value, "unit": unit}
    if room_alias or unit != record["unit"]:
        return "alias_category", row
    return ("null_value" if value is None else None), row


def classify_activity(record: dict) -> tuple[str | None, dict | None]:
    def number(column: str) -> int | None:
        return None if record[column] == "--" else int(record[column])

    if record["activity_id"] in ("", "--"):
        return "null_primary_key", None
    start = stamp(record["start_time"])
    if start is None:
        return "malformed_date", None
    sport, alias = _spelled(record["sport"], SPORTS, SPORT_SYNONYMS)
    if sport is None:
        return "unknown_category", None
    if not record["duration_s"].isdigit():
        return "non_numeric", None
    heart_rate = number("avg_heart_rate")
    if heart_rate is not None and not 30 <= heart_rate <= 230:
        return "heart_rate_glitch", None
    distance = None if record["distance_km"] == "--" else Decimal(record["distance_km"])
    row = {"activity_id": record["activity_id"], "sport": sport, "start_time": start}
    row |= {"duration_s": int(record["duration_s"]), "distance_km": distance, "avg_heart_rate": heart_rate}
    kind = "alias_category" if alias else "missing_heart_rate" if heart_rate is None else None
    return kind, row


def classify_booking(record: dict) -> tuple[str | None, dict | None]:
    if not record["transaction_ref"]:
        return "null_primary_key", None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["booking_date"]):
        return "malformed_date", None
    currency = CURRENCIES.get(record["currency"].strip().lower())
    category, category_alias = _spelled(record["category"], CATEGORIES, {})
    if currency is None or category is None:
        return "unknown_category", None
    if "," in record["amount"]:
        return "decimal_comma", None
    row = {"transaction_ref": record["transaction_ref"], "booking_date": dt.date.fromisoformat(record["booking_date"])}
    row |= {"amount": Decimal(record["amount"]), "currency": currency, "category": category}
    return ("alias_category" if category_alias or currency != record["currency"] else None), row


CLASSIFY = {
    "sensor_readings": classify_sensor,
    "fitness_activities": classify_activity,
    "bank_transactions": classify_booking,
}
KEYS = {
    "sensor_readings": ("device_id", "metric", "reading_ts"),
    "fitness_activities": ("activity_id",),
    "bank_transactions": ("transaction_ref",),
}


def recount(root: Path, name: str) -> Recount:
    """A dataset's lines classified one by one. A line seen before is a re-send: any line of an
    earlier fitness export, else a valid line (two bad lines may look alike, a cut one above all)."""
    lines = read_lines(root, name)
    judged = [CLASSIFY[name](line.record) for line in lines]
    result = Recount(lines, [kind for kind, _ in judged])
    seen, valid = set(), {}
    for line, (kind, row) in zip(lines, judged):
        if line.text in seen and (name == "fitness_activities" or kind not in QUARANTINED):
            result.defects["re_export" if name == "fitness_activities" else "duplicate"] += 1
            result.resent += kind not in QUARANTINED
            continue
        seen.add(line.text)
        if kind:
            result.defects[kind] += 1
        if row is not None:
            valid[tuple(row[k] for k in KEYS[name])] = row
        if name == "sensor_readings" and _late(line):
            result.defects["late_reading"] += 1
    result.valid = list(valid.values())
    return result


def _late(line: Line) -> bool:
    """A reading in a batch file of a window after the one it was taken in."""
    if line.record is None:
        return False
    match = WINDOW_FILE.fullmatch(line.path.rsplit("/", 1)[-1])
    start = dt.datetime.combine(dt.date.fromisoformat(match["day"]), dt.time(int(match["hour"])), UTC)
    taken = stamp(line.record["reading_ts"])
    return taken is not None and taken < start
