#!/usr/bin/env bash
# The aarch64 edge build, end to end under qemu (issue 21): cross-builds the `edge-aarch64`
# preset's CLI and kernel tests, runs the NEON kernels against the scalar ones, checks the
# run-time dispatch, then builds an HNSW collection of ../shared/data/ann-sift5k with the ARM CLI
# and checks recall@10 >= 0.95 against the data set's ground truth.
# Usage: aarch64.sh SOURCE_DIR SHARED_DATA_DIR          (exit 77 = skipped: no cross tools)
set -euo pipefail
src=$1 shared=$2
for tool in aarch64-linux-gnu-g++ qemu-aarch64-static; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"
    exit 77
  fi
done
cd "$src"
scripts/aarch64-sysroot.sh
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
start=$SECONDS
cmake --preset edge-aarch64 "${launcher[@]}" >/dev/null
# Only what this test runs (the whole preset also builds every module's tests).
cmake --build --preset edge-aarch64 --target ragdb simd_test index_test
echo "cross build: $((SECONDS - start)) s"
bin=build-edge-aarch64
file "$bin/ragdb" | grep -q "ARM aarch64.*statically linked"
qemu=(qemu-aarch64-static)

# NEON kernels against scalar. (The death test re-executes the binary, which an aarch64 binary
# cannot do without binfmt_misc; the environment override is checked through --version below.)
"${qemu[@]}" "$bin/src/simd/simd_test" --gtest_filter='-DispatchDeathTest.*' --gtest_brief=1
"${qemu[@]}" "$bin/src/index/index_test" --gtest_filter='TypedKernels.*' --gtest_brief=1
"${qemu[@]}" "$bin/ragdb" --version | grep -q "distance kernels: neon"
RAGDB_SIMD=scalar "${qemu[@]}" "$bin/ragdb" --version | grep -q "distance kernels: scalar"

# sift5k through the ARM CLI: create, import, optimize (builds the HNSW graph), batch search.
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
set_dir="$shared/ann-sift5k"
cli() { "${qemu[@]}" "$bin/ragdb" --data "$data/db" "$@"; }
cli create sift --dim 128 --metric l2 --index hnsw --m 16 --ef-construction 200 >/dev/null
cli import sift --fvecs "$set_dir/sift5k_base.fvecs" >/dev/null
cli optimize sift >/dev/null
cli search sift --queries "$set_dir/sift5k_query.fvecs" --k 10 --ef 64 --threads 1 \
    --out "$data/found.ivecs" | tee "$data/search.json"
/usr/bin/python3 - "$data/found.ivecs" "$set_dir/sift5k_groundtruth.ivecs" <<'PY'
import struct, sys
def ivecs(path):
    rows, b = [], open(path, 'rb').read()
    while b:
        (d,) = struct.unpack_from('<i', b)
        rows.append(struct.unpack_from(f'<{d}i', b, 4))
        b = b[4 + 4 * d:]
    return rows
found, truth = ivecs(sys.argv[1]), ivecs(sys.argv[2])
assert len(found) == len(truth) == 100, (len(found), len(truth))
hits = sum(len(set(f[:10]) & set(t[:10])) for f, t in zip(found, truth))
recall = hits / (10 * len(truth))
print(f'aarch64 edge CLI under qemu, sift5k HNSW ef 64: recall@10 {recall:.3f}')
sys.exit(0 if recall >= 0.95 else 1)
PY
echo "edge_aarch64: OK ($((SECONDS - start)) s)"
