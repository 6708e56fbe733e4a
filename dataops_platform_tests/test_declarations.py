"""Dataset declarations: the built-in ones load; malformed ones fail naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataops_platform.declarations import DeclarationError, load_declaration, load_declarations
from dataops_platform.settings import BUILTIN_DATASETS_DIR

VALID = (BUILTIN_DATASETS_DIR / "transactions.yaml").read_text()


def write(tmp_path: Path, text: str, name: str = "transactions") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_builtin_declarations_load():
    declarations = load_declarations([BUILTIN_DATASETS_DIR])
    assert [d.name for d in declarations] == ["customers", "support_tickets", "transactions", "web_events"]
    tx = next(d for d in declarations if d.name == "transactions")
    assert tx.primary_key == ["transaction_id"] and tx.format == "csv"
    assert tx.columns == ["transaction_id", "customer_id", "transaction_ts", "amount", "channel", "status"]
    assert tx.contract.column("amount").type_name == "decimal(18,2)"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("format: csv", "format: xml"), "format", "'csv' or 'jsonl'"),
        (("primary_key: [transaction_id]", "primary_key: [txn]"), "primary_key", "['txn'] not in schema"),
        (("event_time: transaction_ts", "event_time: when"), "event_time", "['when'] not in schema"),
        (('owners: ["team:payments-data"]', "owners: [nobody]"), "owners", "emails or 'team:<name>'"),
        (("prefix: payments/transactions/", "prefix: ../etc/"), "intake.prefix", "no '..'"),
        (("schema: dataops_platform.defs.transactions.schema:Transactions",
          "schema: dataops_platform.schemas.nowhere:Nothing"), "schema", "cannot import"),
        (("critical_columns: [", "critical_colums: ["), "critical_colums", "Extra inputs are not permitted"),
    ],
)
def test_malformed_declaration_names_file_and_field(tmp_path, change, field, message):
    path = write(tmp_path, VALID.replace(*change))
    with pytest.raises(DeclarationError) as info:
        load_declaration(path)
    text = str(info.value)
    assert str(path) in text and f"field '{field}'" in text and message in text


def test_missing_required_field_and_bad_yaml(tmp_path):
    path = write(tmp_path, VALID.replace("primary_key: [transaction_id]\n", ""))
    with pytest.raises(DeclarationError, match=r"transactions.yaml: field 'primary_key': Field required"):
        load_declaration(path)
    broken = write(tmp_path, "name: [unclosed", name="broken")
    with pytest.raises(DeclarationError, match=r"broken.yaml: cannot read YAML"):
        load_declaration(broken)
    scalar = write(tmp_path, "just text", name="scalar")
    with pytest.raises(DeclarationError, match=r"scalar.yaml: expected a mapping"):
        load_declaration(scalar)


def test_name_must_match_file_and_be_unique(tmp_path):
    with pytest.raises(DeclarationError, match=r"field 'name': 'transactions' must match the file name 'payments'"):
        load_declaration(write(tmp_path, VALID, name="payments"))
    other = tmp_path / "other"
    other.mkdir()
    write(other, VALID)
    with pytest.raises(DeclarationError, match=r"already declared"):
        load_declarations([BUILTIN_DATASETS_DIR, other])
