"""`dataops ci <stage>`: the delivery pipeline's stages, one command each, run the same way by a
developer and by CI (.ci/run, .github/workflows/ci.yml, .gitlab-ci.yml).

  validate   ruff lint and format check, dg check defs, declarations and contracts load, the
             contract compatibility check against the merge base with main, unit tests
  test       integration and end-to-end tests on generated sample data (scripts/test.sh)
  build      the wheel and the Databricks bundle, with the artifact paths
  deploy     the wheel and job entrypoint to a target (dev, staging, prod; prod only from main)
  monitor    the data-quality report and the catalog export of a Dagster instance, as files
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

STAGES = ("validate", "test", "build", "deploy", "monitor")
TARGETS = ("dev", "staging", "prod")
PRODUCTION, MAIN = "prod", "main"


def checkout() -> Path:
    """The source checkout the stages run in (the folder holding pyproject.toml and the tests)."""
    from dataops_platform.cli.databricks import project_dir

    return project_dir()


def tool(name: str) -> str:
    """A command of this environment (.venv/bin/<name>), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else name


def run(step: str, command: list[str], cwd: Path) -> bool:
    print(f"[ci] {step}: {' '.join(command)}", flush=True)
    done = subprocess.run(command, cwd=cwd)
    if done.returncode != 0:
        print(f"[ci] {step} failed (exit {done.returncode})", file=sys.stderr, flush=True)
    return done.returncode == 0


# ---------------------------------------------------------------- validate


def declarations_load() -> bool:
    """Every dataset and product declaration validates and its contract reads."""
    from dataops_platform.declarations import DeclarationError, load_declarations, load_products

    print("[ci] declarations: load every dataset and product with its contract", flush=True)
    try:
        tables = [*load_declarations(), *load_products()]
        for table in tables:
            table.contract  # noqa: B018 - imports the pandera model and reads it
    except (DeclarationError, ValueError) as exc:
        print(f"[ci] declarations failed: {exc}", file=sys.stderr)
        return False
    print(f"[ci] declarations: {len(tables)} tables", flush=True)
    return True


def validate(args: argparse.Namespace) -> int:
    from dataops_platform.cli.contracts import check as check_contracts

    root = checkout()
    python = sys.executable
    steps = [
        lambda: run("lint", [python, "-m", "ruff", "check", "."], root),
        lambda: run("format", [python, "-m", "ruff", "format", "--check", "."], root),
        lambda: run("defs", [tool("dg"), "check", "defs"], root),
        declarations_load,
        lambda: check_contracts(args.base, root) == 0,
        lambda: run(
            "unit tests",
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "dataops_platform_tests/unit"],
            root,
        ),
    ]
    return 0 if all(step() for step in steps) else 1  # all() stops at the first failing step


# ---------------------------------------------------------------- test


def test(args: argparse.Namespace) -> int:
    """The README's test command without the unit tests `validate` ran (same environment setup)."""
    root = checkout()
    ok = run(
        "integration and end-to-end tests",
        ["bash", "scripts/test.sh", "--ignore=dataops_platform_tests/unit", *args.pytest_args],
        root,
    )
    return 0 if ok else 1


# ---------------------------------------------------------------- build

BUNDLE_VOLUMES = {"artifacts": "artifacts_path", "lake": "lake_root", "pipes": "volume_path"}


def bundle_problems(bundle: dict, settings) -> list[str]:
    """What the bundle (databricks.yml) must hold for the wheel's defaults: the schema and the
    three volumes the DATAOPS_DATABRICKS_* paths point at."""
    problems = []
    variables = bundle.get("variables", {})
    catalog = variables.get("catalog", {}).get("default")
    schema = variables.get("schema", {}).get("default")
    volumes = bundle.get("resources", {}).get("volumes", {})
    for volume, field_name in BUNDLE_VOLUMES.items():
        path = getattr(settings, field_name)
        if volume not in volumes:
            problems.append(f"databricks.yml has no volume '{volume}' (DatabricksSettings.{field_name} = {path})")
        elif path.startswith("/Volumes/") and path.split("/")[2:5] != [catalog, schema, volume]:
            problems.append(f"DatabricksSettings.{field_name} = {path} is not /Volumes/{catalog}/{schema}/{volume}")
    if not bundle.get("bundle", {}).get("name"):
        problems.append("databricks.yml has no bundle.name")
    targets = set(bundle.get("targets", {}))
    if not set(TARGETS) <= targets:
        problems.append(f"databricks.yml targets {sorted(targets)} lack {sorted(set(TARGETS) - targets)}")
    return problems


def build(args: argparse.Namespace) -> int:
    import yaml

    from dataops_platform.cli.databricks import ENTRYPOINT_IN_WHEEL, build_wheel
    from dataops_platform.settings import DatabricksSettings

    root = checkout()
    dist = (root / args.dist).resolve()
    print(f"[ci] wheel: building into {dist}", flush=True)
    wheel = build_wheel(dist)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [n for n in (ENTRYPOINT_IN_WHEEL, "dataops_platform/defs/transactions/defs.yaml") if n not in names]
    if missing:
        print(f"[ci] build failed: the wheel lacks {missing}", file=sys.stderr)
        return 1
    if shutil.which("databricks"):
        if not run("bundle", ["databricks", "bundle", "validate"], root):
            return 1
    else:
        print("[ci] bundle: no databricks CLI here; checking databricks.yml against the wheel's defaults", flush=True)
        problems = bundle_problems(yaml.safe_load((root / "databricks.yml").read_text()), DatabricksSettings())
        if problems:
            print("[ci] bundle failed:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
    print(f"[ci] artifact: {wheel}")
    print(f"[ci] artifact: {root / 'databricks.yml'}")
    return 0


# ---------------------------------------------------------------- deploy


def current_branch(root: Path) -> str:
    """The branch being built: CI's variable (GitHub, GitLab), else git's."""
    for name in ("GITHUB_REF_NAME", "CI_COMMIT_BRANCH"):
        if os.environ.get(name, "").strip():
            return os.environ[name].strip()
    done = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=root, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def deploy_to(target: str, branch: str, force: bool, dry_run: bool, dist: Path, workspace=None) -> int:
    """Upload the wheel and the entrypoint to the target's DATAOPS_DATABRICKS_ARTIFACTS. Paths and
    sizes are printed, never a credential (the SDK reads DATABRICKS_HOST / DATABRICKS_TOKEN itself)."""
    from dataops_platform.cli.databricks import deploy
    from dataops_platform.settings import DatabricksSettings

    if target == PRODUCTION and branch != MAIN and not force:
        print(
            f"[ci] refusing to deploy to {PRODUCTION} from branch {branch or '(unknown)'}: only {MAIN} deploys "
            f"to production (--force overrides)",
            file=sys.stderr,
        )
        return 2
    settings = DatabricksSettings.from_env()
    settings.validate()
    uploaded = deploy(settings, dist, workspace=workspace, dry_run=dry_run)
    verb = "would upload" if dry_run else "uploaded"
    for path, size in uploaded.items():
        print(f"[ci] deploy {target}: {verb} {path} ({size})")
    return 0


def deploy_stage(args: argparse.Namespace) -> int:
    root = checkout()
    code = deploy_to(args.target, current_branch(root), args.force, args.dry_run, (root / args.dist).resolve())
    if code == 0 and not args.dry_run and shutil.which("databricks"):
        ok = run("bundle", ["databricks", "bundle", "deploy", "-t", args.target], root)
        return 0 if ok else 1
    return code


# ---------------------------------------------------------------- monitor


def monitor(args: argparse.Namespace) -> int:
    """The report and the catalog of the instance of DAGSTER_HOME (the production profile's
    PostgreSQL, say), else of ./.dagster_home, created from deploy/dagster.yaml when absent."""
    from dataops_platform.cli.catalog import catalog_export
    from dataops_platform.cli.quality import quality_report

    root = checkout()
    local = root / ".dagster_home"
    if not os.environ.get("DAGSTER_HOME") and not local.is_dir():
        local.mkdir()
        shutil.copy(root / "deploy" / "dagster.yaml", local / "dagster.yaml")
        print(f"[ci] monitor: no DAGSTER_HOME; a new local instance in {local}", flush=True)
    out = Path(args.out).resolve()
    os.chdir(root)  # the local instance is found relative to the checkout
    code = quality_report(argparse.Namespace(out=str(out / "quality_report.html")))
    return code or catalog_export(argparse.Namespace(out=str(out / "catalog")))


# ---------------------------------------------------------------- the command


def register(commands) -> None:
    ci = commands.add_parser("ci", help="the delivery pipeline's stages (validate, test, build, deploy, monitor)")
    stages = ci.add_subparsers(dest="ci_stage", required=True, metavar="{" + ",".join(STAGES) + "}")
    stage = stages.add_parser("validate", help="lint, format, dg check defs, declarations, contracts, unit tests")
    stage.add_argument("--base", help="git ref the contracts are compared with (default: the merge base with main)")
    stage.set_defaults(handler=validate)
    # "+" prefix: every "-option" after `test` is left for pytest
    stage = stages.add_parser(
        "test", help="integration and end-to-end tests (pytest arguments may follow)", prefix_chars="+", add_help=False
    )
    stage.add_argument("pytest_args", nargs=argparse.REMAINDER)
    stage.set_defaults(handler=test)
    stage = stages.add_parser("build", help="build the wheel and check the Databricks bundle")
    stage.add_argument("--dist", default="dist", help="where the wheel is built (default: dist)")
    stage.set_defaults(handler=build)
    stage = stages.add_parser("deploy", help="upload the wheel and entrypoint to a target")
    stage.add_argument("--target", required=True, choices=TARGETS)
    stage.add_argument("--dry-run", action="store_true", help="build only; print what would be uploaded")
    stage.add_argument("--force", action="store_true", help=f"allow {PRODUCTION} from a branch other than {MAIN}")
    stage.add_argument("--dist", default="dist", help="where the wheel is built (default: dist)")
    stage.set_defaults(handler=deploy_stage)
    stage = stages.add_parser("monitor", help="write the quality report and the catalog export")
    stage.add_argument("--out", default="ci-artifacts/monitor", help="output folder (default: ci-artifacts/monitor)")
    stage.set_defaults(handler=monitor)
