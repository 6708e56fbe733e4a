"""Bronze: files copied unchanged, with metadata, once per file version; unsafe keys rejected."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

from dataops_platform.declarations import DEFS_DIR, load_declaration
from dataops_platform.steps.bronze import ingest_day
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.keys import UnsafeKeyError, check_relative_key, safe_file_name
from dataops_platform.storage.layout import bronze_partition_prefix

DAY = dt.date(2026, 11, 15)
NOON = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc).timestamp()


@pytest.fixture
def customers():
    return load_declaration(DEFS_DIR / "customers" / "defs.yaml")


def land(intake: Path, key: str, content: bytes, when: float = NOON) -> Path:
    path = intake / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (when, when))
    return path


def test_ingest_copies_unchanged_with_metadata_exactly_once(lake_dirs, customers):
    intake, lake = lake_dirs
    content = b"customer_id,email\r\nC0000001,a@b.co\r\n"
    land(intake, "crm/customers/customers_2026-11-15.csv", content)
    land(intake, "crm/customers/other_day.csv", b"x", when=NOON + 86400)  # lands on another date
    land(intake, "crm/customers/notes.txt", b"ignored")  # does not match *.csv
    store = BronzeStore(str(lake), str(intake))

    first = ingest_day(store, str(intake), customers, DAY)
    again = ingest_day(store, str(intake), customers, DAY)

    assert len(first.ingested) == 1 and first.bytes_ingested == len(content)
    assert again.ingested == [] and again.already_present == ["crm/customers/customers_2026-11-15.csv"]
    copy = first.ingested[0]
    assert copy.path.parent == lake / "bronze/source=crm/dataset=customers/ingestion_date=2026/11/15"
    assert copy.path.name.endswith("Z_customers_2026-11-15.csv") and copy.path.read_bytes() == content
    meta = json.loads(copy.path.with_name(copy.path.name + ".metadata.json").read_text())
    assert meta["sha256"] == hashlib.sha256(content).hexdigest()
    assert (meta["size_bytes"], meta["source_key"], meta["content_type"]) == (
        len(content),
        "crm/customers/customers_2026-11-15.csv",
        "text/csv",
    )
    assert meta["source_location"] == str(intake) and meta["platform_version"] and meta["ingested_at"]


def test_overwrite_is_a_new_version_and_is_ingested_again(lake_dirs, customers):
    intake, lake = lake_dirs
    path = land(intake, "crm/customers/c.csv", b"v1")
    store = BronzeStore(str(lake), str(intake))
    ingest_day(store, str(intake), customers, DAY)
    path.write_bytes(b"version 2")
    os.utime(path, (NOON + 60, NOON + 60))
    second = ingest_day(store, str(intake), customers, DAY)
    assert [f.path.read_bytes() for f in second.ingested] == [b"version 2"]
    assert len(store.partition_files("crm", "customers", DAY)) == 2


def test_data_file_without_metadata_is_not_visible(lake_dirs, customers):
    intake, lake = lake_dirs
    folder = lake / bronze_partition_prefix("crm", "customers", DAY)
    folder.mkdir(parents=True)
    (folder / "20261115T000000000000Z_half_written.csv").write_bytes(b"partial")
    assert BronzeStore(str(lake), str(intake)).partition_files("crm", "customers", DAY) == []


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/file.csv", "a/../../b.csv", "a//b.csv", "a/./b.csv", "", "a\\b.csv", "a\x00.csv"]
)
def test_unsafe_keys_are_rejected(key):
    with pytest.raises(UnsafeKeyError, match="rejected object key"):
        check_relative_key(key)


def test_safe_file_names():
    assert check_relative_key("crm/customers/ok file.csv") == "crm/customers/ok file.csv"
    assert safe_file_name("crm/x/Kunden Übersicht (1).csv") == "Kunden_Ubersicht_1_.csv"
    assert safe_file_name("crm/x/...") == "file"
