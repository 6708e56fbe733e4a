"""The Dagster UI in a real browser: the real webserver on an instance holding materialized demo
data, driven by headless Chromium over the DevTools protocol the way a user clicks through it.

Two demo days go through the whole graph; on a third day a transactions file with negative
amounts lands, so the blocking ERROR check `silver/transactions:validity` fails and gold is not
built. Every page is saved as a screenshot (support/browser.py says where).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest

from dataops_platform import demo_data
from dataops_platform.definitions import build_definitions
from dataops_platform_tests.support.browser import browser, needs_chromium, screenshots
from dataops_platform_tests.support.quality_helpers import declaration
from dataops_platform_tests.support.report_support import (
    environment_of,
    instance_at,
    settings_under,
    write_transactions,
)
from dataops_platform_tests.support.webserver import dagster_webserver

pytestmark = [pytest.mark.slow, needs_chromium]

START = dt.date(2026, 11, 10)
DEMO_DAYS = [START, START + dt.timedelta(days=1)]
BAD_DAY = START + dt.timedelta(days=2)
SILVER = "silver/transactions"


def build_world(root: Path) -> SimpleNamespace:
    """Demo data through the whole graph for DEMO_DAYS, then a bad transactions file on BAD_DAY."""
    settings = settings_under(root)
    demo_data.generate(settings.intake_root, rows=300, days=len(DEMO_DAYS), start_date=START, seed=7)
    defs = build_definitions(settings)
    instance = instance_at(root / "dagster_home")
    graph = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition)] + list(defs.asset_checks)
    runs = []
    for day in DEMO_DAYS:
        runs.append(dg.materialize(graph, partition_key=day.isoformat(), resources=defs.resources, instance=instance))
        assert runs[-1].success
    write_transactions(Path(settings.intake_root), BAD_DAY, 200, bad=60)
    runs.append(
        dg.materialize(
            graph, partition_key=BAD_DAY.isoformat(), resources=defs.resources, instance=instance, raise_on_error=False
        )
    )
    return SimpleNamespace(
        root=root, home=root / "dagster_home", settings=settings, defs=defs, instance=instance, runs=runs
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory, spark) -> SimpleNamespace:
    return build_world(tmp_path_factory.mktemp("ui"))


@pytest.fixture(scope="module")
def ui(world, tmp_path_factory):
    """The webserver's URL and a browser tab."""
    logs = tmp_path_factory.mktemp("ui-logs")
    # the "Join the Dagster community" dialog of a first visit, as if a user had skipped it once
    (world.home / ".nux").mkdir(exist_ok=True)
    (world.home / ".nux" / "nux.yaml").write_text("seen: 1\n")
    with dagster_webserver(environment_of(world), logs / "webserver.log") as url:
        with browser(logs / "chromium") as page:
            yield SimpleNamespace(url=url, page=page, shots=screenshots())


def show(ui, path: str, *needles: str) -> str:
    """Open `path` and wait until the page shows every needle; the page's text."""
    ui.page.open(ui.url + path)
    return ui.page.wait_for(*needles)


def shoot(ui, name: str) -> None:
    path = ui.page.screenshot(ui.shots / f"{name}.png")
    assert path.stat().st_size > 20_000, path  # a rendered page, not a blank one


def latest_checks(world, asset: str) -> dict[str, bool]:
    """Whether each check of `asset` passed in the latest run that planned it (a check a failed run
    planned but never executed counts as failed, as the UI shows it)."""
    latest: dict[str, bool] = {}
    for run in world.runs:
        evaluated = {
            e.check_name: e.passed for e in run.get_asset_check_evaluations() if e.asset_key.path == asset.split("/")
        }
        planned = [
            record.dagster_event.event_specific_data.check_name
            for record in world.instance.all_logs(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
            )
            if record.dagster_event.event_specific_data.asset_key.path == asset.split("/")
        ]
        latest.update({name: evaluated.get(name, False) for name in planned})
    return latest


def test_lineage_shows_every_layer(ui, world):
    # (each check's status is asserted on the Checks tab: the node of a silver table whose latest batch
    # was held back shows its last published materialization, with no check summary)
    show(
        ui,
        "/assets/bronze/transactions?view=lineage&lineageDepth=2",
        *["intake", "bronze", "silver", "quarantine", "gold"],
        *["transactions", "customer_360", "daily_revenue"],
    )
    shoot(ui, "1_lineage")


def test_silver_page_shows_row_count_owners_and_column_docs(ui, world):
    [event] = world.instance.fetch_materializations(dg.AssetKey(SILVER.split("/")), limit=1).records
    rows = event.asset_materialization.metadata["dagster/row_count"].value
    decl = declaration("transactions")
    owners = [owner.split(":", 1)[-1] for owner in decl.owners]
    docs = [column.description.replace("`", "") for column in decl.contract.columns]  # markdown, rendered
    text = show(ui, f"/assets/{SILVER}", "Row count", "Owners", "Columns", *owners, *docs)
    assert re.search(rf"Row count\s+{rows:,}\b", text), text[:2000]
    assert decl.description in text
    shoot(ui, "2_silver_transactions")


def test_checks_tab_shows_each_latest_status(ui, world):
    latest = latest_checks(world, SILVER)
    assert len(latest) == 7 and latest["validity"] is False  # the blocking check the bad file failed
    text = show(ui, f"/assets/{SILVER}?view=checks", f"Checks ({len(latest)})", *latest)
    for name, passed in latest.items():
        status = "Succeeded" if passed else "Failed"
        assert re.search(rf"\n{name}\n(?:{name}\n)?{status}\n", text), (name, status, text[:3000])
    ui.page.click("validity")
    ui.page.wait_for("This is a blocking asset check.", "60 of 200 row(s) failed 1 rule(s)")
    shoot(ui, "3_silver_transactions_checks")


def test_run_page_shows_the_failed_blocking_check(ui, world):
    run = world.runs[-1]
    assert not run.success
    show(
        ui,
        f"/runs/{run.run_id}?logs=step:silver_transactions",
        "Failure",
        "Check validity failed for materialization of silver / transactions.",
        "blocking check silver/transactions:validity failed: 60 of 200 row(s) failed 1 rule(s)",
        "silver/transactions not published for",  # write-audit-publish: the step fails, the table is unchanged
        "The published table is unchanged",
    )
    shoot(ui, "4_run_failed_blocking_check")
