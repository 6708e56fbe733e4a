"""The personal-analytics demo data: layout, determinism, a recount of every defect from the files
alone, the vocabulary's load-time checks, and the `demo-data` command adding the domain."""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import partial
from pathlib import Path

import pytest

from dataops_platform import demo_data
from dataops_platform.cli import main
from dataops_platform.demo_data import MANIFEST_NAME, VocabularyError
from dataops_platform.demo_data.personal import vocabulary
from dataops_platform.demo_data.personal.defects import PERSONAL_DEFECT_KINDS
from dataops_platform_tests.support.generated_files import assert_reproducible, files_of
from dataops_platform_tests.support.personal_rows import recount

START = dt.date(2026, 3, 30)  # the days cross a month (the salary) and the summer-time offset
UTC = dt.timezone.utc
BOTH = ("customer360", "personal_analytics")
DATASETS = ("sensor_readings", "fitness_activities", "bank_transactions")
DEVICES = 7


def _generate(root: Path, **kwargs) -> dict:
    params = {"rows": 3_000, "days": 3, "start_date": START, "seed": 5, "domains": ("personal_analytics",)} | kwargs
    return demo_data.generate(root, **params)


@pytest.fixture(scope="module", params=[1.0, 2.0], ids=["default_rates", "scaled_rates"])
def demo(request, tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp(f"personal_{request.param}")
    return root, _generate(root, defect_scale=request.param)


def test_same_parameters_give_byte_identical_files(tmp_path):
    assert_reproducible(
        partial(_generate, defect_scale=2.0), tmp_path, "bank/statements/bookings_2026-03-30.csv", other_seed=6
    )


def test_customer_360_files_do_not_change_with_the_second_domain(tmp_path):
    demo_data.generate(tmp_path / "alone", rows=500, days=2, start_date=START, seed=3)
    demo_data.generate(tmp_path / "both", rows=500, days=2, start_date=START, seed=3, domains=BOTH)
    alone, both = files_of(tmp_path / "alone"), files_of(tmp_path / "both")
    assert {path: data for path, data in both.items() if path in alone and path != MANIFEST_NAME} == {
        path: data for path, data in alone.items() if path != MANIFEST_NAME
    }
    manifest, alone_manifest = json.loads(both[MANIFEST_NAME]), json.loads(alone[MANIFEST_NAME])
    assert {k: v for k, v in manifest.items() if k != "personal_analytics"} | {
        "datasets": {k: v for k, v in manifest["datasets"].items() if k not in DATASETS}
    } == alone_manifest
    assert set(manifest["datasets"]) - set(alone_manifest["datasets"]) == set(DATASETS)


def test_layout_modification_times_and_encodings(demo):
    root, manifest = demo
    days = [START + dt.timedelta(days=d) for d in range(3)]
    written = set(files_of(root)) - {MANIFEST_NAME}
    sensors = {p for p in written if p.startswith("home/sensors/")}
    assert len(sensors) == DEVICES * 4 * len(days)
    assert {p for p in written - sensors} == {
        *(f"fitness/watch/activities_{day}.csv" for day in days),
        *(f"bank/statements/bookings_{day}.csv" for day in days),
    }
    for entry in manifest["datasets"]["sensor_readings"]["files"]:
        name = entry["path"].rsplit("/", 1)[-1]
        day, hour = dt.date.fromisoformat(name[-19:-9]), int(name[-8:-6])
        window_end = dt.datetime.combine(day, dt.time(), UTC) + dt.timedelta(hours=hour + 6, minutes=-1)
        assert os.stat(root / entry["path"]).st_mtime == window_end.timestamp()
    for name, hour in (("fitness_activities", 21), ("bank_transactions", 22)):
        for entry in manifest["datasets"][name]["files"]:
            day = dt.date.fromisoformat(entry["path"][-14:-4])
            landed = dt.datetime.combine(day, dt.time(hour), UTC).timestamp()
            assert os.stat(root / entry["path"]).st_mtime == landed
            assert (root / entry["path"]).stat().st_size == entry["bytes"]
    bank = (root / "bank/statements/bookings_2026-03-30.csv").read_bytes()
    assert bank.startswith(b"transaction_ref;booking_date;amount;currency;merchant;category\n")
    assert "Söhne".encode("cp1252") in bank and "Söhne".encode() not in bank  # Windows-1252, as declared
    fitness = (root / "fitness/watch/activities_2026-03-30.csv").read_text()
    assert "+02:00," in fitness and "+01:00," not in fitness  # 30 March 2026: the watch is on summer time
    assert (
        json.loads((root / MANIFEST_NAME).read_text())["datasets"]["sensor_readings"]
        == (manifest["datasets"]["sensor_readings"])
    )


def test_manifest_matches_a_recount_of_the_files(demo):
    root, manifest = demo
    for name in DATASETS:
        entry, counted = manifest["datasets"][name], recount(root, name)
        assert dict(counted.defects) == {kind: n for kind, n in entry["defects"].items() if n}, name
        assert len(counted.lines) == entry["rows_written"] == sum(f["rows"] for f in entry["files"])
        assert counted.quarantined == entry["expected"]["quarantined"]
        assert len(counted.valid) == entry["expected"]["silver_rows"]
        assert counted.resent == entry["expected"]["duplicates_removed"], name


def test_every_defect_kind_appears_and_scales(demo, tmp_path):
    root, manifest = demo
    seen = {kind for entry in manifest["datasets"].values() for kind, n in entry["defects"].items() if n}
    assert seen == {*PERSONAL_DEFECT_KINDS, "re_export"}
    default = _generate(tmp_path, defect_scale=1.0)["datasets"]["sensor_readings"]["defects"]
    scaled = _generate(tmp_path, defect_scale=3.0)["datasets"]["sensor_readings"]["defects"]
    assert all(scaled[kind] > default[kind] for kind in ("sensor_error", "unknown_category", "alias_category"))


def test_the_salary_is_booked_monthly_and_undamaged(demo):
    root, _ = demo
    salaries = [row for row in recount(root, "bank_transactions").valid if row["amount"] == 3450]
    assert [row["booking_date"] for row in salaries] == [START, dt.date(2026, 4, 1)]
    assert all(row["category"] == "income" and row["currency"] == "EUR" for row in salaries)


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("UNKNOWN", {"sensor_readings": {"unit": ("KWH",)}}, "cleanse to allowed values"),
        ("SENSOR_ERROR", 12, "pass the contract's range"),
        ("WATCH_NULL", "n/a", "declare it in dialect.null_tokens"),
    ],
)
def test_the_vocabulary_is_checked_against_the_declarations(monkeypatch, table, change, message):
    value = getattr(vocabulary, table)
    monkeypatch.setattr(vocabulary, table, value | change if isinstance(value, dict) else change)
    vocabulary.feeds.cache_clear()
    try:
        with pytest.raises(VocabularyError, match=message):
            vocabulary.feeds()
    finally:
        vocabulary.feeds.cache_clear()


def test_a_merchant_the_bank_encoding_cannot_write_is_refused(monkeypatch):
    from dataops_platform.demo_data.personal import words

    monkeypatch.setitem(words.MERCHANTS, "groceries", ("Sklep Łódź",))
    vocabulary.feeds.cache_clear()
    try:
        with pytest.raises(VocabularyError, match="cannot be written in the declared encoding cp1252"):
            vocabulary.feeds()
    finally:
        vocabulary.feeds.cache_clear()


def test_the_command_adds_the_domain_to_existing_demo_data(tmp_path, monkeypatch, capsys):
    intake = tmp_path / "intake"
    monkeypatch.delenv("DATAOPS_DOMAINS", raising=False)
    args = ["demo-data", "--intake", str(intake), "--rows", "500", "--days", "2", "--start-date", "2026-11-01"]
    assert main(args) == 0
    before = files_of(intake)
    assert not any(path.startswith("home/") for path in before)
    first_written = (intake / MANIFEST_NAME).stat().st_mtime

    monkeypatch.setenv("DATAOPS_DOMAINS", "customer360,personal_analytics")
    assert main(["demo-data", "--intake", str(intake)]) == 0
    assert "added personal_analytics" in capsys.readouterr().out
    after = files_of(intake)
    assert {p: after[p] for p in before if p != MANIFEST_NAME} == {
        p: d for p, d in before.items() if p != MANIFEST_NAME
    }
    manifest = json.loads(after[MANIFEST_NAME])
    assert set(DATASETS) <= set(manifest["datasets"]) and manifest["parameters"]["start_date"] == "2026-11-01"
    assert (intake / MANIFEST_NAME).stat().st_mtime == pytest.approx(first_written, abs=1e-3)
    assert files_of(intake / "home") == files_of(_generated_alone(tmp_path / "alone") / "home")

    assert main(["demo-data", "--intake", str(intake)]) == 0
    assert "already in" in capsys.readouterr().out
    assert main(["demo-data", "--intake", str(tmp_path / "x"), "--domains", "retail"]) == 2


def _generated_alone(root: Path) -> Path:
    demo_data.generate(
        root, rows=500, days=2, start_date=dt.date(2026, 11, 1), seed=42, domains=("personal_analytics",)
    )
    return root
