"""The catalog: every asset of the definitions with its documentation, schema, lineage and the
latest state the Dagster instance holds (row count, materialization time, check status).

`export_catalog` writes it as catalog.json (for tools) and catalog.md (for people).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import dagster as dg

from dataops_platform.observability.history import (
    check_runs,
    freshness_hours,
    iso,
    latest_observation,
    materializations,
)

TABLE_LAYERS = ("silver", "quarantine", "gold")


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _schema(node) -> list:
    schema = _plain(node.metadata.get("dagster/column_schema"))
    return list(getattr(schema, "columns", []) or [])


def _lineage(node) -> dict[str, list[dict[str, str]]]:
    lineage = _plain(node.metadata.get("dagster/column_lineage"))
    deps = getattr(lineage, "deps_by_column", {}) or {}
    return {
        column: [{"asset": d.asset_key.to_user_string(), "column": d.column_name} for d in sources]
        for column, sources in deps.items()
    }


def _column(column, primary_key: list[str], lineage: dict) -> dict[str, Any]:
    constraints = column.constraints
    return {
        "name": column.name,
        "type": column.type,
        "description": column.description or "",
        "nullable": constraints.nullable if constraints else True,
        "primary_key": column.name in primary_key,
        "constraints": list(constraints.other) if constraints else [],
        "pii": "pii" in (column.tags or {}),
        "lineage": lineage.get(column.name, []),
        "used_by": [],
    }


def _freshness(node) -> dict[str, float | None] | None:
    fail, warn = freshness_hours(node)
    return None if fail is None else {"fail_after_hours": fail, "warn_after_hours": warn}


def _latest(instance: dg.DagsterInstance, key: dg.AssetKey, external: bool) -> dict[str, Any] | None:
    found = materializations(instance, key, limit=1)
    event = found[0] if found else (latest_observation(instance, key) if external else None)
    if event is None:
        return None
    return {
        "kind": "materialization" if found else "observation",
        "timestamp": iso(event.timestamp),
        "run_id": event.run_id,
        "partition": event.partition,
        "row_count": event.figure("dagster/row_count"),
    }


def _check(graph, instance: dg.DagsterInstance, key: dg.AssetCheckKey) -> dict[str, Any]:
    spec = graph.get_check_spec(key)
    runs = check_runs(instance, key, limit=1)
    latest = runs[0] if runs else None
    return {
        "name": key.name,
        "description": spec.description or "",
        "blocking": spec.blocking,
        "latest": None
        if latest is None
        else {
            "status": latest.status,
            "passed": latest.passed,
            "severity": latest.severity,
            "summary": latest.summary,
            "evaluated_at": iso(latest.timestamp),
            "run_id": latest.run_id,
            "partition": latest.partition,
        },
    }


def _other_metadata(node) -> dict[str, str]:
    skip = {"dagster/column_schema", "dagster/column_lineage", "dagster/table_name", "dagster/uri"}
    plain = {k: _plain(v) for k, v in sorted(node.metadata.items()) if k not in skip}
    return {k: str(v) for k, v in plain.items() if isinstance(v, (str, int, float))}


def _contract_version(node) -> str | None:
    """The declared contract version (MAJOR.MINOR) of a silver or gold table; None elsewhere."""
    version = _plain(node.metadata.get("contract_version"))
    return str(version) if version is not None else None


def asset_entry(graph, instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, Any]:
    """One asset as a plain dict (see docs/observability.md for the fields)."""
    node = graph.get(key)
    primary_key = [c.strip() for c in str(_plain(node.metadata.get("primary_key", ""))).split(",") if c.strip()]
    lineage = _lineage(node)
    columns = [_column(c, primary_key, lineage) for c in _schema(node)]
    uri = node.metadata.get("dagster/uri")
    return {
        "key": key.to_user_string(),
        "group": node.group_name,
        "description": node.description or "",
        "owners": list(node.owners),
        "tags": {k: v for k, v in sorted(node.tags.items()) if not k.startswith("dagster/kind/")},
        "kinds": sorted(node.kinds),
        "table_name": _plain(node.metadata.get("dagster/table_name")),
        "location": str(_plain(uri)) if uri is not None else None,
        "partitions": str(node.partitions_def) if node.partitions_def else None,
        "freshness": _freshness(node),
        "code_version": node.code_version,
        "contract_version": _contract_version(node),
        "deps": sorted(k.to_user_string() for k in node.parent_keys),
        "dependents": sorted(k.to_user_string() for k in node.child_keys),
        "metadata": _other_metadata(node),
        "pii_columns": [c["name"] for c in columns if c["pii"]],
        "columns": columns,
        "column_lineage": lineage,
        "checks": [_check(graph, instance, k) for k in sorted(node.check_keys, key=lambda k: k.name)],
        "latest": _latest(instance, key, node.is_external),
    }


def _link_downstream_columns(assets: list[dict[str, Any]]) -> None:
    """Fill each column's `used_by` from the column lineage of the assets downstream."""
    used_by = defaultdict(list)
    for asset in assets:
        for column, sources in asset["column_lineage"].items():
            for source in sources:
                used_by[(source["asset"], source["column"])].append({"asset": asset["key"], "column": column})
    for asset in assets:
        for column in asset["columns"]:
            found = used_by.get((asset["key"], column["name"]), [])
            column["used_by"] = sorted(found, key=lambda u: (u["asset"], u["column"]))


def catalog_gaps(assets: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Documentation a reader would miss, per asset."""
    gaps = []
    by_key = {a["key"]: a for a in assets}
    for asset in assets:
        found = []
        if not asset["description"]:
            found.append("no description")
        if not asset["owners"]:
            found.append("no owners")
        is_table = asset["key"].split("/")[0] in TABLE_LAYERS or asset["table_name"]
        if is_table and not asset["columns"]:
            found.append("no column schema")
        if not is_table and not asset["columns"]:
            found.append("no column schema (files; the columns are documented on the tables built from it)")
        undocumented = [c["name"] for c in asset["columns"] if not c["description"]]
        if undocumented:
            found.append(f"columns without description: {undocumented}")
        if asset["tags"].get("pii") == "true" and asset["columns"] and not asset["pii_columns"]:
            found.append("tagged pii=true but no column carries the `pii` tag")
        upstream_tables = [d for d in asset["deps"] if by_key.get(d, {}).get("columns")]
        if upstream_tables and asset["columns"]:
            without = [c["name"] for c in asset["columns"] if not c["lineage"]]
            if without and asset["column_lineage"]:
                found.append(f"columns without lineage: {without}")
            elif not asset["column_lineage"]:
                found.append(f"no column lineage to its upstream tables {upstream_tables}")
        if is_table and asset["group"] != "quarantine":
            found += ["no freshness policy"] if asset["freshness"] is None else []
            found += [] if any(c["primary_key"] for c in asset["columns"]) else ["no `primary_key` metadata"]
        if any(not c["description"] for c in asset["checks"]):
            found.append("checks without description")
        gaps += [{"asset": asset["key"], "gap": g} for g in found]
    return gaps


def build_catalog(defs: dg.Definitions, instance: dg.DagsterInstance, now: float | None = None) -> dict[str, Any]:
    """The whole catalog as a JSON-ready dict."""
    graph = defs.resolve_asset_graph()
    keys = sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    assets = [asset_entry(graph, instance, key) for key in keys]
    _link_downstream_columns(assets)
    return {"generated_at": iso(now or time.time()), "assets": assets, "gaps": catalog_gaps(assets)}


def export_catalog(out_dir: Path, defs: dg.Definitions, instance: dg.DagsterInstance) -> list[Path]:
    """Write catalog.json and catalog.md into `out_dir`; returns their paths."""
    from dataops_platform.observability.catalog.markdown import catalog_markdown

    catalog = build_catalog(defs, instance)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "catalog.json", out_dir / "catalog.md"
    json_path.write_text(json.dumps(catalog, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(catalog_markdown(catalog), encoding="utf-8")
    return [json_path, md_path]
