"""Quality figures gathered by the silver step on crafted files: exact counts per rule,
quarantine contents, schema drift, masked samples, and referential integrity."""

from __future__ import annotations

import datetime as dt

from deltalake import DeltaTable

from dataops_platform.steps.silver import silver_spec
from dataops_platform.transforms.silver import attach_reference_flag, conform, quarantined_rows
from dataops_platform_tests.support.quality_helpers import declaration, land_and_ingest, tables
from dataops_platform_tests.support.silver_steps import silver_day

DAY = dt.date(2026, 11, 15)
HEADER = "transaction_id,customer_id,transaction_ts,amount,channel,status\n"
GOOD = "T{:010d},C0000001,2026-11-15T10:00:00Z,10.00,online,completed\n"


def run_day(spark, lake_dirs, name, files):
    intake, lake = lake_dirs
    decl = declaration(name)
    store = land_and_ingest(intake, lake, decl, DAY, files)
    silver, quarantine = str(lake / "silver" / name), str(lake / "quarantine" / name)
    outcome, checks = silver_day(spark, store, decl, DAY, silver, quarantine, tables())
    return decl, outcome, checks, quarantine


def test_rule_failures_are_counted_exactly_and_rows_quarantined(spark, lake_dirs):
    rows = [GOOD.format(i) for i in range(1, 11)]
    rows += [
        "T0000000011,C0000001,2026-11-15T10:00:00Z,-1.00,online,completed\n",
        "T0000000012,C0000001,2026-11-15T10:00:00Z,-2.50,online,completed\n",
        "T0000000013,C0000001,2026-11-15T10:00:00Z,abc,online,completed\n",
        "T0000000014,C0000001,2026-11-15T10:00:00Z,1.00,online,chargeback\n",
        ",C0000001,2026-11-15T10:00:00Z,1.00,online,completed\n",
        GOOD.format(1),  # exact duplicate
    ]
    decl, outcome, results, quarantine = run_day(spark, lake_dirs, "transactions", {"t.csv": HEADER + "".join(rows)})
    failures = {k: v for k, v in outcome.rule_failures.items() if v}
    assert failures == {
        "amount_greater_than_or_equal_to": 2,
        "amount_parses": 1,
        "status_isin": 1,
        "transaction_id_not_null": 1,
    }
    assert (outcome.source_records, outcome.rows_read, outcome.rows_quarantined) == (16, 16, 5)
    assert (outcome.duplicates_removed, outcome.rows_inserted, outcome.quarantine_rows_for_batch) == (1, 10, 5)
    rejected = {r["transaction_id"]: r for r in DeltaTable(quarantine).to_pyarrow_table().to_pylist()}
    assert rejected["T0000000013"]["amount"] == "abc"  # raw text kept
    assert rejected["T0000000013"]["_failed_rules"] == ["amount_parses"]
    assert rejected[None]["_reasons"] == ["transaction_id: required value is missing"]
    assert (
        rejected["T0000000011"]["_bronze_file"].endswith("_t.csv") and rejected["T0000000011"]["_ingestion_date"] == DAY
    )
    assert [s["transaction_id"] for s in outcome.samples["amount_greater_than_or_equal_to"]] == [
        "T0000000011",
        "T0000000012",
    ]

    assert results["accuracy"].passed and results["accuracy"].metadata["unaccounted"] == 0
    assert results["validity"].metadata["rows_failed"] == 5
    assert results["validity"].passed  # 16 rows: below min_rows, the 31% is reported, not enforced
    assert "not enforced" in results["validity"].summary
    assert results["uniqueness"].metadata["table_duplicate_keys"] == 0
    assert results["schema_drift"].passed and results["volume_anomaly"].passed


def test_schema_drift_new_missing_and_retyped_columns(spark, lake_dirs):
    reordered = "status,transaction_id,customer_id,transaction_ts,amount,coupon\n" + "".join(
        f"completed,T{i:010d},C0000001,2026-11-15T10:00:00Z,5.00,X\n" for i in range(100, 112)
    )
    retyped = HEADER + "".join(
        f"T{i:010d},C0000001,2026-11-15T10:00:00Z,ten,online,completed\n" for i in range(200, 212)
    )
    decl, outcome, checks, _ = run_day(spark, lake_dirs, "transactions", {"a.csv": reordered, "b.csv": retyped})
    assert outcome.read_report.extra_columns == {next(iter(outcome.read_report.extra_columns)): ["coupon"]}
    assert list(outcome.read_report.missing_columns.values()) == [["channel"]]
    drift = checks["schema_drift"]
    assert not drift.passed
    assert drift.metadata["added_columns"] == ["coupon"] and drift.metadata["missing_columns"] == ["channel"]
    assert drift.metadata["retyped_columns"]["amount"] == {"unparsable": 12, "non_null": 24, "fraction": 0.5}
    # The file without `channel` is not read as nulls: each of its rows fails `file_columns`, and the
    # breaking drift holds the whole batch back (write-audit-publish): nothing reaches silver.
    assert outcome.rule_failures["file_columns"] == 12 and outcome.rule_failures["amount_parses"] == 12
    assert outcome.held_by == ["schema_drift"] and outcome.rows_held == 0 and outcome.rows_inserted == 0
    assert checks["accuracy"].passed and checks["accuracy"].metadata["quarantined"] == 24


def test_samples_mask_pii(spark, lake_dirs):
    header = "customer_id,first_name,last_name,email,phone,signup_date,region,status,updated_at\n"
    row = "C0000001,Ann,Lee,not-an-email,555-0100,2025-01-01,north,active,2026-11-15T08:00:00Z\n"
    _, outcome, _, _ = run_day(spark, lake_dirs, "customers", {"c.csv": header + row})
    sample = outcome.samples["email_str_matches"][0]
    assert sample["email"] == "n***" and sample["first_name"] == "A***" and sample["phone"] == "5***"
    assert sample["customer_id"] == "C0000001"


def test_orphans_optionally_quarantined(spark):
    spec = silver_spec(declaration("transactions"))
    spec = type(spec)(**{**spec.__dict__, "quarantined_references": {"customer_id": "customers"}})
    raw = spark.createDataFrame(
        [
            ("T0000000001", "C0000001", "2026-11-15T10:00:00Z", "1.00", "online", "completed", "f", DAY),
            ("T0000000002", "C0000009", "2026-11-15T10:00:00Z", "1.00", "online", "completed", "f", DAY),
        ],
        "transaction_id string, customer_id string, transaction_ts string, amount string, channel string, status string, "
        "_bronze_file string, _ingestion_date date",
    )
    customers = spark.createDataFrame([("C0000001",)], "customer_id string")
    flagged = attach_reference_flag(conform(raw, spec), "customer_id", customers)
    rejected = quarantined_rows(flagged, spec.rules(), spec).collect()
    assert [(r["transaction_id"], r["_reasons"]) for r in rejected] == [
        ("T0000000002", ["customer_id: 'C0000009' not found in customers"])
    ]
