"""Compiled contracts: a pandera model read once per version of its source, then from a file.

Reading a pandera model imports pandera and pandas (about half a second), and every process that
loads the code location does it: the webserver's code server and every run worker. The
`TableContract` a model gives depends only on the model's source file and the pandera and
PySpark versions, so it is written as JSON under the cache folder, keyed by a hash of those,
and later loads read that file instead of importing the model. A changed schema file has a new
hash, so a stale contract is never read; a contract that does not survive the JSON round trip
unchanged is simply not cached.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path

from dataops_platform.quality.contract import CheckSpec, ColumnContract, TableContract, contract_from_model

FORMAT = 1


def cache_dir() -> Path:
    """DATAOPS_CONTRACT_CACHE, else <XDG cache home>/dataops_platform/contracts."""
    explicit = os.environ.get("DATAOPS_CONTRACT_CACHE", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "dataops_platform" / "contracts"


def compiled_contract(ref: str) -> TableContract:
    """The contract of the pandera model `module:Class`, from the cache when its source is unchanged."""
    module_name, attribute = ref.split(":")
    key = _source_key(module_name, attribute)
    path = cache_dir() / f"{module_name}.{attribute}.{key}.json" if key else None
    if path is not None and path.is_file():
        try:
            return _from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable or from another format: compile again
    contract = contract_from_model(getattr(importlib.import_module(module_name), attribute))
    if path is not None:
        _store(path, contract)
    return contract


def model_source(ref: str) -> str:
    """The text of the file that defines `module:Class`, found without importing it ("" if none)."""
    origin = _source_file(ref.split(":")[0])
    return origin.read_text(encoding="utf-8") if origin else ""


def _source_file(module_name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    origin = Path(spec.origin) if spec and spec.origin else None
    return origin if origin is not None and origin.suffix == ".py" and origin.is_file() else None


def _source_key(module_name: str, attribute: str) -> str | None:
    """A hash of the model's source file and the libraries that read it (None: no source file)."""
    origin = _source_file(module_name)
    if origin is None:
        return None
    digest = hashlib.sha256(origin.read_bytes())
    for package in ("pandera", "pyspark"):
        digest.update(f"{package}={_version(package)};".encode())
    digest.update(f"{attribute};{FORMAT}".encode())
    return digest.hexdigest()[:20]


@functools.cache
def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _store(path: Path, contract: TableContract) -> None:
    try:
        document = _to_json(contract)
        if _from_json(json.loads(json.dumps(document))) != contract:
            return  # a check statistic JSON cannot carry exactly: read the model every time
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(document, sort_keys=True), encoding="utf-8")
        os.replace(partial, path)
    except (OSError, TypeError, ValueError):
        pass  # a read-only or full cache folder only costs the import next time


def _to_json(contract: TableContract) -> dict:
    return {
        "name": contract.name,
        "description": contract.description,
        "unique": list(contract.unique),
        "columns": [
            {
                "name": c.name,
                "type": c.spark_type.json(),
                "nullable": c.nullable,
                "description": c.description,
                "checks": [{"name": k.name, "statistics": k.statistics} for k in c.checks],
            }
            for c in contract.columns
        ],
    }


def _from_json(document: dict) -> TableContract:
    from pyspark.sql.types import _parse_datatype_json_string

    columns = tuple(
        ColumnContract(
            name=c["name"],
            spark_type=_parse_datatype_json_string(c["type"]),
            nullable=bool(c["nullable"]),
            description=c["description"],
            checks=tuple(CheckSpec(k["name"], dict(k["statistics"])) for k in c["checks"]),
        )
        for c in document["columns"]
    )
    return TableContract(document["name"], document["description"], columns, tuple(document["unique"]))
