"""Shared by the observability tests (alerts, catalog, report); holds no tests itself.

`observed` is one real Dagster instance, built once per test session: five normal days of
transactions through bronze and silver, then a day whose volume spikes and 15% of whose rows
have a negative amount (validity fails, a blocking ERROR check; volume_anomaly fails, a WARN
check), and a run that fails with an exception whose message holds a secret.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest

from dataops_platform.definitions import build_definitions
from dataops_platform.settings import AlertSettings, Settings

START = dt.date(2026, 11, 10)
NORMAL_ROWS = [150, 160, 145, 155, 150]
DEFECT_ROWS, DEFECT_BAD = 600, 90
FAKE_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"  # set as AWS_SECRET_ACCESS_KEY by the tests
_CACHE: dict[str, SimpleNamespace] = {}


def write_transactions(intake: Path, day: dt.date, count: int, bad: int = 0) -> None:
    """`count` rows landed on `day`; the last `bad` of them have a negative amount."""
    folder = intake / "payments" / "transactions"
    folder.mkdir(parents=True, exist_ok=True)
    first = (day - START).days * 10_000
    lines = ["transaction_id,customer_id,transaction_ts,amount,channel,status"]
    lines += [
        f"T{first + i:010d},C{i % 50:07d},{day}T10:00:00Z,{'-' if i >= count - bad else ''}12.50,online,completed"
        for i in range(count)
    ]
    path = folder / f"transactions_{day}.csv"
    path.write_text("\n".join(lines) + "\n")
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (noon, noon))


def write_customers(intake: Path, day: dt.date) -> None:
    """The 50 customers the transactions reference (C0000000..C0000049), landed on `day`."""
    folder = intake / "crm" / "customers"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["customer_id,first_name,last_name,email,phone,signup_date,region,status,updated_at"]
    lines += [f"C{i:07d},A,B,c{i}@example.com,,2025-01-01,north,active,{day}T08:00:00Z" for i in range(50)]
    path = folder / f"customers_{day}.csv"
    path.write_text("\n".join(lines) + "\n")
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (noon, noon))


@dg.asset(key=["ops", "nightly_export"])
def failing_export() -> None:
    raise RuntimeError(f"export refused: credentials {FAKE_SECRET} rejected")


def instance_at(home: Path) -> dg.DagsterInstance:
    """A new Dagster instance whose DAGSTER_HOME is `home` (also what a webserver or CLI opens there)."""
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # also read by DagsterInstance.get()
    return dg.DagsterInstance.from_config(str(home))


def settings_under(root: Path) -> Settings:
    """Intake, lake and alerts file under `root`; daily partitions from 2026-11-01."""
    return Settings(
        intake_root=str(root / "intake"),
        lake_root=str(root / "lake"),
        partitions_start="2026-11-01",
        alerts=AlertSettings(alerts_file=str(root / "alerts.jsonl")),
    )


def _build(root: Path) -> SimpleNamespace:
    intake, home = root / "intake", root / "dagster_home"
    settings = settings_under(root)
    defs = build_definitions(settings)
    assets = [
        a
        for a in defs.assets
        if isinstance(a, dg.AssetsDefinition)
        and any(k.to_user_string() in ("bronze/transactions", "silver/transactions") for k in a.keys)
    ]
    instance = instance_at(home)
    days = [START + dt.timedelta(days=i) for i in range(len(NORMAL_ROWS) + 1)]
    write_customers(intake, START)  # silver customers first: the transactions' references resolve
    customers = [
        a
        for a in defs.assets
        if isinstance(a, dg.AssetsDefinition)
        and any(k.to_user_string() in ("bronze/customers", "silver/customers") for k in a.keys)
    ]
    dg.materialize(customers, partition_key=START.isoformat(), resources=defs.resources, instance=instance)
    results = []
    for day, rows in zip(days, NORMAL_ROWS + [DEFECT_ROWS]):
        write_transactions(intake, day, rows, bad=DEFECT_BAD if rows == DEFECT_ROWS else 0)
        results.append(
            dg.materialize(
                assets, partition_key=day.isoformat(), resources=defs.resources, instance=instance, raise_on_error=False
            )
        )
    failed = dg.materialize([failing_export], instance=instance, raise_on_error=False)
    return SimpleNamespace(
        root=root,
        home=home,
        settings=settings,
        defs=defs,
        instance=instance,
        days=days,
        results=results,
        defect_run=results[-1],
        failed_run=failed,
    )


def environment_of(world: SimpleNamespace) -> dict[str, str]:
    """The variables that make `Settings.from_env()` and `DagsterInstance.get()` see `world`."""
    return {
        "DAGSTER_HOME": str(world.home),
        "DATAOPS_INTAKE_ROOT": world.settings.intake_root,
        "DATAOPS_LAKE_ROOT": world.settings.lake_root,
        "DATAOPS_PARTITIONS_START": world.settings.partitions_start,
        "DATAOPS_ALERTS_FILE": world.settings.alerts.alerts_file,
    }


def point_env_at(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `Settings.from_env()` and `DagsterInstance.get()` (the CLI's view) see the shared instance."""
    for name, value in environment_of(world).items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def observed(tmp_path_factory, spark) -> SimpleNamespace:
    """The shared instance (built on first use; every test module importing this shares it)."""
    if "world" not in _CACHE:
        _CACHE["world"] = _build(tmp_path_factory.mktemp("observed"))
    return _CACHE["world"]
