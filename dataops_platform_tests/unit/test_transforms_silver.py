"""Silver transforms on five-row DataFrames: the rows that come out are asserted exactly."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from pyspark.sql import types as T

from dataops_platform.declarations import DEFS_DIR, load_declaration
from dataops_platform.steps.silver import silver_spec
from dataops_platform.transforms.silver import (
    COPY_OF_KEPT,
    KEPT,
    RECORD_VERSION,
    ROW_HASH,
    conform,
    quarantined_rows,
    rank_versions,
    row_fingerprint,
    valid_rows,
)

DAY = dt.date(2026, 11, 15)
TX_COLUMNS = ["transaction_id", "customer_id", "transaction_ts", "amount", "channel", "status"]


@pytest.fixture(scope="module")
def tx_spec():
    return silver_spec(load_declaration(DEFS_DIR / "transactions" / "defs.yaml"))


def deduplicate(valid, spec):
    """One row per primary key: the row `rank_versions` keeps."""
    return rank_versions(valid, spec).filter(KEPT).drop(KEPT, COPY_OF_KEPT)


def raw_frame(spark, columns, rows, bronze_file="20261115T120000000000Z_tx.csv"):
    schema = T.StructType(
        [T.StructField(c, T.StringType()) for c in columns]
        + [
            T.StructField("_corrupt_record", T.StringType()),
            T.StructField("_bronze_file", T.StringType()),
            T.StructField("_ingestion_date", T.DateType()),
        ]
    )
    return spark.createDataFrame([(*r, None, bronze_file, DAY) for r in rows], schema)


def run(spark, spec, rows):
    conformed = conform(raw_frame(spark, TX_COLUMNS, rows), spec)
    valid = {r["transaction_id"]: r for r in valid_rows(conformed, spec.rules(), spec).collect()}
    rejected = {r["transaction_id"]: r["_reasons"] for r in quarantined_rows(conformed, spec.rules(), spec).collect()}
    return valid, rejected


def test_cleansing_trims_lowercases_and_standardizes(spark, tx_spec):
    valid, rejected = run(
        spark,
        tx_spec,
        [
            ("T0000000001", " C0000001 ", "2026-11-15T10:00:00Z", " 12.50 ", "Web", "COMPLETE"),
            ("T0000000002", "C0000002", "2026-11-15 11:30:00", "7", "store", " done "),
        ],
    )
    assert rejected == {}
    first = valid["T0000000001"]
    assert (first["customer_id"], first["amount"], first["channel"], first["status"]) == (
        "C0000001",
        Decimal("12.50"),
        "online",
        "completed",
    )
    assert first["transaction_ts"] == dt.datetime(2026, 11, 15, 10, 0)
    assert (first["year"], first["month"], first["_ingestion_date"]) == (2026, 11, DAY)
    assert valid["T0000000002"]["status"] == "completed"


def test_unparsable_values_are_quarantined_with_reasons_not_nulled(spark, tx_spec):
    valid, rejected = run(
        spark,
        tx_spec,
        [
            ("T0000000003", "C0000001", "2026-13-45", "10.00", "online", "completed"),
            ("T0000000004", "C0000001", "2026-11-15T10:00:00Z", "abc", "online", "completed"),
            ("T0000000005", "C0000001", "2026-11-15T10:00:00Z", "12,50", "online", "completed"),
            ("T0000000006", "C0000001", "2026-11-15T10:00:00Z", "5.00", "online", "completed"),
        ],
    )
    assert set(valid) == {"T0000000006"}
    assert rejected["T0000000003"] == ["transaction_ts: cannot parse '2026-13-45' as timestamp"]
    assert rejected["T0000000004"] == ["amount: cannot parse 'abc' as decimal(18,2)"]
    assert rejected["T0000000005"] == ["amount: cannot parse '12,50' as decimal(18,2)"]


def test_rule_violations_are_quarantined(spark, tx_spec):
    valid, rejected = run(
        spark,
        tx_spec,
        [
            ("T0000000007", "C0000001", "2026-11-15T10:00:00Z", "-3.00", "online", "completed"),
            ("T0000000008", "C0000001", "2026-11-15T10:00:00Z", "3.00", "online", "chargeback"),
            ("T0000000009", "C0000001", "2026-11-25T10:00:00Z", "3.00", "online", "completed"),
            ("BAD", "C0000001", "2026-11-15T10:00:00Z", "3.00", "online", "completed"),
            ("T0000000010", None, "2026-11-15T10:00:00Z", "3.00", "online", "completed"),
        ],
    )
    assert set(valid) == {"T0000000010"}  # a null non-key critical column is kept (completeness is measured)
    assert rejected["T0000000007"] == ["amount: value '-3.00' fails greater_than_or_equal_to(min_value=0)"]
    assert rejected["T0000000008"][0].startswith("status: value 'chargeback' fails isin(")
    assert rejected["T0000000009"] == ["transaction_ts: '2026-11-25T10:00:00Z' is in the future"]
    assert rejected["BAD"][0].startswith("transaction_id: value 'BAD' fails str_matches(")


def test_missing_primary_key_and_malformed_record(spark, tx_spec):
    schema_rows = [(None, "C0000001", "2026-11-15T10:00:00Z", "3.00", "online", "completed")]
    conformed = conform(raw_frame(spark, TX_COLUMNS, schema_rows), tx_spec)
    reasons = quarantined_rows(conformed, tx_spec.rules(), tx_spec).collect()[0]["_reasons"]
    assert reasons == ["transaction_id: required value is missing"]

    corrupt = raw_frame(spark, TX_COLUMNS, [("T0000000011", "C0000001", None, None, None, None)]).withColumn(
        "_corrupt_record", __import__("pyspark.sql.functions", fromlist=["lit"]).lit("T0000000011,C0000001")
    )
    rejected = quarantined_rows(conform(corrupt, tx_spec), tx_spec.rules(), tx_spec).collect()
    assert rejected[0]["_reasons"] == ["malformed record: 'T0000000011,C0000001'"]
    assert rejected[0]["_corrupt_record"] == "T0000000011,C0000001"


def test_deduplicate_keeps_latest_event_then_latest_file(spark, tx_spec):
    rows = [
        ("T0000000020", "C0000001", "2026-11-15T10:00:00Z", "1.00", "online", "pending"),
        ("T0000000020", "C0000001", "2026-11-15T12:00:00Z", "1.00", "online", "completed"),
        ("T0000000020", "C0000001", "2026-11-15T11:00:00Z", "1.00", "online", "failed"),
        ("T0000000021", "C0000002", "2026-11-15T10:00:00Z", "2.00", "store", "completed"),
        ("T0000000021", "C0000002", "2026-11-15T10:00:00Z", "2.00", "store", "completed"),
    ]
    conformed = conform(raw_frame(spark, TX_COLUMNS, rows), tx_spec)
    out = deduplicate(valid_rows(conformed, tx_spec.rules(), tx_spec), tx_spec).collect()
    assert sorted((r["transaction_id"], r["status"]) for r in out) == [
        ("T0000000020", "completed"),
        ("T0000000021", "completed"),
    ]

    older = raw_frame(spark, TX_COLUMNS, [rows[3]], bronze_file="20261115T090000000000Z_a.csv")
    newer = raw_frame(
        spark, TX_COLUMNS, [(*rows[3][:4], "mobile", "completed")], bronze_file="20261115T100000000000Z_b.csv"
    )
    both = conform(older.unionByName(newer), tx_spec)
    winner = deduplicate(valid_rows(both, tx_spec.rules(), tx_spec), tx_spec).collect()
    assert [(r["channel"], r["_bronze_file"]) for r in winner] == [("mobile", "20261115T100000000000Z_b.csv")]


def test_row_fingerprint_is_16_hex_digits_of_the_content_only(spark):
    rows = [("x", None, 1), (None, "x", 1), ("x", None, 1), ("xy", None, 1), ("x", "y", 1), ("x", "y", 2)]
    df = spark.createDataFrame(rows, "a string, b string, n int")
    hashes = [r[0] for r in df.select(row_fingerprint(["a", "b", "n"])).collect()]
    assert all(re.fullmatch("[0-9a-f]{16}", h) for h in hashes), hashes
    assert hashes[0] == hashes[2]  # the same content, the same fingerprint
    assert len({hashes[i] for i in (0, 1, 3, 4, 5)}) == 5  # a value moved to another column is other content


def test_resent_row_has_the_same_hash_and_a_later_version(spark, tx_spec):
    row = ("T0000000030", "C0000001", "2026-11-15T10:00:00Z", "3.00", "online", "completed")
    first = raw_frame(spark, TX_COLUMNS, [row], bronze_file="20261115T090000000000Z_a.csv")
    again = raw_frame(spark, TX_COLUMNS, [row], bronze_file="20261115T100000000000Z_b.csv")
    out = valid_rows(conform(first.unionByName(again), tx_spec), tx_spec.rules(), tx_spec).collect()
    (a, b) = sorted(out, key=lambda r: r["_bronze_file"])
    assert a[ROW_HASH] == b[ROW_HASH]
    assert a[RECORD_VERSION] == f"2026-11-15T10:00:00.000000|20261115T090000000000Z_a.csv|{a[ROW_HASH]}"
    assert b[RECORD_VERSION] > a[RECORD_VERSION]
