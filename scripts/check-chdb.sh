#!/usr/bin/env bash
# Proves schemas/clickhouse/*.sql and schemas/queries/*.sql run on a CURRENT ClickHouse engine, embedded by
# chdb (PyPI package chdb-core, which provides `import chdb` with its session API and the engine itself),
# while the end-to-end tests run on Debian's ClickHouse 18.16. See scripts/check_chdb.py for the checks.
#
#   bash scripts/check-chdb.sh          # from any directory
#
# Needs python3 (>= 3.9) and the repo's node_modules (npm ci). The venv lives in .local/venv-chdb and is
# reused; it is (re)built when missing, broken, or holding another chdb-core version than the pin below.
set -euo pipefail

# chdb-core is the engine package (ClickHouse compiled into a Python extension). The `chdb` package (4.x)
# is only a wrapper over it that depends on an unpinned chdb-core>=26.7, so pinning it would not pin the
# engine; pin the engine package directly.
CHDB_PACKAGE=chdb-core
CHDB_VERSION=26.9.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.local/venv-chdb"
PY="$VENV/bin/python"
export NODE_BIN="${NODE_BIN:-$ROOT/node_modules/.bin/node}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v python3 >/dev/null 2>&1; then
  echo "check-chdb: python3 not found" >&2
  exit 1
fi
if [ ! -x "$NODE_BIN" ]; then
  echo "check-chdb: $NODE_BIN not found: run 'npm ci' in $ROOT first (or set NODE_BIN to a Node >= 24)" >&2
  exit 1
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else
    echo "check-chdb: need root to run: $*" >&2
    return 1
  fi
}

# Debian's python3 ships venv without ensurepip; python3-venv brings it.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    pyver="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    echo "check-chdb: python3 -m venv needs ensurepip: installing Debian's python3-venv (python${pyver}-venv)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
      || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${pyver}-venv" >/dev/null
  else
    echo "check-chdb: python3 lacks venv/ensurepip and apt-get is not available to install it" >&2
    exit 1
  fi
fi

# A venv is usable when its python runs; one left half-made by an interrupted run is rebuilt.
if ! "$PY" -c 'import sys' >/dev/null 2>&1; then
  echo "check-chdb: creating venv $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
fi

installed="$("$PY" -c "import importlib.metadata as m; print(m.version('$CHDB_PACKAGE'))" 2>/dev/null || true)"
if [ "$installed" != "$CHDB_VERSION" ]; then
  echo "check-chdb: pip install $CHDB_PACKAGE==$CHDB_VERSION into $VENV (about 250 MB download with pandas and pyarrow, 900 MB installed)"
  start=$(date +%s)
  "$PY" -m pip install -q "$CHDB_PACKAGE==$CHDB_VERSION"
  echo "check-chdb: installed in $(($(date +%s) - start))s"
else
  echo "check-chdb: $CHDB_PACKAGE==$CHDB_VERSION already in $VENV"
fi

exec "$PY" "$ROOT/scripts/check_chdb.py"
