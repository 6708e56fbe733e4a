"""The data-quality report: figures from the instance, the HTML page, the asset, the command,
and a screenshot rendered by headless Chromium (support/browser.py; scripts/test.sh installs it)."""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import struct
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from dataops_platform.cli.quality import quality_report
from dataops_platform.observability.report import charts
from dataops_platform.observability.report.figures import build_report
from dataops_platform.observability.report.html import render
from dataops_platform.orchestration.keys import REPORT_KEY
from dataops_platform.orchestration.report import quality_report_asset
from dataops_platform.quality.checks import volume_anomaly
from dataops_platform_tests.support.browser import chromium_command, needs_chromium, screenshots
from dataops_platform_tests.support.quality_helpers import declaration
from dataops_platform_tests.support.report_support import (  # noqa: F401 - `observed` is a fixture
    DEFECT_BAD,
    DEFECT_ROWS,
    NORMAL_ROWS,
    observed,
    point_env_at,
)

ROWS_READ = NORMAL_ROWS  # the defect day's batch failed a blocking check: held, never published
TABLE_ROWS = sum(NORMAL_ROWS)


# --- fast: the chart primitives --------------------------------------------------------------


def test_ticks_are_round_and_cover_the_range():
    assert charts.ticks(0, 640) == [0, 200, 400, 600, 800]
    assert charts.ticks(137.2, 167.9) == [130, 140, 150, 160, 170]


def test_line_chart_draws_every_point_the_band_and_flags_the_last():
    svg = charts.line_chart([("a", 100), ("b", 110), ("c", 400)], band=(90, 120), alarm=True)
    assert svg.count("<circle") == 3 and "c: 400</title>" in svg
    assert f'fill="{charts.COLORS["FAIL"]}"' in svg and "anomaly band 90 to 120" in svg
    assert "<script" not in svg


def test_status_grid_has_one_cell_per_check_and_run():
    svg = charts.status_grid(
        ["validity", "accuracy"],
        [("r1", "11-10", "u/r1"), ("r2", "11-11", "u/r2")],
        {("validity", "r2"): "FAIL", ("validity", "r1"): "PASS"},
    )
    assert svg.count("<rect") == 4 and svg.count('<a href="u/r') == 4
    assert "validity - 11-11 - FAIL" in svg and "accuracy - 11-10 - not evaluated" in svg


# --- on a real instance -----------------------------------------------------------------------

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def report(observed):  # noqa: F811
    return build_report(observed.defs.resolve_asset_graph(), observed.instance, observed.settings.alerts.ui_url)


def _transactions(report):
    return next(t for t in report.tables if t.key == "silver/transactions")


@slow
def test_report_holds_the_figures_of_the_instance(report, observed):  # noqa: F811
    assert [t.key for t in report.tables][:4] == [
        "silver/customers",
        "silver/support_tickets",
        "silver/transactions",
        "silver/web_events",
    ]
    t = _transactions(report)
    assert t.row_count == TABLE_ROWS
    assert [v for _, v in t.volume.points] == ROWS_READ and t.volume.metric == "rows_read"
    assert [label for label, _ in t.volume.points] == [d.isoformat()[5:] for d in observed.days[:-1]]
    history = [{"rows_read": n} for n in reversed(NORMAL_ROWS)]  # newest first, as the check reads it
    expected = volume_anomaly({"rows_read": DEFECT_ROWS}, history, declaration("transactions").quality.volume)
    volume_check = next(c for c in t.checks if c.name == "volume_anomaly").latest
    assert not expected.passed and volume_check.status == "WARN"  # the held run's spike is in its check
    assert t.volume_anomaly and not t.volume.anomalous  # flagged, though the chart shows published runs
    assert [q.rows for q in t.quarantine] == [0] * len(NORMAL_ROWS) + [DEFECT_BAD]
    assert t.quarantine_rows == DEFECT_ROWS  # 90 failing rows + 510 held back with their batch
    assert {c.name: c.latest.status for c in t.checks if c.latest} == {
        "accuracy": "PASS",
        "completeness": "PASS",
        "consistency": "PASS",
        "schema_drift": "PASS",
        "uniqueness": "PASS",
        "validity": "FAIL",
        "volume_anomaly": "WARN",
    }
    validity = [t.trend.get(("validity", run_id)) for run_id, _ in t.trend_runs]
    assert validity[-len(NORMAL_ROWS) - 1 :] == ["PASS"] * len(NORMAL_ROWS) + ["FAIL"]
    assert t.freshness.status == "OK" and (t.freshness.fail_hours, t.freshness.warn_hours) == (26, 20)
    never = next(x for x in report.tables if x.key == "gold/customer_360")
    assert never.freshness.status == "NEVER" and never.row_count is None


@slow
def test_html_page_shows_those_figures_and_loads_nothing(report, observed):  # noqa: F811
    page = render(report)
    assert f"{TABLE_ROWS:,}" in page and f"{DEFECT_BAD} of {DEFECT_ROWS} row(s) failed 1 rule(s)" in page
    assert f"{observed.days[-1].isoformat()[5:]}: {DEFECT_BAD:,} rows" in page
    assert f'href="http://127.0.0.1:3000/runs/{observed.defect_run.run_id}"' in page
    assert "2 failed evaluation(s) in the last 6 run(s)" in page and "not materialized yet" in page
    assert "<script" not in page and not re.search(r'(src|href)="(?!#|http://127\.0\.0\.1:3000/)', page)
    assert page.count("<svg") >= 4


@slow
def test_report_asset_summarizes_in_the_ui(observed, tmp_path):  # noqa: F811
    settings = dataclasses.replace(observed.settings, lake_root=str(tmp_path / "lake"))
    result = dg.materialize(
        [quality_report_asset(settings, observed.defs.resolve_asset_graph)], instance=observed.instance
    )
    [event] = result.get_asset_materialization_events()
    assert event.asset_key == REPORT_KEY
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    # 4 silver tables and 3 gold products
    assert metadata["failing_checks"] == 2 and metadata["volume_anomalies"] == 1 and metadata["tables"] == 7
    assert (
        "| silver/transactions | 760 | OK | validity (FAIL), volume_anomaly (WARN) | anomaly | 90 |"
        in metadata["summary"]
    )
    assert Path(metadata["path"]) == tmp_path / "reports" / "quality_report.html"
    assert f"{TABLE_ROWS:,}" in Path(metadata["path"]).read_text()


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@slow
@needs_chromium
def test_dataops_quality_report_renders_in_headless_chromium(observed, tmp_path, monkeypatch, capsys):  # noqa: F811
    point_env_at(observed, monkeypatch)
    page = tmp_path / "report.html"
    assert quality_report(argparse.Namespace(out=str(page))) == 0
    assert "2 failing check(s)" in capsys.readouterr().out
    png = screenshots() / "quality_report.png"
    png.unlink(missing_ok=True)
    command = chromium_command(tmp_path / "profile", f"--screenshot={png}", "--window-size=1280,2000", page.as_uri())
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert _png_size(png) == (1280, 2000) and png.stat().st_size > 50_000
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
