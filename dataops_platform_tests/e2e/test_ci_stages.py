"""The deploy and monitor stages run for real: deploy uploads through the real databricks-sdk
client to the recording workspace (no real workspace exists here) without printing a secret; monitor writes the report
and the catalog of a Dagster instance."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dataops_platform.cli.ci import deploy_to
from dataops_platform_tests.databricks.workspace import RecordingWorkspace, sign_in

TOKEN = "dapi-planted-token-for-the-deploy-test"


def test_deploy_uploads_the_wheel_and_entrypoint_and_prints_no_secret(tmp_path, monkeypatch, capsys):
    artifacts = tmp_path / "volume" / "artifacts"
    monkeypatch.setenv("DATAOPS_DATABRICKS_ARTIFACTS", str(artifacts))
    sign_in(monkeypatch, TOKEN)
    workspace = RecordingWorkspace(tmp_path / "workspace")
    client = workspace.client()
    assert deploy_to("prod", "main", force=False, dry_run=False, dist=tmp_path / "dist", workspace=client) == 0
    assert sorted(workspace.uploaded) == [
        f"{artifacts}/dataops_entrypoint.py",
        f"{artifacts}/dataops_platform-0.1.0-py3-none-any.whl",
    ]
    assert workspace.uploaded[f"{artifacts}/dataops_entrypoint.py"].startswith(b'"""The job entrypoint')
    out = capsys.readouterr()
    assert "deploy prod: uploaded" in out.out and TOKEN not in out.out + out.err
    assert {r.headers["Authorization"] for r in workspace.requests} == {f"Bearer {TOKEN}"}  # the token was read

    staging = RecordingWorkspace(tmp_path / "staging")
    dry = deploy_to(
        "staging", "feature/x", force=False, dry_run=True, dist=tmp_path / "dist", workspace=staging.client()
    )
    assert dry == 0 and staging.requests == [] and "would upload" in capsys.readouterr().out


def test_monitor_writes_the_report_and_the_catalog_of_an_instance(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    out = tmp_path / "monitor"
    env = {
        **__import__("os").environ,
        "DAGSTER_HOME": str(home),
        "DATAOPS_LAKE_ROOT": str(tmp_path / "lake"),
        "DATAOPS_INTAKE_ROOT": str(tmp_path / "intake"),
    }
    dataops = [str(Path(sys.executable).with_name("dataops"))]
    done = subprocess.run(
        [*dataops, "ci", "monitor", "--out", str(out)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    page = (out / "quality_report.html").read_text()
    assert "silver/transactions" in page and "gold/customer_360" in page
    catalog = json.loads((out / "catalog" / "catalog.json").read_text())
    assert "silver/transactions" in {a["key"] for a in catalog["assets"]}


def test_build_makes_the_wheel_and_checks_the_bundle(tmp_path):
    dataops = [str(Path(sys.executable).with_name("dataops"))]
    done = subprocess.run(
        [*dataops, "ci", "build", "--dist", str(tmp_path / "dist")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    wheel = tmp_path / "dist" / "dataops_platform-0.1.0-py3-none-any.whl"
    assert f"[ci] artifact: {wheel}" in done.stdout and wheel.is_file()
    assert "checking databricks.yml against the wheel's defaults" in done.stdout or "bundle validate" in done.stdout


def test_the_test_stage_runs_the_readme_test_command_with_pytest_arguments():
    dataops = [str(Path(sys.executable).with_name("dataops"))]
    selected = (
        "dataops_platform_tests/observability/test_alerts.py::test_settings_keep_the_webhook_out_of_repr_and_errors"
    )
    done = subprocess.run(
        [*dataops, "ci", "test", selected, "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**__import__("os").environ, "DATAOPS_TEST_WORKERS": "0"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "[test] dg check defs" in done.stdout and "1 passed" in done.stdout
