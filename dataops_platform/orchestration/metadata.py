"""Catalog metadata shared by every asset: column schemas, code versions, tags."""

from __future__ import annotations

import functools
import hashlib
import inspect

from dagster import TableColumn, TableColumnConstraints, TableSchema

from dataops_platform.quality.contract import TableContract

TECHNICAL_COLUMN_DOCS = {
    "_bronze_file": ("string", "Bronze file the row was read from (lineage)."),
    "_ingestion_date": ("date", "Ingestion date (Dagster partition) that delivered the row."),
    "_record_version": ("string", "Ordering key: event time | bronze file | row hash; the greatest wins."),
    "_row_hash": ("string", "xxhash64 of the row's content as JSON, 16 hex digits; equal hashes are re-sends."),
    "_rescued_data": ("string", "JSON of the fields the row's file had beyond the contract (null: none)."),
    "year": ("int", "Delta partition: year of the partition column (0 when missing)."),
    "month": ("int", "Delta partition: month of the partition column (0 when missing)."),
    "_corrupt_record": ("string", "The raw line when the record could not be split into columns."),
    "_reasons": ("array<string>", "Every rule the row failed, with the offending value."),
    "_failed_rules": ("array<string>", "Names of the rules the row failed (as in the validity check)."),
}


def table_schema(
    contract: TableContract, pii: list[str] | tuple[str, ...] = (), technical: list[str] | tuple[str, ...] = ()
) -> TableSchema:
    """The `dagster/column_schema` of a table: contract columns (with docs) + technical columns."""
    columns = [
        TableColumn(
            name=c.name,
            type=c.type_name,
            description=(c.description + (" [PII]" if c.name in pii else "")).strip(),
            constraints=TableColumnConstraints(
                nullable=c.nullable, unique=contract.unique == (c.name,), other=c.constraints()
            ),
            tags={"pii": ""} if c.name in pii else {},
        )
        for c in contract.columns
    ]
    columns += [
        TableColumn(name=n, type=TECHNICAL_COLUMN_DOCS[n][0], description=TECHNICAL_COLUMN_DOCS[n][1])
        for n in technical
    ]
    return TableSchema(columns=columns)


def raw_text_schema(contract: TableContract, pii: list[str] | tuple[str, ...] = ()) -> TableSchema:
    """Quarantine tables keep every declared column as raw text."""
    return TableSchema(
        columns=[
            TableColumn(
                name=c.name,
                type="string",
                description=f"Raw text of `{c.name}`." + (" [PII]" if c.name in pii else ""),
                tags={"pii": ""} if c.name in pii else {},
            )
            for c in contract.columns
        ]
        + [
            TableColumn(name=n, type=TECHNICAL_COLUMN_DOCS[n][0], description=TECHNICAL_COLUMN_DOCS[n][1])
            for n in (
                "_corrupt_record",
                "_rescued_data",
                "_bronze_file",
                "_ingestion_date",
                "_reasons",
                "_failed_rules",
            )
        ]
    )


def code_version(*parts: object) -> str:
    """A short hash of source code (modules, classes, functions) and text (YAML declarations)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part if isinstance(part, str) else _source(part)).encode("utf-8"))
    return digest.hexdigest()[:12]


@functools.cache
def _source(obj: object) -> str:
    """Source of a module, class or function, read once per load (every dataset hashes the same modules)."""
    return inspect.getsource(obj)  # type: ignore[arg-type]


def layer_tags(layer: str, domain: str, pii: bool) -> dict[str, str]:
    return {"layer": layer, "domain": domain, "pii": "true" if pii else "false"}
