#!/usr/bin/env bash
# Builds ragdb and runs the whole test suite (CTest; each module is one GoogleTest binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 900
