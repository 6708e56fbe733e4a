"""A plain description of a pandera DataFrameModel: columns, Spark types, nullability, checks.

pandera models stay the single source of truth; this module only reads them, so the
catalog's column schema and the row-level rules cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckSpec:
    """One pandera check on a column, e.g. ('greater_than_or_equal_to', {'min_value': 0})."""

    name: str
    statistics: dict[str, Any]

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.statistics.items())
        return f"{self.name}({args})"


@dataclass(frozen=True)
class ColumnContract:
    name: str
    spark_type: Any  # a pyspark.sql.types.DataType
    nullable: bool
    description: str
    checks: tuple[CheckSpec, ...]

    @property
    def type_name(self) -> str:
        return self.spark_type.simpleString()

    def constraints(self) -> list[str]:
        """Human-readable constraints for the catalog."""
        found = [] if self.nullable else ["not null"]
        return found + [check.describe() for check in self.checks]


@dataclass(frozen=True)
class TableContract:
    name: str
    description: str
    columns: tuple[ColumnContract, ...]
    unique: tuple[str, ...] = ()  # the model's Config.unique: the primary key

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnContract:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def contract_from_model(model: type) -> TableContract:
    """Read a pandera (PySpark) DataFrameModel into a TableContract."""
    schema = model.to_schema()
    columns = tuple(
        ColumnContract(
            name=name,
            spark_type=column.dtype.type,
            nullable=bool(column.nullable),
            description=column.description or "",
            checks=tuple(CheckSpec(check.name, dict(check.statistics or {})) for check in column.checks),
        )
        for name, column in schema.columns.items()
    )
    description = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
    unique = schema.unique or ()
    unique = (unique,) if isinstance(unique, str) else tuple(unique)
    return TableContract(name=model.__name__, description=description, columns=columns, unique=unique)
