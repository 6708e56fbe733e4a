"""Sample feeds written by the tests: a clean CSV feed of gift orders, the same feed with known
defects, and JSON lines of sensor readings. Each returns what a test asserts against; `evidence`
reads back the comments a proposal was written with."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

HEADER = ["order_id", "ordered_at", "email", "category", "amount", "quantity"]
CATEGORIES = ["books", "games", "music", "toys"]
SPELLINGS = {"books": ["books", "Books"], "games": ["games", "GAMES"], "music": ["music"], "toys": ["toys", "Toys"]}
DAY = dt.date(2026, 11, 15)


@dataclass
class Feed:
    files: list[Path]
    rows: list[dict]  # the distinct records, as written (before any defect)
    bad_rows: set[int] = field(default_factory=set)  # indices (into `rows`) of rows given a defect
    outlier: str = ""


def order(number: int, rng: random.Random, day: dt.date) -> dict:
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randrange(0, 20 * 3600))
    category = rng.choice(CATEGORIES)
    return {
        "order_id": f"G{number:08d}",
        "ordered_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "email": f"buyer{number}@example.com",
        "category": rng.choice(SPELLINGS[category]),
        "amount": f"{rng.uniform(5, 500):.2f}",
        "quantity": "" if number % 10 == 0 else str(rng.randint(1, 9)),
    }


def _csv(path: Path, rows: list[dict]) -> Path:
    lines = [",".join(HEADER)] + [",".join(r[c] for c in HEADER) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gift_orders(folder: Path, per_file: int = 150, files: int = 3, seed: int = 15) -> Feed:
    """`files` CSV files, one per day from DAY on, `per_file` orders each; the last file also
    re-sends (exactly) the first order of the first file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    feed = Feed([], [])
    for index in range(files):
        day = DAY + dt.timedelta(days=index)
        rows = [order(index * per_file + n + 1, rng, day) for n in range(per_file)]
        feed.rows += rows
        written = rows + ([feed.rows[0]] if index == files - 1 else [])
        feed.files.append(_csv(folder / f"gift_orders_{day.isoformat()}.csv", written))
    return feed


def dirty_gift_orders(folder: Path) -> Feed:
    """600 orders in 3 files with known defects: 3% unparsable amounts, 0.5% junk categories,
    2% unparsable timestamps and one amount of 10^9."""
    rng = random.Random(99)
    rows = [order(n + 1, rng, DAY) for n in range(600)]
    picks = rng.sample(range(600), 18 + 3 + 12 + 1)
    bad_amounts, junk, bad_times, outlier = picks[:18], picks[18:21], picks[21:33], picks[33]
    for i, text in zip(bad_amounts, ["twelve", "EUR 12", "1.2.3"] * 6):
        rows[i]["amount"] = text
    for i, text in zip(junk, ["zzz", "bookz", "???"]):
        rows[i]["category"] = text
    for i, text in zip(bad_times, ["yesterday", "2026-13-45T00:00:00Z", "15/11/2026 08:00"] * 4):
        rows[i]["ordered_at"] = text
    rows[outlier]["amount"] = "1000000000"
    folder.mkdir(parents=True, exist_ok=True)
    files = [_csv(folder / f"orders_{n}.csv", rows[n * 200 : (n + 1) * 200]) for n in range(3)]
    return Feed(files, rows, set(picks), "1000000000")


def sensor_readings(folder: Path) -> Feed:
    """JSON lines of sensor readings in 2 files: numbers, booleans and a nested object as JSON
    values, a missing field, 3 readings sent again later with another time, and a `battery`
    field only the second file has."""
    rng = random.Random(3)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in range(120):
        rows.append(
            {
                "reading_id": f"R{n + 1:05d}",
                "device": f"dev-{rng.randint(1, 40):03d}",
                "room": rng.choice(["kitchen", "Kitchen", "hall", "bedroom"]),
                "read_at": f"2026-11-15T{n // 10:02d}:{n % 60:02d}:00+01:00",
                "celsius": round(rng.uniform(15, 25), 1),
                "heating": rng.random() < 0.5,
                "meta": {"fw": "1.2"},
            }
        )
    rows[7].pop("celsius")  # a missing field reads as null
    resent = [dict(rows[i], read_at="2026-11-15T23:00:00+01:00") for i in (1, 2, 3)]
    first = [json.dumps(r) for r in rows[:60]]
    second = [json.dumps({**r, "battery": 90}) for r in rows[60:] + resent]
    files = [folder / "readings_a.jsonl", folder / "readings_b.jsonl"]
    files[0].write_text("\n".join(first) + "\n", encoding="utf-8")
    files[1].write_text("\n".join(second) + "\n\n", encoding="utf-8")
    return Feed(files, rows)


def evidence(text: str) -> str:
    """The comments of a written file, one per line, wrapped continuations joined again."""
    found: list[str] = []
    for line in text.splitlines():
        comment = line.strip()
        if not comment.startswith("#"):
            continue
        if comment.startswith("#   ") and found:
            found[-1] += " " + comment[4:]
        else:
            found.append(comment[2:])
    return "\n".join(found)
