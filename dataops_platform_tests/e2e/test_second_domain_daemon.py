"""The second domain as a user runs it: `DATAOPS_DOMAINS=customer360,personal_analytics bash
scripts/run.sh`, the real `dg dev` webserver and daemon, nothing materialized by hand.

The run command writes both domains' demo data; the intake sensors and automation take every
file through bronze and silver to the SQL gold products; the test reads what the instance and
the lake hold afterwards. Its timings are the latency bench's business, not this test's.
"""

from __future__ import annotations

import pytest
from deltalake import DeltaTable

from bench.latency import Platform
from dataops_platform_tests.support.run_command_lock import run_command_lock

pytestmark = pytest.mark.slow

DOMAIN = "personal_analytics"
DATASETS = ("sensor_readings", "fitness_activities", "bank_transactions")
PRODUCTS = {"room_energy_daily": "sensor_readings", "monthly_spending": "bank_transactions"}
DEMO_ROWS = 2_000  # the run command's own default, so the demo is the one a user gets


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with run_command_lock(tmp_path_factory):
        platform = Platform(tmp_path_factory.mktemp("second-domain"), DEMO_ROWS, domains=f"customer360,{DOMAIN}")
        try:
            first_gold = platform.start_and_wait_for_demo(timeout=1_200)
            platform.wait_quiet(settle=20)
            yield platform, first_gold
        finally:
            platform.stop()


def _assets(platform) -> dict[str, str]:
    """Every asset of the loaded code location -> its group, as the webserver lists them."""
    nodes = platform.graphql("{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    return {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}


def test_every_asset_of_both_domains_is_built_and_checked(served):
    platform, first_gold = served
    assert first_gold["missing"] == [], first_gold
    assets = _assets(platform)
    for name in DATASETS:
        assert {f"bronze/{name}", f"silver/{name}", f"quarantine/{name}"} <= set(assets), name
    assert {f"gold/{name}" for name in PRODUCTS} | {"gold/customer_360", "silver/customers"} <= set(assets)


def test_the_intake_sensors_started_the_domain_runs(served):
    platform, _ = served
    started_by = {}
    for record in platform.runs():
        run = record.dagster_run
        for key in run.asset_selection or ():
            started_by.setdefault("/".join(key.path), set()).add(run.tags.get("dagster/sensor_name"))
    for name in DATASETS:
        assert f"intake_{name}" in started_by[f"bronze/{name}"], started_by.get(f"bronze/{name}")
    statuses = {record.dagster_run.status.value for record in platform.runs()}
    assert statuses == {"SUCCESS"}, statuses


def test_no_check_of_the_domain_failed(served):
    platform, _ = served
    from dagster import AssetCheckKey, AssetKey

    keys = [
        AssetCheckKey(AssetKey(["silver", name]), check)
        for name in DATASETS
        for check in ("completeness", "uniqueness", "validity")
    ] + [
        AssetCheckKey(AssetKey(["gold", name]), check) for name in PRODUCTS for check in ("validity", "reconciliation")
    ]
    executions = platform.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    assert {str(key): executions[key].status.value for key in keys} == {str(key): "SUCCEEDED" for key in keys}


def test_the_sql_products_hold_rows_of_their_silver_table(served):
    platform, _ = served
    for product, dataset in PRODUCTS.items():
        gold = DeltaTable(str(platform.lake / "gold" / product)).to_pyarrow_table()
        silver = DeltaTable(str(platform.lake / "silver" / dataset)).to_pyarrow_table()
        assert gold.num_rows > 0 and silver.num_rows > 0, product
    energy = DeltaTable(str(platform.lake / "gold" / "room_energy_daily")).to_pyarrow_table().to_pylist()
    assert {row["room"] for row in energy} == {"kitchen", "living_room", "office", "bedroom"}  # the rooms with plugs


LINEAGE_QUERY = """{ assetNodes { assetKey { path } dependencyKeys { path } metadataEntries { label
  ... on TableColumnLineageMetadataEntry { lineage { columnName columnDeps { assetKey { path } columnName } } } } } }"""


def test_the_ui_shows_lineage_and_column_lineage_read_from_the_sql(served):
    """What the asset page shows, through the webserver's GraphQL API: the product's silver input
    and, per column, the silver columns the query computes it from."""
    platform, _ = served
    nodes = {"/".join(n["assetKey"]["path"]): n for n in platform.graphql(LINEAGE_QUERY)["assetNodes"]}
    for product, dataset in PRODUCTS.items():
        node = nodes[f"gold/{product}"]
        assert [dep["path"] for dep in node["dependencyKeys"]] == [["silver", dataset]]
    (entry,) = [e for e in nodes["gold/monthly_spending"]["metadataEntries"] if e["label"] == "dagster/column_lineage"]
    lineage = {c["columnName"]: {d["columnName"] for d in c["columnDeps"]} for c in entry["lineage"]}
    assert lineage["spent"] == {"amount"} and lineage["month"] == {"booking_date"}
    assert lineage["share_of_income"] == {"amount"} and "bookings" not in lineage  # COUNT(*) reads no column
