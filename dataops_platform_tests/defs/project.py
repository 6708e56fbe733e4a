"""A throwaway dg project beside the platform, as a team adopting it would have: its own
package with a defs/ folder whose instances use the platform's component types."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

PYPROJECT = """\
[project]
name = "{package}"
version = "0.0.1"

[tool.dg]
directory_type = "project"

[tool.dg.project]
root_module = "{package}"
defs_module = "{package}.defs"
"""
_numbers = itertools.count()


def new_project(tmp_path: Path, monkeypatch) -> tuple[Path, str]:
    """(project root, package name); the package is importable for this test only (a fresh
    name each time, since Python caches imported modules)."""
    package = f"adopter_{next(_numbers)}_{tmp_path.name.replace('-', '_')}"
    root = tmp_path / "project"
    (root / package / "defs").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT.format(package=package))
    (root / package / "__init__.py").write_text("")
    (root / package / "defs" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(root))
    return root, package


def dg(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The `dg` command of this environment, run in the project."""
    dg_bin = Path(sys.executable).with_name("dg")
    return subprocess.run(
        [str(dg_bin), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "COLUMNS": "200"},
    )
