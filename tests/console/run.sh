#!/usr/bin/env bash
# Browser tests of the web console: run.sh OUTPUT_DIR BINARY [FALLBACK_BINARY]
# playwright-core (npm) drives Debian's chromium headless (/usr/bin/chromium, installed by
# scripts/install-deps.sh) against `ragdb serve` on loopback. Screenshots of every page, at
# 1280x800 and at a phone's size, go to OUTPUT_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 2 ]]; then
  echo "usage: $0 <output dir> <ragdb binary> [fallback binary]" >&2
  exit 2
fi
mkdir -p "$1"
RAGDB_CONSOLE_OUT="$(cd "$1" && pwd)"
shift
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
if [[ ! -x /usr/bin/chromium ]]; then
  echo "run.sh: /usr/bin/chromium is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
export RAGDB_BIN RAGDB_CONSOLE_OUT
echo "run.sh: testing $RAGDB_BIN; screenshots in $RAGDB_CONSOLE_OUT"
cd "$here"
if [[ ! -d node_modules/playwright-core ]]; then
  npm ci --no-audit --no-fund
fi
exec node --test --test-concurrency=1 "$here"/*.test.mjs
