"""A feed profiled by `dataops profile` runs through bronze, silver and its checks with no edit,
in a separate dg project; the runs' check history then drives `dataops profile --suggest`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal

import dagster as dg
import pytest
from deltalake import DeltaTable

from dataops_platform.cli import main
from dataops_platform.declarations import load_declaration
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform.steps.silver_checks import INLINE_CHECKS
from dataops_platform_tests.defs.project import new_project
from dataops_platform_tests.profiling import feeds
from dataops_platform_tests.profiling.feeds import evidence

NAME = "gift_orders"


def land(feed: feeds.Feed, folder) -> list[dt.date]:
    """Each sample file into the intake, modified at noon (UTC) of its own day; the days."""
    folder.mkdir(parents=True)
    days = []
    for index, sample in enumerate(feed.files):
        day = feeds.DAY + dt.timedelta(days=index)
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc).timestamp()
        os.utime(shutil.copy(sample, folder / sample.name), (noon, noon))
        days.append(day)
    return days


@pytest.mark.slow
def test_a_profiled_feed_runs_end_to_end_unedited_and_its_history_suggests_thresholds(
    tmp_path, monkeypatch, capsys, spark
):
    feed = feeds.gift_orders(tmp_path / "samples")  # 3 files of 150 orders, one order re-sent in the last
    root, package = new_project(tmp_path, monkeypatch)
    defs_dir = root / package / "defs"
    flags = ["--dataset", NAME, "--out", str(defs_dir), "--source", "shop", "--domain", "retail"]
    assert main(["profile", *map(str, feed.files), *flags]) == 0
    defs_yaml = defs_dir / NAME / "defs.yaml"
    declaration = load_declaration(defs_yaml)
    assert declaration.primary_key == ["order_id"] and declaration.pii_columns == ["email"]

    intake, lake, home = tmp_path / "intake", tmp_path / "lake", tmp_path / "dagster_home"
    days = land(feed, intake / "shop" / NAME)
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    defs = build_definitions(Settings(intake_root=str(intake), lake_root=str(lake), extra_projects=(root,)))
    selection = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and NAME in str(a.keys)]
    with dg.DagsterInstance.get() as instance:
        for day in days:
            result = dg.materialize(
                selection, partition_key=day.isoformat(), resources=defs.resources, instance=instance
            )
            assert result.success
            evaluations = result.get_asset_check_evaluations()
            assert {e.check_name for e in evaluations} == set(INLINE_CHECKS)
            assert [e.check_name for e in evaluations if not e.passed] == [], day

    silver = DeltaTable(str(lake / "silver" / NAME)).to_pyarrow_table().to_pylist()
    assert len(silver) == len(feed.rows) == 450  # the re-sent order is kept once
    assert {r["order_id"] for r in silver} == {r["order_id"] for r in feed.rows}
    assert sum(r["amount"] for r in silver) == sum(Decimal(r["amount"]) for r in feed.rows)
    assert {r["category"] for r in silver} == set(feeds.CATEGORIES)  # lowercased by the proposed cleansing
    assert sum(r["quantity"] is None for r in silver) == sum(r["quantity"] == "" for r in feed.rows)
    assert DeltaTable(str(lake / "quarantine" / NAME)).to_pyarrow_table().num_rows == 0

    for name, value in {
        "DATAOPS_EXTRA_PROJECTS": root,
        "DATAOPS_INTAKE_ROOT": intake,
        "DATAOPS_LAKE_ROOT": lake,
    }.items():
        monkeypatch.setenv(name, str(value))
    before = defs_yaml.read_text()
    capsys.readouterr()
    assert main(["profile", "--suggest", NAME]) == 0
    assert "3 run(s) of check history, fewer than the 5 needed" in capsys.readouterr().out
    assert main(["profile", "--suggest", NAME, "--min-runs", "3"]) == 0
    said = capsys.readouterr().out
    assert defs_yaml.read_text() == before
    added = [line[1:] for line in said.splitlines() if line.startswith("+") and not line.startswith("+++")]
    # nothing failed in 3 runs of 150 rows: each tolerance tightens to 2 rows of a typical batch, rounded up
    # (2/150 -> 0.02; completeness counts the table: 150, 300, 450 rows, 2/300 -> 0.01); rows read 150, 150,
    # 151 give a band of +-5% of the median
    assert [line.strip() for line in added if not line.strip().startswith("#")] == [
        "quality:",
        "completeness: {max_null_fraction: 0.01}",
        "validity: {max_failure_fraction: 0.02}",
        "uniqueness: {max_conflict_fraction: 0.02}",
        "volume: {min_relative_change: 0.05}",
    ]
    notes = evidence("\n".join(added))
    assert "suggest: validity tolerance 0.05 never approached: worst 0 over 3 runs" in notes
    assert "rows read per ingestion date over 3 runs: median 150, MAD 0" in notes
    assert main(["profile", "--suggest", NAME, "--min-runs", "3", "--apply"]) == 0
    assert load_declaration(defs_yaml).quality.validity.max_failure_fraction == 0.02
