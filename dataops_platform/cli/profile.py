"""`dataops profile PATH... --dataset NAME`: propose a dataset's declaration and contract from
sample files of a new feed (`<out>/<name>/defs.yaml` and `schema.py`, the evidence in comments).

`dataops profile --suggest DATASET [--apply]`: threshold changes of the dataset's quality policy
from its check history in the Dagster instance, as a unified diff of its defs.yaml; nothing is
written without `--apply`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from dataops_platform.declarations import (
    DATASET_TYPE,
    DEFS_DIR,
    NAME_PATTERN,
    OWNER_PATTERN,
    component_files,
    load_declaration,
)
from dataops_platform.profiling.files import package_root, schema_ref, write_dataset_files
from dataops_platform.profiling.samples import ProfileError, read_sample
from dataops_platform.profiling.suggestions import MIN_RUNS
from dataops_platform.profiling.table import TableProfile, profile_table
from dataops_platform.settings import Settings


def _fail(message: str) -> int:
    print(f"dataops profile: {message}", file=sys.stderr)
    return 2


def _arguments_problem(args: argparse.Namespace) -> str | None:
    if not args.paths:
        return "name the sample files (or folders) to profile, or use --suggest DATASET"
    if not args.dataset:
        return "--dataset NAME is required"
    for flag, value in (("--dataset", args.dataset), ("--source", args.source), ("--domain", args.domain)):
        if not re.match(NAME_PATTERN, value):
            return f"{flag} {value!r}: use lowercase letters, digits and '_' (starting with a letter)"
    if args.owner and not OWNER_PATTERN.match(args.owner):
        return f"--owner {args.owner!r}: an email or 'team:<name>'"
    declared = {path.parent.name: path for path, _ in component_files(DEFS_DIR, DATASET_TYPE)}
    if args.dataset in declared and Path(args.out or DEFS_DIR).resolve() != DEFS_DIR.resolve():
        return f"--dataset {args.dataset!r} is already declared in {declared[args.dataset]}: choose another name"
    return None


def _loads(defs_yaml: Path, schema: str) -> None:
    """Validate the written declaration as the code location will (its contract imported anew)."""
    sys.modules.pop(schema.split(":")[0], None)
    sys.path.insert(0, str(package_root(defs_yaml.parent.parent)))
    try:
        load_declaration(defs_yaml)
    finally:
        sys.path.pop(0)


def _report(profile: TableProfile, written: list[Path]) -> None:
    print(f"{profile.name}: {profile.rows} record(s) of {len(profile.sample.files)} file(s) profiled; wrote")
    for path in written[1:]:
        print(f"  {path}")
    print(f"  primary key {profile.primary_key}: {profile.key_evidence}")
    print(f"  event time {profile.event_time}; PII guesses {profile.pii_columns}")
    if profile.failing_rows:
        print(f"  {profile.failing_rows} sample row(s) fail the proposed rules: {dict(profile.failures)}")
    out = written[0].parent.parent
    if package_root(out) == out.resolve():
        print(f"note: {out} is not a Python package; profile into a dg project's defs folder (--out) so it loads")
    print("review before the first run: the key, the event time, each rule and its evidence comment in schema.py,")
    print("the description, owners, source and domain; then `dg check defs` and land files in the intake prefix")


def profile(args: argparse.Namespace) -> int:
    if args.suggest:
        return suggest(args)
    problem = _arguments_problem(args)
    if problem:
        return _fail(problem)
    from dataops_platform.profiling.render import Identity, defs_yaml, schema_py

    folder = Path(args.out or DEFS_DIR) / args.dataset
    if (folder / "defs.yaml").exists() and not args.force:
        return _fail(f"{folder / 'defs.yaml'} exists; edit it, or pass --force to replace it")
    try:
        table = profile_table(read_sample([Path(p) for p in args.paths], args.format), args.dataset)
    except ProfileError as exc:
        return _fail(str(exc))
    identity = Identity(source=args.source, domain=args.domain, owner=args.owner or "")
    schema = schema_ref(folder)
    written = write_dataset_files(folder, defs_yaml(table, schema, identity), schema_py(table))
    _report(table, written)
    try:
        _loads(written[1], schema)
    except Exception as exc:  # noqa: BLE001 - whatever fails to load is reported, the files stay for editing
        print(f"dataops profile: the proposal does not load as written: {exc}", file=sys.stderr)
        return 1
    print(f"{written[1]}: loads as written")
    return 0


def _declared_file(settings: Settings, name: str):
    """(defs.yaml path, Dataset) of the dataset `name` in the loaded projects."""
    from dataops_platform.definitions import load_project
    from dataops_platform.settings import PROJECT_ROOT, building_with

    with building_with(settings):
        for root in (PROJECT_ROOT, *settings.extra_projects):
            for path, dataset in load_project(root)[1].items():
                if dataset.name == name:
                    return path, dataset
    return None, None


def suggest(args: argparse.Namespace) -> int:
    import dagster as dg
    import yaml

    from dataops_platform.cli.instance import with_instance
    from dataops_platform.declarations import DatasetDeclaration, validate
    from dataops_platform.observability.history import check_runs
    from dataops_platform.orchestration.keys import silver_key
    from dataops_platform.profiling.declaration_edit import edited, unified_diff
    from dataops_platform.profiling.suggestions import suggest as suggestions_from
    from dataops_platform.steps.silver_checks import inline_checks

    if args.paths:
        return _fail("--suggest takes a dataset name, not sample files")
    path, dataset = _declared_file(Settings.from_env(), args.suggest)
    if dataset is None:
        return _fail(f"no dataset {args.suggest!r} in the loaded declarations")

    def run(instance) -> int:
        key = silver_key(dataset.name)
        history = {
            check: check_runs(instance, dg.AssetCheckKey(key, check), limit=args.history)
            for check in inline_checks(dataset)
        }
        found = suggestions_from(dataset.quality, history, args.min_runs)
        if not found.enough:
            print(
                f"{key.to_user_string()}: {found.runs} run(s) of check history, fewer than the {found.min_runs} "
                "needed to suggest thresholds; nothing suggested"
            )
            return 0
        if not found.items:
            print(f"{key.to_user_string()}: {found.runs} run(s) of check history; no threshold change suggested")
            return 0
        text = path.read_text(encoding="utf-8")
        new_text = edited(text, found.items)
        validate(DatasetDeclaration, path, yaml.safe_load(new_text)["attributes"])
        print(unified_diff(text, new_text, path), end="")
        if args.apply:
            path.write_text(new_text, encoding="utf-8")
            print(f"applied to {path}: reload the code location")
        else:
            print(f"nothing written: review the diff, then edit {path} or run again with --apply")
        return 0

    return with_instance(run)


def register(commands) -> None:
    parser = commands.add_parser(
        "profile", help="propose a dataset's declaration and contract from sample files; --suggest thresholds"
    )
    parser.add_argument("paths", nargs="*", help="sample files (CSV or JSON lines) or folders of them")
    parser.add_argument("--dataset", help="the new dataset's name (its folder under --out)")
    parser.add_argument("--out", help=f"folder of dataset folders (default: {DEFS_DIR})")
    parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file names or content")
    parser.add_argument("--source", default="source_system", help="source system (part of the bronze path)")
    parser.add_argument("--domain", default="default", help="domain (groups datasets in the catalog)")
    parser.add_argument("--owner", help="an email or team:<name> (default: team:<source>)")
    parser.add_argument("--force", action="store_true", help="replace an existing proposal")
    parser.add_argument("--suggest", metavar="DATASET", help="suggest quality thresholds from the check history")
    parser.add_argument("--apply", action="store_true", help="with --suggest: write the diff into defs.yaml")
    parser.add_argument("--min-runs", type=int, default=MIN_RUNS, help="runs of history needed to suggest")
    parser.add_argument("--history", type=int, default=30, help="evaluations read per check (newest first)")
    parser.set_defaults(handler=profile)
