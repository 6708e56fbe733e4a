"""Declarations: what a dataset's or a data product's `defs.yaml` says, validated (no Dagster).

A declaration is the whole parametrization of a dataset or product; the components
(components/) turn it into assets, checks and sensors. The same models validate the YAML for
`dg`, for the job process on Databricks, and for the Dagster-free readers below (demo data,
benchmarks). A malformed file fails loading with a message that names the file and the field.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dataops_platform.quality.compiled import compiled_contract, model_source
from dataops_platform.quality.contract import TableContract
from dataops_platform.quality.declared_contract import (
    TYPES_HELP,
    VALUE_RULES,
    DeclaredColumn,
    contract_name,
    declared_contract,
    pandera_model,
    spark_type,
)
from dataops_platform.quality.policy import QualitySpec
from dataops_platform.storage.dialect import SCHEMA_EVOLUTION_HELP, DialectSpec, SchemaEvolution
from dataops_platform.storage.maintenance import MaintenanceSpec
from dataops_platform.transforms.sql import QueryShape, SqlError, expression_columns, query_shape

DEFS_DIR = Path(__file__).resolve().parent / "defs"  # the package's component instances
DATASET_TYPE = "dataops_platform.components.Dataset"
PRODUCT_TYPE = "dataops_platform.components.DataProduct"
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
REF_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"  # module:attribute
VERSION_PATTERN = r"^\d+\.\d+$"  # MAJOR.MINOR
OWNER_PATTERN = re.compile(r"^(team:[A-Za-z0-9_.-]+|[^@\s]+@[^@\s]+\.[A-Za-z]{2,})$")


class DeclarationError(ValueError):
    """A dataset declaration that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntakeSpec(_Strict):
    prefix: str = Field(description="Folder (or S3 prefix) under the intake root, ending with '/'.")
    pattern: str = Field("*", description="Glob on the file name, e.g. '*.csv'.")

    @field_validator("prefix")
    @classmethod
    def _relative_folder(cls, value: str) -> str:
        parts = value.strip("/").split("/")
        if value.startswith("/") or not value.endswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError("must be a relative folder like 'crm/customers/' (no '..', ending with '/')")
        return value


class PartitioningSpec(_Strict):
    ingestion: Literal["daily"] = "daily"
    table_by_month_of: str = Field(description="Date/timestamp column whose year and month partition the table.")


class CleansingSpec(_Strict):
    lowercase: list[str] = Field(default_factory=list)
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Per column, raw value (after trim/lowercase) -> standard value."
    )


class Reference(_Strict):
    """A foreign key: this column's values should exist in `dataset`.`column`."""

    dataset: str = Field(pattern=NAME_PATTERN)
    column: str
    quarantine_orphans: bool = Field(False, description="Send rows with an orphan key to quarantine.")


class _Declaration(_Strict):
    """What every declared table has: a name, a description for the catalog, a domain, owners."""

    name: str = Field(pattern=NAME_PATTERN, description="The table's name: the folder name of its defs.yaml.")
    description: str = Field(min_length=1, description="One line for the catalog.")
    domain: str = Field(pattern=NAME_PATTERN)
    owners: list[str] = Field(min_length=1, description="Emails or 'team:<name>'.")
    schema_ref: str = Field(
        alias="schema", pattern=REF_PATTERN, description="The pandera DataFrameModel (module:Class): the contract."
    )
    contract_version: str = Field(
        "1.0",
        pattern=VERSION_PATTERN,
        description="MAJOR.MINOR version of the contract: bump MAJOR for a breaking change to the schema, "
        "MINOR for a compatible one (`dataops contracts check`).",
    )

    @field_validator("owners")
    @classmethod
    def _owners_are_emails_or_teams(cls, owners: list[str]) -> list[str]:
        bad = [o for o in owners if not OWNER_PATTERN.match(o)]
        if bad:
            raise ValueError(f"owners must be emails or 'team:<name>', got {bad}")
        return owners

    @cached_property
    def schema_model(self) -> type:
        """The pandera DataFrameModel named by `schema` (module:Class)."""
        return import_ref(self.schema_ref, "schema")

    @cached_property
    def contract(self) -> TableContract:
        """The model read as a TableContract, compiled once per version of its source."""
        try:
            return compiled_contract(self.schema_ref)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"field 'schema': cannot import {self.schema_ref}: {exc}") from exc

    @property
    def schema_source(self) -> str:
        """The contract's source text (part of the code version), read without importing it."""
        return model_source(self.schema_ref)

    @property
    def columns(self) -> list[str]:
        return self.contract.column_names

    def _require_columns(self, referenced: dict[str, list[str]]) -> None:
        """Every column a field names is a column of the schema."""
        columns = set(self.columns)
        for field_name, names in referenced.items():
            missing = [n for n in names if n not in columns]
            if missing:
                raise ValueError(
                    f"field '{field_name}': column(s) {missing} not in schema {self.schema_ref or 'columns'} "
                    f"(columns: {sorted(columns)})"
                )


class DatasetDeclaration(_Declaration):
    """What a dataset's defs.yaml declares (its `attributes:`) about one source dataset."""

    source: str = Field(pattern=NAME_PATTERN, description="The source system; part of the bronze path.")
    intake: IntakeSpec
    format: Literal["csv", "jsonl"]
    primary_key: list[str] = Field(min_length=1)
    event_time: str
    partitioning: PartitioningSpec
    critical_columns: list[str] = Field(default_factory=list)
    pii_columns: list[str] = Field(default_factory=list)
    cleansing: CleansingSpec = Field(default_factory=CleansingSpec)
    future_tolerance_hours: int = Field(48, ge=0)
    references: dict[str, Reference] = Field(default_factory=dict)
    dialect: DialectSpec = Field(default_factory=DialectSpec, description="How the files are written.")
    schema_evolution: SchemaEvolution = Field("rescue", description=SCHEMA_EVOLUTION_HELP)
    quality: QualitySpec = Field(default_factory=QualitySpec)
    maintenance: MaintenanceSpec = MaintenanceSpec()

    @model_validator(mode="after")
    def _columns_exist_in_schema(self) -> "DatasetDeclaration":
        referenced = {
            "primary_key": self.primary_key,
            "event_time": [self.event_time],
            "partitioning.table_by_month_of": [self.partitioning.table_by_month_of],
            "critical_columns": self.critical_columns,
            "pii_columns": self.pii_columns,
            "cleansing.lowercase": self.cleansing.lowercase,
            "cleansing.values": list(self.cleansing.values),
            "references": list(self.references),
        }
        self._require_columns(referenced)
        unique = list(self.contract.unique)
        if unique and unique != list(self.primary_key):
            raise ValueError(f"field 'primary_key': {self.primary_key} differs from the schema's unique key {unique}")
        return self

    @property
    def source_text(self) -> str:
        """The declaration as canonical JSON: part of the code version, and what a job process
        validates again (job/run.py)."""
        return declaration_json(self)


def import_ref(ref: str, field_name: str) -> Any:
    """The object a `module:attribute` field names; the error names the field."""
    module_name, attribute = ref.split(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"field '{field_name}': cannot import {ref}: {exc}") from exc


def declaration_json(declaration: BaseModel) -> str:
    """The declared fields only (a component subclass adds none), as sorted JSON."""
    fields = (
        DatasetDeclaration.model_fields
        if isinstance(declaration, DatasetDeclaration)
        else ProductDeclaration.model_fields
    )
    # a SQL product's `columns` are in table order: its JSON keeps the declared order (and
    # leaves out the value rules a column does not have)
    is_sql = getattr(declaration, "is_sql", False)
    data = declaration.model_dump(mode="json", by_alias=True, include=set(fields), exclude_none=is_sql)
    return json.dumps(data, sort_keys=not is_sql)


Scalar = int | float | str | bool
SQL_FILE = re.compile(r"^[\w.-]+\.sql$")  # `sql:` naming a file beside defs.yaml (a query has spaces)


class ColumnSpec(_Strict):
    """One output column of a SQL product: its Spark SQL type, doc, nullability and value rules
    (pandera `Field` arguments)."""

    type: str = Field(description=f"Spark SQL type: {TYPES_HELP}.")
    description: str = Field(min_length=1, description="The column's doc in the catalog.")
    nullable: bool = Field(False, description="Whether it may be null (false, as in pandera, makes a not-null rule).")
    eq: Scalar | None = None
    ne: Scalar | None = None
    gt: Scalar | None = None
    ge: Scalar | None = None
    lt: Scalar | None = None
    le: Scalar | None = None
    isin: list[Scalar] | None = None
    notin: list[Scalar] | None = None
    str_contains: str | None = None
    str_endswith: str | None = None
    str_matches: str | None = None
    str_startswith: str | None = None

    @field_validator("type")
    @classmethod
    def _spark_type(cls, value: str) -> str:
        spark_type(value)
        return value

    def declared(self, name: str) -> DeclaredColumn:
        rules = {rule: getattr(self, rule) for rule in VALUE_RULES if getattr(self, rule) is not None}
        return DeclaredColumn(name, self.type, self.description, self.nullable, rules)


class Reconciliation(_Strict):
    """Accuracy of a SQL product: per as-of date, the sum of an output column equals the sum of a
    silver column over the silver rows `where` keeps."""

    total: str = Field(description="The output column summed over the as-of date's rows.")
    equals: str = Field(pattern=r"^[a-z][a-z0-9_]*\.\w+$", description="The silver 'dataset.column' it must equal.")
    where: str | None = Field(None, description="Spark SQL boolean over that dataset's columns; :as_of is the date.")
    sum: str | None = Field(
        None,
        min_length=1,
        description="Spark SQL over that dataset's columns summed instead of the column itself: -amount for a "
        "sign, 1 for a count of rows.",
    )

    @property
    def dataset(self) -> str:
        return self.equals.split(".")[0]

    @property
    def column(self) -> str:
        return self.equals.split(".")[1]


class ProductDeclaration(_Declaration):
    """What a gold data product's defs.yaml declares: its silver inputs, how it is computed (a
    Python transform, or Spark SQL with its columns declared here) and its checks."""

    schema_ref: str | None = Field(
        None, alias="schema", pattern=REF_PATTERN, description="Python products: the pandera DataFrameModel."
    )
    inputs: list[str] = Field(
        default_factory=list,
        description="Silver datasets, in the transform's argument order (SQL products: derived from the SQL).",
    )
    transform: str | None = Field(
        None, pattern=REF_PATTERN, description="module:function (*silver DataFrames, as_of date) -> DataFrame."
    )
    sql: str | None = Field(
        None,
        min_length=1,
        description="Spark SQL over silver datasets by name, with the parameter :as_of: a .sql file beside "
        "defs.yaml, or the query itself.",
    )
    date_column: str = Field(description="The as-of date column (the Dagster partition date).")
    key: list[str] = Field(
        default_factory=list, description="SQL products: the unique key (output columns, with date_column)."
    )
    partition_by: list[str] = Field(default_factory=list, description="Delta partition columns.")
    pii_columns: list[str] = Field(default_factory=list)
    column_specs: dict[str, ColumnSpec] = Field(
        default_factory=dict, alias="columns", description="SQL products: every output column, in table order."
    )
    rules: dict[str, str] = Field(
        default_factory=dict,
        description="SQL products: row rules, name -> Spark SQL boolean over output columns (a row fails where false).",
    )
    reconcile: str | Reconciliation = Field(
        description="module:function (output, silver input, as-of dates) -> totals; SQL products: total/equals/where."
    )
    reconcile_with: str | None = Field(
        None, description="Python products: the silver input the reconciliation totals come from."
    )
    column_lineage: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Output column -> the 'dataset.column' silver columns it is computed from (SQL products: "
        "derived from the SQL).",
    )

    @model_validator(mode="after")
    def _columns_exist(self) -> "ProductDeclaration":
        if (self.transform is None) == (self.sql is None):
            raise ValueError("declare exactly one of 'transform' (a Python function) and 'sql' (Spark SQL)")
        if self.is_sql:
            self._require_sql_fields()
        else:
            self._require_python_fields()
        total = [self.reconcile.total] if isinstance(self.reconcile, Reconciliation) else []
        self._require_columns(
            {
                "date_column": [self.date_column],
                "key": self.key,
                "partition_by": self.partition_by,
                "pii_columns": self.pii_columns,
                "column_lineage": list(self.column_lineage),
                "reconcile.total": total,
            }
        )
        if self.is_sql:
            self._require_sql_checks()
        else:
            self._require_python_sources()
        return self

    @property
    def is_sql(self) -> bool:
        return self.sql is not None

    def _require_sql_fields(self) -> None:
        for name, value in {"schema": self.schema_ref, "reconcile_with": self.reconcile_with}.items():
            if value:
                raise ValueError(f"field {name!r}: not with 'sql' (the columns and checks are declared in the YAML)")
        for name, value in {"columns": self.column_specs, "key": self.key}.items():
            if not value:
                raise ValueError(f"field {name!r}: required for a product declared with 'sql'")
        if not isinstance(self.reconcile, Reconciliation):
            raise ValueError("field 'reconcile': a SQL product declares {total, equals, where}, not a function")

    def _require_python_fields(self) -> None:
        for name, value in {"columns": self.column_specs, "key": self.key, "rules": self.rules}.items():
            if value:
                raise ValueError(f"field {name!r}: for products declared with 'sql' only")
        for name, value in {
            "schema": self.schema_ref,
            "inputs": self.inputs,
            "reconcile_with": self.reconcile_with,
        }.items():
            if not value:
                raise ValueError(f"field {name!r}: required for a product declared with 'transform'")
        if not isinstance(self.reconcile, str) or not re.match(REF_PATTERN, self.reconcile):
            raise ValueError("field 'reconcile': a Python product names its function as module:function")

    def _require_sql_checks(self) -> None:
        if self.date_column not in self.key:
            raise ValueError(f"field 'key': {self.key} must include the date column {self.date_column!r}")
        dataset = self.reconcile.dataset
        if self.inputs and dataset not in self.inputs:
            raise ValueError(f"field 'reconcile.equals': {dataset!r} is not one of the inputs {self.inputs}")
        taken = {f"{c.name}_{k.name}" for c in self.contract.columns for k in c.checks}
        taken |= {f"{c.name}_not_null" for c in self.contract.columns}
        for name in self.rules:
            if not re.match(NAME_PATTERN, name) or name in taken:
                raise ValueError(f"field 'rules.{name}': a rule is named [a-z][a-z0-9_]*, unlike a column's rules")

    def _require_python_sources(self) -> None:
        if self.reconcile_with not in self.inputs:
            raise ValueError(f"field 'reconcile_with': {self.reconcile_with!r} is not one of the inputs {self.inputs}")
        sources = [s for sources in self.column_lineage.values() for s in sources]
        bad = [s for s in sources if s.count(".") != 1 or s.split(".")[0] not in self.inputs]
        if bad:
            raise ValueError(f"field 'column_lineage': {bad} must be 'dataset.column' of an input")

    @cached_property
    def contract(self) -> TableContract:
        """The contract: the pandera model `schema` names, or the `columns` (keyed by `key`)."""
        if not self.is_sql:
            return super().contract
        return declared_contract(self.contract_name, self.description, self.declared_columns, self.key)

    @property
    def declared_columns(self) -> list[DeclaredColumn]:
        return [spec.declared(name) for name, spec in self.column_specs.items()]

    @cached_property
    def schema_model(self) -> type:
        """The pandera DataFrameModel: the one `schema` names, or the one `columns` make."""
        if not self.is_sql:
            return super().schema_model
        return pandera_model(self.contract_name, self.description, self.declared_columns, self.key)

    @property
    def contract_name(self) -> str:
        """The contract's (and pandera model's) name: the class name of a `schema`, else CamelCase."""
        return self.schema_ref.split(":")[1] if self.schema_ref else contract_name(self.name)

    @property
    def schema_source(self) -> str:
        return super().schema_source if not self.is_sql else ""  # the columns are in source_text

    def with_sql(self, base_dir: Path | None, silver: Mapping[str, Sequence[str]]) -> "ProductDeclaration":
        """This SQL product with its query read (from its file beside defs.yaml, if it names one)
        and checked against the silver datasets' columns, its `inputs` and `column_lineage`
        derived from it (declared by hand, they must be the same)."""
        text, where = self.sql, ""
        if SQL_FILE.match(text):
            path = (base_dir or Path.cwd()) / text
            try:
                text, where = path.read_text(encoding="utf-8"), f"{path}:"
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"field 'sql': cannot read {path}: {exc}") from None
        try:
            shape = query_shape(text, silver)
        except SqlError as exc:
            raise ValueError(f"field 'sql': {where}{exc}") from None
        self._require_shape(shape, silver)
        lineage = {column: list(sources) for column, sources in shape.lineage.items() if sources}
        declared = {column: sorted(sources) for column, sources in self.column_lineage.items() if sources}
        if declared and declared != lineage:
            raise ValueError(
                f"field 'column_lineage': {declared} differs from the lineage of the SQL {lineage}: leave it out"
            )
        return self.model_copy(update={"sql": text, "inputs": list(shape.inputs), "column_lineage": lineage})

    def _require_shape(self, shape: QueryShape, silver: Mapping[str, Sequence[str]]) -> None:
        """The query gives the declared columns, the date column as :as_of, and reads what the
        declaration says it reads; the rules and the reconciliation name real columns."""
        missing, extra = (
            sorted(set(self.column_specs) - set(shape.columns)),
            sorted(set(shape.columns) - set(self.column_specs)),
        )
        if missing or extra:
            raise ValueError(
                f"field 'columns': the query's output columns {list(shape.columns)} differ from the declared ones "
                f"(not in the query: {missing}; not declared: {extra})"
            )
        if self.date_column not in shape.as_of_columns:
            raise ValueError(f"field 'date_column': the query must select it as `:as_of AS {self.date_column}`")
        if self.inputs and sorted(self.inputs) != sorted(shape.inputs):
            raise ValueError(
                f"field 'inputs': {self.inputs} differ from the tables the query reads {list(shape.inputs)}"
            )
        reconcile = self.reconcile
        if reconcile.dataset not in shape.inputs or reconcile.column not in silver[reconcile.dataset]:
            raise ValueError(f"field 'reconcile.equals': {reconcile.equals} is not a column of a table the query reads")
        checked = {f"rules.{name}": (rule, list(self.column_specs)) for name, rule in self.rules.items()}
        for part in ("where", "sum"):
            if getattr(reconcile, part):
                checked[f"reconcile.{part}"] = (getattr(reconcile, part), list(silver[reconcile.dataset]))
        for field_name, (text, columns) in checked.items():
            try:
                expression_columns(text, columns)
            except SqlError as exc:
                raise ValueError(f"field '{field_name}': {exc}") from None

    @cached_property
    def build(self):
        """The transform: (*silver DataFrames in `inputs` order, as-of dates) -> the rows of every date."""
        return import_ref(self.transform, "transform")

    @cached_property
    def reconciler(self):
        return import_ref(self.reconcile, "reconcile")

    @property
    def source_text(self) -> str:
        """The declaration as canonical JSON; a SQL product's carries its query's text."""
        return declaration_json(self)


# ---------------------------------------------------------------- reading defs.yaml files


def component_files(defs_dir: Path, component_type: str) -> list[tuple[Path, dict]]:
    """(path, attributes) of every `<instance>/defs.yaml` under `defs_dir` of this type, also in
    domain folders (`<domain>/<instance>/defs.yaml`)."""
    found = []
    for path in sorted(Path(defs_dir).rglob("defs.yaml")):
        raw = _read_yaml(path)
        if raw.get("type") == component_type:
            found.append((path, raw.get("attributes") or {}))
    return found


def _read_yaml(path: Path) -> dict:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DeclarationError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DeclarationError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
    return raw


def validate(model: type[_Strict], path: Path, attributes: dict):
    """A declaration from a file's attributes; errors name the file and the field."""
    try:
        declaration = model.model_validate(attributes)
    except ValidationError as exc:
        raise DeclarationError(f"{path}: {describe(exc)}") from None
    require_folder_name(path, declaration)
    return declaration


def require_folder_name(path: Path, declaration: BaseModel) -> None:
    """An instance's name is the name of the folder holding its defs.yaml."""
    if declaration.name != path.parent.name:
        raise DeclarationError(
            f"{path}: field 'name': {declaration.name!r} must match the folder name {path.parent.name!r}"
        )


def describe(exc: ValidationError) -> str:
    return "; ".join(
        f"field '{'.'.join(str(p) for p in err['loc']) or '<root>'}': {err['msg']}" for err in exc.errors()
    )


def load_declaration(path: Path) -> DatasetDeclaration:
    """The dataset declared by one defs.yaml file."""
    raw = _read_yaml(path)
    if raw.get("type") != DATASET_TYPE:
        raise DeclarationError(f"{path}: field 'type': expected {DATASET_TYPE}, got {raw.get('type')!r}")
    return validate(DatasetDeclaration, path, raw.get("attributes") or {})


def load_declarations(defs_dir: Path = DEFS_DIR) -> list[DatasetDeclaration]:
    """Every dataset declared under `defs_dir`, sorted by name, references checked."""
    found = {
        path: validate(DatasetDeclaration, path, attributes)
        for path, attributes in component_files(defs_dir, DATASET_TYPE)
    }
    check_references(found)
    return sorted(found.values(), key=lambda d: d.name)


def load_products(defs_dir: Path = DEFS_DIR) -> list[ProductDeclaration]:
    """Every gold data product declared under `defs_dir`, sorted by name (SQL read, see `read_sql`)."""
    found = [
        read_sql(validate(ProductDeclaration, path, attributes), path, defs_dir)
        for path, attributes in component_files(defs_dir, PRODUCT_TYPE)
    ]
    return sorted(found, key=lambda p: p.name)


def read_sql(product: ProductDeclaration, path: Path, defs_dir: Path) -> ProductDeclaration:
    """A SQL product declared in `path`, its query read against the silver datasets of the
    platform and of `defs_dir` (errors name the file, and the .sql file with line:col); a
    Python product unchanged."""
    if not product.is_sql:
        return product
    silver = {**silver_columns(DEFS_DIR), **silver_columns(defs_dir)}
    try:
        return product.with_sql(path.parent, silver)
    except ValueError as exc:
        raise DeclarationError(f"{path}: {exc}") from None


def silver_columns(defs_dir: Path) -> dict[str, list[str]]:
    """Each silver dataset declared under `defs_dir` -> its contract's columns: what SQL may read.
    Read once per state of the folder's files (every SQL product of a load asks)."""
    root = Path(defs_dir).resolve()
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*") if p.suffix in (".yaml", ".py")))
    return {name: list(columns) for name, columns in _silver_columns(root, stamp)}


@lru_cache(maxsize=8)
def _silver_columns(root: Path, stamp: tuple) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((d.name, tuple(d.columns)) for d in load_declarations(root))


def check_references(found: dict[Path, DatasetDeclaration]) -> None:
    """Duplicate names and references to undeclared datasets or columns are errors."""
    by_name: dict[str, tuple[Path, DatasetDeclaration]] = {}
    for path, declaration in found.items():
        if declaration.name in by_name:
            raise DeclarationError(
                f"{path}: field 'name': dataset {declaration.name!r} is already declared in {by_name[declaration.name][0]}"
            )
        by_name[declaration.name] = (path, declaration)
    for path, declaration in found.items():
        for column, ref in declaration.references.items():
            target = by_name.get(ref.dataset)
            if target is None or ref.column not in target[1].columns:
                raise DeclarationError(
                    f"{path}: field 'references.{column}': {ref.dataset}.{ref.column} is not a declared dataset column"
                )
