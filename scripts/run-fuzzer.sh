#!/usr/bin/env bash
# run-fuzzer.sh FUZZER SEED_DIR SECONDS — run a libFuzzer target for a bounded
# time on a scratch copy of its seed corpus; exit non-zero on any finding.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$seeds" ] && cp -r "$seeds/." "$work/corpus/"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ] || compgen -G "$work/artifacts/*" >/dev/null; then
  echo "fuzzer $(basename "$fuzzer") found a problem (exit $status):" >&2
  for a in "$work"/artifacts/*; do [ -e "$a" ] && { echo "== $a"; xxd "$a" | head -20; }; done
  exit 1
fi
