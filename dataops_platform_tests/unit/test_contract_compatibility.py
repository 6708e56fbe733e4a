"""Contract versioning: every kind of contract change is classified breaking or compatible,
the declared `contract_version` must account for it, and the contracts at a git ref are read
from that ref (sibling schema imports included)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import textwrap
import types
import uuid
from pathlib import Path

import pandera.pyspark as pa
import pydantic
import pyspark.sql.types as T
import pytest

from dataops_platform.cli import contracts as contracts_cli
from dataops_platform.contracts_history import (
    DeclaredContract,
    compare_tables,
    compare_with_ref,
    contracts_at,
    default_base,
    rewrite_imports,
)
from dataops_platform.declarations import DEFS_DIR, DatasetDeclaration, load_declarations, load_products
from dataops_platform.quality.compatibility import Change, compare, removed_table, verdict, widens
from dataops_platform.quality.contract import TableContract, contract_from_model

REPO = Path(__file__).resolve().parents[2]


def changes_of(old_model: type, new_model: type, table: str = "t") -> list[Change]:
    return compare(table, contract_from_model(old_model), contract_from_model(new_model))


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


# ---------------------------------------------------------------- small model pairs


class Orders(pa.DataFrameModel):
    """Orders."""

    order_id: T.StringType() = pa.Field(nullable=False, str_matches=r"^O\d{6}$", description="Order id.")
    quantity: T.IntegerType() = pa.Field(nullable=True, ge=0, le=100, description="Items.")
    price: T.FloatType() = pa.Field(nullable=True, description="Unit price.")
    amount: T.DecimalType(18, 2) = pa.Field(nullable=True, description="Total.")
    status: T.StringType() = pa.Field(nullable=True, isin=["open", "paid", "void"], description="Status.")
    note: T.StringType() = pa.Field(nullable=True, description="Free text.")

    class Config:
        unique = ["order_id"]


def variant(**fields) -> type:
    """Orders with some fields replaced (value: (annotation, pa.Field)) or dropped (value: None)."""
    annotations, namespace = {}, {"__doc__": fields.pop("__doc__", Orders.__doc__)}
    unique = fields.pop("unique", ["order_id"])
    base = {
        "order_id": (T.StringType(), dict(nullable=False, str_matches=r"^O\d{6}$", description="Order id.")),
        "quantity": (T.IntegerType(), dict(nullable=True, ge=0, le=100, description="Items.")),
        "price": (T.FloatType(), dict(nullable=True, description="Unit price.")),
        "amount": (T.DecimalType(18, 2), dict(nullable=True, description="Total.")),
        "status": (T.StringType(), dict(nullable=True, isin=["open", "paid", "void"], description="Status.")),
        "note": (T.StringType(), dict(nullable=True, description="Free text.")),
    }
    for name, spec in {**base, **fields}.items():
        if spec is None:
            continue
        annotations[name], namespace[name] = spec[0], pa.Field(**spec[1])
    namespace["__annotations__"] = annotations
    namespace["Config"] = type("Config", (), {"unique": unique})
    return type("Orders", (pa.DataFrameModel,), namespace)


def test_the_same_model_twice_has_no_changes():
    assert changes_of(Orders, variant()) == []
    assert verdict([], "1.0", "1.0") == []


def test_a_removed_column_is_breaking_and_names_the_column():
    change = only(changes_of(Orders, variant(note=None), table="orders"))
    assert (change.table, change.column, change.kind) == ("orders", "note", "breaking")
    assert "column removed" in change.reason


def test_a_rename_is_a_removal_plus_an_addition():
    renamed = variant(note=None, comment=(T.StringType(), dict(nullable=True, description="Free text.")))
    changes = {(c.column, c.kind) for c in changes_of(Orders, renamed)}
    assert changes == {("note", "breaking"), ("comment", "compatible")}
    removed = next(c for c in changes_of(Orders, renamed) if c.column == "note")
    assert "renamed?" in removed.reason and "comment" in removed.reason


def test_an_added_column_is_compatible_when_nullable_and_breaking_when_required():
    nullable = only(changes_of(Orders, variant(channel=(T.StringType(), dict(nullable=True)))))
    assert (nullable.column, nullable.kind) == ("channel", "compatible") and "added" in nullable.reason
    required = only(changes_of(Orders, variant(channel=(T.StringType(), dict(nullable=False)))))
    assert (required.column, required.kind) == ("channel", "breaking") and "required" in required.reason


@pytest.mark.parametrize(
    ("column", "old", "new", "kind", "word"),
    [
        ("quantity", T.IntegerType(), T.LongType(), "compatible", "widened"),
        ("quantity", T.IntegerType(), T.ShortType(), "breaking", "narrowed"),
        ("quantity", T.IntegerType(), T.StringType(), "breaking", "changed"),
        ("quantity", T.IntegerType(), T.DoubleType(), "compatible", "widened"),
        ("price", T.FloatType(), T.DoubleType(), "compatible", "widened"),
        ("amount", T.DecimalType(18, 2), T.DecimalType(28, 2), "compatible", "widened"),
        ("amount", T.DecimalType(18, 2), T.DecimalType(20, 4), "compatible", "widened"),
        ("amount", T.DecimalType(18, 2), T.DecimalType(10, 2), "breaking", "narrowed"),
        ("amount", T.DecimalType(18, 2), T.DecimalType(18, 3), "breaking", "changed"),
        ("amount", T.DecimalType(18, 2), T.DoubleType(), "breaking", "changed"),
    ],
)
def test_a_type_change_is_compatible_only_when_it_widens(column, old, new, kind, word):
    spec = dict(nullable=True, description="The same on both sides.")
    change = only(changes_of(variant(**{column: (old, spec)}), variant(**{column: (new, spec)})))
    assert (change.column, change.kind) == (column, kind)
    assert word in change.reason and new.simpleString() in change.reason


def test_the_widening_table():
    assert widens(T.ByteType(), T.ShortType()) and widens(T.ShortType(), T.LongType())
    assert widens(T.LongType(), T.DecimalType(20, 0)) and not widens(T.LongType(), T.DecimalType(19, 0))
    assert not widens(T.LongType(), T.DoubleType())  # above 2**53 a double loses digits
    assert not widens(T.IntegerType(), T.FloatType())
    assert widens(T.DateType(), T.TimestampNTZType()) and not widens(T.DateType(), T.TimestampType())
    assert not widens(T.TimestampType(), T.TimestampNTZType())
    assert widens(T.ArrayType(T.IntegerType(), False), T.ArrayType(T.LongType(), True))
    assert not widens(T.ArrayType(T.IntegerType(), True), T.ArrayType(T.IntegerType(), False))
    old = T.StructType([T.StructField("a", T.IntegerType())])
    assert widens(old, T.StructType([T.StructField("a", T.LongType()), T.StructField("b", T.StringType())]))
    assert not widens(old, T.StructType([T.StructField("b", T.IntegerType())]))
    assert widens(T.VarcharType(10), T.StringType()) and not widens(T.StringType(), T.VarcharType(10))


def test_nullable_becoming_required_is_breaking_and_the_reverse_compatible():
    spec = dict(description="Free text.")
    tightened = only(changes_of(Orders, variant(note=(T.StringType(), dict(nullable=False, **spec)))))
    assert (tightened.column, tightened.kind) == ("note", "breaking") and "required" in tightened.reason
    loosened = only(
        changes_of(variant(note=(T.StringType(), dict(nullable=False, **spec))), Orders)  # required -> nullable
    )
    assert (loosened.column, loosened.kind) == ("note", "compatible")


def quantity(**checks) -> type:
    return variant(quantity=(T.IntegerType(), dict(nullable=True, description="Items.", **checks)))


def status(values: list[str]) -> type:
    return variant(status=(T.StringType(), dict(nullable=True, isin=values, description="Status.")))


def order_id(**checks) -> type:
    return variant(order_id=(T.StringType(), dict(nullable=False, description="Order id.", **checks)))


@pytest.mark.parametrize(
    ("old", "new", "column", "kind", "words"),
    [
        (quantity(ge=0, le=100), quantity(ge=1, le=100), "quantity", "breaking", ["min_value raised", "0", "1"]),
        (quantity(ge=0, le=100), quantity(ge=-5, le=100), "quantity", "compatible", ["min_value lowered"]),
        (quantity(ge=0, le=100), quantity(ge=0, le=50), "quantity", "breaking", ["max_value lowered", "50"]),
        (quantity(ge=0, le=100), quantity(ge=0, le=500), "quantity", "compatible", ["max_value raised"]),
        (quantity(le=100), quantity(ge=0, le=100), "quantity", "breaking", ["new rule", "greater_than_or_equal_to"]),
        (quantity(ge=0, le=100), quantity(le=100), "quantity", "compatible", ["rule removed"]),
        (quantity(ge=0), quantity(gt=0), "quantity", "breaking", ["new rule: greater_than(min_value=0)"]),
        (
            quantity(in_range={"min_value": 0, "max_value": 9}),
            quantity(in_range={"min_value": 0, "max_value": 9, "include_max": False}),
            "quantity",
            "breaking",
            ["include_max turned off"],
        ),
        (
            status(["open", "paid", "void"]),
            status(["open", "paid"]),
            "status",
            "breaking",
            ["no longer allowed", "void"],
        ),
        (status(["open", "paid", "void"]), status(["open", "paid", "void", "held"]), "status", "compatible", ["held"]),
        (order_id(), order_id(str_matches=r"^O\d{6}$"), "order_id", "breaking", ["new rule: str_matches"]),
        (order_id(str_matches=r"^O\d{6}$"), order_id(str_matches=r"^O\d{7}$"), "order_id", "breaking", ["changed"]),
        (order_id(str_matches=r"^O\d{6}$"), order_id(), "order_id", "compatible", ["rule removed: str_matches"]),
    ],
)
def test_rules_tightened_are_breaking_and_loosened_compatible(old, new, column, kind, words):
    changes = [c for c in changes_of(old, new) if c.column == column]
    assert any(c.kind == kind for c in changes), changes
    assert all(c.kind == "compatible" for c in changes) == (kind == "compatible")
    text = " ".join(c.reason for c in changes)
    assert all(w in text for w in words), text


def test_isin_values_swapped_are_breaking_and_reordered_are_no_change():
    swapped = changes_of(status(["open", "paid"]), status(["open", "void"]))
    assert {c.kind for c in swapped} == {"breaking", "compatible"}  # 'paid' dropped, 'void' allowed
    assert changes_of(status(["open", "paid", "void"]), status(["void", "open", "paid"])) == []


def test_a_changed_unique_key_is_breaking():
    change = only(changes_of(Orders, variant(unique=["order_id", "status"]), table="orders"))
    assert (change.table, change.column, change.kind) == ("orders", None, "breaking")
    assert "unique key" in change.reason and "order_id, status" in change.reason
    reordered = only(changes_of(variant(unique=["order_id", "status"]), variant(unique=["status", "order_id"])))
    assert reordered.kind == "compatible"


def test_description_only_changes_are_compatible_docs():
    changes = changes_of(
        Orders,
        variant(__doc__="Orders, one row each.", note=(T.StringType(), dict(nullable=True, description="Text."))),
    )
    assert {(c.column, c.kind) for c in changes} == {("note", "compatible"), (None, "compatible")}
    assert all(c.reason.startswith("docs:") for c in changes)


def test_a_column_order_change_is_compatible():
    contract = contract_from_model(Orders)
    reordered = dataclasses.replace(contract, columns=tuple(reversed(contract.columns)))
    assert only(compare("orders", contract, reordered)) == Change("orders", None, "compatible", "column order changed")


# ---------------------------------------------------------------- a copy of a real contract


def transactions_with(*edits: tuple[str, str]) -> TableContract:
    """The contract of the real `Transactions` model, its source edited (old text -> new text)
    and run as a fresh module."""
    edited = (DEFS_DIR / "transactions" / "schema.py").read_text(encoding="utf-8")
    for old, new in edits:
        assert edited.count(old) == 1, f"{old!r} is not once in the transactions schema"
        edited = edited.replace(old, new)
    module = types.ModuleType(f"transactions_copy_{uuid.uuid4().hex}")
    sys.modules[module.__name__] = module  # pandera resolves the annotations in the model's module
    try:
        exec(compile(edited, f"{module.__name__}.py", "exec"), module.__dict__)
        return contract_from_model(module.Transactions)
    finally:
        del sys.modules[module.__name__]


def real_transactions():
    return next(d for d in load_declarations() if d.name == "transactions").contract


def test_changes_to_a_copy_of_the_transactions_contract():
    real = real_transactions()
    assert compare("transactions", real, transactions_with()) == []
    edited = transactions_with(
        ("le=1_000_000", "le=500_000"),
        ('"refunded"]', '"refunded", "disputed"]'),
        ("T.DecimalType(18, 2)", "T.DecimalType(12, 2)"),
        ("    customer_id: T.StringType()", "    buyer_id: T.StringType()"),  # a rename
    )
    changes = compare("transactions", real, edited)
    found = {(c.column, c.kind, c.reason) for c in changes}
    assert found == {
        ("customer_id", "breaking", "column removed (renamed? added with the same type: buyer_id)"),
        ("buyer_id", "compatible", "column added (nullable string)"),
        ("amount", "breaking", "type narrowed from decimal(18,2) to decimal(12,2)"),
        ("amount", "breaking", "less_than_or_equal_to: max_value lowered from 1000000 to 500000"),
        ("status", "compatible", "isin: value(s) now allowed: 'disputed'"),
    }
    assert all(c.table == "transactions" for c in changes)
    problems = verdict(changes, "1.0", "1.1")
    assert [p.severity for p in problems] == ["error"]
    assert all(w in str(problems[0]) for w in ("transactions", "amount", "max_value lowered", "customer_id"))
    assert verdict(changes, "1.0", "2.0") == []


# ---------------------------------------------------------------- versions


BREAKING = [Change("orders", "note", "breaking", "column removed")]
COMPATIBLE = [Change("orders", "channel", "compatible", "column added (nullable string)")]


@pytest.mark.parametrize(
    ("changes", "old", "new", "severity"),
    [
        (BREAKING, "1.0", "1.0", "error"),
        (BREAKING, "1.0", "1.1", "error"),
        (BREAKING, "1.3", "2.0", None),
        (BREAKING + COMPATIBLE, "1.3", "2.0", None),
        (BREAKING + COMPATIBLE, "1.3", "1.4", "error"),
        (COMPATIBLE, "1.0", "1.0", "warning"),
        (COMPATIBLE, "1.0", "1.1", None),
        (COMPATIBLE, "1.9", "1.10", None),
        (COMPATIBLE, "1.0", "2.0", None),
        ([], "1.0", "1.0", None),
        ([], "1.0", "1.1", None),
        (COMPATIBLE, "2.0", "1.5", "error"),
        ([removed_table("orders")], "1.0", None, "error"),
        (COMPATIBLE, "1.0", "one", "error"),
    ],
)
def test_version_bump_rules(changes, old, new, severity):
    problems = verdict(changes, old, new)
    assert [p.severity for p in problems] == ([severity] if severity else [])
    if severity == "error" and changes == BREAKING:  # names the table, the column and the reason
        message = str(problems[0])
        assert "orders" in message and "note" in message and "column removed" in message
    if new is None:
        assert "table removed" in str(problems[0])


def test_contract_version_is_declared_and_validated():
    tables = [*load_declarations(), *load_products()]
    # customer 360's four datasets and three products, personal analytics' three and two
    assert len(tables) == 12 and all(t.contract_version == "1.0" for t in tables)
    for path in DEFS_DIR.rglob("defs.yaml"):
        assert 'contract_version: "1.0"' in path.read_text(encoding="utf-8"), path
    attributes = next(d for d in load_declarations() if d.name == "transactions").model_dump(by_alias=True)
    assert DatasetDeclaration.model_validate({**attributes, "contract_version": "2.13"}).contract_version == "2.13"
    for bad in ["1", "v1.0", "1.0.0", "1.x"]:
        with pytest.raises(pydantic.ValidationError, match="contract_version"):
            DatasetDeclaration.model_validate({**attributes, "contract_version": bad})
    attributes.pop("contract_version")
    assert DatasetDeclaration.model_validate(attributes).contract_version == "1.0"


# ---------------------------------------------------------------- history in a real git repository


CUSTOMERS_SCHEMA = '''
import pandera.pyspark as pa
import pyspark.sql.types as T

REGIONS = {regions}


class Customers(pa.DataFrameModel):
    """Customers."""

    customer_id: T.StringType() = pa.Field(nullable=False, description="Id.")
    region: T.StringType() = pa.Field(nullable=True, isin=REGIONS, description="Region.")
{extra}
    class Config:
        unique = ["customer_id"]
'''

SEGMENTS_SCHEMA = '''
import pandera.pyspark as pa
import pyspark.sql.types as T

from dataops_platform.defs.customers.schema import REGIONS


class Segments(pa.DataFrameModel):
    """Segments per region."""

    region: T.StringType() = pa.Field(nullable=False, isin=REGIONS, description="Region.")
    customers: T.LongType() = pa.Field(ge=0, description="Customers.")

    class Config:
        unique = ["region"]
'''


def defs_yaml(name: str, schema: str, version: str | None, product: bool = False) -> str:
    kind = "DataProduct" if product else "Dataset"
    lines = [
        f"type: dataops_platform.components.{kind}",
        "attributes:",
        f"  name: {name}",
        f"  schema: dataops_platform.defs.{name}.schema:{schema}",
    ]
    return "\n".join(lines + ([f'  contract_version: "{version}"'] if version else [])) + "\n"


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


DEFS = "dataops_platform/defs"
CUSTOMERS = {
    f"{DEFS}/__init__.py": "",
    f"{DEFS}/customers/__init__.py": "",
    f"{DEFS}/customers/schema.py": CUSTOMERS_SCHEMA.format(regions='["north", "south", "atlantis"]', extra=""),
    f"{DEFS}/customers/defs.yaml": defs_yaml("customers", "Customers", None),  # before versioning: "1.0"
    f"{DEFS}/segments/schema.py": SEGMENTS_SCHEMA,  # no __init__.py: a namespace folder at the ref
    f"{DEFS}/segments/defs.yaml": defs_yaml("segments", "Segments", "1.0", product=True),
    f"{DEFS}/legacy/schema.py": CUSTOMERS_SCHEMA.format(regions="[]", extra="").replace("Customers", "Legacy"),
    f"{DEFS}/legacy/defs.yaml": defs_yaml("legacy", "Legacy", "1.2"),
}


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    """A git repository with a defs package at its first commit (on `work`; no `main`)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "work")
    write(root, CUSTOMERS)
    return root, commit_all(root, "first")


def change_the_tree(root: Path) -> None:
    """atlantis leaves REGIONS (so the sibling `segments` shrinks too), a nullable column is added
    to customers (now 2.0), legacy is removed, orders is new."""
    regions = '["north", "south"]'
    extra = '    email: T.StringType() = pa.Field(nullable=True, description="Email.")\n'
    write(
        root,
        {
            f"{DEFS}/customers/schema.py": CUSTOMERS_SCHEMA.format(regions=regions, extra=extra),
            f"{DEFS}/customers/defs.yaml": defs_yaml("customers", "Customers", "2.0"),
            f"{DEFS}/orders/schema.py": CUSTOMERS_SCHEMA.format(regions="[]", extra="").replace("Customers", "Orders"),
            f"{DEFS}/orders/defs.yaml": defs_yaml("orders", "Orders", "1.0"),
        },
    )
    for name in ("schema.py", "defs.yaml"):
        (root / DEFS / "legacy" / name).unlink()


def test_the_contracts_at_a_ref_are_the_ref_s_own_schema_modules(repo):
    root, first = repo
    change_the_tree(root)
    path_before = list(sys.path)
    old = contracts_at(root, first)
    assert set(old) == {"customers", "segments", "legacy"}
    assert old["customers"].contract_version == "1.0"  # no contract_version in the YAML at the ref
    assert (old["segments"].kind, old["legacy"].contract_version) == ("product", "1.2")
    isin = [c for c in old["segments"].contract.column("region").checks if c.name == "isin"]
    assert isin[0].statistics["allowed_values"] == ["north", "south", "atlantis"]  # the sibling at the ref
    assert not any(m.startswith("_dataops_contracts_") for m in sys.modules)
    assert sys.path == path_before


def test_the_history_comparison_against_the_first_commit(repo, capsys):
    root, first = repo
    change_the_tree(root)
    result = compare_with_ref(root, first)
    assert result.commit == first and result.new_tables == ["orders"]
    found = {(c.table, c.column, c.kind) for c in result.changes}
    assert found == {
        ("customers", "region", "breaking"),  # isin lost atlantis
        ("customers", "email", "compatible"),
        ("segments", "region", "breaking"),  # through the sibling import
        ("legacy", None, "breaking"),
    }
    errors = {p.table: str(p) for p in result.errors}
    assert set(errors) == {"segments", "legacy"} and not result.warnings  # customers went to 2.0
    assert "region" in errors["segments"] and "'atlantis'" in errors["segments"] and "2.0" in errors["segments"]
    assert "table removed" in errors["legacy"]

    assert contracts_cli.check(first, root) == 1
    out = capsys.readouterr().out
    assert "breaking   segments.region: isin: value(s) no longer allowed: 'atlantis'" in out
    assert "ERROR      segments:" in out and "new        orders:" in out

    # segments to 2.0 and legacy back: every change is covered by a major bump
    write(root, {f"{DEFS}/segments/defs.yaml": defs_yaml("segments", "Segments", "2.0", product=True)})
    write(root, {path: text for path, text in CUSTOMERS.items() if "/legacy/" in path})
    assert contracts_cli.check(first, root) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_a_compatible_change_without_a_minor_bump_is_a_warning(repo, capsys):
    root, first = repo
    extra = '    email: T.StringType() = pa.Field(nullable=True, description="Email.")\n'
    write(
        root,
        {f"{DEFS}/customers/schema.py": CUSTOMERS_SCHEMA.format(regions='["north", "south", "atlantis"]', extra=extra)},
    )
    result = compare_with_ref(root, "HEAD")
    assert [(p.table, p.severity) for p in result.problems] == [("customers", "warning")]
    parser = argparse.ArgumentParser()
    contracts_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["contracts", "check", "--base", first, "--repo", str(root)])
    assert args.handler(args) == 0
    assert "WARNING    customers:" in capsys.readouterr().out


def test_the_default_base_is_the_merge_base_with_main(repo, capsys):
    root, first = repo
    ref, how, note = default_base(root)
    assert (ref, how) == ("HEAD", "HEAD") and "no `main` branch" in note
    git(root, "branch", "main")
    write(root, {f"{DEFS}/customers/defs.yaml": defs_yaml("customers", "Customers", "1.1")})
    second = commit_all(root, "second")
    assert default_base(root) == (first, "merge-base HEAD main", None)
    result = compare_with_ref(root)
    assert (result.commit, result.changes, result.problems) == (first, [], [])
    assert second != first
    assert contracts_cli.check(None, root) == 0
    assert "merge-base HEAD main" in capsys.readouterr().out


def test_a_table_new_since_the_ref_and_an_unknown_ref(repo, capsys):
    root, first = repo
    assert compare_tables({}, {"t": DeclaredContract("t", "dataset", "1.0", real_transactions())}) == ([], [], ["t"])
    assert contracts_cli.check("no-such-ref", root) == 1
    assert "no-such-ref" in capsys.readouterr().err


def test_only_the_defs_package_is_rewritten():
    source = "from dataops_platform.defs.customers.schema import X\nimport dataops_platform.defs\nfrom dataops_platform.defsx import Y\nfrom dataops_platform.quality import Z\n"
    assert rewrite_imports(source, "dataops_platform.defs", "_tmp") == (
        "from _tmp.customers.schema import X\nimport _tmp\nfrom dataops_platform.defsx import Y\nfrom dataops_platform.quality import Z\n"
    )


def _defs_sources_differ_from_head() -> bool:
    status = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "dataops_platform/defs"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return any(line.strip().endswith(".py") for line in status.splitlines())


def test_an_unchanged_tree_reports_nothing_against_head(capsys):
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    if _defs_sources_differ_from_head():
        pytest.skip("a schema under dataops_platform/defs has uncommitted changes")
    result = compare_with_ref(REPO, "HEAD")
    assert (result.changes, result.problems, result.new_tables) == ([], [], [])
    assert contracts_cli.check("HEAD", REPO) == 0
    assert "no contract changes" in capsys.readouterr().out


def test_the_catalog_and_the_ui_metadata_show_the_contract_version(tmp_path):
    import dagster as dg

    from dataops_platform.definitions import build_definitions
    from dataops_platform.observability.catalog.export import build_catalog
    from dataops_platform.observability.catalog.markdown import catalog_markdown
    from dataops_platform.settings import Settings

    every_domain = Settings(intake_root=str(tmp_path / "intake"), lake_root=str(tmp_path / "lake"), domains=("*",))
    defs = build_definitions(every_domain)
    graph = defs.resolve_asset_graph()
    with dg.instance_for_test() as instance:
        catalog = build_catalog(defs, instance)
    versions = {a["key"]: a["contract_version"] for a in catalog["assets"] if a["contract_version"]}
    declared = {f"silver/{d.name}": d.contract_version for d in load_declarations()}
    declared |= {f"gold/{p.name}": p.contract_version for p in load_products()}
    assert versions == declared
    for key, version in versions.items():
        value = graph.get(dg.AssetKey(key.split("/"))).metadata["contract_version"]
        assert getattr(value, "value", value) == version == "1.0"
    markdown = catalog_markdown(catalog)
    assert markdown.count("| Contract version | 1.0 |") == 12 and "| contract_version |" not in markdown
