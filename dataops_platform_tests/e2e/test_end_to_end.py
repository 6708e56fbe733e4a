"""End to end: generated demo data -> bronze -> silver/quarantine -> gold, on a real Dagster
instance and a real SparkSession, checked against the generator's manifest and business sums."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pandas as pd
import pytest
from deltalake import DeltaTable

from dataops_platform import demo_data
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform.steps.metadata import STANDARD_KEYS

pytestmark = pytest.mark.slow

START = dt.date(2026, 11, 10)
DAYS = [START + dt.timedelta(days=i) for i in range(3)]
DATASETS = ["customers", "transactions", "web_events", "support_tickets"]


def materializations(result: dg.ExecuteInJobResult) -> dict[str, dict]:
    return {
        event.materialization.asset_key.to_user_string(): {
            k: v.value for k, v in event.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
    }


def table(lake: Path, layer: str, name: str) -> pd.DataFrame:
    return DeltaTable(str(lake / layer / name)).to_pandas()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("e2e")
    intake, lake = root / "intake", root / "lake"
    manifest = demo_data.generate(intake, rows=600, days=len(DAYS), start_date=START, seed=7)
    defs = build_definitions(Settings(intake_root=str(intake), lake_root=str(lake), partitions_start="2026-11-01"))
    assets = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition)] + list(defs.asset_checks)
    with dg.instance_for_test() as instance:
        runs = {}
        for day in DAYS:
            result = dg.materialize(assets, partition_key=day.isoformat(), resources=defs.resources, instance=instance)
            assert result.success
            runs[day] = materializations(result)
        yield SimpleNamespace(
            intake=intake, lake=lake, manifest=manifest, runs=runs, assets=assets, defs=defs, instance=instance
        )


def summed(platform, asset: str, field: str) -> int:
    return sum(run[asset][field] for run in platform.runs.values())


def assert_rows_accounted(platform, name: str) -> dict:
    """Silver read every row the generator wrote, quarantined and de-duplicated as many as its
    manifest says; returns the dataset's manifest entry."""
    expected = platform.manifest["datasets"][name]
    asset = f"silver/{name}"
    assert summed(platform, asset, "rows_read") == expected["rows_written"]
    assert summed(platform, asset, "rows_quarantined") == expected["expected"]["quarantined"]
    resent = summed(platform, asset, "duplicates_removed") + summed(platform, asset, "rows_already_current")
    assert resent == expected["expected"]["duplicates_removed"]
    return expected


def test_bronze_holds_every_intake_file_unchanged(platform):
    for name in DATASETS:
        intake_files = {f["path"]: f for f in platform.manifest["datasets"][name]["files"]}
        bronze = [p for p in platform.lake.joinpath("bronze").rglob(f"dataset={name}/**/*") if p.is_file()]
        data = [p for p in bronze if not p.name.endswith(".metadata.json")]
        assert len(data) == len(intake_files)
        intake_hashes = sorted(hashlib.sha256((platform.intake / k).read_bytes()).hexdigest() for k in intake_files)
        assert sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in data) == intake_hashes
        assert summed(platform, f"bronze/{name}", "bytes_ingested") == sum(f["bytes"] for f in intake_files.values())


@pytest.mark.parametrize("name", DATASETS)
def test_every_bronze_row_is_accounted_for(platform, name):
    expected, asset = assert_rows_accounted(platform, name), f"silver/{name}"
    # an update record replaces its customer's row: in the table (updated) or, when both landed
    # in the same run, before the MERGE (superseded)
    updates = summed(platform, asset, "rows_updated") + summed(platform, asset, "rows_superseded")
    assert updates == expected.get("update_records", 0)
    silver = table(platform.lake, "silver", name)
    assert len(silver) == expected["expected"]["silver_rows"]
    assert platform.runs[DAYS[-1]][asset]["dagster/row_count"] == len(silver)
    quarantine = table(platform.lake, "quarantine", name)
    assert len(quarantine) == expected["expected"]["quarantined"]
    assert all(len(reasons) > 0 for reasons in quarantine["_reasons"])


def test_silver_is_cleansed(platform):
    customers = table(platform.lake, "silver", "customers")
    emails = customers["email"].dropna()
    assert (emails == emails.str.strip().str.lower()).all()
    assert set(customers["region"].dropna()) <= {"north", "south", "east", "west", "central"}
    transactions = table(platform.lake, "silver", "transactions")
    assert set(transactions["status"].dropna()) <= {"completed", "pending", "failed", "refunded"}
    assert (transactions["amount"].dropna() >= 0).all()
    assert transactions["transaction_id"].is_unique


def test_gold_total_spend_equals_silver_transactions(platform):
    as_of = DAYS[-1]
    gold = table(platform.lake, "gold", "customer_360")
    gold = gold[gold["as_of_date"] == as_of].set_index("customer_id")
    customers = table(platform.lake, "silver", "customers")
    transactions = table(platform.lake, "silver", "transactions")
    completed = transactions[(transactions["status"] == "completed") & transactions["transaction_ts"].notna()]
    completed = completed[completed["transaction_ts"].dt.date <= as_of]
    spend = completed.groupby("customer_id")["amount"].sum()
    known = customers[customers["signup_date"].isna() | (customers["signup_date"] <= as_of)]
    assert set(gold.index) == set(known["customer_id"])
    for customer_id, row in gold.iterrows():
        assert row["total_spend"] == spend.get(customer_id, Decimal("0.00")), customer_id
    assert gold["total_spend"].sum() == completed[completed["customer_id"].isin(gold.index)]["amount"].sum()
    assert set(gold["health_score"]) <= {100, 80, 60, 40, 30, 20} and len(set(gold["health_score"])) >= 3


def test_daily_revenue_matches_silver(platform):
    revenue = table(platform.lake, "gold", "daily_revenue")
    transactions = table(platform.lake, "silver", "transactions")
    for day in DAYS:
        same_day = transactions[
            (transactions["status"] == "completed") & (transactions["transaction_ts"].dt.date == day)
        ]
        assert revenue[revenue["revenue_date"] == day]["revenue"].sum() == same_day["amount"].sum()


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys).reset_index(drop=True)


def _rerun(platform, day: dt.date) -> dict[str, dict]:
    result = dg.materialize(
        platform.assets, partition_key=day.isoformat(), resources=platform.defs.resources, instance=platform.instance
    )
    assert result.success
    return materializations(result)


def test_rerunning_a_day_changes_nothing(platform):
    keys = {
        "customers": ["customer_id"],
        "transactions": ["transaction_id"],
        "web_events": ["event_id"],
        "support_tickets": ["ticket_id"],
    }
    silver_before = {name: _sorted(table(platform.lake, "silver", name), keys[name]) for name in DATASETS}
    gold_before = _sorted(table(platform.lake, "gold", "customer_360"), ["as_of_date", "customer_id"])
    for day in (DAYS[1], DAYS[-1]):  # an earlier day (replayed after later ones) and the latest day
        again = _rerun(platform, day)
        for name in DATASETS:
            assert again[f"bronze/{name}"]["files_ingested"] == 0
            assert again[f"silver/{name}"]["rows_inserted"] == 0 and again[f"silver/{name}"]["rows_updated"] == 0
            pd.testing.assert_frame_equal(
                silver_before[name], _sorted(table(platform.lake, "silver", name), keys[name])
            )
    # The latest as-of date is rebuilt from unchanged silver: identical scores and figures.
    gold_after = _sorted(table(platform.lake, "gold", "customer_360"), ["as_of_date", "customer_id"])
    last = gold_before["as_of_date"] == DAYS[-1]
    pd.testing.assert_frame_equal(
        gold_before[last].reset_index(drop=True),
        gold_after[gold_after["as_of_date"] == DAYS[-1]].reset_index(drop=True),
    )


def test_tables_report_the_same_metadata_keys(platform):
    last = platform.runs[DAYS[-1]]
    tables = [k for k in last if k.split("/")[0] in ("silver", "quarantine", "gold")]
    assert len(tables) == 11
    for key in tables:
        assert set(STANDARD_KEYS) <= set(last[key]), key
    silver = last["silver/transactions"]
    assert silver["failed_rows"] == silver["rows_quarantined"] and silver["bytes"] > 0
    assert silver["partitions_written"] == str(DAYS[-1]) and silver["partition_count"] == 1 and silver["inputs"]
    assert last["gold/customer_360"]["inputs"][0].startswith("silver/customers@v")
    for key in ("silver/transactions", "gold/customer_360"):  # what the step cost, from Spark's own figures
        assert last[key]["spark_task_seconds"] > 0 and last[key]["spark_jobs"] > 0, key
    assert silver["spark_input_bytes"] > 0
