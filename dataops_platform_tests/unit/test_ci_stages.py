"""The CI stages' own rules: the bundle matches the wheel's defaults, production deploys only
from main, and the branch comes from CI's variables before git's."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from dataops_platform.cli.ci import bundle_problems, current_branch, deploy_to
from dataops_platform.settings import DatabricksSettings

REPO = Path(__file__).resolve().parents[2]
BUNDLE = yaml.safe_load((REPO / "databricks.yml").read_text())


def test_the_bundle_holds_the_schema_volumes_and_targets_the_settings_point_at():
    assert bundle_problems(BUNDLE, DatabricksSettings()) == []


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda b: b["resources"]["volumes"].pop("pipes"), "no volume 'pipes'"),
        (lambda b: b["variables"]["schema"].update(default="other"), "is not /Volumes/main/other/artifacts"),
        (lambda b: b["targets"].pop("staging"), "lack ['staging']"),
        (lambda b: b["bundle"].pop("name"), "no bundle.name"),
    ],
)
def test_a_bundle_that_drifted_from_the_settings_is_named(edit, problem):
    bundle = copy.deepcopy(BUNDLE)
    edit(bundle)
    assert any(problem in p for p in bundle_problems(bundle, DatabricksSettings())), bundle_problems(
        bundle, DatabricksSettings()
    )


def test_production_is_refused_outside_main_before_anything_is_built(tmp_path, capsys):
    assert deploy_to("prod", "feature/x", force=False, dry_run=True, dist=tmp_path / "dist") == 2
    assert "refusing to deploy to prod from branch feature/x" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()


def test_the_branch_comes_from_ci_variables_first(monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_REF_NAME", "release")
    assert current_branch(tmp_path) == "release"
    monkeypatch.delenv("GITHUB_REF_NAME")
    monkeypatch.setenv("CI_COMMIT_BRANCH", "main")
    assert current_branch(tmp_path) == "main"
    monkeypatch.delenv("CI_COMMIT_BRANCH")
    assert current_branch(tmp_path) == ""  # not a git checkout, no CI variable: unknown, so prod is refused
