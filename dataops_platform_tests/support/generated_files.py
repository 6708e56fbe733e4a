"""Generated demo files read back byte for byte (the demo-data tests of both domains)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by its relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_reproducible(generate: Callable[..., dict], root: Path, probe: str, other_seed: int) -> None:
    """The same parameters give byte-identical files; another seed gives the same files with
    other contents (`probe`: a file that must differ)."""
    generate(root / "a")
    generate(root / "b")
    generate(root / "c", seed=other_seed)
    first, second, other = files_of(root / "a"), files_of(root / "b"), files_of(root / "c")
    assert first == second
    assert first.keys() == other.keys()
    assert first[probe] != other[probe]
