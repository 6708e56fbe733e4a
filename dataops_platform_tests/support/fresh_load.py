"""Load the code location in fresh interpreters, as a restarted code server would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def modules_after_loads(tmp_path: Path, modules: tuple[str, ...], loads: int = 2) -> list[list[str]]:
    """For each of `loads` fresh interpreters sharing one contract cache: which of `modules` were
    imported once `build_definitions` returned."""
    script = (
        "import sys\n"
        "from dataops_platform.definitions import build_definitions\n"
        "from dataops_platform.settings import Settings\n"
        f"build_definitions(Settings(intake_root={str(tmp_path / 'i')!r}, lake_root={str(tmp_path / 'l')!r}))\n"
        f"print(','.join(m for m in {modules!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "DATAOPS_CONTRACT_CACHE": str(tmp_path / "cache")}
    found = []
    for _ in range(loads):
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-2000:]
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        found.append([m for m in last.split(",") if m])
    return found
