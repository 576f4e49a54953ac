#!/usr/bin/env bash
# Unpacks the arm64 static libraries that the aarch64 edge build links (preset `edge-aarch64`,
# cmake/toolchains/aarch64-linux-gnu.cmake) into build-sysroot-aarch64/ of this checkout.
#   scripts/aarch64-sysroot.sh
#
# Why a private sysroot: installing arm64 -dev packages beside the amd64 ones is not always
# possible (libsentencepiece-dev, for one, is not Multi-Arch and replaces the amd64 package), and
# the build must never change the host's libraries. The .deb files are downloaded with
# `apt-get download` and unpacked with `dpkg -x`: nothing is installed. Idempotent: a stamp
# records the package versions unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

root=build-sysroot-aarch64
# ICU and libstemmer for the text analyzers and the tokenizers; GoogleTest and GoogleMock for
# the tests run under qemu; nlohmann/json's headers and CMake package (architecture-independent).
packages=(libicu-dev:arm64 libstemmer-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
          nlohmann-json3-dev)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "aarch64-sysroot: adding the arm64 architecture to apt (for downloads only)"
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
fi

versions() {
  for p in "${packages[@]}"; do apt-cache policy "$p" | awk -v p="$p" '/Candidate:/ {print p, $2}'; done
}
want=$(versions)
if [[ -z "$want" || "$want" == *"(none)"* ]]; then
  $SUDO apt-get update -qq
  want=$(versions)
fi
if [[ -f "$root/.stamp" && "$(cat "$root/.stamp")" == "$want" ]]; then
  echo "aarch64-sysroot: $root up to date"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "${packages[@]}" 2>/dev/null)
rm -rf "$root"
mkdir -p "$root"
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$root"; done
echo "$want" >"$root/.stamp"
echo "aarch64-sysroot: unpacked ${packages[*]} into $root"
