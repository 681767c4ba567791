#!/usr/bin/env bash
# check-style.sh format            — clang-format --dry-run -Werror over our C++ sources
# check-style.sh tidy BUILD_DIR    — clang-tidy (the root .clang-tidy) over our .cc files
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(find proxyproto git auth logging server tests bench \
  \( -name '*.cc' -o -name '*.h' \) -not -path '*/corpus/*' | sort)
case ${1:-} in
  format)
    clang-format --dry-run -Werror "${files[@]}"
    echo "clang-format: ${#files[@]} files clean"
    ;;
  tidy)
    build=${2:?build dir}
    mapfile -t units < <(printf '%s\n' "${files[@]}" | grep '\.cc$' | grep -v '^tests/fuzz/')
    printf '%s\n' "${units[@]}" |
      xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --warnings-as-errors='*' 2>/dev/null
    echo "clang-tidy: ${#units[@]} files clean"
    ;;
  *) echo "usage: $0 format | tidy BUILD_DIR" >&2; exit 2 ;;
esac
