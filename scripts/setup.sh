#!/usr/bin/env bash
# Prepare this checkout for running and testing: Python >= 3.11, Java >= 17 (for Spark),
# and a .venv holding exactly the pins in requirements.lock plus the project (editable).
#
#   bash scripts/setup.sh            # from anywhere; idempotent; near-instant when nothing changed
#
# Environment:
#   PYTHON        interpreter used to create .venv (default: python3, else python3.13/3.12/3.11)
#   JAVA_HOME     a JDK/JRE >= 17 to use for Spark (default: `java` on PATH, else /usr/lib/jvm/*)
#   UV_CACHE_DIR  uv's download/build cache (uv's default, ~/.cache/uv, is reused across runs)
#
# As root with apt-get (Debian/Ubuntu) it installs what is missing from the system
# (python3-venv, a headless Java 17 JRE); otherwise it says what to install and exits 1.
# The Java it picks is recorded in .venv/.java-home, which scripts/run.sh and scripts/test.sh
# export as JAVA_HOME.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

UV_VERSION="0.13.9"          # uv installed into .venv; bump deliberately (it is part of the stamp)
MIN_PY_MINOR=11              # Python 3.11+
MIN_JAVA=17                  # Spark 4 needs Java 17+
VENV="$REPO_ROOT/.venv"
STAMP="$VENV/.setup-stamp"
JAVA_HOME_FILE="$VENV/.java-home"

export DEBIAN_FRONTEND=noninteractive
export UV_PYTHON_DOWNLOADS=never   # never fetch a Python build: use the interpreter given

log()  { echo "[setup] $*"; }
warn() { echo "[setup] WARNING: $*" >&2; }
die()  { echo "[setup] ERROR: $*" >&2; exit 1; }

can_apt() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }

APT_UPDATED=0
apt_update_once() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt-get update -q >/dev/null
        APT_UPDATED=1
    fi
}
# apt_has PKG: true when apt has an installation candidate for PKG
apt_has() {
    local policy
    policy="$(apt-cache policy "$1" 2>/dev/null)" || return 1
    [[ "$policy" == *"Candidate: "[!\(]* ]]
}

# ---------------------------------------------------------------- Python >= 3.11
py_ok() { # py_ok CMD: CMD runs and is Python >= 3.MIN_PY_MINOR
    "$1" -c "import sys; sys.exit(0 if sys.version_info >= (3, $MIN_PY_MINOR) else 1)" >/dev/null 2>&1
}

if [ -n "${PYTHON:-}" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "PYTHON=$PYTHON: no such command."
    py_ok "$PYTHON" || die "PYTHON=$PYTHON is $("$PYTHON" -V 2>&1); Python >= 3.$MIN_PY_MINOR is required."
else
    PYTHON=""
    for cand in python3 python3.13 python3.12 python3.11; do
        if command -v "$cand" >/dev/null 2>&1 && py_ok "$cand"; then PYTHON="$cand"; break; fi
    done
    [ -n "$PYTHON" ] || die "Python >= 3.$MIN_PY_MINOR not found (python3 is $(python3 -V 2>&1 || echo missing)).
  Install it (Debian 12+: apt-get install python3 python3-venv) or point PYTHON at one, e.g.
    PYTHON=/path/to/python3.11 bash scripts/setup.sh"
fi
PY_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

# ---------------------------------------------------------------- Java >= 17
java_major() { # java_major JAVA_BIN -> prints the major version (8, 11, 17, 21, ...)
    local out v
    out="$("$1" -version 2>&1)" || return 1
    v="$(printf '%s\n' "$out" | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
    [ -n "$v" ] || return 1
    case "$v" in 1.*) v="${v#1.}" ;; esac   # 1.8.0_x -> 8
    v="${v%%[!0-9]*}"
    [ -n "$v" ] || return 1
    echo "$v"
}

JAVA_BIN=""
JAVA_VER=""
find_java() { # sets JAVA_BIN/JAVA_VER to the first Java >= MIN_JAVA; prefers JAVA_HOME, PATH, then 17/21
    local cand major
    local -a cands=()
    [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && cands+=("$(command -v java)")
    for cand in /usr/lib/jvm/*17*/bin/java /usr/lib/jvm/*21*/bin/java /usr/lib/jvm/*/bin/java; do
        [ -x "$cand" ] && cands+=("$cand")
    done
    for cand in "${cands[@]}"; do
        [ -x "$cand" ] || continue
        major="$(java_major "$cand")" || continue
        if [ "$major" -ge "$MIN_JAVA" ]; then JAVA_BIN="$cand"; JAVA_VER="$major"; return 0; fi
    done
    return 1
}

if ! find_java; then
    if can_apt; then
        apt_update_once
        if apt_has "openjdk-$MIN_JAVA-jre-headless"; then jre_pkg="openjdk-$MIN_JAVA-jre-headless"
        else jre_pkg="default-jre-headless"; fi   # e.g. Debian 13 ships 21 as its default, no 17
        log "Java >= $MIN_JAVA not found; installing $jre_pkg"
        mkdir -p /usr/share/man/man1   # openjdk's postinst fails without it on slim images
        apt-get install -y -q --no-install-recommends "$jre_pkg" >/dev/null
        find_java || die "installed $jre_pkg but still found no Java >= $MIN_JAVA."
    else
        die "Spark needs Java >= $MIN_JAVA and none was found ($(command -v java >/dev/null 2>&1 \
&& echo "java on PATH is version $(java_major java || echo '?')" || echo "no java on PATH")).
  Install a JRE, e.g. on Debian/Ubuntu:  sudo apt-get install openjdk-17-jre-headless
  (or default-jre-headless where 17 is not packaged), then re-run this script.
  A JDK outside PATH can be used by setting JAVA_HOME to its directory."
    fi
fi
JAVA_HOME_RESOLVED="$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")")"
if [ -n "${JAVA_HOME:-}" ] && [ "$(readlink -f "$JAVA_HOME")" != "$JAVA_HOME_RESOLVED" ]; then
    warn "JAVA_HOME=$JAVA_HOME is not Java >= $MIN_JAVA; using $JAVA_HOME_RESOLVED instead."
fi

# ---------------------------------------------------------------- .venv
hash_inputs() {
    { cat requirements.lock pyproject.toml; echo "uv=$UV_VERSION python=$PY_VERSION"; } |
        if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi |
        cut -d' ' -f1
}

[ -f requirements.lock ] || die "requirements.lock is missing; regenerate it with:
    uv pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements.lock"

# .venv is usable when its Python runs and is the same 3.x as $PYTHON (else it is recreated).
venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        [ "$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$PY_VERSION" ]
}

record_java() {
    if [ ! -f "$JAVA_HOME_FILE" ] || [ "$(cat "$JAVA_HOME_FILE")" != "$JAVA_HOME_RESOLVED" ]; then
        echo "$JAVA_HOME_RESOLVED" > "$JAVA_HOME_FILE"
    fi
}

WANT="$(hash_inputs)"
if venv_ok && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    record_java
    log "up to date: .venv (Python $PY_VERSION), Java $JAVA_VER at $JAVA_HOME_RESOLVED"
    exit 0
fi

# Serialise concurrent setups of the same checkout (e.g. run.sh and test.sh started together).
if command -v flock >/dev/null 2>&1; then
    LOCK_FILE="${TMPDIR:-/tmp}/dataops-setup-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1).lock"
    exec 9>"$LOCK_FILE"
    flock 9
    # another setup may have finished while we waited
    if venv_ok && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
        record_java
        log "up to date (set up concurrently): Java $JAVA_VER at $JAVA_HOME_RESOLVED"
        exit 0
    fi
fi

venv_pkg() { # the Debian package that provides venv/ensurepip for $PYTHON
    local p="python$PY_VERSION-venv"
    if apt_has "$p"; then echo "$p"; else echo "python3-venv"; fi
}

create_venv() {
    local out
    rm -rf "$VENV"
    log "creating .venv with $PYTHON ($("$PYTHON" -V 2>&1))"
    if out="$("$PYTHON" -m venv "$VENV" 2>&1)"; then return 0; fi
    rm -rf "$VENV"
    if can_apt; then
        apt_update_once
        local pkg; pkg="$(venv_pkg)"
        log "'$PYTHON -m venv' does not work (ensurepip missing); installing $pkg"
        apt-get install -y -q --no-install-recommends "$pkg" >/dev/null
        "$PYTHON" -m venv "$VENV" || { rm -rf "$VENV"; die "'$PYTHON -m venv' still fails after installing $pkg."; }
    else
        printf '%s\n' "$out" >&2
        die "'$PYTHON -m venv' does not work. On Debian/Ubuntu install the venv module:
    sudo apt-get install python3-venv      (or python$PY_VERSION-venv)
  then re-run this script."
    fi
}

venv_ok || create_venv
# A venv left half-made (e.g. without pip) is recreated once.
if [ "$("$VENV/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    "$VENV/bin/python" -m pip --version >/dev/null 2>&1 || create_venv
    log "installing uv==$UV_VERSION into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

rm -f "$STAMP"
log "syncing .venv with requirements.lock"
"$VENV/bin/uv" pip sync --python "$VENV/bin/python" requirements.lock
log "installing the project (editable, no deps)"
"$VENV/bin/uv" pip install --python "$VENV/bin/python" --no-deps -e .
"$VENV/bin/python" -c "import dataops_platform" ||
    die "the project does not import from .venv."
echo "$WANT" > "$STAMP"
record_java
log "done: .venv (Python $PY_VERSION, uv $UV_VERSION), Java $JAVA_VER at $JAVA_HOME_RESOLVED"
