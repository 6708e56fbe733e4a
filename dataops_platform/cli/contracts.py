"""`dataops contracts check [--base REF]`: the working tree's table contracts against a git ref.

One line per change (breaking or compatible) and per problem (a breaking change without a major
`contract_version` bump is an error, a compatible one without a minor bump a warning); exit 1
when there is an error (or the contracts cannot be compared), 0 otherwise. The default base is
the merge base of HEAD and main. `check` is what the CI `validate` stage calls.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dataops_platform.contracts_history import ContractHistoryError, compare_with_ref


def check(base: str | None = None, repo: Path = Path(".")) -> int:
    """Compare the contracts of `repo`'s working tree with `base`; print what changed; 1 on error."""
    try:
        result = compare_with_ref(Path(repo), base)
    except ContractHistoryError as exc:
        print(f"dataops contracts check: {exc}", file=sys.stderr)
        return 1
    print(f"contracts: the working tree against {result.base} ({result.commit[:12]})")
    if result.note:
        print(f"note: {result.note}")
    for change in result.changes:
        print(change)
    for name in result.new_tables:
        print(f"{'new':<10} {name}: not at the base, nothing to compare")
    for problem in result.problems:
        print(problem)
    if not result.changes:
        print("contracts: no contract changes")
    else:
        breaking = sum(c.breaking for c in result.changes)
        print(
            f"contracts: {len(result.changes)} change(s), {breaking} breaking; "
            f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
        )
    return 1 if result.errors else 0


def contracts_check(args: argparse.Namespace) -> int:
    return check(args.base, Path(args.repo))


def register(commands) -> None:
    contracts = commands.add_parser("contracts", help="contract versioning of the declared tables")
    actions = contracts.add_subparsers(dest="contracts_command", required=True)
    checker = actions.add_parser(
        "check", help="classify the contract changes since a git ref and check the contract versions"
    )
    checker.add_argument("--base", default=None, help="git ref to compare with (default: merge base of HEAD and main)")
    checker.add_argument("--repo", default=".", help="the git checkout (default: the current directory)")
    checker.set_defaults(handler=contracts_check)
