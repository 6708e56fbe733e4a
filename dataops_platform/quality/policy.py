"""Quality policy: per-dimension severities and tolerated failure fractions (pure pydantic).

A dataset's `quality:` block in its defs.yaml is a `QualitySpec`; every field has a default,
the platform's policy (see README, "Quality gates").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    """The table's key is always unique (a duplicate key fails at this severity); within a batch,
    exact re-sends and older versions are normal, and only conflicts count: rows with the same key
    and event time as the row kept but other content."""

    max_conflict_fraction: float = Field(
        0.05, ge=0, le=1, description="Tolerated fraction of a batch's rows that conflict with the row kept."
    )


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
