"""The data-quality report as an asset: the HTML page of `dataops quality report`, with a
summary table in the UI. It reads the instance, not the lake, so it has no data dependencies."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from dataops_platform.observability.report.figures import QualityReport
from dataops_platform.observability.report.html import write_report
from dataops_platform.orchestration.keys import REPORT_KEY
from dataops_platform.orchestration.retries import transient_retries
from dataops_platform.settings import Settings

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph


def summary_markdown(report: QualityReport) -> str:
    """One row per table: rows, freshness, failing checks, volume, last quarantine."""
    lines = [
        "| Table | Rows | Freshness | Failing checks | Volume | Quarantined (last run) |",
        "|---|---:|---|---|---|---:|",
    ]
    for t in report.tables:
        failing = ", ".join(f"{c.name} ({c.latest.status})" for c in t.failing) or "none"
        rows = f"{t.row_count:,.0f}" if t.row_count is not None else "–"
        quarantined = f"{t.quarantine[-1].rows:,.0f}" if t.quarantine else "–"
        volume = "anomaly" if t.volume_anomaly else ("normal" if t.volume.band else "–")
        lines.append(f"| {t.key} | {rows} | {t.freshness.status} | {failing} | {volume} | {quarantined} |")
    return "\n".join(lines)


def quality_report_asset(settings: Settings, asset_graph: Callable[[], "AssetGraph"]) -> AssetsDefinition:
    """Materializing it rewrites the report from what the instance holds now, for the tables of
    `asset_graph()` (the code location's own graph, built once)."""
    path = settings.report_path

    @asset(
        key=REPORT_KEY,
        group_name="observability",
        description="Data-quality report (HTML): latest checks, failure trends, rows per run with the anomaly band, "
        "freshness and quarantine volumes of every silver and gold table.",
        owners=["team:data-platform"],
        kinds={"html"},
        tags={"layer": "observability"},
        metadata={"dagster/uri": MetadataValue.path(str(path))},
        retry_policy=transient_retries(),
    )
    def _quality_report(context: AssetExecutionContext) -> MaterializeResult:
        report = write_report(path, asset_graph(), context.instance, settings.alerts.ui_url)
        failing = sum(len(t.failing) for t in report.tables)
        context.log.info(f"quality report written to {path}: {failing} failing check(s)")
        return MaterializeResult(
            metadata={
                "summary": MetadataValue.md(summary_markdown(report)),
                "path": MetadataValue.path(str(path)),
                "tables": len(report.tables),
                "failing_checks": failing,
                "stale_tables": sum(t.freshness.status in ("FAIL", "NEVER") for t in report.tables),
                "volume_anomalies": sum(t.volume_anomaly for t in report.tables),
            }
        )

    return _quality_report
