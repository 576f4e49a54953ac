#!/usr/bin/env bash
# Runs the pytest suites of the Python package (CTest entries python_*): run.sh [pytest args]
# CTest sets RAGDB_PYTHON (the interpreter the module was built for), RAGDB_PYTHONPATH
# (build/python) and RAGDB_BIN (the `ragdb` binary the HTTP tests start with `serve`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PYTHONPATH="${RAGDB_PYTHONPATH:-$here/../../build/python}${PYTHONPATH:+:$PYTHONPATH}"
export RAGDB_BIN="${RAGDB_BIN:-$here/../../build/ragdb}"
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "${RAGDB_PYTHON:-/usr/bin/python3}" -m pytest -q -p no:cacheprovider "$@"
