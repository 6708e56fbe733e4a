"""Turn quality CheckOutcomes into Dagster asset check specs and results."""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from dataops_platform.quality.checks import CHECK_DESCRIPTIONS, CheckOutcome
from dataops_platform.steps import runner as steps


def check_spec(asset_key: AssetKey, name: str, severity: str, threshold_note: str = "") -> AssetCheckSpec:
    """ERROR checks are blocking: downstream assets do not run on data that failed them."""
    description = CHECK_DESCRIPTIONS[name] + (f" {threshold_note}" if threshold_note else "")
    return AssetCheckSpec(
        name=name,
        asset=asset_key,
        description=f"[{severity}] {description}",
        blocking=severity == "ERROR",
    )


def _metadata_value(value):
    if isinstance(value, (dict, list, tuple)):
        return MetadataValue.json(value)
    return value


def check_result(asset_key: AssetKey, outcome: CheckOutcome) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.name,
        passed=outcome.passed,
        severity=AssetCheckSeverity(outcome.severity),
        description=outcome.summary,
        metadata={"summary": outcome.summary, **{k: _metadata_value(v) for k, v in outcome.metadata.items()}},
    )


def log_failures(log, asset_key: AssetKey, outcomes: list[CheckOutcome]) -> None:
    """A failed check says why in the run log too (ERROR checks block downstream assets)."""
    steps.log_failures(log, asset_key.to_user_string(), outcomes)
