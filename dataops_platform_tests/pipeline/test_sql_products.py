"""A gold product declared in SQL (defs/customer_region_monthly), built on a real SparkSession and
a real Dagster instance from silver tables written here, its figures checked against values
computed here in plain Python from the same rows; its checks pass, and a broken input fails the
right one. The same declaration, sent as JSON, builds the same table in a Pipes job process."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
from deltalake import DeltaTable
from pyspark.sql.types import StructField, StructType

from dataops_platform.declarations import DEFS_DIR, ProductDeclaration, load_declarations, load_products, read_sql
from dataops_platform.definitions import build_definitions
from dataops_platform.layers import GOLD, SILVER
from dataops_platform.settings import Settings
from dataops_platform.steps.gold import build_gold_days
from dataops_platform.steps.gold_checks import gold_checks
from dataops_platform.storage.layout import table_uri
from dataops_platform.storage.tables import DeltaRsTables
from dataops_platform_tests.databricks.test_databricks_pipes import JOB_ENV, reported

PRODUCT = "customer_region_monthly"
DAYS = [dt.date(2026, 11, 10), dt.date(2026, 11, 11)]
RANGE_TAGS = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
CUSTOMERS = {"C0000001": "north", "C0000002": "south", "C0000003": "north", "C0000004": None, "C0000005": "east"}
CENT = Decimal("0.01")


def customer_rows() -> list[dict]:
    return [
        {
            "customer_id": customer_id,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": f"{customer_id.lower()}@example.com",
            "phone": None,
            "signup_date": dt.date(2026, 1, 1),
            "region": region,
            "status": "active",
            "updated_at": dt.datetime(2026, 1, 1),
        }
        for customer_id, region in CUSTOMERS.items()
    ]


def transaction_rows(count: int = 160) -> list[dict]:
    """Transactions from late July to after the last as-of date: some outside the three-month
    window, some not completed, some without channel, customer or time, some of customers
    without a region or unknown to customers."""
    rng = random.Random(15)
    start = dt.datetime(2026, 7, 20)
    rows = []
    for i in range(count):
        moment = start + dt.timedelta(minutes=rng.randrange(0, 118 * 24 * 60))
        rows.append(
            {
                "transaction_id": f"T{i:010d}",
                "customer_id": rng.choice([*CUSTOMERS, "C0000099", None]),
                "transaction_ts": None if i % 41 == 0 else moment,
                "amount": Decimal(rng.randrange(0, 50_000)) / 100,
                "channel": rng.choice(["online", "store", "mobile", None]),
                "status": rng.choice(["completed", "completed", "completed", "pending", "failed", "refunded"]),
            }
        )
    return rows


def in_window(row: dict, as_of: dt.date) -> bool:
    """Completed, on a day from the first of the month two months before `as_of` to `as_of`."""
    month = as_of.month - 3
    first = dt.date(as_of.year + month // 12, month % 12 + 1, 1)
    ts = row["transaction_ts"]
    return row["status"] == "completed" and ts is not None and first <= ts.date() <= as_of


def expected_rows(customers: list[dict], transactions: list[dict], as_of: dt.date) -> dict[tuple, dict]:
    """The product's rows for one as-of date, computed in plain Python, by key."""
    region_of = {c["customer_id"]: c["region"] for c in customers}
    groups = defaultdict(list)
    for row in transactions:
        if in_window(row, as_of):
            month = row["transaction_ts"].date().replace(day=1)
            groups[(month, region_of.get(row["customer_id"]) or "unknown", row["channel"] or "unknown")].append(row)
    by_region = defaultdict(Decimal)
    for (month, region, _), rows in groups.items():
        by_region[(month, region)] += sum(r["amount"] for r in rows)
    found = {}
    for (month, region, channel), rows in groups.items():
        revenue = sum(r["amount"] for r in rows)
        region_total = by_region[(month, region)]
        found[(as_of, month, region, channel)] = {
            "transactions": len(rows),
            "revenue": revenue,
            "customers": len({r["customer_id"] for r in rows if r["customer_id"]}),
            "average_ticket": (revenue / len(rows)).quantize(CENT, ROUND_HALF_UP),
            "channel_share": revenue / region_total if region_total else None,
        }
    return found


def gold_rows(lake: Path, name: str = PRODUCT) -> dict[tuple, dict]:
    rows = DeltaTable(table_uri(str(lake), GOLD, name)).to_pyarrow_table().to_pylist()
    return {(r.pop("as_of_date"), r.pop("month"), r.pop("region"), r.pop("channel")): r for r in rows}


def assert_same_figures(built: dict[tuple, dict], expected: dict[tuple, dict]) -> None:
    assert set(built) == set(expected)
    for key, row in expected.items():
        made = built[key]
        exact = {k: v for k, v in row.items() if k != "channel_share"}
        assert {k: made[k] for k in exact} == exact, key
        if row["channel_share"] is None:
            assert made["channel_share"] is None, key
        else:
            assert abs(made["channel_share"] - row["channel_share"]) <= Decimal("0.00005"), key


def write_silver(spark, lake: Path, rows_by_dataset: dict[str, list[dict]]) -> None:
    """Silver tables holding exactly these rows, typed by the datasets' contracts."""
    declarations = {d.name: d for d in load_declarations()}
    for name, rows in rows_by_dataset.items():
        columns = declarations[name].contract.columns
        schema = StructType([StructField(c.name, c.spark_type, True) for c in columns])
        frame = spark.createDataFrame([tuple(row[c.name] for c in columns) for row in rows], schema)
        DeltaRsTables().replace_where(table_uri(str(lake), SILVER, name), frame, "1 = 1", [])


def product_declaration(**changes) -> ProductDeclaration:
    product = next(p for p in load_products() if p.name == PRODUCT)
    if not changes:
        return product
    changed = ProductDeclaration.model_validate({**product.model_dump(by_alias=True), **changes})
    return read_sql(changed, DEFS_DIR / PRODUCT / "defs.yaml", DEFS_DIR)


def checks_of(spark, lake: Path, product: ProductDeclaration, days: list[dt.date]) -> dict:
    """The gold step and its checks, as the asset runs them, per check name (first date)."""
    silver = {name: table_uri(str(lake), SILVER, name) for name in product.inputs}
    outcomes = build_gold_days(spark, product, silver, table_uri(str(lake), GOLD, product.name), days, DeltaRsTables())
    return {check.name: check for check in gold_checks(outcomes[0])}


def settings(lake: Path, **more) -> Settings:
    return Settings(intake_root=str(lake.parent / "intake"), lake_root=str(lake), partitions_start="2026-11-01", **more)


def materialize(lake: Path, instance, days: list[dt.date] = DAYS, **more) -> dg.ExecuteInJobResult:
    """gold/customer_region_monthly for these dates in one run (a single-run backfill)."""
    definitions = build_definitions(settings(lake, **more))
    key = dg.AssetKey([GOLD, PRODUCT])
    [gold] = [a for a in definitions.assets if isinstance(a, dg.AssetsDefinition) and key in a.keys]
    if len(days) == 1:
        return dg.materialize([gold], resources=definitions.resources, instance=instance, partition_key=str(days[0]))
    tags = dict(zip(RANGE_TAGS, (days[0].isoformat(), days[-1].isoformat())))
    return dg.materialize([gold], resources=definitions.resources, instance=instance, tags=tags)


@pytest.fixture(scope="module")
def silver_rows() -> dict[str, list[dict]]:
    return {"customers": customer_rows(), "transactions": transaction_rows()}


@pytest.fixture(scope="module")
def built(tmp_path_factory, spark, silver_rows):
    lake = tmp_path_factory.mktemp("sql_product") / "lake"
    write_silver(spark, lake, silver_rows)
    with dg.instance_for_test() as instance:
        result = materialize(lake, instance)
        yield SimpleNamespace(lake=lake, result=result, instance=instance, reported=reported(result))


def test_the_test_data_covers_what_the_query_handles(silver_rows):
    """Not a property of the product: the rows exercise every branch of the query."""
    transactions = silver_rows["transactions"]
    window = [r for r in transactions if in_window(r, DAYS[-1])]
    assert len(window) > 40 and len(window) < len(transactions) / 2
    assert {r["customer_id"] for r in window} >= {"C0000004", "C0000099", None}  # no region, orphan, none
    assert None in {r["channel"] for r in window}
    assert {r["transaction_ts"].month for r in window} == {9, 10, 11}
    assert any(r["transaction_ts"] and r["transaction_ts"].date() == DAYS[-1] for r in window)  # the second day adds


def test_the_figures_match_values_computed_from_the_silver_rows(built, silver_rows):
    made = gold_rows(built.lake)
    expected = {}
    for day in DAYS:
        expected |= expected_rows(silver_rows["customers"], silver_rows["transactions"], day)
    assert_same_figures(made, expected)
    assert {key[2] for key in made} == {"north", "south", "east", "unknown"}
    first, second = (sum(r["revenue"] for k, r in made.items() if k[0] == day) for day in DAYS)
    assert second > first  # the second as-of date sees its own day's transactions too


def test_both_dates_of_the_run_are_one_commit(built):
    events = built.result.get_asset_materialization_events()
    assert sorted(e.partition for e in events) == [day.isoformat() for day in DAYS]
    versions = set()
    for event in events:
        metadata = {k: v.value for k, v in event.materialization.metadata.items()}
        assert metadata["dagster/row_count"] == len(gold_rows(built.lake)) == metadata["rows_written"]
        assert metadata["failed_rows"] == 0
        versions.add(metadata["delta_version"])
    assert versions == {DeltaTable(table_uri(str(built.lake), GOLD, PRODUCT)).version()}


def test_its_checks_pass_with_the_silver_figures(built, silver_rows):
    checks = built.reported.checks
    assert {name.split(":")[1]: c["passed"] for name, c in checks.items()} == {
        "validity": True,
        "uniqueness": True,
        "reconciliation": True,
    }
    per_date = checks[f"gold/{PRODUCT}:reconciliation"]["metadata"]["partitions"]
    for day, figures in zip(DAYS, per_date):
        total = sum(r["amount"] for r in silver_rows["transactions"] if in_window(r, day))
        assert figures == {"measure": "revenue", "silver": float(total), "gold": float(total), "difference": 0.0}
    validity = checks[f"gold/{PRODUCT}:validity"]["metadata"]["partitions"][0]
    # 8 not-null columns, 5 value rules (region isin, 4 x ge) and the 2 row rules
    assert validity["rules_checked"] == 8 + 5 + 2 and validity["failing_rules"] == {}


def test_a_negative_amount_fails_the_row_rule_and_value_rules_only(tmp_path, spark, silver_rows):
    refund = {
        "transaction_id": "T9000000001",
        "customer_id": "C0000005",  # east
        "transaction_ts": dt.datetime(2026, 11, 9, 12),
        "amount": Decimal("-12.50"),
        "channel": "kiosk",  # a group of its own
        "status": "completed",
    }
    transactions = [*silver_rows["transactions"], refund]
    lake = tmp_path / "lake"
    write_silver(spark, lake, {"customers": silver_rows["customers"], "transactions": transactions})
    checks = checks_of(spark, lake, product_declaration(), DAYS[:1])
    assert checks["uniqueness"].passed and checks["reconciliation"].passed
    assert not checks["validity"].passed
    failing = {name: rule["failed"] for name, rule in checks["validity"].metadata["failing_rules"].items()}
    shares = [r["channel_share"] for r in expected_rows(silver_rows["customers"], transactions, DAYS[0]).values()]
    no_share = [s for s in shares if s is not None and not 0 <= s.quantize(Decimal("0.0001"), ROUND_HALF_UP) <= 1]
    assert failing == {
        "revenue_greater_than_or_equal_to": 1,
        "average_ticket_greater_than_or_equal_to": 1,
        "channel_share_is_a_share": len(no_share),
    }
    assert len(no_share) >= 1


def test_a_duplicated_customer_fails_the_reconciliation_only(tmp_path, spark, silver_rows):
    customers = [*silver_rows["customers"], dict(silver_rows["customers"][0])]  # C0000001 twice: the join doubles
    lake = tmp_path / "lake"
    write_silver(spark, lake, {"customers": customers, "transactions": silver_rows["transactions"]})
    checks = checks_of(spark, lake, product_declaration(), DAYS[:1])
    assert checks["validity"].passed and checks["uniqueness"].passed
    doubled = sum(
        r["amount"] for r in silver_rows["transactions"] if in_window(r, DAYS[0]) and r["customer_id"] == "C0000001"
    )
    reconciliation = checks["reconciliation"]
    assert not reconciliation.passed and doubled > 0
    assert Decimal(str(reconciliation.metadata["difference"])) == doubled


def test_a_key_that_is_not_unique_fails_the_uniqueness_check_only(tmp_path, spark, silver_rows):
    lake = tmp_path / "lake"
    write_silver(spark, lake, silver_rows)
    coarse = product_declaration(key=["as_of_date", "month", "region"], partition_by=[])
    checks = checks_of(spark, lake, coarse, DAYS[:1])
    assert checks["validity"].passed and checks["reconciliation"].passed and not checks["uniqueness"].passed
    rows = expected_rows(silver_rows["customers"], silver_rows["transactions"], DAYS[0])
    assert checks["uniqueness"].metadata["table_duplicate_keys"] == len(rows) - len({k[:3] for k in rows})


@pytest.mark.slow
def test_a_pipes_job_process_builds_the_same_product_from_its_json(built, tmp_path, monkeypatch):
    """The step under PipesSubprocessClient, as on Databricks: the job reads the declaration
    (with the SQL text) from the Pipes extras, not from the package's files. One partition per
    run: Dagster Pipes sends no partition range for a run of several (see the report)."""
    lakes = {engine: tmp_path / engine / "lake" for engine in ("local", "subprocess")}
    for lake in lakes.values():
        shutil.copytree(built.lake / SILVER, lake / SILVER)
    for name, value in JOB_ENV.items():
        monkeypatch.setenv(name, value)
    runs = {}
    for engine, lake in lakes.items():
        with dg.instance_for_test() as instance:
            runs[engine] = reported(materialize(lake, instance, DAYS[:1], engine=engine))
    assert runs["subprocess"].materializations == runs["local"].materializations
    assert runs["subprocess"].checks == runs["local"].checks
    assert all(check["passed"] for check in runs["subprocess"].checks.values())
    assert (
        gold_rows(lakes["subprocess"])
        == gold_rows(lakes["local"])
        == {key: row for key, row in gold_rows(built.lake).items() if key[0] == DAYS[0]}
    )
