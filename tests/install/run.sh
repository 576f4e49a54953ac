#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a project outside the tree
# against it: with find_package(ragdb) (C++ and C) and with pkg-config (C).
# Usage: run.sh BUILD_DIR CXX_COMPILER C_COMPILER
set -euo pipefail
build=$1 cxx=$2 cc=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/include/ragdb/ragdb.h"
ls "$work"/prefix/lib*/libragdb.a "$work"/prefix/lib*/cmake/ragdb/ragdbConfig.cmake \
   "$work"/prefix/lib*/pkgconfig/ragdb.pc > /dev/null

cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release \
      > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/consumer" -j2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/consumer/consumer_cc" "$work/db_cc"
"$work/consumer/consumer_c" "$work/db_c"

# pkg-config, from a copy of the prefix elsewhere (the .pc file is relocatable).
mv "$work/prefix" "$work/moved"
export PKG_CONFIG_PATH=$(echo "$work"/moved/lib*/pkgconfig)
"$cc" -std=c99 -c "$here/consumer/main.c" -o "$work/main.o" $(pkg-config --cflags ragdb)
"$cxx" "$work/main.o" -o "$work/consumer_pc" $(pkg-config --libs --static ragdb)
"$work/consumer_pc" "$work/db_pc"
echo "install_package: OK"
