"""The Dagster code location: the component instances of defs/ plus the platform-wide parts.

`defs` is built lazily by Dagster when the code location loads (`dg dev`, `dg check defs`,
`dagster dev -w workspace.yaml`); importing this module does not start Spark, touch storage
or read a secret.
"""

from __future__ import annotations

import functools
import gc
import importlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster.components.core.component_tree import ComponentTree
from dagster_shared.record import copy

from dataops_platform.components import DataProduct, Dataset
from dataops_platform.declarations import DeclarationError, check_references
from dataops_platform.orchestration.maintenance import maintenance_schedule
from dataops_platform.orchestration.replay import replay_job
from dataops_platform.orchestration.report import quality_report_asset
from dataops_platform.orchestration.resources.compute import compute_resource
from dataops_platform.orchestration.resources.lake import lake_resource
from dataops_platform.orchestration.resources.spark import spark_resource
from dataops_platform.orchestration.sensors.alerts import alert_sensors
from dataops_platform.orchestration.sensors.automation import automation_sensor
from dataops_platform.orchestration.sensors.ingest import IngestTarget, ingest_job
from dataops_platform.orchestration.sensors.sqs import sqs_sensor
from dataops_platform.settings import PROJECT_ROOT, Settings, building_with


def build_definitions(settings: Settings) -> dg.Definitions:
    """Every asset, check, sensor and resource of the platform for the given settings."""
    with _long_lived_build(), warnings.catch_warnings(), building_with(settings):
        # BackfillPolicy.single_run is beta in Dagster 1.13; without this, one warning per asset
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
        warnings.filterwarnings("ignore", category=dg.PreviewWarning)  # as dg.load_from_defs_folder does
        projects = [load_project(root) for root in (PROJECT_ROOT, *settings.extra_projects)]
        found = {path: dataset for _, datasets, _ in projects for path, dataset in datasets.items()}
        check_domains(found, {path: product for _, _, products in projects for path, product in products.items()})
        # the datasets of the domains DATAOPS_DOMAINS builds; the others build nothing
        datasets = {path: dataset for path, dataset in found.items() if dataset.enabled()}
        check_references(datasets)
        # the report reads the tables of these very definitions (no second build)
        platform = platform_definitions(settings, list(datasets.values()), lambda: definitions.resolve_asset_graph())
        definitions = dg.Definitions.merge(*(defs for defs, _, _ in projects), platform)
        return definitions


@contextmanager
def _long_lived_build() -> Iterator[None]:
    """Builds with the cyclic garbage collector paused, and, after the first build in a process,
    freezes what is alive (the imported modules and the definitions, which a code server keeps
    until it exits).

    A build allocates a few hundred thousand long-lived objects and almost no garbage cycles, so
    the collector's full passes during the build, and the ones at interpreter exit, only rescan
    live objects: about 1 s of the build and 1 s of the exit at 100 datasets. A frozen object is
    never rescanned (`gc.freeze`); it is still freed by reference counting. Freezing once bounds
    what a process that builds many times (the tests) keeps out of the collector's reach."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        _freeze_once()
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def _freeze_once() -> None:
    """`gc.freeze()`, the first time only."""
    gc.freeze()


def load_project(root: Path) -> tuple[dg.Definitions, dict[Path, Dataset], dict[Path, DataProduct]]:
    """A dg project's defs folder (this package's, or another project of DATAOPS_EXTRA_PROJECTS),
    with each of its datasets and products (enabled or not) by the defs.yaml it came from."""
    try:
        tree, defs = _defs_folder(root)
    except ModuleNotFoundError as exc:
        raise DeclarationError(
            f"{root}: cannot import its defs module ({exc}); install that project (pip install -e) or add it "
            "to PYTHONPATH"
        ) from None
    datasets = {dataset.defs_file: dataset for dataset in tree.get_all_components(of_type=Dataset)}
    products = {product.defs_file: product for product in tree.get_all_components(of_type=DataProduct)}
    if root != PROJECT_ROOT:  # Definitions.merge keeps one component tree: the platform's
        defs = copy(defs, component_tree=None)
    return defs, datasets, products


def check_domains(datasets: dict[Path, Dataset], products: dict[Path, DataProduct]) -> None:
    """What a built table reads is built too: a reference to, or an input from, a dataset of a
    domain DATAOPS_DOMAINS leaves out fails loading, naming the file and the field."""
    left_out = {d.name: d.domain for d in datasets.values() if not d.enabled()}

    def require(path: Path, field: str, names) -> None:
        missing = {name: left_out[name] for name in names if name in left_out}
        if missing:
            raise DeclarationError(
                f"{path}: field '{field}': it reads {sorted(missing)} of domain(s) {sorted(set(missing.values()))}, "
                "which DATAOPS_DOMAINS does not enable"
            )

    for path, dataset in datasets.items():
        for column, reference in dataset.references.items():
            if dataset.enabled():
                require(path, f"references.{column}", [reference.dataset])
    for path, product in products.items():
        if product.enabled():
            require(path, "inputs", product.inputs)


def _defs_folder(root: Path) -> tuple[ComponentTree, dg.Definitions]:
    """A project's component tree and its definitions. The platform's own project is built as
    `dg.load_from_defs_folder` builds it, with the catalog of component types dg adds for the UI;
    another project's defs folder alone, since one catalog per code location is enough and
    building it is a noticeable share of each project's load time. Installed from a wheel, the
    package has no pyproject.toml beside it, so its own defs module is loaded without one."""
    if root != PROJECT_ROOT:
        tree = ComponentTree.for_project(root)
        return tree, tree.build_defs(tree.defs_module_path)
    if not (root / "pyproject.toml").is_file():
        defs_module = importlib.import_module("dataops_platform.defs")
        tree = ComponentTree.from_module(defs_module=defs_module, project_root=root)
    else:
        tree = ComponentTree.for_project(root)
    return tree, tree.build_defs()


def platform_definitions(settings: Settings, datasets: list[Dataset], asset_graph: Callable) -> dg.Definitions:
    """What no single component owns: resources (same keys everywhere), the ingest job, the
    SQS, automation and alert sensors, and the quality report."""
    sensors = [automation_sensor(), *alert_sensors(settings.alerts)]
    if settings.intake_queue_url:
        targets = [IngestTarget(d, through_gold=settings.intake_through_gold) for d in datasets]
        sensors.append(sqs_sensor(targets, settings.intake_queue_url))
    return dg.Definitions(
        assets=[quality_report_asset(settings, asset_graph)],
        # One process per run: all steps share one SparkSession instead of starting a JVM each.
        executor=dg.in_process_executor,
        jobs=[ingest_job(), replay_job()],
        schedules=[maintenance_schedule()],
        sensors=sensors,
        resources={
            "spark": spark_resource(settings),
            "compute": compute_resource(settings),
            "lake": lake_resource(settings),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
