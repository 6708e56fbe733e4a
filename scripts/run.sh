#!/usr/bin/env bash
# Start the platform locally: Dagster webserver + daemon (`dg dev`) on this checkout.
#
#   bash scripts/run.sh                      # then open http://127.0.0.1:3000
#   bash scripts/run.sh --print-command      # print the `dg dev` command and exit
#
# Environment (defaults in brackets):
#   DAGSTER_PORT         [3000]
#   DATAOPS_WEBSERVER_HOST [127.0.0.1]          interface the UI binds to. The Dagster webserver has
#                                              no authentication: keep loopback, and put an
#                                              authenticating reverse proxy in front (README,
#                                              "Production deployment") rather than 0.0.0.0
#   DATAOPS_INTAKE_ROOT  [<repo>/data/intake]   where the intake sensors look for files
#   DATAOPS_LAKE_ROOT    [<repo>/data/lake]     where the Delta tables are written
#   DATAOPS_DEMO_ROWS    [the CLI's default]    rows per demo file, on the first start only
#   DATAOPS_DOMAINS      [customer360]          domains to build and to write demo data for, e.g.
#                                              customer360,personal_analytics (README, "A second domain")
#   DATAOPS_PARTITIONS_START [the day the demo data was written]  first daily partition
#   DATAOPS_DAGSTER_HOME [<repo>/.dagster_home]  the Dagster instance (config copied from deploy/dagster.yaml)
# Demo data is generated once, when $DATAOPS_INTAKE_ROOT/_demo_manifest.json is absent (a domain
# of DATAOPS_DOMAINS it lacks is added later); delete that file (or data/) to get it again.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

log() { echo "[run] $*"; }

HOST="${DATAOPS_WEBSERVER_HOST:-127.0.0.1}"
PORT="${DAGSTER_PORT:-3000}"
DAGSTER_DEV=(.venv/bin/dg dev -h "$HOST" -p "$PORT")  # the project of pyproject.toml [tool.dg]
if [ "${1:-}" = "--print-command" ]; then
    echo "${DAGSTER_DEV[*]}"
    exit 0
fi
case "$HOST" in
    127.*|localhost|::1) ;;
    *) log "WARNING: the UI binds to $HOST, reachable from other machines, and has no authentication." ;;
esac

bash scripts/setup.sh

if [ -s .venv/.java-home ]; then JAVA_HOME="$(cat .venv/.java-home)"; export JAVA_HOME; fi
export PYSPARK_PYTHON="$REPO_ROOT/.venv/bin/python"
export PYSPARK_DRIVER_PYTHON="$REPO_ROOT/.venv/bin/python"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
export DATAOPS_INTAKE_ROOT="${DATAOPS_INTAKE_ROOT:-$REPO_ROOT/data/intake}"
export DATAOPS_LAKE_ROOT="${DATAOPS_LAKE_ROOT:-$REPO_ROOT/data/lake}"

# Dagster instance: SQLite storage, run queue and pool limits from deploy/dagster.yaml.
export DAGSTER_HOME="${DATAOPS_DAGSTER_HOME:-$REPO_ROOT/.dagster_home}"
mkdir -p "$DAGSTER_HOME"
if ! cmp -s deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"; then
    log "installing deploy/dagster.yaml into $DAGSTER_HOME"
    cp deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
fi

if [ -f "$DATAOPS_INTAKE_ROOT/_demo_manifest.json" ] && [ -z "${DATAOPS_DOMAINS:-}" ]; then
    log "demo data already in $DATAOPS_INTAKE_ROOT"
else
    log "demo data for ${DATAOPS_DOMAINS:-customer360} in $DATAOPS_INTAKE_ROOT"
    demo_args=()
    if [ -n "${DATAOPS_DEMO_ROWS:-}" ]; then demo_args+=(--rows "$DATAOPS_DEMO_ROWS"); fi
    .venv/bin/dataops demo-data ${demo_args[@]+"${demo_args[@]}"}
fi

# Daily partitions start where the data starts: the day the demo files were first written (the
# intake sensors put them in that day's partition), so the UI's "filled" figure means something.
if [ -z "${DATAOPS_PARTITIONS_START:-}" ]; then
    DATAOPS_PARTITIONS_START="$(date -u -r "$DATAOPS_INTAKE_ROOT/_demo_manifest.json" +%F)"
    export DATAOPS_PARTITIONS_START
    log "daily partitions start on $DATAOPS_PARTITIONS_START (set DATAOPS_PARTITIONS_START to change it)"
fi

log "Dagster UI: http://$HOST:$PORT   (DAGSTER_HOME=$DAGSTER_HOME; Ctrl-C stops it)"
export VIRTUAL_ENV="$REPO_ROOT/.venv" PATH="$REPO_ROOT/.venv/bin:$PATH"  # the project venv is the active one (for dg)
exec "${DAGSTER_DEV[@]}"
