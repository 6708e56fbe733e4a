"""Each quality dimension passes on clean figures and fails on a known defect, at its threshold."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg

from dataops_platform.orchestration.silver import _partition_count
from dataops_platform.quality import checks
from dataops_platform.quality.masking import mask_row, mask_value
from dataops_platform.quality.policy import QualitySpec

Q = QualitySpec()


def test_completeness_uses_the_seed_rule():
    assert checks.completeness({"email": 10}, 100, Q.completeness).passed  # 10% is tolerated
    failed = checks.completeness({"email": 11, "region": 0}, 101, Q.completeness)
    assert not failed.passed and failed.severity == "ERROR"
    assert failed.metadata["columns"]["email"] == {"nulls": 11, "fraction": round(11 / 101, 6), "threshold": 0.1}
    small = checks.completeness({"email": 50}, 80, Q.completeness)  # too few rows to enforce
    assert small.passed and "not enforced" in small.summary


def test_uniqueness_counts_resends_and_fails_on_conflicts_and_table_keys():
    # (batch rows, conflicts, resent, superseded, table rows, distinct keys)
    resent = checks.uniqueness(200, 0, 120, 30, 190, 190, Q.uniqueness)
    assert resent.passed and resent.metadata["resent"] == 120  # re-sends and older versions never fail
    assert checks.uniqueness(200, 10, 0, 0, 190, 190, Q.uniqueness).passed  # exactly 5% conflicts
    over = checks.uniqueness(200, 11, 0, 0, 189, 189, Q.uniqueness, [{"transaction_id": "T1"}])
    assert not over.passed and over.metadata["conflicts"] == 11 and over.metadata["conflict_samples"]
    small = checks.uniqueness(50, 20, 0, 0, 30, 30, Q.uniqueness)
    assert small.passed and "not enforced" in small.summary
    in_table = checks.uniqueness(200, 0, 0, 0, 200, 199, Q.uniqueness)
    assert not in_table.passed and in_table.metadata["table_duplicate_keys"] == 1


def test_validity_reports_each_rule_with_counts_and_samples():
    sample = [{"amount": "-1.00", "_reasons": ["amount: ..."]}]
    outcome = checks.validity(
        {"amount_greater_than_or_equal_to": 7, "status_isin": 4, "amount_parses": 0},
        {"amount_greater_than_or_equal_to": "`amount` >= 0", "status_isin": "`status` allowed", "amount_parses": "p"},
        rows=200,
        rows_failed=11,
        samples={"amount_greater_than_or_equal_to": sample},
        spec=Q.validity,
    )
    assert not outcome.passed  # 11/200 = 5.5% > 5%
    rules = outcome.metadata["failing_rules"]
    assert set(rules) == {"amount_greater_than_or_equal_to", "status_isin"}
    assert rules["amount_greater_than_or_equal_to"]["failed"] == 7 and rules["status_isin"]["fraction"] == 0.02
    assert rules["amount_greater_than_or_equal_to"]["samples"] == sample
    assert checks.validity({"status_isin": 10}, {}, 200, 10, {}, Q.validity).passed


def test_validity_fails_on_any_rejected_file_whatever_the_tolerance():
    """One unreadable file among 10,000 rows is under 5%, but none of its records reached silver."""
    outcome = checks.validity({"file_readable": 1}, {}, 10_000, 1, {}, Q.validity)
    assert not outcome.passed
    assert "1 file(s) rejected as unreadable" in outcome.summary


def test_consistency_counts_orphans_per_reference():
    ok = checks.consistency({"customer_id": (5, 200, ["C9000001"])}, Q.consistency)
    assert ok.passed and ok.severity == "WARN"
    bad = checks.consistency({"customer_id": (11, 200, ["C9000001"])}, Q.consistency)
    assert not bad.passed and bad.metadata["references"]["customer_id"]["orphans"] == 11


def test_accuracy_finds_unaccounted_rows_and_write_mismatches():
    spec = Q.accuracy
    parts = {"quarantined": 5, "duplicates": 3, "superseded": 2, "inserted": 80, "updated": 8, "resent": 2}
    ok = checks.accuracy(100, 100, parts, 5, 5, spec, {"inserted": 80, "updated": 8})
    assert ok.passed and ok.summary == "all 100 bronze row(s) accounted for"
    assert (ok.metadata["duplicates"], ok.metadata["superseded"]) == (3, 2)
    lost = checks.accuracy(100, 98, parts, 5, 5, spec)
    assert not lost.passed and "bronze files hold 100 record(s) but 98 were read" in lost.summary
    gap = checks.accuracy(100, 100, {**parts, "resent": 1}, 5, 4, spec)
    assert not gap.passed and gap.metadata["unaccounted"] == 1 and "quarantine holds 4" in gap.summary
    merge = checks.accuracy(100, 100, parts, 5, 5, spec, {"inserted": 81, "updated": 8})
    assert not merge.passed and "the MERGE inserted 80 row(s), the audit expected 81" in merge.summary


def test_schema_drift_policy():
    additive = checks.schema_drift({"f.csv": ["loyalty_tier"]}, {}, {}, {}, Q.schema_drift)
    assert additive.passed and additive.metadata["added_columns"] == ["loyalty_tier"]
    strict = Q.schema_drift.model_copy(update={"allow_additive": False})
    assert not checks.schema_drift({"f.csv": ["loyalty_tier"]}, {}, {}, {}, strict).passed
    missing = checks.schema_drift({}, {"f.csv": ["email"]}, {}, {}, Q.schema_drift)
    assert not missing.passed and missing.metadata["missing_columns"] == ["email"]
    retyped = checks.schema_drift({}, {}, {"amount": 9, "status": 1}, {"amount": 10, "status": 10}, Q.schema_drift)
    assert not retyped.passed and list(retyped.metadata["retyped_columns"]) == ["amount"]


def test_volume_anomaly_needs_history_and_flags_spikes():
    history = [{"rows_read": v} for v in (100, 104, 96, 101, 99, 100)]
    assert checks.volume_anomaly({"rows_read": 103}, history, Q.volume).passed
    spike = checks.volume_anomaly({"rows_read": 500}, history, Q.volume)
    assert not spike.passed and spike.severity == "WARN" and spike.metadata["metrics"]["rows_read"]["sigmas"] > 3
    young = checks.volume_anomaly({"rows_read": 500}, history[:3], Q.volume)
    assert young.passed and "not enough history" in young.summary


def test_reconciliation_and_combine():
    assert checks.reconciliation("revenue", Decimal("10.50"), Decimal("10.50"), Q.accuracy).passed
    off = checks.reconciliation("revenue", Decimal("10.50"), Decimal("10.49"), Q.accuracy)
    assert not off.passed and off.metadata["difference"] == -0.01
    combined = checks.combine([checks.reconciliation("r", 1, 1, Q.accuracy), off])
    assert not combined.passed and len(combined.metadata["partitions"]) == 2


def test_pii_is_masked():
    assert mask_value("john.doe@example.com") == "j***@***.com"
    assert mask_value("Ann") == "A***" and mask_value(None) is None
    assert mask_row({"email": "a@b.org", "id": "C1"}, ["email"]) == {"email": "a***@***.org", "id": "C1"}


def test_volume_anomaly_ignores_noise_below_the_floors():
    durations = [{"duration_seconds": v} for v in (1.0, 1.1, 0.9, 1.0, 1.05)]
    assert checks.volume_anomaly({"duration_seconds": 3.0}, durations, Q.volume).passed  # +2 s is jitter
    assert not checks.volume_anomaly({"duration_seconds": 30.0}, durations, Q.volume).passed
    flat = [{"rows_read": 1000}] * 5  # zero variance: only a change beyond 25% counts
    assert checks.volume_anomaly({"rows_read": 1100}, flat, Q.volume).passed
    assert not checks.volume_anomaly({"rows_read": 2000}, flat, Q.volume).passed


def test_volume_history_divides_a_backfill_by_its_partition_count():
    text = dg.MetadataValue.text
    assert _partition_count({"partition_count": dg.MetadataValue.int(3), "partitions_written": text("x")}) == 3
    assert _partition_count({"partitions_written": text("2026-01-01, 2026-01-02")}) == 2  # recorded before the key
    assert _partition_count({"partitions_written": text("")}) == _partition_count({}) == 1
