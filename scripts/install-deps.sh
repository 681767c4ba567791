#!/usr/bin/env bash
# install-deps.sh — install the Debian 12 packages gitgate builds, tests and runs
# with, only those that are missing. Needs root (or sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy
  libclang-rt-dev libssh-dev libgit2-dev libssl-dev libfmt-dev libspdlog-dev
  libtomlplusplus-dev libcli11-dev libgtest-dev libbenchmark-dev zlib1g-dev libarchive-dev
  libcpp-httplib-dev libcurl4-openssl-dev nlohmann-json3-dev libsystemd-dev git
  openssh-client openssh-server haproxy python3 python3-yaml xxd hyperfine time
  prometheus
)
# git is also a run-time dependency: gitgate runs `git maintenance run --auto` after pushes
# ([push] auto_maintenance, README "Push").
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
