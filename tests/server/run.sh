#!/usr/bin/env bash
# Runs the black-box Node tests of `ragdb serve`: run.sh <path to ragdb binary>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <ragdb binary>" >&2
  exit 2
fi
export RAGDB_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$here"
if [[ ! -d node_modules/@qdrant/js-client-rest ]]; then
  npm ci --no-audit --no-fund
fi
exec node --test --test-concurrency=1 "$here"/*.test.mjs
