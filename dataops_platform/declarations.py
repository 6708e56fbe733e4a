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
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dataops_platform.quality.compiled import compiled_contract, model_source
from dataops_platform.quality.contract import TableContract
from dataops_platform.quality.policy import QualitySpec
from dataops_platform.storage.dialect import SCHEMA_EVOLUTION_HELP, DialectSpec, SchemaEvolution
from dataops_platform.storage.maintenance import MaintenanceSpec

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
                    f"field '{field_name}': column(s) {missing} not in schema {self.schema_ref} "
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
    data = declaration.model_dump(mode="json", by_alias=True, include=set(fields))
    return json.dumps(data, sort_keys=True)


class ProductDeclaration(_Declaration):
    """What a gold data product's defs.yaml declares: its silver inputs, transform and contract."""

    inputs: list[str] = Field(min_length=1, description="Silver datasets, in the transform's argument order.")
    transform: str = Field(
        pattern=REF_PATTERN, description="module:function (*silver DataFrames, as_of date) -> DataFrame."
    )
    date_column: str = Field(description="The as-of date column (the Dagster partition date).")
    partition_by: list[str] = Field(default_factory=list, description="Delta partition columns.")
    pii_columns: list[str] = Field(default_factory=list)
    reconcile: str = Field(
        pattern=REF_PATTERN, description="module:function (output, silver input, as-of dates) -> totals."
    )
    reconcile_with: str = Field(description="The silver input the reconciliation totals come from.")
    column_lineage: dict[str, list[str]] = Field(
        default_factory=dict, description="Output column -> the 'dataset.column' silver columns it is computed from."
    )

    @model_validator(mode="after")
    def _columns_exist(self) -> "ProductDeclaration":
        self._require_columns(
            {
                "date_column": [self.date_column],
                "partition_by": self.partition_by,
                "pii_columns": self.pii_columns,
                "column_lineage": list(self.column_lineage),
            }
        )
        if self.reconcile_with not in self.inputs:
            raise ValueError(f"field 'reconcile_with': {self.reconcile_with!r} is not one of the inputs {self.inputs}")
        sources = [s for sources in self.column_lineage.values() for s in sources]
        bad = [s for s in sources if s.count(".") != 1 or s.split(".")[0] not in self.inputs]
        if bad:
            raise ValueError(f"field 'column_lineage': {bad} must be 'dataset.column' of an input")
        return self

    @cached_property
    def build(self):
        """The transform: (*silver DataFrames in `inputs` order, as_of date) -> DataFrame."""
        return import_ref(self.transform, "transform")

    @cached_property
    def reconciler(self):
        return import_ref(self.reconcile, "reconcile")

    @property
    def source_text(self) -> str:
        return declaration_json(self)


# ---------------------------------------------------------------- reading defs.yaml files


def component_files(defs_dir: Path, component_type: str) -> list[tuple[Path, dict]]:
    """(path, attributes) of every `<instance>/defs.yaml` under `defs_dir` of this type."""
    found = []
    for path in sorted(Path(defs_dir).glob("*/defs.yaml")):
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
    """Every gold data product declared under `defs_dir`, sorted by name."""
    found = [
        validate(ProductDeclaration, path, attributes) for path, attributes in component_files(defs_dir, PRODUCT_TYPE)
    ]
    return sorted(found, key=lambda p: p.name)


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
