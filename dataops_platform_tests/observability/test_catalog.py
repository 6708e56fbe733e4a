"""The catalog export: every asset and column of the definitions with its lineage, and the
latest row count and check status the instance holds."""

from __future__ import annotations

import argparse
import json

import dagster as dg
import pytest

from dataops_platform.cli.catalog import catalog_export
from dataops_platform.declarations import load_products
from dataops_platform.definitions import build_definitions
from dataops_platform.observability.catalog.export import build_catalog, catalog_gaps, export_catalog
from dataops_platform.settings import Settings
from dataops_platform_tests.support.report_support import observed, point_env_at  # noqa: F401


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    root = tmp_path_factory.mktemp("catalog")  # every domain: the catalog of each declared table
    return build_definitions(Settings(intake_root=str(root / "intake"), lake_root=str(root / "lake"), domains=("*",)))


def test_export_holds_every_asset_and_column_with_lineage(defs, tmp_path):
    with dg.instance_for_test() as instance:
        json_path, md_path = export_catalog(tmp_path, defs, instance)
    catalog = json.loads(json_path.read_text())
    assets = {a["key"]: a for a in catalog["assets"]}
    graph = defs.resolve_asset_graph()
    assert set(assets) == {k.to_user_string() for k in graph.get_all_asset_keys()}
    markdown = md_path.read_text()
    for key in graph.get_all_asset_keys():
        node, entry = graph.get(key), assets[key.to_user_string()]
        schema = node.metadata.get("dagster/column_schema")
        expected = [(c.name, c.type, c.description) for c in (schema.columns if schema else [])]
        assert [(c["name"], c["type"], c["description"]) for c in entry["columns"]] == expected
        assert entry["owners"] == list(node.owners) and entry["group"] == node.group_name
        assert entry["deps"] == sorted(k.to_user_string() for k in node.parent_keys)
        assert f"### {entry['key']}" in markdown
        assert all(f"`{c['name']}`" in markdown for c in entry["columns"])
    declared = {
        p.name: {col: [tuple(s.split(".")) for s in src] for col, src in p.column_lineage.items()}
        for p in load_products()
    }
    for product, columns in declared.items():  # the lineage the products declare, column by column
        lineage = assets[f"gold/{product}"]["column_lineage"]
        assert {col: sorted((s["asset"], s["column"]) for s in src) for col, src in lineage.items()} == {
            col: sorted((f"silver/{d}", c) for d, c in src) for col, src in columns.items()
        }
        by_column = {c["name"]: c["lineage"] for c in assets[f"gold/{product}"]["columns"]}
        assert all(by_column[col] == src for col, src in lineage.items())
    amount = next(c for c in assets["silver/transactions"]["columns"] if c["name"] == "amount")
    assert {"asset": "gold/daily_revenue", "column": "revenue"} in amount["used_by"]
    assert "greater_than_or_equal_to(min_value=0)" in amount["constraints"] and amount["nullable"]
    customers = assets["silver/customers"]
    assert customers["pii_columns"] and set(customers["pii_columns"]) <= {c["name"] for c in customers["columns"]}
    assert customers["freshness"]["fail_after_hours"] > 0
    assert {c["name"] for c in assets["silver/transactions"]["checks"]} >= {"validity", "volume_anomaly", "consistency"}
    assert all(a["latest"] is None for a in assets.values())  # an empty instance: nothing materialized


def test_gaps_name_what_a_reader_would_miss():
    base = {
        "description": "d",
        "owners": ["team:x"],
        "tags": {},
        "table_name": None,
        "columns": [],
        "deps": [],
        "column_lineage": {},
        "pii_columns": [],
        "checks": [],
        "freshness": {"fail_after_hours": 1},
    }
    column = {"name": "a", "description": "", "lineage": [], "primary_key": True}
    assets = [
        {**base, "key": "silver/s", "group": "silver", "columns": [{**column, "description": "A."}]},
        {
            **base,
            "key": "gold/g",
            "group": "gold",
            "owners": [],
            "deps": ["silver/s"],
            "tags": {"pii": "true"},
            "columns": [column],
            "freshness": None,
        },
    ]
    gaps = {(g["asset"], g["gap"]) for g in catalog_gaps(assets)}
    assert gaps == {
        ("gold/g", "no owners"),
        ("gold/g", "columns without description: ['a']"),
        ("gold/g", "tagged pii=true but no column carries the `pii` tag"),
        ("gold/g", "no column lineage to its upstream tables ['silver/s']"),
        ("gold/g", "no freshness policy"),
    }


@pytest.mark.slow
def test_export_shows_the_latest_row_count_and_check_status(observed):  # noqa: F811
    catalog = build_catalog(observed.defs, observed.instance)
    transactions = next(a for a in catalog["assets"] if a["key"] == "silver/transactions")
    latest = transactions["latest"]
    # the defect day's batch was held: silver's latest materialization is the day before it
    assert latest["row_count"] == 760 and latest["partition"] == observed.days[-2].isoformat()
    assert latest["run_id"] == observed.results[-2].run_id
    checks = {c["name"]: c["latest"] for c in transactions["checks"]}
    assert checks["validity"]["status"] == "FAIL" and checks["validity"]["summary"].startswith("90 of 600 row(s)")
    assert checks["volume_anomaly"]["status"] == "WARN" and checks["accuracy"]["status"] == "PASS"
    assert checks["consistency"]["status"] == "PASS"  # evaluated in every silver run
    quarantine = next(a for a in catalog["assets"] if a["key"] == "quarantine/transactions")
    assert quarantine["latest"]["row_count"] == 600  # 90 failing rows, 510 held back with their batch


@pytest.mark.slow
def test_dataops_catalog_export_reads_dagster_home(observed, tmp_path, monkeypatch, capsys):  # noqa: F811
    point_env_at(observed, monkeypatch)
    assert catalog_export(argparse.Namespace(out=str(tmp_path / "out"))) == 0
    assert "catalog.md" in capsys.readouterr().out
    markdown = (tmp_path / "out" / "catalog.md").read_text()
    assert "760 rows" in markdown and f"partition {observed.days[-2]}" in markdown
    assert "| validity | yes | FAIL |" in markdown
