"""`dataops profile --suggest`: threshold changes from check evaluations recorded in a real Dagster
instance, through real runs, with figures the quality check functions compute from known counts."""

from __future__ import annotations

import dagster as dg

from dataops_platform.cli import main
from dataops_platform.declarations import load_declaration
from dataops_platform.orchestration.check_results import check_result
from dataops_platform.orchestration.keys import silver_key
from dataops_platform.quality import checks
from dataops_platform.quality.policy import QualitySpec
from dataops_platform_tests.defs.project import new_project
from dataops_platform_tests.profiling import feeds
from dataops_platform_tests.profiling.feeds import evidence

NAME = "pos_orders"
OWN_POLICY = "  quality:\n    timeliness: {max_lag_hours: 30}\n    validity:\n      severity: ERROR\n      max_failure_fraction: 0.05\n"


def outcomes(rows_read: int) -> list[checks.CheckOutcome]:
    """One silver run's check outcomes from known counts, with the platform's default policy."""
    spec = QualitySpec()
    isin = "`category` satisfies isin(allowed_values=['books', 'games'])"
    return [
        checks.completeness({"order_id": 0, "amount": 300}, 1000, spec.completeness),  # 30% null: fails
        checks.validity(
            {"category_isin": 6},
            {"category_isin": isin},
            1000,
            6,
            {"category_isin": [{"order_id": "G1", "category": "misc"}]},
            spec.validity,
        ),  # 0.6% of rows fail one rule: passes, far from 5%
        checks.uniqueness(1000, 60, 0, 0, 1000, 1000, spec.uniqueness),  # 6% conflicts: fails, just over 5%
        checks.volume_anomaly(
            {"rows_read": rows_read, "duration_seconds": 3.0, "rows_quarantined": 6}, [], spec.volume
        ),
    ]


def record_runs(instance: dg.DagsterInstance, rows_read: list[int]) -> None:
    """One run per figure, each recording the silver table's check evaluations."""
    key = silver_key(NAME)
    names = [o.name for o in outcomes(0)]

    for rows in rows_read:

        @dg.asset(key=key, check_specs=[dg.AssetCheckSpec(n, asset=key) for n in names])
        def stand_in():
            return dg.MaterializeResult(check_results=[check_result(key, o) for o in outcomes(rows)])

        assert dg.materialize([stand_in], instance=instance).success


def test_suggestions_from_the_check_history_are_a_diff_applied_only_on_request(tmp_path, monkeypatch, capsys):
    root, package = new_project(tmp_path, monkeypatch)
    feed = feeds.gift_orders(tmp_path / "samples", per_file=20, files=1)
    assert main(["profile", *map(str, feed.files), "--dataset", NAME, "--out", str(root / package / "defs")]) == 0
    defs_yaml = root / package / "defs" / NAME / "defs.yaml"
    defs_yaml.write_text(defs_yaml.read_text() + OWN_POLICY)
    for name, value in {
        "DAGSTER_HOME": tmp_path / "dagster_home",
        "DATAOPS_EXTRA_PROJECTS": root,
        "DATAOPS_INTAKE_ROOT": tmp_path / "intake",
        "DATAOPS_LAKE_ROOT": tmp_path / "lake",
    }.items():
        monkeypatch.setenv(name, str(value))
    (tmp_path / "dagster_home").mkdir()
    before = defs_yaml.read_text()
    capsys.readouterr()

    with dg.DagsterInstance.get() as instance:
        record_runs(instance, [1000, 1004, 996])
    assert main(["profile", "--suggest", NAME]) == 0
    said = capsys.readouterr().out
    assert f"silver/{NAME}: 3 run(s) of check history, fewer than the 5 needed to suggest thresholds" in said

    with dg.DagsterInstance.get() as instance:
        record_runs(instance, [1010, 990])
    assert main(["profile", "--suggest", NAME]) == 0
    said = capsys.readouterr().out
    assert defs_yaml.read_text() == before  # nothing written without --apply
    assert "nothing written: review the diff" in said
    diff = said[: said.index("nothing written")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed == OWN_POLICY.splitlines()[2:]  # the validity entry, rewritten on one line
    # the changes: 0.6% invalid rows against 5% -> 3 x 0.006 = 0.018 -> 0.02; 6% conflicts, just over 5% in
    # every run -> 1.25 x 0.06 = 0.075 -> 0.1; rows read 990..1010 (median 1000, MAD 4: +-17.8 rows, under
    # the 5% floor) -> the noise floor 0.05 instead of 0.25
    settings = [line.strip() for line in added if not line.strip().startswith("#")]
    assert settings == [
        "validity: {severity: ERROR, max_failure_fraction: 0.02}",
        "uniqueness: {max_conflict_fraction: 0.1}",
        "volume: {min_relative_change: 0.05}",
    ]
    notes = evidence("\n".join(added))
    assert (
        "suggest: completeness fails in all 5 runs at 0.3 to 0.3, more than 2x its tolerance 0.1: fix the feed" in notes
    )
    assert "suggest: validity tolerance 0.05 never approached: worst 0.006 over 5 runs (median 0.006)" in notes
    assert (
        "rule category_isin fails in all 5 runs (0.006 to 0.006 of rows; e.g. misc): if these values are valid, widen the rule in schema.py (e.g. add misc)"
        in notes
    )
    assert "suggest: uniqueness fails in all 5 runs at 0.06 to 0.06 (tolerated 0.05)" in notes
    assert "median 1000, MAD 4 -> band 950 to 1050" in notes
    assert "timeliness: {max_lag_hours: 30}" not in "\n".join(added)  # untouched

    assert main(["profile", "--suggest", NAME, "--apply"]) == 0
    assert f"applied to {defs_yaml}" in capsys.readouterr().out
    quality = load_declaration(defs_yaml).quality
    assert quality.validity.max_failure_fraction == 0.02 and quality.validity.severity == "ERROR"
    assert quality.uniqueness.max_conflict_fraction == 0.1
    assert quality.volume.min_relative_change == 0.05
    assert quality.completeness.max_null_fraction == 0.1 and quality.timeliness.max_lag_hours == 30


def test_an_unknown_dataset_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert main(["profile", "--suggest", "no_such_dataset"]) == 2
    assert "no dataset 'no_such_dataset' in the loaded declarations" in capsys.readouterr().err
