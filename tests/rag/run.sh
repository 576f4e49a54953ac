#!/usr/bin/env bash
# Runs the black-box Node tests of `ragdb mcp` (stdio) and of /mcp in `ragdb serve`: run.sh BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 <ragdb binary>" >&2
  exit 2
fi
RAGDB_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
export RAGDB_BIN
export RAGDB_SOURCE_DIR="$(cd "$here/../.." && pwd)"
cd "$here"
if [[ ! -d node_modules/@modelcontextprotocol/sdk ]]; then
  npm ci --no-audit --no-fund
fi
exec node --test --test-concurrency=1 "$here"/*.test.mjs
