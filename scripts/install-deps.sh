#!/usr/bin/env bash
# Installs the Debian packages that ragdb's build, tests and demo need.
# Idempotent: runs `apt-get update` and `apt-get install` only when a package is missing.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the peers used by benchmarks (Faiss, hnswlib, Xapian,
#                                    PyTorch, wrk, the tesseract command)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # libraries
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libicu-dev libstemmer-dev libopenblas-dev libsentencepiece-dev
  libpoppler-cpp-dev libzip-dev libxml2-dev libtomlplusplus-dev libzstd-dev libboost-dev
  # cluster tests (tests/cluster, src/cluster): a real etcd on loopback
  etcd-server
  # the web console's browser tests (tests/console): headless chromium driven by playwright-core
  chromium fonts-dejavu-core
  # the decoder runtime's test fixtures (src/model/llm/testdata/make_fixtures.py): a PyTorch
  # reference, numpy quantizers, the `regex` module for the BPE pre-tokenizer patterns
  python3 python3-numpy python3-torch python3-regex
  # multimodal documents (issue #16): image codecs, poppler's core (pictures in PDFs), OCR
  libpng-dev libjpeg-dev libwebp-dev libtiff-dev libpoppler-private-dev
  libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-chi-sim
  # tests draw their fixtures (pages in English and Chinese, a tiny CLIP checked against PyTorch)
  python3 python3-numpy python3-pil python3-torch fonts-dejavu-core fonts-wqy-zenhei
  # the Python package (python/) and its tests
  python3-dev pybind11-dev python3-numpy python3-pytest python3-setuptools python3-venv
  # black-box tests of the binary and of the docs' examples (tests/cli, tests/docs)
  python3 python3-pytest curl openssl
  # the aarch64 edge build (preset edge-aarch64) and its tests under emulation (tests/edge)
  g++-aarch64-linux-gnu qemu-user-static file
)
# Tests drive the server through official npm clients. Node.js may come from elsewhere than
# Debian (its npm then ships inside the nodejs package), so only a missing command is installed.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3 python3-numpy python3-faiss python3-hnswlib python3-xapian python3-torch wrk
             sqlite3 hyperfine time tesseract-ocr)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The arm64 static libraries of the aarch64 edge build, unpacked (not installed) into the
# checkout's build-sysroot-aarch64/.
"$(dirname "$0")/aarch64-sysroot.sh"
