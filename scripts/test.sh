#!/usr/bin/env bash
# test.sh — the test command: install what is missing, build, and run every test
# (unit, socket, end-to-end with real git/ssh/haproxy, bounded fuzz runs, style).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"
cd "$root/build"
ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@"
