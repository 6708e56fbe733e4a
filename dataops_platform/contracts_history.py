"""Contract versioning: the contracts of the working tree against those at a git ref.

Each dataset and product declares a `contract_version` (MAJOR.MINOR, declarations.py). For a
ref (default: the merge base of HEAD and `main`), every table's declaration and contract are
read as they were at the ref and as they are in the working tree, compared column by column
(quality/compatibility.py) and held against the two versions: a breaking change without a major
bump is an error, a compatible one without a minor bump a warning.

The contract at the ref is the schema module at the ref, not the working tree's: the
`defs/**/*.py` and `defs/*/defs.yaml` files are written (`git cat-file`) into a temporary folder
laid out as the `defs` package and imported under a unique package name, with
`dataops_platform.defs` in their imports rewritten to it, so a schema importing a sibling
(`from dataops_platform.defs.customers.schema import REGIONS`) gets the sibling at the same ref.
The working tree is read the same way, from disk. Imports of the rest of the package (pandera
helpers, `dataops_platform.quality`...) resolve to the installed package.

- A table absent at the ref is new: nothing to compare.
- A table whose defs.yaml is gone is a breaking change, an error (there is no version to bump).
- A declaration without `contract_version` (written before versioning) is version "1.0".
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dataops_platform.declarations import DATASET_TYPE, PRODUCT_TYPE, DeclarationError, component_files
from dataops_platform.quality.compatibility import Change, Problem, compare, removed_table, verdict
from dataops_platform.quality.contract import TableContract, contract_from_model
from dataops_platform.quality.declared_contract import contract_from_attributes

DEFS_PATH = "dataops_platform/defs"  # the defs package, relative to the repository's top level
DEFAULT_VERSION = "1.0"  # declarations from before contract versioning
MAIN_BRANCHES = ("refs/heads/main", "refs/remotes/origin/main")
TABLE_KINDS = {DATASET_TYPE: "dataset", PRODUCT_TYPE: "product"}


class ContractHistoryError(RuntimeError):
    """The contracts cannot be compared: not a git repository, an unknown ref, a schema that
    does not import at the ref..."""


@dataclass(frozen=True)
class DeclaredContract:
    """One table as declared at some point: its name, kind, contract version and contract."""

    name: str
    kind: str  # "dataset" | "product"
    contract_version: str
    contract: TableContract


@dataclass
class Comparison:
    """The working tree's contracts against those at `base`."""

    base: str  # how the base was chosen, e.g. "merge-base HEAD main"
    commit: str  # the commit compared with
    note: str | None = None  # e.g. why the default base fell back to HEAD
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_tables: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# ---------------------------------------------------------------- git


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; its stdout, or ContractHistoryError with its stderr."""
    return _git_bytes(repo, *args).decode("utf-8")


def _git_bytes(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except OSError as exc:
        raise ContractHistoryError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise ContractHistoryError(f"git {' '.join(args)}: {message or f'exit {done.returncode}'}")
    return done.stdout


def _has_ref(repo: Path, ref: str) -> bool:
    try:
        git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ContractHistoryError:
        return False
    return True


def repo_root(path: Path) -> Path:
    """The top level of the git working tree holding `path`."""
    return Path(git(Path(path), "rev-parse", "--show-toplevel").strip())


def default_base(repo: Path) -> tuple[str, str, str | None]:
    """(ref, how it was chosen, note): the merge base of HEAD and `main` (or `origin/main`);
    HEAD, with a note saying why, when there is no such branch or no merge base."""
    notes = []
    for branch in MAIN_BRANCHES:
        if not _has_ref(repo, branch):
            continue
        short = branch.removeprefix("refs/heads/").removeprefix("refs/remotes/")
        try:
            return git(repo, "merge-base", "HEAD", branch).strip(), f"merge-base HEAD {short}", None
        except ContractHistoryError:
            notes.append(f"HEAD and {short} have no merge base")
    note = "; ".join(notes) if notes else "no `main` branch"
    return "HEAD", "HEAD", f"{note}: comparing with HEAD instead of the merge base with main"


def resolve(repo: Path, ref: str) -> str:
    """The commit `ref` names; ContractHistoryError for an unknown ref."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except ContractHistoryError:
        raise ContractHistoryError(f"{ref!r} is not a commit of {repo}") from None


def _wanted(relative: str) -> bool:
    parts = relative.split("/")
    return "__pycache__" not in parts and (relative.endswith(".py") or parts[-1] == "defs.yaml")


def files_at(repo: Path, commit: str, defs_path: str = DEFS_PATH) -> dict[str, bytes]:
    """The defs package's Python files and defs.yaml files at `commit`, by path under defs."""
    listing = _git_bytes(repo, "ls-tree", "-r", "-z", "--full-tree", "--name-only", commit, "--", defs_path)
    prefix = defs_path.rstrip("/") + "/"
    paths = [p for p in listing.decode("utf-8").split("\0") if p.startswith(prefix)]
    return {
        path[len(prefix) :]: _git_bytes(repo, "cat-file", "blob", f"{commit}:{path}")
        for path in paths
        if _wanted(path[len(prefix) :])
    }


def files_in_tree(repo: Path, defs_path: str = DEFS_PATH) -> dict[str, bytes]:
    """The same files in the working tree (untracked ones too)."""
    root = Path(repo) / defs_path
    if not root.is_dir():
        raise ContractHistoryError(f"no {defs_path} folder in {repo}")
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and _wanted(relative):
            found[relative] = path.read_bytes()
    return found


# ---------------------------------------------------------------- contracts from files


def rewrite_imports(source: str, package: str, replacement: str) -> str:
    """`package` (e.g. dataops_platform.defs) in imports and refs, replaced by `replacement`."""
    return re.sub(rf"(?<![\w.]){re.escape(package)}(?!\w)", replacement, source)


@contextmanager
def temporary_package(files: dict[str, bytes], package: str) -> Iterator[tuple[str, Path]]:
    """The files laid out as a package under a unique name, importable while inside:
    (package name, its folder). Its modules leave sys.modules afterwards."""
    name = f"_dataops_contracts_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="dataops-contracts-") as tmp:
        root = Path(tmp) / name
        root.mkdir()
        for relative, data in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if relative.endswith(".py"):
                data = rewrite_imports(data.decode("utf-8"), package, name).encode("utf-8")
            path.write_bytes(data)
        for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
            (folder / "__init__.py").touch(exist_ok=True)
        sys.path.insert(0, tmp)
        importlib.invalidate_caches()
        try:
            yield name, root
        finally:
            sys.path.remove(tmp)
            for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[module]


def contracts_from_files(files: dict[str, bytes], where: str, package: str) -> dict[str, DeclaredContract]:
    """Every declared table of a defs package given as files (see `files_at`), by name.

    Only what versioning needs is read, leniently: a declaration from an older release may not
    validate against today's models, and need not. `where` names the origin in errors."""
    found: dict[str, DeclaredContract] = {}
    with temporary_package(files, package) as (name, root):
        for kind_type, kind in TABLE_KINDS.items():
            try:
                declared = component_files(root, kind_type)
            except DeclarationError as exc:
                raise ContractHistoryError(f"{where}: {exc}".replace(str(root), package)) from None
            for path, attributes in declared:
                table = path.parent.name
                label = f"{where}: {path.relative_to(root).as_posix()}"
                version = attributes.get("contract_version", DEFAULT_VERSION)
                if kind_type == PRODUCT_TYPE and attributes.get("sql"):  # a SQL product declares its columns
                    contract = contract_from_attributes(table, attributes)
                else:
                    contract = _contract(attributes.get("schema"), package, name, label)
                found[table] = DeclaredContract(table, kind, str(version), contract)
    return found


def _contract(ref: object, package: str, temporary: str, label: str) -> TableContract:
    if not isinstance(ref, str) or ref.count(":") != 1:
        raise ContractHistoryError(f"{label}: field 'schema': expected module:Class, got {ref!r}")
    module, attribute = ref.split(":")
    if module != package and not module.startswith(package + "."):
        raise ContractHistoryError(
            f"{label}: field 'schema': {ref} is outside {package}; only schemas inside it can be read at a ref"
        )
    try:
        model = getattr(importlib.import_module(temporary + module[len(package) :]), attribute)
        return contract_from_model(model)
    except Exception as exc:  # any failure of old code is reported with its table
        raise ContractHistoryError(f"{label}: cannot read the contract {ref}: {type(exc).__name__}: {exc}") from exc


def contracts_at(repo: Path, ref: str, defs_path: str = DEFS_PATH) -> dict[str, DeclaredContract]:
    """Every table's declared contract at the git `ref`."""
    commit = resolve(repo, ref)
    return contracts_from_files(files_at(repo, commit, defs_path), f"{ref}", defs_path.replace("/", "."))


def contracts_in_tree(repo: Path, defs_path: str = DEFS_PATH) -> dict[str, DeclaredContract]:
    """Every table's declared contract in the working tree of `repo`."""
    return contracts_from_files(files_in_tree(repo, defs_path), "working tree", defs_path.replace("/", "."))


# ---------------------------------------------------------------- comparing


def compare_tables(
    old: dict[str, DeclaredContract], new: dict[str, DeclaredContract]
) -> tuple[list[Change], list[Problem], list[str]]:
    """(changes, problems, new tables) from the tables at the base to the tables now."""
    changes: list[Change] = []
    problems: list[Problem] = []
    new_tables: list[str] = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if after is None:
            found = [removed_table(name)]
            problems += verdict(found, before.contract_version, None, table=name)
        elif before is None:
            new_tables.append(name)
            continue
        else:
            found = compare(name, before.contract, after.contract)
            problems += verdict(found, before.contract_version, after.contract_version, table=name)
        changes += found
    return changes, problems, new_tables


def compare_with_ref(repo: Path, base: str | None = None, defs_path: str = DEFS_PATH) -> Comparison:
    """The contracts of `repo`'s working tree against those at `base` (default: the merge base
    of HEAD and main, see `default_base`)."""
    repo = repo_root(repo)
    if base is None:
        ref, how, note = default_base(repo)
    else:
        ref, how, note = base, base, None
    commit = resolve(repo, ref)
    old = contracts_from_files(files_at(repo, commit, defs_path), how, defs_path.replace("/", "."))
    new = contracts_in_tree(repo, defs_path)
    changes, problems, new_tables = compare_tables(old, new)
    return Comparison(how, commit, note, changes, problems, new_tables)
