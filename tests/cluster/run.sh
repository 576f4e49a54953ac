#!/usr/bin/env bash
# Runs the cluster tests: run.sh RAGDB_BINARY. Needs etcd (Debian etcd-server) and Node; installs
# s3rver from npm on first use. Everything runs on loopback, started and stopped by the tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 <ragdb binary>" >&2
  exit 2
fi
export RAGDB_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
command -v etcd >/dev/null || { echo "run.sh: etcd not installed (scripts/install-deps.sh)" >&2; exit 1; }
cd "$here"
if [[ ! -d node_modules/s3rver ]]; then
  npm ci --no-audit --no-fund
fi
exec node --test --test-concurrency=1 "$here"/*.test.mjs
