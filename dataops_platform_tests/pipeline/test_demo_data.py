"""Tests of the demo-data generator: layout, determinism, and a recount of every injected defect.

The recount re-classifies each written row from the files alone (independently of the generator's
internals) and must reproduce the manifest's numbers exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from dataops_platform import demo_data
from dataops_platform.demo_data import MANIFEST_NAME, DefectRates, generate
from dataops_platform_tests.support.generated_files import assert_reproducible, files_of

START = dt.date(2026, 3, 1)
UTC = dt.timezone.utc

LAYOUT = {  # dataset -> (folder, file stem, format)
    "customers": ("crm/customers", "customers", "csv"),
    "transactions": ("payments/transactions", "transactions", "csv"),
    "web_events": ("web/events", "web_events", "jsonl"),
    "support_tickets": ("helpdesk/tickets", "support_tickets", "jsonl"),
}
COLUMNS = {
    "customers": [
        "customer_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "signup_date",
        "region",
        "status",
        "updated_at",
    ],
    "transactions": ["transaction_id", "customer_id", "transaction_ts", "amount", "channel", "status"],
    "web_events": ["event_id", "customer_id", "session_id", "event_ts", "event_type", "page", "device"],
    "support_tickets": [
        "ticket_id",
        "customer_id",
        "created_at",
        "updated_at",
        "status",
        "priority",
        "channel",
        "subject",
    ],
}
ID_PATTERN = {
    "customers": r"C\d{7}",
    "transactions": r"T\d{10}",
    "web_events": r"E\d{10}",
    "support_tickets": r"K\d{8}",
}
ALLOWED = {
    "customers": {"region": {"north", "south", "east", "west", "central"}, "status": {"active", "inactive", "churned"}},
    "transactions": {
        "status": {"completed", "pending", "failed", "refunded"},
        "channel": {"online", "store", "mobile"},
    },
    "web_events": {
        "event_type": {"page_view", "click", "add_to_cart", "checkout", "login", "search"},
        "device": {"desktop", "mobile", "tablet"},
    },
    "support_tickets": {
        "status": {"open", "pending", "resolved", "closed"},
        "priority": {"low", "medium", "high", "urgent"},
        "channel": {"email", "phone", "chat"},
    },
}
SYNONYMS = {
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "c": "central",
    "complete": "completed",
    "done": "completed",
    "ok": "completed",
    "fail": "failed",
    "web": "online",
    "pos": "store",
    "app": "mobile",
}
CRITICAL = {
    "customers": ("email", "signup_date", "region"),
    "transactions": ("customer_id", "transaction_ts", "amount"),
    "web_events": ("customer_id", "event_ts", "event_type"),
    "support_tickets": ("customer_id", "created_at", "status"),
}
DATES = {"customers": ("signup_date",)}
STAMPS = {
    "customers": ("updated_at",),
    "transactions": ("transaction_ts",),
    "web_events": ("event_ts",),
    "support_tickets": ("created_at", "updated_at"),
}
QUARANTINED = {
    "null_primary_key",
    "malformed_date",
    "future_date",
    "negative_amount",
    "non_numeric_amount",
    "unknown_category",
    "corrupt_line",
}
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")


# ------------------------------------------------------------------------------------------------
# Reading and re-classifying the files
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    path: str
    day: dt.date
    line: str
    record: dict | None  # None for an unparsable JSON line; missing values as ""


def read_dataset(root: Path, name: str) -> list[Row]:
    folder, stem, fmt = LAYOUT[name]
    rows = []
    for path in sorted((root / folder).iterdir()):
        day = dt.date.fromisoformat(
            re.fullmatch(rf"{stem}_(\d{{4}}-\d{{2}}-\d{{2}})(_part\d{{3}})?\.{fmt}", path.name).group(1)
        )
        lines = path.read_text(encoding="utf-8").split("\n")
        assert lines.pop() == "", "every line ends with a newline"
        if fmt == "csv":
            assert lines.pop(0).split(",") == COLUMNS[name]
        for line in lines:
            rows.append(Row(path.name, day, line, parse(name, fmt, line)))
    return rows


def parse(name: str, fmt: str, line: str) -> dict | None:
    if fmt == "csv":
        values = next(csv.reader([line]))
        assert len(values) == len(COLUMNS[name])
        return dict(zip(COLUMNS[name], values))
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    assert list(record) == COLUMNS[name]
    assert all(value is None or isinstance(value, str) for value in record.values())
    return {key: value or "" for key, value in record.items()}


def stamp(text: str) -> dt.datetime | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", text):
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def is_date(text: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


def classify(name: str, row: Row, customers: set[str]) -> str | None:
    """The defect a row carries, judged from its content alone (None for a clean row)."""
    rec = row.record
    if rec is None:
        return "corrupt_line"
    if not rec[COLUMNS[name][0]]:
        return "null_primary_key"
    if any(not rec[column] for column in CRITICAL[name]):
        return "null_critical"
    if any(not is_date(rec[c]) for c in DATES.get(name, ())) or any(stamp(rec[c]) is None for c in STAMPS[name]):
        return "malformed_date"
    limit = dt.datetime.combine(row.day, dt.time(), UTC) + dt.timedelta(days=2)
    if any(stamp(rec[c]) > limit for c in STAMPS[name]):
        return "future_date"
    if name == "transactions" and not re.fullmatch(r"\d+\.\d{2}", rec["amount"]):
        return "negative_amount" if re.fullmatch(r"-\d+\.\d{2}", rec["amount"]) else "non_numeric_amount"
    if name == "customers" and rec["email"] != rec["email"].strip().lower():
        return "messy_email"
    for column, allowed in ALLOWED[name].items():
        if rec[column] not in allowed:
            value = rec[column].strip().lower()
            return "alias_category" if SYNONYMS.get(value, value) in allowed else "unknown_category"
    if name != "customers" and rec["customer_id"] not in customers:
        return "orphan_foreign_key"
    return None


@dataclass
class Recount:
    rows: list[Row]
    kinds: list[str | None]
    defects: Counter
    ids: set[str]  # primary keys of well-formed rows
    silver_ids: set[str]  # primary keys of rows that are not quarantined
    updates: int


def recount(root: Path, name: str, customers: set[str]) -> Recount:
    rows = read_dataset(root, name)
    kinds = [classify(name, row, customers) for row in rows]
    key = COLUMNS[name][0]
    defects = Counter(kind for kind in kinds if kind)
    defects["duplicate"] = len(rows) - len({row.line for row in rows})
    keyed = [row for row in rows if row.record and row.record[key]]
    ids = {row.record[key] for row in keyed}
    silver = {row.record[key] for row, kind in zip(rows, kinds) if row.record and kind not in QUARANTINED}
    updates = len({row.line for row in keyed}) - len(ids)
    return Recount(rows, kinds, defects, ids, silver, updates)


def recount_all(root: Path) -> dict[str, Recount]:
    result = {"customers": recount(root, "customers", set())}
    for name in ("transactions", "web_events", "support_tickets"):
        result[name] = recount(root, name, result["customers"].silver_ids)
    return result


# ------------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------------


def _generate(root: Path, **kwargs) -> dict:
    params = {"rows": 500, "days": 3, "start_date": START, "seed": 7} | kwargs
    return generate(root, **params)


DEFAULT_RATES, SCALED_RATES = (500, 1.0), (3_000, 8.0)  # (rows, defect_scale)


@pytest.fixture(scope="module", params=[DEFAULT_RATES, SCALED_RATES], ids=["default_rates", "scaled_rates"])
def demo(request, tmp_path_factory) -> tuple[Path, dict]:
    rows, scale = request.param
    root = tmp_path_factory.mktemp(f"demo_{rows}_{scale}")
    return root, _generate(root, rows=rows, defect_scale=scale)


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------


def test_same_parameters_give_byte_identical_files(tmp_path):
    assert_reproducible(
        partial(_generate, defect_scale=2.0),
        tmp_path,
        "payments/transactions/transactions_2026-03-01.csv",
        other_seed=8,
    )


def test_layout_and_modification_times(demo):
    root, manifest = demo
    days = [START + dt.timedelta(days=d) for d in range(3)]
    expected = {MANIFEST_NAME}
    expected |= {f"{folder}/{stem}_{day}.{fmt}" for folder, stem, fmt in LAYOUT.values() for day in days}
    assert set(files_of(root)) == expected
    for name, summary in manifest["datasets"].items():
        for entry in summary["files"]:
            path = root / entry["path"]
            day = dt.date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", entry["path"]).group())
            noon = dt.datetime.combine(day, dt.time(12), UTC).timestamp()
            assert os.stat(path).st_mtime == noon
            assert path.stat().st_size == entry["bytes"]
            assert len(path.read_text().splitlines()) == entry["rows"] + (LAYOUT[name][2] == "csv")
    assert json.loads((root / MANIFEST_NAME).read_text()) == manifest


def test_manifest_matches_a_recount_of_the_files(demo):
    root, manifest = demo
    counted = recount_all(root)
    for name, summary in manifest["datasets"].items():
        got = counted[name]
        assert set(got.defects) <= set(summary["defects"]), name
        assert {kind: got.defects[kind] for kind in summary["defects"]} == summary["defects"], name
        assert len(got.rows) == summary["rows_written"] == sum(f["rows"] for f in summary["files"])
        assert len(got.ids) == summary["distinct_ids"]
        assert got.updates == summary.get("update_records", 0)
        duplicates = summary["defects"]["duplicate"]
        assert summary["rows_written"] == summary["source_rows"] + duplicates + got.updates
        expected = summary["expected"]
        assert expected["quarantined"] == sum(n for kind, n in got.defects.items() if kind in QUARANTINED)
        assert expected["duplicates_removed"] == got.defects["duplicate"]
        assert expected["silver_rows"] == len(got.silver_ids)
    customers = manifest["datasets"]["customers"]
    assert customers["expected"]["distinct_customers"] == len(counted["customers"].silver_ids)
    assert customers["update_records"] > 0


@pytest.mark.parametrize("demo", [SCALED_RATES], ids=["scaled_rates"], indirect=True)
def test_every_defect_kind_appears_when_scaled(demo):
    """At the default rates a 500-row sample may miss a rare kind: only the scaled sample is asked."""
    root, manifest = demo
    assert manifest["parameters"]["defect_scale"] == SCALED_RATES[1]
    datasets = manifest["datasets"]
    for name in ("customers", "transactions", "web_events"):
        assert all(datasets[name]["defects"].values()), (name, datasets[name]["defects"])
    assert sum(datasets["support_tickets"]["defects"].values()) > 0


def test_duplicates_copy_clean_rows_only(demo):
    root, _ = demo
    counted = recount_all(root)
    for name, got in counted.items():
        seen: dict[str, Row] = {}
        for row, kind in zip(got.rows, got.kinds):
            if row.line in seen:
                assert kind is None, (name, row.line)
                original = seen[row.line]
                assert row.day >= original.day
                if name == "customers":
                    assert row.path == original.path  # in-file, so "latest wins" stays simple
            seen.setdefault(row.line, row)


def test_clean_rows_are_well_formed(demo):
    root, _ = demo
    counted = recount_all(root)
    customers = counted["customers"].silver_ids
    for name, got in counted.items():
        for row, kind in zip(got.rows, got.kinds):
            if kind is not None:
                continue
            rec = row.record
            assert re.fullmatch(ID_PATTERN[name], rec[COLUMNS[name][0]])
            if name == "customers":
                assert EMAIL.match(rec["email"])
                assert dt.date.fromisoformat(rec["signup_date"]) <= row.day
                continue
            assert rec["customer_id"] in customers
            event = stamp(rec[STAMPS[name][0]])
            assert row.day - dt.timedelta(days=1) <= event.date() <= row.day  # a day later if carried over
            if name == "transactions":
                assert 5 <= float(rec["amount"]) <= 5000
            if name == "support_tickets":
                assert stamp(rec["updated_at"]) >= stamp(rec["created_at"])


def test_customer_updates_are_later_versions_of_clean_customers(tmp_path):
    _generate(tmp_path)
    got = recount(tmp_path, "customers", set())
    first = {
        row.record["customer_id"]: row for row, kind in zip(got.rows, got.kinds) if kind is None and row.day == START
    }
    updates = [row for row in got.rows if row.day > START and row.record["customer_id"] in first]
    assert updates
    for row in updates:
        base = first[row.record["customer_id"]].record
        assert row.record["updated_at"] > base["updated_at"]
        changed = {k for k in COLUMNS["customers"] if row.record[k] != base[k]}
        assert changed in ({"status", "updated_at"}, {"email", "updated_at"})


def test_defect_scale_increases_counts(tmp_path):
    low = _generate(tmp_path / "low", rows=2_000)
    high = _generate(tmp_path / "high", rows=2_000, defect_scale=5.0)
    assert high["defect_rates"]["duplicate"] == pytest.approx(0.15)
    for name in LAYOUT:
        before, after = low["datasets"][name], high["datasets"][name]
        assert sum(after["defects"].values()) > 2 * sum(before["defects"].values())
        assert after["expected"]["quarantined"] > before["expected"]["quarantined"]


def test_defect_rates():
    rates = DefectRates()
    assert (rates.null_critical, rates.duplicate, rates.messy_email) == (0.02, 0.03, 0.10)
    assert (rates.null_primary_key, rates.corrupt_line) == (0.003, 0.001)
    assert rates.scaled(1.0) == rates
    assert rates.scaled(0).null_critical == 0
    assert rates.scaled(100).messy_email == 0.5
    with pytest.raises(ValueError):
        rates.scaled(-1)
    with pytest.raises(ValueError):
        DefectRates(duplicate=1.5)


def test_part_files_chunks_and_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_data, "CHUNK_ROWS", 100)
    monkeypatch.setattr(demo_data, "PROGRESS_MIN_ROWS", 0)
    messages = []
    manifest = _generate(tmp_path, rows=500, days=2, defect_scale=3.0, progress=messages.append)
    paths = [f["path"] for f in manifest["datasets"]["transactions"]["files"]]
    assert paths == [
        f"payments/transactions/transactions_2026-03-0{day}_part00{part}.csv" for day in (1, 2) for part in (1, 2, 3)
    ]
    assert [f["rows"] > 0 for f in manifest["datasets"]["web_events"]["files"]] == [True] * 6
    assert len(manifest["datasets"]["support_tickets"]["files"]) == 2  # chunks appended to one file a day
    assert len(messages) == 6 + 6 + 2 + 2 + 1
    counted = recount_all(tmp_path)
    for name, summary in manifest["datasets"].items():
        assert {kind: counted[name].defects[kind] for kind in summary["defects"]} == summary["defects"]
        assert len(counted[name].silver_ids) == summary["expected"]["silver_rows"]


def test_default_start_date_is_days_before_today(tmp_path):
    manifest = generate(tmp_path, rows=0, days=2)
    today = dt.datetime.now(UTC).date()
    allowed = {str(today - dt.timedelta(days=2)), str(today - dt.timedelta(days=3))}  # midnight may pass
    assert manifest["parameters"]["start_date"] in allowed
    assert manifest["datasets"]["customers"]["source_rows"] == 50


def test_every_health_score_branch_is_hit_at_default_scale(tmp_path):
    generate(tmp_path, rows=2_000, days=7, start_date=START)
    counted = recount_all(tmp_path)
    spend, purchases, open_tickets = Counter(), Counter(), Counter()
    seen = set()
    for row, kind in zip(counted["transactions"].rows, counted["transactions"].kinds):
        rec = row.record
        if kind in QUARANTINED or row.line in seen or not rec["customer_id"] or not rec["amount"]:
            continue
        seen.add(row.line)
        purchases[rec["customer_id"]] += 1
        status = rec["status"].strip().lower()
        if SYNONYMS.get(status, status) == "completed":
            spend[rec["customer_id"]] += float(rec["amount"])
    for row, kind in zip(counted["support_tickets"].rows, counted["support_tickets"].kinds):
        if kind not in QUARANTINED and row.record["status"].strip().lower() in {"open", "pending"}:
            open_tickets[row.record["customer_id"]] += 1

    def branch(customer: str) -> str:
        if spend[customer] > 1000:
            return "spend>1000"
        if spend[customer] > 500:
            return "spend>500"
        if purchases[customer] > 5:
            return "transactions>5"
        if purchases[customer]:
            return "recent"
        return "open_tickets>3" if open_tickets[customer] > 3 else "else"

    branches = Counter(branch(c) for c in counted["customers"].silver_ids)
    expected = {"spend>1000", "spend>500", "transactions>5", "recent", "open_tickets>3", "else"}
    assert set(branches) == expected, branches


def test_value_lists_match_the_silver_contracts():
    from dataops_platform.defs.customers import schema as customers
    from dataops_platform.defs.support_tickets import schema as support_tickets
    from dataops_platform.defs.transactions import schema as transactions
    from dataops_platform.defs.web_events import schema as web_events

    assert set(customers.REGIONS) == ALLOWED["customers"]["region"] == set(demo_data.REGIONS)
    assert set(transactions.STATUSES) == set(demo_data.TX_STATUSES)
    assert set(transactions.CHANNELS) == set(demo_data.CHANNELS)
    assert set(web_events.EVENT_TYPES) == set(demo_data.EVENT_TYPES)
    assert set(web_events.DEVICES) == set(demo_data.DEVICES)
    assert set(support_tickets.TICKET_STATUSES) == set(demo_data.TICKET_STATUSES)
    assert set(support_tickets.PRIORITIES) == set(demo_data.PRIORITIES)
