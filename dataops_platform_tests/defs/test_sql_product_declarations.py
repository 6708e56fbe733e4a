"""SQL gold products as declarations: the query is read with a SQL parser at load (no Spark), its
inputs and column lineage come from it, and what it gets wrong fails loading with the file and
the line:col. See pipeline/test_sql_products.py for the same product built on Spark."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
import yaml

from dataops_platform.declarations import (
    DEFS_DIR,
    DeclarationError,
    ProductDeclaration,
    load_products,
    read_sql,
    silver_columns,
)
from dataops_platform.definitions import build_definitions
from dataops_platform.job.run import declaration_from_json
from dataops_platform.quality.contract import contract_from_model
from dataops_platform.quality.declared_contract import contract_from_attributes
from dataops_platform.settings import Settings
from dataops_platform.transforms.sql import SqlError, bind_tables, query_shape
from dataops_platform_tests.defs.project import new_project
from dataops_platform_tests.defs.test_components import error_text
from dataops_platform_tests.support.fresh_load import modules_after_loads

PRODUCT = "customer_region_monthly"
FOLDER = DEFS_DIR / PRODUCT
LINEAGE = {
    "month": ["transactions.transaction_ts"],
    "region": ["customers.region"],
    "channel": ["transactions.channel"],
    "revenue": ["transactions.amount"],
    "customers": ["transactions.customer_id"],
    "average_ticket": ["transactions.amount"],
    # a window's PARTITION BY is part of the value: the region and month it shares revenue over
    "channel_share": ["customers.region", "transactions.amount", "transactions.transaction_ts"],
}
COLUMNS = [
    "as_of_date",
    "month",
    "region",
    "channel",
    "transactions",
    "revenue",
    "customers",
    "average_ticket",
    "channel_share",
]


@pytest.fixture(scope="module")
def product() -> ProductDeclaration:
    return next(p for p in load_products() if p.name == PRODUCT)


def attributes_of(name: str) -> dict:
    return yaml.safe_load((DEFS_DIR / name / "defs.yaml").read_text())["attributes"]


def attributes() -> dict:
    return attributes_of(PRODUCT)


def test_inputs_and_column_lineage_are_derived_from_the_sql(product):
    assert product.is_sql and product.sql == (FOLDER / "query.sql").read_text()
    assert product.inputs == ["transactions", "customers"]  # in the order the query reads them
    assert product.column_lineage == LINEAGE  # as_of_date (:as_of) and transactions (COUNT(*)) have none
    assert product.contract.column_names == COLUMNS
    assert product.contract.unique == ("as_of_date", "month", "region", "channel")
    assert product.contract.column("revenue").type_name == "decimal(28,2)"
    assert product.contract.column("region").checks[0].statistics["allowed_values"][-1] == "unknown"
    assert [c.name for c in product.contract.columns if c.nullable] == ["channel_share"]
    assert not {"inputs", "column_lineage", "schema"} & set(attributes())  # nothing by hand


def test_inputs_and_lineage_declared_by_hand_must_be_the_derived_ones(tmp_path):
    declare(tmp_path / "same", inputs=["customers", "transactions"], column_lineage=LINEAGE)
    [product] = load_products(tmp_path / "same")
    assert product.column_lineage == LINEAGE and product.inputs == ["transactions", "customers"]
    declare(tmp_path / "other", inputs=["customers", "transactions", "web_events"])
    assert "field 'inputs': ['customers', 'transactions', 'web_events'] differ" in load_error(tmp_path / "other")


def test_the_declared_columns_are_a_pandera_model_with_the_same_contract(product):
    model = product.schema_model
    assert model.__name__ == product.contract.name == "CustomerRegionMonthly"
    assert model.to_schema().unique == ["as_of_date", "month", "region", "channel"]
    assert contract_from_model(model) == product.contract
    # what contract versioning reads from the raw YAML at a git ref (no validation) is the same
    assert contract_from_attributes(PRODUCT, attributes()) == product.contract


def test_python_products_are_unchanged():
    products = {p.name: p for p in load_products()}
    revenue = products["daily_revenue"]
    assert not revenue.is_sql and revenue.column_lineage == attributes_of("daily_revenue")["column_lineage"]
    assert revenue.inputs == ["transactions", "customers"] and revenue.build.__name__ == "daily_revenue"


def test_the_repository_shows_the_derived_deps_and_column_lineage(tmp_path):
    definitions = build_definitions(Settings(intake_root=str(tmp_path / "i"), lake_root=str(tmp_path / "l")))
    node = definitions.resolve_asset_graph().get(dg.AssetKey(["gold", PRODUCT]))
    assert {key.to_user_string() for key in node.parent_keys} == {"silver/customers", "silver/transactions"}
    lineage = node.metadata["dagster/column_lineage"].deps_by_column
    assert {
        column: sorted(f"{d.asset_key.path[1]}.{d.column_name}" for d in deps) for column, deps in lineage.items()
    } == LINEAGE
    assert all(d.asset_key.path[0] == "silver" for deps in lineage.values() for d in deps)
    schema = node.metadata["dagster/column_schema"]
    assert [(c.name, c.type) for c in schema.columns][:2] == [("as_of_date", "date"), ("month", "date")]
    assert node.metadata["primary_key"] == "as_of_date, month, region, channel"
    assert node.metadata["partitioned_by"] == "region"
    assert node.description == attributes()["description"]


def test_the_job_gets_the_sql_text_in_the_declaration_json(product):
    sent = json.loads(product.source_text)
    assert sent["sql"] == (FOLDER / "query.sql").read_text() and sent["inputs"] == ["transactions", "customers"]
    received = declaration_from_json(ProductDeclaration, PRODUCT, product.source_text)
    assert received.sql == product.sql and received.inputs == product.inputs
    assert received.contract == product.contract and received.reconcile == product.reconcile


def test_lineage_follows_ctes_subqueries_unions_and_stars():
    silver = {"orders": ["order_id", "customer_id", "amount", "placed_at"], "people": ["customer_id", "name"]}
    shape = query_shape(
        "WITH big AS (SELECT * FROM orders WHERE amount > 100)\n"
        "SELECT p.name AS who, s.total, :as_of AS day FROM (\n"
        "  SELECT customer_id, SUM(amount) AS total FROM big GROUP BY customer_id\n"
        ") s JOIN people p USING (customer_id)\n"
        "UNION ALL SELECT name, 0, CAST(:as_of AS DATE) FROM people",
        silver,
    )
    assert shape.inputs == ("orders", "people") and shape.columns == ("who", "total", "day")
    assert shape.lineage == {"who": ("people.name",), "total": ("orders.amount",), "day": ()}
    assert shape.as_of_columns == ("day",)


def test_a_build_binds_the_dataset_names_to_its_own_views_and_nothing_else():
    query = (
        "-- from transactions\nSELECT `transactions`.amount, c.region FROM `transactions`\nJOIN customers c USING (x)"
    )
    assert bind_tables(query, {"transactions": "_v1", "customers": "_v2"}) == (
        "-- from transactions\nSELECT `transactions`.amount, c.region FROM _v1 AS transactions\nJOIN _v2 c USING (x)"
    )
    with pytest.raises(SqlError, match="3:6: table 'customers' is not among the inputs"):
        bind_tables(query, {"transactions": "_v1"})


@pytest.mark.parametrize(
    ("query", "position", "problem"),
    [
        ("SELECT a\nFROM   nowhere", "2:8", "unknown table 'nowhere'"),
        ("SELECT o.amount FROM silver.orders o", "1:22", "unknown table 'silver.orders'"),
        ("WITH x AS (SELECT amount FROM orders)\nSELECT x.amont FROM x", "2:8", "unknown column 'amont' of 'x'"),
        ("SELECT o.price FROM orders o", "1:8", "unknown column 'price'"),
        ("SELECT 1 AS n FROM orders WHERE total > 0", "1:33", "unknown column 'total' of silver dataset orders"),
        ("SELECT :day AS d FROM orders", "1:8", "unknown parameter :day"),
        ("SELECT a FROM orders WHERE", "1:26", "cannot parse: Required keyword"),
        ("SELECT 1 AS n; SELECT 2 AS n", "1:1", "exactly one query"),
    ],
)
def test_what_the_sql_gets_wrong_has_a_position(query, position, problem):
    with pytest.raises(SqlError) as info:
        query_shape(query, {"orders": ["order_id", "amount"]})
    assert str(info.value).startswith(f"{position}: ") and problem in str(info.value), str(info.value)


# ---------------------------------------------------------------- failing loads, naming the file


def declare(defs: Path, query: str | None = None, **changes) -> tuple[Path, Path]:
    """The package's SQL product copied into `defs`, with its query and attributes changed."""
    folder = defs / PRODUCT
    folder.mkdir(parents=True)
    (folder / "query.sql").write_text(query if query is not None else (FOLDER / "query.sql").read_text())
    text = {"type": "dataops_platform.components.DataProduct", "attributes": {**attributes(), **changes}}
    (folder / "defs.yaml").write_text(yaml.safe_dump(text, sort_keys=False))
    return folder / "defs.yaml", folder / "query.sql"


def load_error(defs: Path) -> str:
    with pytest.raises(DeclarationError) as info:
        load_products(defs)
    return str(info.value)


def test_an_unknown_table_fails_the_code_location_naming_the_sql_file_and_position(tmp_path, monkeypatch):
    root, package = new_project(tmp_path, monkeypatch)
    query = (FOLDER / "query.sql").read_text().replace("  FROM transactions\n", "  FROM transaction\n")
    defs_yaml, sql = declare(root / package / "defs", query)
    line = query.splitlines().index("  FROM transaction") + 1
    settings = Settings(intake_root=str(tmp_path / "i"), lake_root=str(tmp_path / "l"), extra_projects=(root,))
    with pytest.raises(Exception) as info:
        build_definitions(settings)
    assert f"{defs_yaml}: field 'sql': {sql}:{line}:8: unknown table 'transaction'" in error_text(info)


def test_an_unknown_column_fails_loading_naming_the_sql_file_and_position(tmp_path):
    query = (FOLDER / "query.sql").read_text().replace("SUM(completed.amount)", "SUM(completed.amont)")
    defs_yaml, sql = declare(tmp_path, query)
    line = next(i for i, text in enumerate(query.splitlines(), 1) if "amont" in text)
    col = query.splitlines()[line - 1].index("completed.amont") + 1
    message = load_error(tmp_path)
    assert message.startswith(f"{defs_yaml}: field 'sql': {sql}:{line}:{col}: unknown column 'amont' of 'completed'")


INLINE = "SELECT :as_of AS as_of_date,\n  amount AS revenue,\n  chanel AS channel FROM transactions"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"transform": "dataops_platform.transforms.gold:daily_revenue"}, "declare exactly one of 'transform'"),
        ({"column_lineage": {"revenue": ["transactions.status"]}}, "field 'column_lineage': {'revenue': ['transac"),
        ({"reconcile_with": "transactions"}, "field 'reconcile_with': not with 'sql'"),
        ({"inputs": ["transactions"]}, "field 'inputs': ['transactions'] differ from the tables the query reads"),
        ({"key": ["month", "region", "channel"]}, "field 'key': ['month', 'region', 'channel'] must include"),
        ({"partition_by": ["country"]}, "field 'partition_by': column(s) ['country'] not in schema"),
        ({"rules": {"valid": "revenue > cost"}}, "field 'rules.valid': 1:11: unknown column 'cost'"),
        ({"rules": {"revenue_not_null": "revenue > 0"}}, "field 'rules.revenue_not_null': a rule is named"),
        ({"sql": INLINE}, "field 'sql': 3:3: unknown column 'chanel' of silver dataset transactions"),
        ({"sql": "missing.sql"}, "field 'sql': cannot read"),
        ({"date_column": "month", "key": ["month", "region", "channel"]}, "field 'date_column': the query must"),
    ],
)
def test_a_malformed_sql_product_fails_loading_naming_the_field(tmp_path, changes, message):
    defs_yaml, _ = declare(tmp_path, **changes)
    assert load_error(tmp_path).startswith(f"{defs_yaml}: "), load_error(tmp_path)
    assert message in load_error(tmp_path), load_error(tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("\n  revenue,\n", "\n  revenue AS revenue_total,\n"),
            "not in the query: ['revenue']; not declared: ['revenue_total']",
        ),
        (("\n  transactions,\n", "\n  transactions, 1 AS extra,\n"), "not in the query: []; not declared: ['extra']"),
    ],
)
def test_the_query_must_give_exactly_the_declared_columns(tmp_path, change, message):
    query = (FOLDER / "query.sql").read_text()
    old, new = change
    assert query.count(old) == 1  # in the outer SELECT
    defs_yaml, _ = declare(tmp_path, query.replace(old, new))
    assert load_error(tmp_path).startswith(f"{defs_yaml}: field 'columns': ") and message in load_error(tmp_path)


def test_the_reconciliation_filter_is_checked_against_the_silver_columns(tmp_path):
    reconcile = {**attributes()["reconcile"], "where": "state = 'completed'"}
    defs_yaml, _ = declare(tmp_path, reconcile=reconcile)
    assert load_error(tmp_path).startswith(f"{defs_yaml}: field 'reconcile.where': 1:1: unknown column 'state'")
    declare(tmp_path / "other", reconcile={**reconcile, "where": None, "equals": "web_events.event_id"})
    assert "field 'reconcile.equals': web_events.event_id is not a column of a table" in load_error(tmp_path / "other")


def test_a_column_type_must_be_a_spark_sql_type(tmp_path):
    columns = {**attributes()["columns"], "revenue": {"type": "money", "description": "Revenue."}}
    defs_yaml, _ = declare(tmp_path, columns=columns)
    assert f"{defs_yaml}: field 'columns.revenue.type'" in load_error(tmp_path)
    assert "unknown type 'money'" in load_error(tmp_path)


def test_read_sql_leaves_python_products_alone():
    daily = next(p for p in load_products() if p.name == "daily_revenue")
    assert read_sql(daily, DEFS_DIR / "daily_revenue" / "defs.yaml", DEFS_DIR) is daily
    assert set(silver_columns(DEFS_DIR)) >= {"customers", "transactions", "web_events", "support_tickets"}


def test_unchanged_sql_loads_without_importing_the_parser(tmp_path):
    """The parse is kept in the contract cache: a second load of the code location reads it."""
    assert modules_after_loads(tmp_path, ("sqlglot",)) == [["sqlglot"], []]
    sql_products = [p for p in load_products() if p.is_sql]  # every one is read, enabled or not
    assert len(list((tmp_path / "cache" / "sql").glob("query.*.json"))) == len(sql_products) >= 1
