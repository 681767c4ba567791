#!/usr/bin/env bash
# check-style.sh format            — clang-format --dry-run -Werror over our C++ sources
# check-style.sh tidy BUILD_DIR    — clang-tidy (the root .clang-tidy) over our .cc files
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(find net conf metrics proxyproto git auth logging server tests bench \
  \( -name '*.cc' -o -name '*.h' \) -not -path '*/corpus/*' | sort)
case ${1:-} in
  format)
    clang-format --dry-run -Werror "${files[@]}"
    echo "clang-format: ${#files[@]} files clean"
    ;;
  tidy)
    build=${2:?build dir}
    mapfile -t units < <(printf '%s\n' "${files[@]}" | grep '\.cc$' | grep -v '^tests/fuzz/')
    # One file per clang-tidy process: with several, readability-identifier-naming carries
    # state from one file to the next and reports a location-less 'expr-type' (a name
    # clang invents inside libstdc++'s concepts) that no single-file run reports.
    # clang-tidy's own chatter ("N warnings generated", suppression hints) is dropped;
    # every diagnostic, with its file and line, is kept.
    set +e
    printf '%s\n' "${units[@]}" |
      xargs -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet --warnings-as-errors='*' 2>&1 |
      grep -v -E '^[0-9]+ (warning|error)s? .*generated\.$|^Suppressed [0-9]+ warnings|^Use -(header-filter|system-headers)'
    status=("${PIPESTATUS[@]}")
    set -e
    if [ "${status[1]}" -ne 0 ]; then
      echo "clang-tidy: findings above" >&2
      exit 1
    fi
    echo "clang-tidy: ${#units[@]} files clean"
    ;;
  *) echo "usage: $0 format | tidy BUILD_DIR" >&2; exit 2 ;;
esac
