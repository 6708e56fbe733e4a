"""The personal-analytics domain, by declaration only: DATAOPS_DOMAINS turns it on and it adds
exactly its assets; its demo data goes through bronze, silver and the domain's SQL gold products
on a real Dagster instance and a real SparkSession, checked against the generator's manifest and
against figures computed here from the generated files."""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pandas as pd
import pytest
from deltalake import DeltaTable

from dataops_platform import demo_data
from dataops_platform.cli import main
from dataops_platform.declarations import DeclarationError
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform_tests.defs.project import dg as run_dg
from dataops_platform_tests.defs.project import new_project
from dataops_platform_tests.defs.test_components import error_text
from dataops_platform_tests.defs.test_definitions import SNAPSHOT, graph_snapshot
from dataops_platform_tests.e2e.test_end_to_end import assert_rows_accounted, materializations, summed, table
from dataops_platform_tests.support.intake_helpers import launch, tick
from dataops_platform_tests.support.personal_rows import recount

DOMAIN = "personal_analytics"
DATASETS = ("sensor_readings", "fitness_activities", "bank_transactions")
LAYERS = ("intake", "bronze", "silver", "quarantine", "maintenance/silver")
DATASET_ASSETS = {f"{layer}/{name}" for layer in LAYERS for name in DATASETS}
SENSORS = {f"intake_{name} (RUNNING)" for name in DATASETS}


def settings(root: Path, domains: tuple[str, ...] | None = None, **more) -> Settings:
    return Settings(intake_root=str(root / "intake"), lake_root=str(root / "lake"), domains=domains, **more)


def keys(definitions: dg.Definitions) -> set[str]:
    return {key.to_user_string() for key in definitions.resolve_asset_graph().get_all_asset_keys()}


# ---------------------------------------------------------------- enabling the domain


def test_default_settings_build_the_pinned_graph_without_the_domain(tmp_path):
    assert graph_snapshot(build_definitions(settings(tmp_path))) == json.loads(SNAPSHOT.read_text())
    listed = graph_snapshot(build_definitions(settings(tmp_path, ("customer360",))))
    assert listed == json.loads(SNAPSHOT.read_text())


def test_enabling_the_domain_adds_exactly_its_assets_and_sensors(tmp_path):
    pinned = json.loads(SNAPSHOT.read_text())
    both = graph_snapshot(build_definitions(settings(tmp_path, ("customer360", DOMAIN))))
    added = set(both) - set(pinned)
    products = {key for key in added if key.startswith(("gold/", "maintenance/gold/"))}
    assert added - products == DATASET_ASSETS
    assert {key.split("/")[-1] for key in products if key.startswith("gold/")} == set(personal_products())
    assert set(both["__sensors__"]) - set(pinned["__sensors__"]) == SENSORS
    assert {key: both[key] for key in pinned if key != "__sensors__"} == {
        key: value for key, value in pinned.items() if key != "__sensors__"
    }
    for key in added - {key for key in added if key.startswith("maintenance/")}:
        assert both[key]["tags"]["domain"] == DOMAIN, key
    assert both["silver/sensor_readings"]["checks"] == pinned["silver/customers"]["checks"]  # the same gates
    every = graph_snapshot(build_definitions(settings(tmp_path, ("*",))))
    assert every == both


def test_the_gold_products_read_their_silver_tables_with_column_lineage(tmp_path):
    graph = build_definitions(settings(tmp_path, (DOMAIN,))).resolve_asset_graph()
    for product, dataset in (("room_energy_daily", "sensor_readings"), ("monthly_spending", "bank_transactions")):
        node = graph.get(dg.AssetKey(["gold", product]))
        assert {key.to_user_string() for key in node.parent_keys} == {f"silver/{dataset}"}
        lineage = node.metadata["dagster/column_lineage"].deps_by_column
        assert {dep.asset_key.to_user_string() for deps in lineage.values() for dep in deps} == {f"silver/{dataset}"}
        assert node.metadata["primary_key"].startswith("as_of_date, ")


def test_the_domain_alone_builds_no_customer_360_table(tmp_path):
    alone = keys(build_definitions(settings(tmp_path, (DOMAIN,))))
    pinned = {key for key in json.loads(SNAPSHOT.read_text()) if not key.startswith("__")}
    platform = {"observability/quality_report"}
    assert alone - DATASET_ASSETS - platform == {key for key in alone if key.startswith(("gold/", "maintenance/gold/"))}
    assert alone & pinned == platform


def test_domains_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATAOPS_INTAKE_ROOT", str(tmp_path / "intake"))
    monkeypatch.delenv("DATAOPS_DOMAINS", raising=False)
    assert Settings.from_env().domains is None
    monkeypatch.setenv("DATAOPS_DOMAINS", " customer360 , personal_analytics ")
    assert Settings.from_env().domains == ("customer360", DOMAIN)
    for bad in ("Customer-360", ",", "personal_analytics,../x"):
        monkeypatch.setenv("DATAOPS_DOMAINS", bad)
        with pytest.raises(ValueError, match="DATAOPS_DOMAINS must list domain names"):
            Settings.from_env()


DATASET_YAML = """\
type: dataops_platform.components.Dataset
attributes:
  name: {name}
  description: Loyalty points.
  domain: {domain}
  source: rewards
  owners: ["team:rewards"]
  intake: {{prefix: rewards/{name}/, pattern: "*.csv"}}
  format: csv
  primary_key: [transaction_id]
  event_time: transaction_ts
  partitioning: {{table_by_month_of: transaction_ts}}
  schema: dataops_platform.defs.transactions.schema:Transactions
"""


def _declare(root: Path, package: str, folder: str, name: str, domain: str) -> Path:
    path = root / package / "defs" / folder / name / "defs.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(DATASET_YAML.format(name=name, domain=domain))
    return path


def test_a_domain_folder_holds_its_own_domain_only(tmp_path, monkeypatch):
    root, package = new_project(tmp_path, monkeypatch)
    path = _declare(root, package, "rewards", "points", "customer360")
    with pytest.raises(Exception) as info:
        build_definitions(settings(tmp_path, extra_projects=(root,)))
    assert f"{path}: field 'domain': 'customer360' must be the name of its domain folder" in error_text(info)


def test_an_adopting_project_can_have_optional_domains_too(tmp_path, monkeypatch):
    root, package = new_project(tmp_path, monkeypatch)
    _declare(root, package, "", "ledger", "finance")
    _declare(root, package, "rewards", "points", "rewards")
    default = keys(build_definitions(settings(tmp_path, extra_projects=(root,))))
    assert "silver/ledger" in default and "silver/points" not in default  # outside a domain folder: on by default
    listed = keys(build_definitions(settings(tmp_path, ("rewards",), extra_projects=(root,))))
    assert "silver/points" in listed and "silver/ledger" not in listed and "silver/customers" not in listed


def test_a_reference_to_a_dataset_of_a_disabled_domain_fails_loading(tmp_path, monkeypatch):
    root, package = new_project(tmp_path, monkeypatch)
    path = _declare(root, package, "rewards", "points", "rewards")
    path.write_text(path.read_text() + "  references:\n    customer_id: {dataset: customers, column: customer_id}\n")
    assert "silver/points" in keys(build_definitions(settings(tmp_path, ("*",), extra_projects=(root,))))
    with pytest.raises(DeclarationError) as info:
        build_definitions(settings(tmp_path, ("rewards",), extra_projects=(root,)))
    assert str(info.value) == (
        f"{path}: field 'references.customer_id': it reads ['customers'] of domain(s) ['customer360'], "
        "which DATAOPS_DOMAINS does not enable"
    )


@pytest.mark.slow
def test_dg_checks_and_lists_the_nested_domain_when_enabled(monkeypatch):
    repo = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("DATAOPS_DOMAINS", f"customer360,{DOMAIN}")
    checked = run_dg(repo, "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    listed = run_dg(repo, "list", "defs", "--json")
    assert listed.returncode == 0, listed.stderr
    for key in ("silver/sensor_readings", "quarantine/bank_transactions", "silver/customers"):
        assert f'"{key}"' in listed.stdout, key
    monkeypatch.delenv("DATAOPS_DOMAINS")
    assert '"silver/sensor_readings"' not in run_dg(repo, "list", "defs", "--json").stdout


def personal_products() -> list[str]:
    """The domain's gold products: the folders of defs/personal_analytics/ that are not datasets."""
    from dataops_platform.declarations import DEFS_DIR

    folder = DEFS_DIR / DOMAIN
    return sorted(p.parent.name for p in folder.glob("*/defs.yaml") if p.parent.name not in DATASETS)


# ---------------------------------------------------------------- bronze -> silver -> gold

START = dt.date(2026, 3, 30)  # three days across a month end: two months of bookings, two salaries
DAYS = [START + dt.timedelta(days=i) for i in range(3)]
# the rule that quarantines each kind of defect, per dataset (README, "A second domain")
REASONS = {
    "sensor_readings": {
        "null_primary_key": "device_id_not_null",
        "malformed_date": "reading_ts_parses",
        "unknown_category": "unit_isin",
        "non_numeric": "value_parses",
        "sensor_error": "value_greater_than_or_equal_to",
        "corrupt_line": "record_well_formed",
    },
    "fitness_activities": {
        "null_primary_key": "activity_id_not_null",
        "malformed_date": "start_time_parses",
        "unknown_category": "sport_isin",
        "non_numeric": "duration_s_parses",
        "heart_rate_glitch": ("avg_heart_rate_greater_than_or_equal_to", "avg_heart_rate_less_than_or_equal_to"),
    },
    "bank_transactions": {
        "null_primary_key": "transaction_ref_not_null",
        "malformed_date": "booking_date_parses",
        "unknown_category": ("currency_isin", "category_isin"),
        "decimal_comma": "amount_parses",
    },
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("personal")
    intake, lake = root / "intake", root / "lake"
    manifest = demo_data.generate(intake, rows=3_000, days=len(DAYS), start_date=START, seed=5, domains=(DOMAIN,))
    defs = build_definitions(settings(root, (DOMAIN,), partitions_start="2026-03-01"))
    assets = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition)] + list(defs.asset_checks)
    runs, failed_checks = {}, []
    with dg.instance_for_test() as instance:
        for day in DAYS:
            result = dg.materialize(assets, partition_key=day.isoformat(), resources=defs.resources, instance=instance)
            assert result.success
            runs[day] = materializations(result)
            failed_checks += [
                (day, e.asset_key.to_user_string(), e.check_name)
                for e in result.get_asset_check_evaluations()
                if not e.passed
            ]
        yield SimpleNamespace(intake=intake, lake=lake, manifest=manifest, runs=runs, failed_checks=failed_checks)


@pytest.mark.slow
@pytest.mark.parametrize("name", DATASETS)
def test_every_row_is_accounted_for_as_the_manifest_says(platform, name):
    expected, asset = assert_rows_accounted(platform, name), f"silver/{name}"
    assert summed(platform, asset, "rows_updated") + summed(platform, asset, "rows_superseded") == 0
    assert summed(platform, asset, "rows_conflicting") == 0
    silver = table(platform.lake, "silver", name)
    assert len(silver) == expected["expected"]["silver_rows"] == platform.runs[DAYS[-1]][asset]["dagster/row_count"]
    assert len(table(platform.lake, "quarantine", name)) == expected["expected"]["quarantined"]


@pytest.mark.slow
def test_no_check_failed(platform):
    assert platform.failed_checks == []


@pytest.mark.slow
@pytest.mark.parametrize("name", DATASETS)
def test_defects_are_quarantined_with_the_rule_they_break(platform, name):
    quarantine = table(platform.lake, "quarantine", name)
    found = Counter()
    for rules, reasons in zip(quarantine["_failed_rules"], quarantine["_reasons"]):
        assert len(rules) == len(reasons) >= 1
        found[_kind(name, list(rules))] += 1
    lines = Counter(kind for kind in recount(platform.intake, name).kinds if kind in REASONS[name])
    assert found == lines and sum(found.values()) > 0
    defects = platform.manifest["datasets"][name]["defects"]
    most = len(DAYS) if name == "fitness_activities" else 1  # a bad activity: once per export that holds it
    for kind, count in found.items():
        assert 0 < defects[kind] <= count <= defects[kind] * most, kind


def _kind(name: str, rules: list[str]) -> str:
    """The defect kind a quarantined row's failed rules point to."""
    if "record_well_formed" in rules:
        return "corrupt_line"
    for kind, rule in REASONS[name].items():
        if set(rules) <= set(rule if isinstance(rule, tuple) else (rule,)):
            return kind
    raise AssertionError(f"{name}: unexpected failed rules {rules}")


@pytest.mark.slow
def test_every_quarantining_defect_kind_reached_quarantine(platform):
    kinds = set()
    for name in DATASETS:
        kinds |= {_kind(name, list(rules)) for rules in table(platform.lake, "quarantine", name)["_failed_rules"]}
    assert kinds == {kind for reasons in REASONS.values() for kind in reasons}


@pytest.mark.slow
@pytest.mark.parametrize("name", DATASETS)
def test_silver_holds_the_valid_rows_of_the_files_cleansed(platform, name):
    valid = recount(platform.intake, name).valid
    silver = table(platform.lake, "silver", name)
    columns = list(valid[0])
    assert sorted(_comparable(r) for r in silver[columns].to_dict("records")) == sorted(_comparable(r) for r in valid)


def _comparable(row: dict) -> tuple:
    """A row with timestamps as UTC datetimes, dates as dates, numbers as Decimal text."""
    values = []
    for value in row.values():
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime().replace(tzinfo=dt.timezone.utc)
        elif isinstance(value, dt.datetime):
            value = value.astimezone(dt.timezone.utc)
        elif isinstance(value, float) and math.isnan(value):
            value = None
        elif isinstance(value, float | int | Decimal) and not isinstance(value, bool):
            value = Decimal(str(value)).normalize()
        values.append(value)
    return tuple(str(v) for v in values)


HALF_UP = {"rounding": "ROUND_HALF_UP"}


def _energy_by_room_and_day(valid: list[dict]) -> dict[tuple[str, dt.date], tuple[Decimal, int]]:
    """Energy readings summed per room and day in kWh, exactly, and counted."""
    sums, counts = {}, Counter()
    for row in valid:
        if row["metric"] != "energy" or row["value"] is None:
            continue
        value = Decimal(str(row["value"]))
        kwh = value / 1000 if row["unit"] == "Wh" else value
        key = (row["room"], row["reading_ts"].date())
        sums[key] = sums.get(key, Decimal(0)) + kwh
        counts[key] += 1
    return {key: (total.quantize(Decimal("0.001"), **HALF_UP), counts[key]) for key, total in sums.items()}


def expected_room_energy(valid: list[dict], as_of: dt.date) -> set[tuple]:
    daily = _energy_by_room_and_day(valid)
    rows = set()
    for (room, day), (kwh, count) in daily.items():
        if not as_of - dt.timedelta(days=30) < day <= as_of:
            continue
        before = [k for (r, d), (k, _) in daily.items() if r == room and day - dt.timedelta(days=30) <= d < day]
        median = statistics.median(before).quantize(Decimal("0.0001"), **HALF_UP) if before else None
        change = (kwh / median - 1).quantize(Decimal("0.0001"), **HALF_UP) if median else None
        rows.add((as_of, room, day, kwh, count, median, change))
    return rows


def expected_spending(valid: list[dict], as_of: dt.date) -> set[tuple]:
    first = (as_of.replace(day=1) - dt.timedelta(days=335)).replace(day=1)  # the 12 months ending with as_of's
    spent, bookings, income = {}, Counter(), {}
    for row in valid:
        if not first <= row["booking_date"] <= as_of:
            continue
        month = row["booking_date"].replace(day=1)
        if row["category"] == "income":
            income[(month, row["currency"])] = income.get((month, row["currency"]), Decimal(0)) + row["amount"]
            continue
        key = (month, row["currency"], row["category"])
        spent[key] = spent.get(key, Decimal(0)) - row["amount"]
        bookings[key] += 1
    rows = set()
    for (month, currency, category), total in spent.items():
        earned = income.get((month, currency))
        share = (total / earned).quantize(Decimal("0.0001"), **HALF_UP) if earned else None
        rows.add((as_of, month, currency, category, total, bookings[(month, currency, category)], earned, share))
    return rows


def gold_rows(lake: Path, name: str, as_of: dt.date) -> set[tuple]:
    gold = DeltaTable(str(lake / "gold" / name)).to_pyarrow_table().to_pylist()
    return {tuple(row.values()) for row in gold if row["as_of_date"] == as_of}


@pytest.mark.slow
def test_room_energy_matches_the_files(platform):
    as_of = DAYS[-1]
    expected = expected_room_energy(recount(platform.intake, "sensor_readings").valid, as_of)
    assert gold_rows(platform.lake, "room_energy_daily", as_of) == expected
    assert {row[1] for row in expected} == {"kitchen", "living_room", "office", "bedroom"}  # the rooms with plugs
    assert sum(row[5] is not None for row in expected) == 4 * (len(DAYS) - 1)  # a median from the second day on
    every_day = sum(len(gold_rows(platform.lake, "room_energy_daily", day)) for day in DAYS)
    assert platform.runs[as_of]["gold/room_energy_daily"]["dagster/row_count"] == every_day == 4 * (1 + 2 + 3)


@pytest.mark.slow
def test_monthly_spending_matches_the_files(platform):
    as_of = DAYS[-1]
    expected = expected_spending(recount(platform.intake, "bank_transactions").valid, as_of)
    assert gold_rows(platform.lake, "monthly_spending", as_of) == expected
    months = {row[1] for row in expected}
    assert months == {dt.date(2026, 3, 1), dt.date(2026, 4, 1)}
    shares = [row[7] for row in expected if row[2] == "EUR"]
    assert shares and all(share is not None and share > 0 for share in shares)  # a salary in each month


@pytest.mark.slow
def test_the_run_script_flow_lands_the_domain_in_gold_for_today(spark, tmp_path, monkeypatch):
    """What `DATAOPS_DOMAINS=customer360,personal_analytics scripts/run.sh` does, tick by tick: the
    demo-data command writes the domain, each intake sensor requests one run for its files, and
    that run goes through silver to the domain's gold product for today's partition."""
    intake, today = tmp_path / "intake", dt.datetime.now(dt.timezone.utc).date()
    monkeypatch.setenv("DATAOPS_DOMAINS", f"customer360,{DOMAIN}")
    monkeypatch.setenv("DATAOPS_INTAKE_ROOT", str(intake))
    assert main(["demo-data", "--rows", "600", "--days", "3", "--quiet"]) == 0
    start = (today - dt.timedelta(days=5)).isoformat()
    defs = build_definitions(replace(Settings.from_env(), lake_root=str(tmp_path / "lake"), partitions_start=start))
    products = {"sensor_readings": "room_energy_daily", "bank_transactions": "monthly_spending"}
    with dg.instance_for_test() as instance:
        for name in DATASETS:
            sensor = defs.resolve_sensor_def(f"intake_{name}")
            found = tick(sensor, instance, defs, None)
            assert [r.partition_key for r in found.run_requests] == [today.isoformat()]
            (result,), _ = launch(defs, instance, sensor.name, found.run_requests)
            built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
            gold = {f"gold/{products[name]}"} if name in products else set()
            assert built == {f"bronze/{name}", f"silver/{name}", f"quarantine/{name}", *gold}
            assert [e.check_name for e in result.get_asset_check_evaluations() if not e.passed] == []
    expected = expected_room_energy(recount(intake, "sensor_readings").valid, today)
    assert gold_rows(tmp_path / "lake", "room_energy_daily", today) == expected
    assert len(expected) == 4 * 3  # as of today: the three days before, each room with a plug
