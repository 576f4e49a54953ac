#!/usr/bin/env bash
# Runs the black-box Node tests of `ragdb serve`: run.sh BINARY [FALLBACK_BINARY]
# The first binary whose `--data DIR serve --help` succeeds is used (the full `ragdb` CLI, or
# the stand-in `ragdb_serve` that has only the serve command).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <ragdb binary> [fallback binary]" >&2
  exit 2
fi
RAGDB_BIN=""
probe="$(mktemp -d)"
for b in "$@"; do
  if [[ -x "$b" ]] && "$b" --data "$probe" serve --help >/dev/null 2>&1; then
    RAGDB_BIN="$(cd "$(dirname "$b")" && pwd)/$(basename "$b")"
    break
  fi
done
rm -rf "$probe"
if [[ -z "$RAGDB_BIN" ]]; then
  echo "run.sh: none of $* runs 'serve'" >&2
  exit 1
fi
export RAGDB_BIN
echo "run.sh: testing $RAGDB_BIN"
cd "$here"
if [[ ! -d node_modules/@qdrant/js-client-rest || ! -d node_modules/openai ]]; then
  npm ci --no-audit --no-fund
fi
exec node --test --test-concurrency=1 "$here"/*.test.mjs
