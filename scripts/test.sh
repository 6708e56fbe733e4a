#!/usr/bin/env bash
# Run the test suite in .venv (set up first by scripts/setup.sh).
#
#   bash scripts/test.sh                   # full suite, including tests marked slow
#   bash scripts/test.sh -m "not slow"     # any pytest arguments pass through
#   DATAOPS_TEST_WORKERS=0 bash scripts/test.sh   # serially (default: two pytest-xdist workers)
#
# An empty run (pytest exit 5, "no tests collected") is a failure, never a silent pass.
#
# The production-profile tests need a PostgreSQL server (dataops_platform_tests/support/postgres_server.py):
# when none answers on 127.0.0.1:5432 and no server binaries are installed, this script installs
# Debian's `postgresql` package if it runs as root with apt (DATAOPS_TEST_INSTALL_POSTGRES=no
# skips that). A failed install is not fatal: those tests then skip and say why.
# Likewise Debian's `chromium` for the browser tests (DATAOPS_TEST_INSTALL_CHROMIUM=no skips that).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

bash scripts/setup.sh

postgres_present() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null ||
        (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
}
if [ "${DATAOPS_TEST_INSTALL_POSTGRES:-yes}" != "no" ] && ! postgres_present &&
        [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] no PostgreSQL server found; installing Debian's postgresql package for the production-profile tests"
    if ! { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends postgresql >/dev/null; }; then
        echo "[test] WARNING: could not install postgresql; the PostgreSQL tests will skip" \
             "(install it by hand: apt-get install postgresql)." >&2
    fi
fi

# The browser tests (dataops_platform_tests/support/browser.py) drive Debian's Chromium: installed
# the same way when missing (DATAOPS_TEST_INSTALL_CHROMIUM=no skips that); without it they skip and say why.
chromium_present() {
    [ -n "${DATAOPS_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 ||
        command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}
if [ "${DATAOPS_TEST_INSTALL_CHROMIUM:-yes}" != "no" ] && ! chromium_present; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "[test] no Chromium found; installing Debian's chromium package for the browser tests"
        if ! { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends chromium >/dev/null; }; then
            echo "[test] WARNING: could not install chromium; the browser tests will skip" \
                 "(install it by hand: apt-get install chromium)." >&2
        fi
    else
        echo "[test] WARNING: no Chromium found and not root with apt; the browser tests will skip" \
             "(install it: sudo apt-get install chromium)." >&2
    fi
fi

# The Java setup.sh chose (>= 17) for Spark, and the venv's Python for Spark's workers.
if [ -s .venv/.java-home ]; then JAVA_HOME="$(cat .venv/.java-home)"; export JAVA_HOME; fi
export PYSPARK_PYTHON="$REPO_ROOT/.venv/bin/python"
export PYSPARK_DRIVER_PYTHON="$REPO_ROOT/.venv/bin/python"
export VIRTUAL_ENV="$REPO_ROOT/.venv" PATH="$REPO_ROOT/.venv/bin:$PATH"  # the project venv is the active one (for dg)
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"   # no hostname lookups; local mode only

# Every defs.yaml validates and the code location loads, before the suite spends minutes on it.
echo "[test] dg check defs"
.venv/bin/dg check defs

# Two pytest-xdist workers (one per core; each shares one SparkSession across its tests):
# DATAOPS_TEST_WORKERS=0 runs in this process, serially.
WORKERS="${DATAOPS_TEST_WORKERS:-2}"
WORKER_ARGS=()
# --dist loadscope: each module runs on one worker, so a module fixture (a platform built on
# generated data, a webserver and daemon started by scripts/run.sh) is built once, not once per
# worker. (With pytest 9 and xdist 3.8, --dist loadgroup still split modules marked xdist_group
# across workers: the node ids showed no group suffix.)
[ "$WORKERS" != "0" ] && WORKER_ARGS=(-n "$WORKERS" --dist loadscope)

rc=0
.venv/bin/python -m pytest "${WORKER_ARGS[@]}" "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    echo "[test] ERROR: pytest collected no tests (exit 5); an empty suite is a failure." >&2
    exit 1
fi
exit "$rc"
