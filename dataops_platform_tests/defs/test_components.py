"""Datasets and products are dg components: they load, fail on bad declarations naming the file
and the field, and a new dataset scaffolded with `dg scaffold defs` runs end to end."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable

from dataops_platform.declarations import DEFS_DIR, load_declarations, load_products
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform_tests.defs.project import dg as run_dg
from dataops_platform_tests.defs.project import new_project

VALID = (DEFS_DIR / "transactions" / "defs.yaml").read_text()


def test_the_package_declares_the_datasets_and_products_of_its_two_domains():
    declarations = load_declarations()
    assert sorted((d.domain, d.name) for d in declarations) == [
        ("customer360", "customers"),
        ("customer360", "support_tickets"),
        ("customer360", "transactions"),
        ("customer360", "web_events"),
        ("personal_analytics", "bank_transactions"),
        ("personal_analytics", "fitness_activities"),
        ("personal_analytics", "sensor_readings"),
    ]
    tx = next(d for d in declarations if d.name == "transactions")
    assert tx.primary_key == ["transaction_id"] and tx.format == "csv"
    assert tx.columns == ["transaction_id", "customer_id", "transaction_ts", "amount", "channel", "status"]
    assert tx.contract.column("amount").type_name == "decimal(18,2)"
    products = {p.name: p for p in load_products()}
    assert {name: (p.domain, p.is_sql) for name, p in products.items()} == {
        "customer_360": ("customer360", False),
        "customer_region_monthly": ("customer360", True),
        "daily_revenue": ("customer360", False),
        "monthly_spending": ("personal_analytics", True),
        "room_energy_daily": ("personal_analytics", True),
    }
    assert products["customer_360"].inputs == ["customers", "transactions", "web_events", "support_tickets"]


def load_with(tmp_path: Path, monkeypatch, folder: str, text: str) -> dg.Definitions:
    """The platform's definitions plus one defs.yaml in an adopting project."""
    root, package = new_project(tmp_path, monkeypatch)
    (root / package / "defs" / folder).mkdir()
    (root / package / "defs" / folder / "defs.yaml").write_text(text)
    settings = Settings(intake_root=str(tmp_path / "intake"), lake_root=str(tmp_path / "lake"), extra_projects=(root,))
    return build_definitions(settings)


def error_text(info: pytest.ExceptionInfo) -> str:
    """The error and its causes, as a user reads them in the traceback."""
    texts, error = [], info.value
    while error is not None:
        texts.append(str(error))
        error = error.__cause__ or error.__context__
    return "\n".join(texts)


# A copy of transactions under another name, so it joins the platform's datasets.
COPY = VALID.replace("name: transactions", "name: payments").replace("prefix: payments/transactions/", "prefix: pay/")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("format: csv", "format: xml"), "format", "'csv' or 'jsonl'"),
        (("primary_key: [transaction_id]", "primary_key: [txn]"), "primary_key", "['txn'] not in schema"),
        (("event_time: transaction_ts", "event_time: when"), "event_time", "['when'] not in schema"),
        (('owners: ["team:payments-data"]', "owners: [nobody]"), "owners", "emails or 'team:<name>'"),
        (("prefix: pay/", "prefix: ../etc/"), "intake.prefix", "no '..'"),
        (
            (
                "schema: dataops_platform.defs.transactions.schema:Transactions",
                "schema: dataops_platform.defs.nowhere:Nothing",
            ),
            "schema",
            "cannot import",
        ),
        (("critical_columns: [", "critical_colums: ["), "critical_colums", "Extra inputs are not permitted"),
        (("  primary_key: [transaction_id]\n", ""), "primary_key", "Field required"),
        (
            ("customer_id: {dataset: customers", "customer_id: {dataset: clients"),
            "references.customer_id",
            "clients.customer_id is not a declared dataset column",
        ),
    ],
)
def test_a_malformed_dataset_fails_loading_naming_its_file_and_field(tmp_path, monkeypatch, change, field, message):
    assert change[0] in COPY
    with pytest.raises(Exception) as info:
        load_with(tmp_path, monkeypatch, "payments", COPY.replace(*change))
    text = error_text(info)
    assert "payments/defs.yaml" in text and message in text, text
    assert f"field '{field}'" in text or re.search(rf"\b{re.escape(field)}\b", text), text


def test_names_must_match_their_folder_and_be_unique(tmp_path, monkeypatch):
    with pytest.raises(Exception) as info:
        load_with(tmp_path, monkeypatch, "payments", VALID.replace("prefix: payments/transactions/", "prefix: pay/"))
    assert "field 'name': 'transactions' must match the folder name 'payments'" in error_text(info)
    with pytest.raises(Exception) as info:
        load_with(tmp_path / "again", monkeypatch, "transactions", VALID)
    assert "field 'name': dataset 'transactions' is already declared in" in error_text(info)


def test_dg_checks_and_lists_the_package_defs():
    repo = Path(__file__).resolve().parents[2]
    checked = run_dg(repo, "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    listed = run_dg(repo, "list", "defs", "--json")
    assert listed.returncode == 0, listed.stderr
    for key in (
        "intake/customers",
        "bronze/customers",
        "silver/customers",
        "quarantine/customers",
        "gold/customer_360",
        "gold/daily_revenue",
        "observability/quality_report",
    ):
        assert f'"{key}"' in listed.stdout, key
    components = run_dg(repo, "list", "components")
    assert "dataops_platform.components.Dataset" in components.stdout
    assert "dataops_platform.components.DataProduct" in components.stdout


LOYALTY_SCHEMA = '''"""Contract of the silver `loyalty_points` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T


class LoyaltyPoints(pa.DataFrameModel):
    """Loyalty points earned per purchase."""

    entry_id: T.StringType() = pa.Field(nullable=False, str_matches=r"^L\\d+$", description="Ledger entry.")
    customer_id: T.StringType() = pa.Field(nullable=True, description="Customer earning the points.")
    points: T.IntegerType() = pa.Field(nullable=True, ge=0, description="Points earned.")
    earned_at: T.TimestampType() = pa.Field(nullable=True, description="When the points were earned.")

    class Config:
        unique = ["entry_id"]
'''
DAY = dt.date(2026, 11, 15)


def fill_in(defs_yaml: Path) -> None:
    """What a user edits in the scaffolded skeleton: the feed's own facts."""
    text = defs_yaml.read_text()
    for old, new in [
        ("source: source_system", "source: rewards_app"),
        ("prefix: source_system/loyalty_points/", "prefix: rewards/points/"),
        ('pattern: "*.csv"', 'pattern: "*.jsonl"'),
        ("format: csv", "format: jsonl"),
        ("[loyalty_points_id]", "[entry_id]"),
        ("[loyalty_points_id, updated_at]", "[entry_id, customer_id, points]"),
        ("event_time: updated_at", "event_time: earned_at"),
        ("table_by_month_of: updated_at", "table_by_month_of: earned_at"),
        ("domain: default", "domain: rewards"),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    defs_yaml.write_text(text)


@pytest.mark.slow
def test_a_scaffolded_dataset_runs_end_to_end(tmp_path, monkeypatch, spark):
    root, package = new_project(tmp_path, monkeypatch)
    scaffolded = run_dg(root, "scaffold", "defs", "dataops_platform.components.Dataset", "loyalty_points")
    assert scaffolded.returncode == 0, scaffolded.stdout + scaffolded.stderr
    folder = root / package / "defs" / "loyalty_points"
    assert sorted(p.name for p in folder.iterdir()) == ["__init__.py", "defs.yaml", "schema.py"]
    assert f"schema: {package}.defs.loyalty_points.schema:LoyaltyPoints" in (folder / "defs.yaml").read_text()
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file() and folder not in p.parents}
    intake, lake = tmp_path / "intake", tmp_path / "lake"
    skeleton = build_definitions(Settings(intake_root=str(intake), lake_root=str(lake), extra_projects=(root,)))
    assert skeleton.resolve_asset_graph().has(dg.AssetKey(["silver", "loyalty_points"]))  # loads as it is

    fill_in(folder / "defs.yaml")
    (folder / "schema.py").write_text(LOYALTY_SCHEMA)
    for module in [m for m in sys.modules if m.startswith(f"{package}.")]:  # as a restarted process would
        monkeypatch.delitem(sys.modules, module)
    (intake / "rewards" / "points").mkdir(parents=True)
    feed = intake / "rewards" / "points" / "points.jsonl"
    feed.write_text(
        '{"entry_id": "L1", "customer_id": "C0000001", "points": 10, "earned_at": "2026-11-15T08:00:00Z"}\n'
        '{"entry_id": "L2", "customer_id": "C0000002", "points": -5, "earned_at": "2026-11-15T09:00:00Z"}\n'
        '{"entry_id": "L1", "customer_id": "C0000001", "points": 10, "earned_at": "2026-11-15T08:00:00Z"}\n'
    )
    noon = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(feed, (noon, noon))

    defs = build_definitions(Settings(intake_root=str(intake), lake_root=str(lake), extra_projects=(root,)))
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "intake/loyalty_points",
        "bronze/loyalty_points",
        "silver/loyalty_points",
        "quarantine/loyalty_points",
    } <= keys
    assert "intake_loyalty_points" in {s.name for s in defs.sensors}
    selection = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and "loyalty_points" in str(a.keys)]
    with dg.instance_for_test() as instance:
        result = dg.materialize(selection, partition_key=DAY.isoformat(), resources=defs.resources, instance=instance)
    assert result.success
    silver = DeltaTable(str(lake / "silver" / "loyalty_points")).to_pyarrow_table().to_pylist()
    assert [(r["entry_id"], r["points"]) for r in silver] == [("L1", 10)]
    quarantine = DeltaTable(str(lake / "quarantine" / "loyalty_points")).to_pyarrow_table().to_pylist()
    assert [(r["entry_id"], r["_reasons"]) for r in quarantine] == [
        ("L2", ["points: value '-5' fails greater_than_or_equal_to(min_value=0)"])
    ]
    bronze = list(
        (lake / "bronze" / "source=rewards_app" / "dataset=loyalty_points" / "ingestion_date=2026/11/15").iterdir()
    )
    assert len(bronze) == 2 and any(p.name.endswith("_points.jsonl.metadata.json") for p in bronze)
    # nothing outside the new dataset's folder was touched
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert not [
        p
        for p in root.rglob("*")
        if p.is_file() and folder not in p.parents and p not in before and "__pycache__" not in p.parts
    ]


def test_an_installed_package_without_its_pyproject_still_loads_its_defs(tmp_path, monkeypatch):
    """A wheel install puts the package in site-packages, with no pyproject.toml beside it."""
    from dataops_platform import definitions

    monkeypatch.setattr(definitions, "PROJECT_ROOT", tmp_path)
    defs = definitions.build_definitions(Settings(intake_root=str(tmp_path / "i"), lake_root=str(tmp_path / "l")))
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"silver/customers", "gold/customer_360", "observability/quality_report"} <= keys
