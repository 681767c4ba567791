#!/usr/bin/env bash
# build.sh [BUILD_DIR] — configure and build gitgate with clang (fuzz targets included).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DGITGATE_FUZZ=ON -DGITGATE_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
