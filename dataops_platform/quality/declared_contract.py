"""A contract declared column by column (a SQL gold product's `columns:`): the same TableContract
a pandera model gives, and that pandera model itself.

The value rules are pandera `Field` arguments (ge, isin, str_matches, ...), read into the checks
pandera makes of them. The TableContract is built without importing pandera (loading the code
location stays fast); `pandera_model` builds the pandera DataFrameModel, which reads into the
very same TableContract (a test holds them together).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from dataops_platform.quality.contract import CheckSpec, ColumnContract, TableContract

# pandera Field argument -> (the pandera check it makes, that check's statistic), in pandera's order
VALUE_RULES: dict[str, tuple[str, str]] = {
    "eq": ("equal_to", "value"),
    "ne": ("not_equal_to", "value"),
    "gt": ("greater_than", "min_value"),
    "ge": ("greater_than_or_equal_to", "min_value"),
    "lt": ("less_than", "max_value"),
    "le": ("less_than_or_equal_to", "max_value"),
    "isin": ("isin", "allowed_values"),
    "notin": ("notin", "forbidden_values"),
    "str_contains": ("str_contains", "pattern"),
    "str_endswith": ("str_endswith", "string"),
    "str_matches": ("str_matches", "pattern"),
    "str_startswith": ("str_startswith", "string"),
}
SIMPLE_TYPES = {
    "string": "string",
    "boolean": "boolean",
    "tinyint": "byte",
    "byte": "byte",
    "smallint": "short",
    "short": "short",
    "int": "integer",
    "integer": "integer",
    "bigint": "long",
    "long": "long",
    "float": "float",
    "double": "double",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ntz": "timestamp_ntz",
}
DECIMAL = re.compile(r"^decimal\((\d{1,2}),(\d{1,2})\)$")
TYPES_HELP = f"one of {sorted(SIMPLE_TYPES)} or decimal(P,S)"


@dataclass(frozen=True)
class DeclaredColumn:
    """One declared column: Spark SQL type name, doc, nullability, pandera Field value rules."""

    name: str
    type_name: str
    description: str
    nullable: bool = False
    rules: dict[str, Any] = field(default_factory=dict)


def spark_type(type_name: str):
    """The PySpark DataType of a Spark SQL type name (`bigint`, `decimal(28,2)`, ...), without a JVM."""
    from pyspark.sql.types import _parse_datatype_json_string

    name = re.sub(r"\s+", "", type_name.lower())
    decimal = DECIMAL.match(name)
    if decimal and int(decimal[2]) <= int(decimal[1]) <= 38:
        return _parse_datatype_json_string(json.dumps(name))
    if name not in SIMPLE_TYPES:
        raise ValueError(f"unknown type {type_name!r}: expected {TYPES_HELP}")
    return _parse_datatype_json_string(json.dumps(SIMPLE_TYPES[name]))


def declared_contract(name: str, description: str, columns: list[DeclaredColumn], unique: list[str]) -> TableContract:
    """The TableContract of these columns, as the equivalent pandera model reads (no pandera import)."""
    contracts = tuple(
        ColumnContract(
            name=column.name,
            spark_type=spark_type(column.type_name),
            nullable=column.nullable,
            description=column.description,
            checks=tuple(
                CheckSpec(check, {statistic: column.rules[rule]})
                for rule, (check, statistic) in VALUE_RULES.items()
                if column.rules.get(rule) is not None
            ),
        )
        for column in columns
    )
    return TableContract(name=name, description=description, columns=contracts, unique=tuple(unique))


def pandera_model(name: str, description: str, columns: list[DeclaredColumn], unique: list[str]) -> type:
    """The pandera (PySpark) DataFrameModel of these columns, e.g. to validate a DataFrame with pandera."""
    import pandera.pyspark as pa

    namespace: dict[str, Any] = {
        "__doc__": description,
        "__annotations__": {column.name: spark_type(column.type_name) for column in columns},
        "Config": type("Config", (), {"unique": list(unique)}),
    }
    for column in columns:
        namespace[column.name] = pa.Field(nullable=column.nullable, description=column.description, **column.rules)
    return type(name, (pa.DataFrameModel,), namespace)


def contract_name(table: str) -> str:
    """The name of a declared contract (and of its pandera model): the table's, in CamelCase."""
    return table.title().replace("_", "")


def contract_from_attributes(table: str, attributes: dict) -> TableContract:
    """A SQL product's contract from its raw defs.yaml attributes (`columns`, `key`,
    `description`): for readers of declarations that need not validate against today's models
    (contract versioning reads them at older git refs)."""
    columns = [
        DeclaredColumn(
            name,
            str(spec["type"]),
            str(spec.get("description", "")),
            bool(spec.get("nullable", False)),
            {rule: spec[rule] for rule in VALUE_RULES if spec.get(rule) is not None},
        )
        for name, spec in (attributes.get("columns") or {}).items()
    ]
    return declared_contract(
        contract_name(table), str(attributes.get("description", "")), columns, attributes.get("key") or []
    )
