"""Dataset declarations: one YAML file per source dataset, validated on load.

A declaration is the whole parametrization of a dataset: the asset factories turn it into
intake, bronze, silver and quarantine assets. A malformed file fails loading with a message
that names the file and the field.
"""

from __future__ import annotations

import importlib
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from dataops_platform.quality.contract import TableContract, contract_from_model

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
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


Severity = Literal["ERROR", "WARN"]


class RuleSpec(_Strict):
    """Severity of a quality dimension: ERROR checks on silver block gold, WARN checks only report."""

    severity: Severity = "ERROR"


class FractionSpec(RuleSpec):
    """A rule on a fraction of rows: below `min_rows` rows the fraction is reported, never failed."""

    min_rows: int = Field(100, ge=0, description="Below this many rows the check reports but never fails.")


class CompletenessSpec(FractionSpec):
    max_null_fraction: float = Field(0.10, ge=0, le=1, description="Tolerated null fraction per critical column.")


class UniquenessSpec(FractionSpec):
    max_duplicate_fraction: float = Field(0.05, ge=0, le=1, description="Tolerated duplicate fraction in a batch.")


class ValiditySpec(FractionSpec):
    max_failure_fraction: float = Field(0.05, ge=0, le=1, description="Tolerated fraction of rows failing rules.")


class ConsistencySpec(FractionSpec):
    severity: Severity = "WARN"
    max_orphan_fraction: float = Field(0.05, ge=0, le=1, description="Tolerated fraction of orphan references.")


class TimelinessSpec(_Strict):
    """Freshness expectation, enforced by a Dagster FreshnessPolicy (FAIL past max, WARN past warn)."""

    max_lag_hours: float = Field(26, gt=0, description="The table must have been updated within this many hours.")
    warn_lag_hours: float | None = Field(None, gt=0, description="Warn when the last update is older than this.")

    @model_validator(mode="after")
    def _warn_before_fail(self) -> "TimelinessSpec":
        if self.warn_lag_hours is not None and self.warn_lag_hours >= self.max_lag_hours:
            raise ValueError("field 'warn_lag_hours' must be smaller than 'max_lag_hours'")
        return self


class SchemaDriftSpec(RuleSpec):
    allow_additive: bool = Field(True, description="New columns in incoming files are reported but allowed.")
    retyped_fraction: float = Field(
        0.5, gt=0, le=1, description="A column whose values mostly fail to parse is reported as retyped."
    )


class VolumeSpec(RuleSpec):
    severity: Severity = "WARN"
    max_sigmas: float = Field(3.0, gt=0, description="Flag a metric further than this many standard deviations.")
    min_history: int = Field(5, ge=2, description="Materializations needed before anomalies can fail.")
    history: int = Field(30, ge=2, description="How many recent materializations form the baseline.")
    min_relative_change: float = Field(
        0.25, ge=0, description="Ignore deviations smaller than this fraction of the mean (noise on stable series)."
    )
    min_duration_change_seconds: float = Field(
        10, ge=0, description="Ignore processing-time deviations smaller than this (scheduling jitter)."
    )


class QualitySpec(_Strict):
    """Per-dimension severities and tolerated failure fractions (defaults: the platform's policy)."""

    completeness: CompletenessSpec = Field(default_factory=CompletenessSpec)
    uniqueness: UniquenessSpec = Field(default_factory=UniquenessSpec)
    validity: ValiditySpec = Field(default_factory=ValiditySpec)
    consistency: ConsistencySpec = Field(default_factory=ConsistencySpec)
    accuracy: RuleSpec = Field(default_factory=RuleSpec)
    timeliness: TimelinessSpec = Field(default_factory=TimelinessSpec)
    schema_drift: SchemaDriftSpec = Field(default_factory=SchemaDriftSpec)
    volume: VolumeSpec = Field(default_factory=VolumeSpec)


class Reference(_Strict):
    """A foreign key: this column's values should exist in `dataset`.`column`."""

    dataset: str = Field(pattern=NAME_PATTERN)
    column: str
    quarantine_orphans: bool = Field(False, description="Send rows with an orphan key to quarantine.")


class DatasetDeclaration(_Strict):
    """What a YAML file in datasets/ declares about one source dataset."""

    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(min_length=1)
    domain: str = Field(pattern=NAME_PATTERN)
    source: str = Field(pattern=NAME_PATTERN)
    owners: list[str] = Field(min_length=1)
    intake: IntakeSpec
    format: Literal["csv", "jsonl"]
    primary_key: list[str] = Field(min_length=1)
    event_time: str
    partitioning: PartitioningSpec
    critical_columns: list[str] = Field(default_factory=list)
    pii_columns: list[str] = Field(default_factory=list)
    schema_ref: str = Field(alias="schema", pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    cleansing: CleansingSpec = Field(default_factory=CleansingSpec)
    future_tolerance_hours: int = Field(48, ge=0)
    references: dict[str, Reference] = Field(default_factory=dict)
    quality: QualitySpec = Field(default_factory=QualitySpec)
    _source_text: str = PrivateAttr("")

    @field_validator("owners")
    @classmethod
    def _owners_are_emails_or_teams(cls, owners: list[str]) -> list[str]:
        bad = [o for o in owners if not OWNER_PATTERN.match(o)]
        if bad:
            raise ValueError(f"owners must be emails or 'team:<name>', got {bad}")
        return owners

    @model_validator(mode="after")
    def _columns_exist_in_schema(self) -> "DatasetDeclaration":
        columns = set(self.contract.column_names)
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
        for field_name, names in referenced.items():
            missing = [n for n in names if n not in columns]
            if missing:
                raise ValueError(
                    f"field '{field_name}': column(s) {missing} not in schema {self.schema_ref} "
                    f"(columns: {sorted(columns)})"
                )
        unique = list(self.contract.unique)
        if unique and unique != list(self.primary_key):
            raise ValueError(f"field 'primary_key': {self.primary_key} differs from the schema's unique key {unique}")
        return self

    @cached_property
    def schema_model(self) -> type:
        """The pandera DataFrameModel named by `schema` (module:Class)."""
        module_name, class_name = self.schema_ref.split(":")
        try:
            model = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"field 'schema': cannot import {self.schema_ref}: {exc}") from exc
        return model

    @cached_property
    def contract(self) -> TableContract:
        return contract_from_model(self.schema_model)

    @property
    def columns(self) -> list[str]:
        return self.contract.column_names

    @property
    def source_text(self) -> str:
        """The YAML text this declaration was read from (part of the code version)."""
        return self._source_text


def load_declaration(path: Path) -> DatasetDeclaration:
    """Parse and validate one YAML declaration; errors name the file and the field."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DeclarationError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DeclarationError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
    try:
        declaration = DatasetDeclaration.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in err['loc']) or '<root>'}': {err['msg']}" for err in exc.errors()
        )
        raise DeclarationError(f"{path}: {problems}") from None
    declaration._source_text = path.read_text(encoding="utf-8")
    if declaration.name != path.stem:
        raise DeclarationError(f"{path}: field 'name': {declaration.name!r} must match the file name {path.stem!r}")
    return declaration


def load_declarations(directories: tuple[Path, ...] | list[Path]) -> list[DatasetDeclaration]:
    """All declarations in the given folders, sorted by name; duplicate names and references
    to undeclared datasets or columns are errors."""
    found: dict[str, tuple[Path, DatasetDeclaration]] = {}
    for directory in directories:
        for path in sorted(Path(directory).glob("*.yaml")):
            declaration = load_declaration(path)
            if declaration.name in found:
                raise DeclarationError(
                    f"{path}: field 'name': dataset {declaration.name!r} is already declared in {found[declaration.name][0]}"
                )
            found[declaration.name] = (path, declaration)
    for path, declaration in found.values():
        for column, ref in declaration.references.items():
            target = found.get(ref.dataset)
            if target is None or ref.column not in target[1].columns:
                raise DeclarationError(
                    f"{path}: field 'references.{column}': {ref.dataset}.{ref.column} is not a declared dataset column"
                )
    return [found[name][1] for name in sorted(found)]
