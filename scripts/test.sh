#!/usr/bin/env bash
# Run the test suite in .venv (set up first by scripts/setup.sh).
#
#   bash scripts/test.sh                   # full suite, including tests marked slow
#   bash scripts/test.sh -m "not slow"     # any pytest arguments pass through
#   bash scripts/test.sh -n 2              # parallel (pytest-xdist)
#
# An empty run (pytest exit 5, "no tests collected") is a failure, never a silent pass.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

bash scripts/setup.sh

# The Java setup.sh chose (>= 17) for Spark, and the venv's Python for Spark's workers.
if [ -s .venv/.java-home ]; then JAVA_HOME="$(cat .venv/.java-home)"; export JAVA_HOME; fi
export PYSPARK_PYTHON="$REPO_ROOT/.venv/bin/python"
export PYSPARK_DRIVER_PYTHON="$REPO_ROOT/.venv/bin/python"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"   # no hostname lookups; local mode only

rc=0
.venv/bin/python -m pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    echo "[test] ERROR: pytest collected no tests (exit 5); an empty suite is a failure." >&2
    exit 1
fi
exit "$rc"
