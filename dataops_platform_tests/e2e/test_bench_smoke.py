"""Smoke run of every benchmark scenario (bench/) at a tiny scale.

Checks the shape of the result files and the facts the benchmark relies on (both end-to-end
paths write the expected silver rows, no Spark at code-location load), never timings.
"""

from __future__ import annotations

import json

import pytest

from bench.report import README_END, README_START
from bench.run import SCENARIOS, main
from dataops_platform_tests.support.run_command_lock import run_command_lock

pytestmark = pytest.mark.slow

TINY = [
    "--scales",
    "1000",
    "--runs",
    "1",
    "--days",
    "2",
    "--no-warmup",
    "--incremental-days",
    "2",
    "--incremental-rows-per-day",
    "300",
    "--detection-objects",
    "30,80",
    "--detection-new",
    "5",
    "--declarations",
    "3",
    "--latency-drops",
    "1",
    "--latency-rows",
    "50",
    "--latency-demo-rows",
    "200",
    "--latency-timeout",
    "1200",  # a shape test: on a busy machine the tiny demo's first gold has taken over 15 minutes
]
ROW_KEYS = {"scenario", "scale", "platform", "baseline", "unit", "ratio", "target", "met", "notes"}
MACHINE_KEYS = {
    "cpu_model",
    "cpu_count",
    "memory_gib",
    "python",
    "java",
    "versions",
    "git_commit",
    "load_average_at_start",
    "load_average_at_end",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("bench")
    out, readme = root / "results" / "smoke.json", root / "README.md"
    readme.write_text(f"# Project\n\n{README_START}\nold table\n{README_END}\n\n## Next\n", encoding="utf-8")
    arguments = [*TINY, "--scenario", ",".join(SCENARIOS), "--work-dir", str(root / "work"), "--out", str(out)]
    with run_command_lock(tmp_path_factory):  # the latency scenario starts scripts/run.sh
        code = main([*arguments, "--readme", str(readme)])
    return code, json.loads(out.read_text()), out.with_suffix(".md").read_text(), readme.read_text()


def test_every_scenario_ran_and_wrote_rows(results):
    code, document, *_ = results
    assert code == 0
    assert set(document["scenarios"]) == set(SCENARIOS)
    for name, scenario in document["scenarios"].items():
        assert "error" not in scenario["details"], name
        assert scenario["rows"], name
        for row in scenario["rows"]:
            assert set(row) == ROW_KEYS
            assert row["unit"] in {"s", "req", "GiB"}
            assert row["met"] in (True, False, None)


def test_machine_description(results):
    machine = results[1]["machine"]
    assert MACHINE_KEYS <= set(machine)
    assert machine["versions"]["pyspark"] and machine["cpu_count"] >= 1


def test_markdown_table_has_a_line_per_row(results):
    _, document, table, _ = results
    rows = [row for scenario in document["scenarios"].values() for row in scenario["rows"]]
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| scenario | scale | platform | baseline | ratio | target | met?")
    assert len(lines) == len(rows) + 2  # a header line, a separator line, a line per row
    assert document["table_markdown"] == table


def test_both_end_to_end_paths_write_the_expected_silver_rows(results):
    details = results[1]["scenarios"]["end_to_end"]["details"]["1000"]
    assert details["silver_rows"]["match"], details["silver_rows"]
    assert {"silver_transactions", "gold__customer_360"} <= set(details["platform_step_seconds"])


def test_scenario_details(results):
    scenarios = results[1]["scenarios"]
    assert scenarios["quality_gate"]["details"]["1000"]["project_figures"]["_rows"] > 0
    assert len(scenarios["incremental"]["details"]["seconds_per_partition"]) == 2
    assert {"30", "80"} <= set(scenarios["detection"]["details"])
    assert len(scenarios["detection"]["rows"]) == 4
    load = scenarios["load_time"]["details"]
    assert not any(
        facts["spark_session_started"] or facts["jvm_started"]
        for key, facts in load.items()
        if key.endswith("_datasets")
    )
    assert scenarios["memory"]["details"]["platform"]["completed"]
    memory, seconds = scenarios["memory"]["rows"]
    assert memory["unit"] == "GiB" and memory["ratio"] > 0 and seconds["unit"] == "s" and seconds["ratio"] > 0


def test_the_table_replaces_the_readme_block_and_nothing_else(results):
    _, _, table, readme = results
    assert readme == f"# Project\n\n{README_START}\n\n{table.strip()}\n\n{README_END}\n\n## Next\n"


def test_latency_went_through_the_daemon_and_the_webserver(results):
    """scripts/run.sh served the demo, the dropped file reached silver and gold by itself, and
    the webserver shows the same commits as the event log."""
    details = results[1]["scenarios"]["latency"]["details"]
    assert details["first_gold"]["seconds"] is not None and details["first_gold"]["missing"] == []
    (drop,) = details["drops"]
    assert drop["silver_seconds"] is not None and drop["gold_seconds"] >= drop["silver_seconds"] > 0
    assert drop["ui_matches_instance"], drop["ui_timestamps"]
    assert "detection" in drop["stages"] and any(k.endswith("silver_transactions") for k in drop["stages"])
    (run,) = [r for r in drop["runs"] if "bronze/transactions" in r["assets"]]
    assert {"silver/transactions", "gold/daily_revenue"} <= set(run["assets"]) and run["status"] == "SUCCESS"
