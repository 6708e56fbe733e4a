"""`dataops profile` on sample files: the proposed contract says what the sample's majority says,
a dirty sample's defects are reported in the evidence and kept out of the contract, JSON lines
and non-default dialects are read as the platform's reader reads them."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from dataops_platform.cli import main
from dataops_platform.declarations import load_declaration
from dataops_platform.profiling.shapes import EMAIL
from dataops_platform.quality.contract import TableContract, contract_from_model
from dataops_platform_tests.defs.project import new_project
from dataops_platform_tests.profiling import feeds
from dataops_platform_tests.profiling.feeds import evidence


def profiled(tmp_path, monkeypatch, capsys, name: str, files: list[Path], *flags: str) -> tuple[Path, str]:
    """Profile `files` into a new dg project's defs; (the dataset folder, what the command printed)."""
    root, package = new_project(tmp_path, monkeypatch)
    out = root / package / "defs"
    code = main(["profile", *map(str, files), "--dataset", name, "--out", str(out), *flags])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    assert f"{out / name / 'defs.yaml'}: loads as written" in printed.out
    return out / name, printed.out


def contract_of(folder: Path) -> TableContract:
    """The written contract, read from the pandera model itself."""
    return contract_from_model(load_declaration(folder / "defs.yaml").schema_model)


def said(comments: str, after: str) -> set[str]:
    """The comma-separated items the comment line holding `after` lists after it."""
    line = next(line for line in comments.splitlines() if after in line)
    return {item.strip() for item in line.split(after, 1)[1].split(";")[0].split(",")}


def checks(contract: TableContract, column: str) -> dict[str, dict]:
    return {c.name: c.statistics for c in contract.column(column).checks}


def test_a_dirty_sample_does_not_turn_its_defects_into_the_contract(tmp_path, monkeypatch, capsys):
    feed = feeds.dirty_gift_orders(tmp_path / "samples")
    folder, printed = profiled(tmp_path, monkeypatch, capsys, "dirty_orders", feed.files)
    contract = contract_of(folder)
    schema, defs = evidence((folder / "schema.py").read_text()), evidence((folder / "defs.yaml").read_text())

    # 3% of the amounts do not parse and one is 10^9: still a decimal, and the range excludes the outlier
    assert contract.column("amount").type_name == "decimal(18,2)"
    amount = checks(contract, "amount")
    clean = [Decimal(r["amount"]) for i, r in enumerate(feed.rows) if i not in feed.bad_rows]
    assert amount["greater_than_or_equal_to"]["min_value"] <= min(clean)
    assert max(clean) <= amount["less_than_or_equal_to"]["max_value"] < 2 * max(clean)
    assert said(schema, "18 do not, e.g.") >= {"'twelve'", "'EUR 12'", "'1.2.3'"}
    assert "max 1000000000" in schema and "1 value(s) outside, left out: 1000000000" in schema
    # junk categories are not allowed values, and are reported with their counts
    assert checks(contract, "category")["isin"]["allowed_values"] == feeds.CATEGORIES
    assert "left out of the allowed values (rare, 0.5% of values): 'zzz' x1, 'bookz' x1, '???' x1" in schema
    # 2% unparsable timestamps: still a timestamp, the event time
    assert contract.column("ordered_at").type_name == "timestamp"
    assert said(schema, "12 do not, e.g.") >= {"'yesterday'", "'2026-13-45T00:00:00Z'", "'15/11/2026 08:00'"}
    assert yaml.safe_load((folder / "defs.yaml").read_text())["attributes"]["event_time"] == "ordered_at"
    # the rows these defects are in: what the first run would quarantine, counted independently
    bad = len(feed.bad_rows)
    assert bad == 34
    assert f"this sample would put {bad} of 600 row(s) ({bad / 600:.1%}) in quarantine (MORE than the 5%" in defs
    assert f"{bad} sample row(s) fail the proposed rules" in printed


def test_a_clean_feed_gets_its_key_types_rules_and_pii(tmp_path, monkeypatch, capsys):
    feed = feeds.gift_orders(tmp_path / "samples", per_file=40)
    flags = ["--source", "shop", "--domain", "retail", "--owner", "team:shop-data"]
    folder, printed = profiled(tmp_path, monkeypatch, capsys, "gift_orders", feed.files, *flags)
    declaration = load_declaration(folder / "defs.yaml")
    assert declaration.primary_key == ["order_id"] and declaration.event_time == "ordered_at"
    assert declaration.partitioning.table_by_month_of == "ordered_at"
    assert declaration.pii_columns == ["email"]
    assert declaration.critical_columns == ["order_id", "ordered_at", "amount"]
    assert declaration.cleansing.lowercase == ["category"]
    assert (declaration.intake.prefix, declaration.intake.pattern) == ("shop/gift_orders/", "gift_orders_*.csv")
    assert (declaration.source, declaration.domain, declaration.owners) == ("shop", "retail", ["team:shop-data"])
    assert declaration.dialect.model_dump() == type(declaration.dialect)().model_dump()  # default: not written
    assert "dialect:" not in (folder / "defs.yaml").read_text()

    contract = contract_of(folder)
    types = {c.name: (c.type_name, c.nullable) for c in contract.columns}
    assert types == {
        "order_id": ("string", False),
        "ordered_at": ("timestamp", False),
        "email": ("string", False),
        "category": ("string", False),
        "amount": ("decimal(18,2)", False),
        "quantity": ("int", True),  # every tenth order has none
    }
    assert contract.unique == ("order_id",)
    assert checks(contract, "order_id") == {"str_matches": {"pattern": r"^G\d{8}$"}}
    assert checks(contract, "email") == {"str_matches": {"pattern": EMAIL}}
    assert checks(contract, "category") == {"isin": {"allowed_values": feeds.CATEGORIES}}
    quantity = checks(contract, "quantity")
    assert (
        quantity["greater_than_or_equal_to"]["min_value"] <= 1 and quantity["less_than_or_equal_to"]["max_value"] >= 9
    )
    # the evidence: shares, distinct counts, and PII examples masked
    schema = evidence((folder / "schema.py").read_text())
    assert "nulls: 12 of 121 rows (9.9%); distinct: 9" in schema
    assert "e.g. 'b***@***.com'" in schema and "buyer1@example.com" not in schema
    assert "unique and never null in the 120 distinct row(s) of the sample" in evidence(
        (folder / "defs.yaml").read_text()
    )
    assert "primary key ['order_id']" in printed
    # the contract is formatted as the project's formatter leaves it
    ruff = Path(sys.executable).with_name("ruff")
    formatted = subprocess.run(
        [str(ruff), "format", "--check", str(folder / "schema.py")], capture_output=True, text=True
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_json_lines_are_profiled_by_field(tmp_path, monkeypatch, capsys):
    feed = feeds.sensor_readings(tmp_path / "samples")
    folder, _ = profiled(tmp_path, monkeypatch, capsys, "room_readings", feed.files)
    declaration = load_declaration(folder / "defs.yaml")
    assert declaration.format == "jsonl" and declaration.intake.pattern == "readings_*.jsonl"
    # reading_id repeats as later versions (another read_at): still the key
    assert declaration.primary_key == ["reading_id"] and declaration.event_time == "read_at"
    contract = contract_of(folder)
    types = {c.name: (c.type_name, c.nullable) for c in contract.columns}
    assert types == {
        "reading_id": ("string", False),
        "device": ("string", False),
        "room": ("string", False),
        "read_at": ("timestamp", False),
        "celsius": ("decimal(18,1)", True),  # one reading lacks the field
        "heating": ("boolean", False),
        "meta": ("string", False),  # a nested object, kept as its JSON text
    }
    assert checks(contract, "device") == {"str_matches": {"pattern": r"^dev\-\d{3}$"}}
    assert checks(contract, "room") == {"isin": {"allowed_values": ["bedroom", "hall", "kitchen"]}}
    assert checks(contract, "meta") == {}
    defs = evidence((folder / "defs.yaml").read_text())
    assert "3 repeat(s) in the 123 distinct row(s) of the sample are versions with other event" in defs
    assert "battery (1 of 2 files)" in defs  # only one file has it: not declared, reported


def test_a_semicolon_windows_1252_feed_with_na_tokens_gets_its_dialect(tmp_path, monkeypatch, capsys):
    samples = tmp_path / "samples"
    samples.mkdir()
    lines = ["code;label;price;updated"] + [
        f"K{n:04d};Caf\u00e9 {n};{'NA' if n % 7 == 0 else f'{n}.5'};2026-11-{1 + n % 28:02d}" for n in range(60)
    ]
    (samples / "prices.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("windows-1252"))
    folder, _ = profiled(tmp_path, monkeypatch, capsys, "prices", [samples])
    declaration = load_declaration(folder / "defs.yaml")
    assert declaration.dialect.delimiter == ";"
    assert declaration.dialect.encoding == "cp1252"
    assert declaration.dialect.null_tokens == ["", "NULL", "null", "N/A", "NA"]
    contract = contract_of(folder)
    assert contract.column("price").type_name == "decimal(18,1)" and contract.column("price").nullable
    assert contract.column("updated").type_name == "date" and declaration.event_time == "updated"
    assert declaration.primary_key == ["code"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x1f\x8b\x08\x00rest", "gzip-compressed"),
        (b"order id,amount\nA1,2\n", "column 1 'order id' is not a Python identifier"),
        (b"a,b,A\n1,2,3\n", "duplicate column names in the header: A, a"),
        (b"amount,label\n1,x\n", "no date or timestamp column in the sample"),
    ],
)
def test_a_sample_that_cannot_be_profiled_names_the_file(tmp_path, capsys, content, message):
    sample = tmp_path / "bad.csv"
    sample.write_bytes(content)
    assert main(["profile", str(sample), "--dataset", "bad", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert message in error, error
    assert ("bad.csv" in error) or "timestamp" in message
    assert not (tmp_path / "out").exists()  # nothing written


def test_an_existing_proposal_is_not_replaced_without_force(tmp_path, monkeypatch, capsys):
    feed = feeds.gift_orders(tmp_path / "samples", per_file=20, files=1)
    folder, _ = profiled(tmp_path / "a", monkeypatch, capsys, "gift_orders", feed.files)
    (folder / "defs.yaml").write_text((folder / "defs.yaml").read_text() + "# my edit\n")
    code = main(["profile", *map(str, feed.files), "--dataset", "gift_orders", "--out", str(folder.parent)])
    assert code == 2 and "pass --force to replace it" in capsys.readouterr().err
    assert (folder / "defs.yaml").read_text().endswith("# my edit\n")
