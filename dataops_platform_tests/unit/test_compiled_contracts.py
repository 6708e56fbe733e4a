"""Compiled contracts: the same TableContract as reading the pandera model, read from the cache
without importing the model while its source is unchanged, compiled again when it changes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from dataops_platform.declarations import DEFS_DIR, load_declarations
from dataops_platform.quality import compiled
from dataops_platform.quality.contract import contract_from_model

MODEL = '''
"""A test contract."""
import pandera.pyspark as pa
import pyspark.sql.types as T


class Orders(pa.DataFrameModel):
    """One row per order."""

    order_id: T.StringType() = pa.Field(nullable=False, str_matches=r"^O\\d+$", description="Order id.")
    amount: T.DecimalType(18, 2) = pa.Field(nullable=True, ge=0, le={limit}, description="Amount.")
    status: T.StringType() = pa.Field(isin=["open", "paid"])

    class Config:
        unique = ["order_id"]
'''


@pytest.fixture
def module(tmp_path, monkeypatch):
    """A contract module of its own on sys.path, and a cache folder of its own."""
    package = tmp_path / "src"
    package.mkdir()
    monkeypatch.syspath_prepend(str(package))
    monkeypatch.setenv("DATAOPS_CONTRACT_CACHE", str(tmp_path / "cache"))
    path = package / "orders_contract.py"
    path.write_text(MODEL.format(limit=1000), encoding="utf-8")
    yield path, tmp_path / "cache", package
    sys.modules.pop("orders_contract", None)


def test_every_declared_contract_compiles_to_what_the_model_says(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAOPS_CONTRACT_CACHE", str(tmp_path))
    for declaration in load_declarations(DEFS_DIR):
        expected = contract_from_model(declaration.schema_model)
        assert compiled.compiled_contract(declaration.schema_ref) == expected  # compiles and stores
        assert compiled.compiled_contract(declaration.schema_ref) == expected  # reads the file
    assert len(list(tmp_path.glob("*.json"))) == len(load_declarations(DEFS_DIR))


def test_a_cached_contract_is_read_without_importing_pandera(module):
    path, cache, package = module
    expected = compiled.compiled_contract("orders_contract:Orders")
    assert [c.name for c in expected.columns] == ["order_id", "amount", "status"] and expected.unique == ("order_id",)
    probe = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(package)!r})
        from dataops_platform.quality.compiled import compiled_contract
        contract = compiled_contract("orders_contract:Orders")
        print(contract.column("amount").checks, "pandera" in sys.modules, "orders_contract" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    checks, pandera_imported, model_imported = done.stdout.rsplit(" ", 2)
    assert (pandera_imported, model_imported.strip()) == ("False", "False")
    assert "1000" in checks


def test_a_changed_source_is_compiled_again(module):
    path, cache, _ = module
    before = compiled.compiled_contract("orders_contract:Orders")
    path.write_text(MODEL.format(limit=5000), encoding="utf-8")
    sys.modules.pop("orders_contract", None)
    after = compiled.compiled_contract("orders_contract:Orders")
    assert before != after
    limits = [k.statistics for k in after.column("amount").checks if k.name == "less_than_or_equal_to"]
    assert limits == [{"max_value": 5000}]
    assert len(list(cache.glob("orders_contract.Orders.*.json"))) == 2


def test_an_unreadable_cache_file_is_compiled_again(module):
    _, cache, _ = module
    expected = compiled.compiled_contract("orders_contract:Orders")
    (stored,) = cache.glob("*.json")
    stored.write_text("{not json", encoding="utf-8")
    assert compiled.compiled_contract("orders_contract:Orders") == expected
