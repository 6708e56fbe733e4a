"""The asset graph is pinned: keys, groups, dependencies, owners, kinds, tags, checks,
automation conditions, sensors and jobs.

A change to the graph shows up as a diff of snapshots/asset_graph.json in review.
Regenerate it with: UPDATE_SNAPSHOTS=1 pytest dataops_platform_tests/defs/test_definitions.py
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform_tests.support.fresh_load import modules_after_loads

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


@pytest.fixture(scope="module")
def definitions(tmp_path_factory):
    root = tmp_path_factory.mktemp("defs")
    return build_definitions(Settings(intake_root=str(root / "intake"), lake_root=str(root / "lake")))


def described(condition) -> str | None:
    """An automation condition as a stable string: its tree of operators and labels, e.g.
    `AND[eager](in_latest_time_window, SINCE(...), ...)`, so a change anywhere in it shows."""
    if condition is None:
        return None
    label = f"[{condition.get_label()}]" if condition.get_label() else ""
    children = f"({', '.join(described(c) for c in condition.children)})" if condition.children else ""
    return f"{condition.name}{label}{children}"


def graph_snapshot(definitions) -> dict:
    graph = definitions.resolve_asset_graph()
    snapshot = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        snapshot[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "owners": list(node.owners),
            "kinds": sorted(node.kinds),
            "tags": {k: v for k, v in sorted(node.tags.items()) if not k.startswith("dagster/kind/")},
            "partitioned": node.partitions_def is not None,
            "has_description": bool(node.description),
            "has_code_version": node.code_version is not None,
            "checks": sorted(
                f"{c.name} ({'blocking' if graph.get_check_spec(c).blocking else 'warn'})" for c in node.check_keys
            ),
            "automation": described(node.automation_condition),
        }
    repository = definitions.get_repository_def()
    snapshot["__sensors__"] = sorted(f"{s.name} ({s.default_status.value})" for s in repository.sensor_defs)
    snapshot["__jobs__"] = sorted(j.name for j in repository.get_all_jobs() if not j.name.startswith("__"))
    return snapshot


def test_asset_graph_matches_snapshot(definitions):
    """Fails when the file is missing too; only UPDATE_SNAPSHOTS=1 (re)writes it."""
    current = graph_snapshot(definitions)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert SNAPSHOT.exists(), f"no snapshot at {SNAPSHOT}: run with UPDATE_SNAPSHOTS=1 and review the file"
    pinned = json.loads(SNAPSHOT.read_text())
    assert current == pinned
    silver = pinned["silver/customers"]
    assert silver["checks"] and silver["automation"], "the snapshot pins checks and automation conditions"


def test_the_snapshot_test_fails_without_its_file(tmp_path, monkeypatch, definitions):
    monkeypatch.delenv("UPDATE_SNAPSHOTS", raising=False)
    monkeypatch.setattr(sys.modules[__name__], "SNAPSHOT", tmp_path / "missing.json")
    with pytest.raises(AssertionError, match="no snapshot at"):
        test_asset_graph_matches_snapshot(definitions)
    assert not (tmp_path / "missing.json").exists()


def test_every_table_documents_its_columns_and_location(definitions):
    graph = definitions.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        layer = key.path[0]
        node = graph.get(key)
        assert node.description and node.owners, key
        if layer in ("silver", "quarantine", "gold"):
            metadata = node.metadata
            schema = metadata["dagster/column_schema"]
            assert schema.columns and all(c.description for c in schema.columns), key
            assert str(metadata["dagster/table_name"]) == f"{layer}.{key.path[1]}"
            assert "dagster/uri" in metadata
    lineage = graph.get(next(k for k in graph.get_all_asset_keys() if k.path == ["gold", "customer_360"])).metadata[
        "dagster/column_lineage"
    ]
    spend = lineage.deps_by_column["total_spend"]
    assert {(d.asset_key.to_user_string(), d.column_name) for d in spend} == {
        ("silver/transactions", "amount"),
        ("silver/transactions", "status"),
    }


def test_importing_the_code_location_starts_no_spark():
    code = (
        "import sys, dataops_platform.definitions as d; "
        "from pyspark.sql import SparkSession; "
        "assert SparkSession.getActiveSession() is None; "
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_building_leaves_the_garbage_collector_as_it_was(tmp_path):
    """The collector is paused during a build only: enabled again after it (even a failed one),
    and still disabled when the caller had disabled it."""
    settings = Settings(intake_root=str(tmp_path / "intake"), lake_root=str(tmp_path / "lake"))
    assert gc.isenabled()
    build_definitions(settings)
    assert gc.isenabled()
    with pytest.raises(Exception, match="pyproject.toml"):  # no dg project there
        build_definitions(replace(settings, extra_projects=(tmp_path,)))
    assert gc.isenabled()
    gc.disable()
    try:
        build_definitions(settings)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_code_location_load_imports_neither_pandas_nor_pandera(tmp_path):
    """Both cost a third of a second or more: the contracts are compiled (quality/compiled.py) and
    the storage modules import pyarrow.dataset (which imports pandas) only where they read."""
    assert modules_after_loads(tmp_path, ("pandas", "pandera"))[1] == []
