"""The catalog as Markdown: one section per group, one per asset (properties, columns, checks)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

GROUP_ORDER = ("intake", "bronze", "silver", "quarantine", "gold", "observability")  # the flow of data


def cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(value if value is not None else "").split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def anchor(key: str) -> str:
    return key.replace("/", "-")


def _links(keys: list[str]) -> str:
    return ", ".join(f"[{k}](#{anchor(k)})" for k in keys) or "none"


def _freshness(freshness: dict | None) -> str:
    if not freshness:
        return "no policy"
    warn = freshness.get("warn_after_hours")
    return f"fails after {freshness['fail_after_hours']:g} h" + (f", warns after {warn:g} h" if warn else "")


def _latest(latest: dict | None) -> str:
    if not latest:
        return "never materialized"
    parts = [f"{latest['kind']} {latest['timestamp']}"]
    if latest.get("row_count") is not None:
        parts.append(f"{latest['row_count']:,} rows")
    if latest.get("partition"):
        parts.append(f"partition {latest['partition']}")
    parts.append(f"run {latest['run_id'][:8]}")
    return ", ".join(parts)


def _properties(asset: dict[str, Any]) -> list[str]:
    rows = [
        ["Owners", ", ".join(asset["owners"]) or "none"],
        ["Kinds", ", ".join(asset["kinds"])],
        ["Tags", ", ".join(f"{k}={v}" for k, v in asset["tags"].items())],
        ["Table", f"`{asset['table_name']}`" if asset["table_name"] else ""],
        ["Location", f"`{asset['location']}`" if asset["location"] else ""],
        ["Contract version", asset.get("contract_version") or ""],
        ["Partitions", asset["partitions"] or "none"],
        ["Freshness", _freshness(asset["freshness"])],
        ["Upstream", _links(asset["deps"])],
        ["Downstream", _links(asset["dependents"])],
        ["PII columns", ", ".join(asset["pii_columns"])],
        ["Latest", _latest(asset["latest"])],
        *[[name, value] for name, value in asset["metadata"].items() if name != "contract_version"],
    ]
    return table(["Property", "Value"], [r for r in rows if r[1]])


def _sources(refs: list[dict[str, str]]) -> str:
    return ", ".join(f"{r['asset']}.{r['column']}" for r in refs)


def _columns(asset: dict[str, Any]) -> list[str]:
    rows = [
        [
            f"`{c['name']}`",
            c["type"],
            "PK" if c["primary_key"] else "",
            "yes" if c["nullable"] else "no",
            "; ".join(c["constraints"]),
            c["description"] + (" **PII**" if c["pii"] and "PII" not in c["description"] else ""),
            _sources(c["lineage"]),
            _sources(c["used_by"]),
        ]
        for c in asset["columns"]
    ]
    header = ["Column", "Type", "Key", "Nullable", "Constraints", "Description", "From", "Used by"]
    return ["**Columns**", "", *table(header, rows)]


def _checks(asset: dict[str, Any]) -> list[str]:
    rows = []
    for check in asset["checks"]:
        latest = check["latest"] or {}
        rows.append(
            [
                check["name"],
                "yes" if check["blocking"] else "no",
                latest.get("status", "not run"),
                latest.get("evaluated_at", ""),
                latest.get("summary", ""),
                check["description"],
            ]
        )
    return ["**Checks**", "", *table(["Check", "Blocking", "Latest", "Evaluated", "Result", "Rule"], rows)]


def asset_section(asset: dict[str, Any]) -> list[str]:
    description = asset["description"] or "_No description._"
    lines = [f'<a id="{anchor(asset["key"])}"></a>', f"### {asset['key']}", "", description, ""]
    lines += _properties(asset) + [""]
    if asset["columns"]:
        lines += _columns(asset) + [""]
    if asset["checks"]:
        lines += _checks(asset) + [""]
    return lines


def _group_rank(group: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), group)


def catalog_markdown(catalog: dict[str, Any]) -> str:
    assets = sorted(catalog["assets"], key=lambda a: (_group_rank(a["group"]), a["key"]))
    by_group = [(group, list(items)) for group, items in groupby(assets, key=lambda a: a["group"])]
    lines = [
        "# Data catalog",
        "",
        f"Generated {catalog['generated_at']} from the code location and the Dagster instance: "
        f"{len(assets)} assets in {len(by_group)} groups. Regenerate with `dataops catalog export`.",
        "",
        "## Contents",
        "",
        *[f"- **{group}**: {_links([a['key'] for a in items])}" for group, items in by_group],
        "",
    ]
    for group, items in by_group:
        lines += [f"## {group}", ""]
        for asset in items:
            lines += asset_section(asset)
    if catalog["gaps"]:
        gaps = [[g["asset"], g["gap"]] for g in catalog["gaps"]]
        lines += ["## Documentation gaps", "", *table(["Asset", "Gap"], gaps), ""]
    return "\n".join(lines) + "\n"
