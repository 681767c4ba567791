#!/usr/bin/env bash
# demo.sh — install what is missing, build, and run gitgate on port 7999 with a demo
# repository, authorizing your ~/.ssh/*.pub keys (or a generated demo key). Prints the
# git clone line to try, then runs the server in the foreground (Ctrl-C stops it).
#
# State (created once, kept across runs): ${GITGATE_DEMO_DIR:-~/.local/share/gitgate-demo}
#   repos/demo/repo.git   the demo repository
#   ssh_host_ed25519_key  the server's host key (gitgate creates it on first start)
#   users.toml            who may log in (edit it, then: kill -HUP <pid>)
#   gitgate.toml          the configuration
#   id_ed25519_demo       a client key, only when ~/.ssh has no public key
#
# Environment: GITGATE_DEMO_DIR, GITGATE_DEMO_PORT (7999), GITGATE_DEMO_LISTEN (listen
# addresses, default "0.0.0.0 ::"), GITGATE_DEMO_SKIP_BUILD=1 with GITGATE_BIN=path to
# use an already built binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${GITGATE_DEMO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/gitgate-demo}
port=${GITGATE_DEMO_PORT:-7999}
listen_hosts=${GITGATE_DEMO_LISTEN:-0.0.0.0 ::}

if [ "${GITGATE_DEMO_SKIP_BUILD:-}" != 1 ]; then
  "$root/scripts/install-deps.sh"
  "$root/scripts/build.sh" "$root/build"
fi
gitgate=${GITGATE_BIN:-$root/build/server/gitgate}
[ -x "$gitgate" ] || { echo "demo: $gitgate is not built" >&2; exit 1; }

mkdir -p "$state"
state=$(cd "$state" && pwd)

toml_string() {  # a TOML basic string
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

# The demo repository: a few commits, a branch merged back, an annotated tag.
make_repository() {
  local bare=$1 work
  work=$(mktemp -d)
  local g=(git -C "$work" -c user.name="gitgate demo" -c user.email=demo@gitgate.invalid
           -c init.defaultBranch=main -c commit.gpgsign=false)
  git -c init.defaultBranch=main init -q "$work"
  printf '# demo\n\nServed by gitgate. Try: git log --graph --oneline --all\n' >"$work/README.md"
  "${g[@]}" add README.md && "${g[@]}" commit -q -m "Initial commit"
  printf 'int main(void) { return 0; }\n' >"$work/hello.c"
  "${g[@]}" add hello.c && "${g[@]}" commit -q -m "Add hello.c"
  "${g[@]}" tag -a v1.0 -m "Release 1.0"
  "${g[@]}" checkout -q -b feature
  printf 'A feature branch.\n' >"$work/FEATURE.md"
  "${g[@]}" add FEATURE.md && "${g[@]}" commit -q -m "Describe the feature"
  "${g[@]}" checkout -q main
  "${g[@]}" merge -q --no-ff -m "Merge branch 'feature'" feature
  mkdir -p "$(dirname "$bare")"
  git clone -q --bare --no-local "$work" "$bare"
  rm -rf "$work"
}

repo="$state/repos/demo/repo.git"
[ -d "$repo" ] || make_repository "$repo"

# Authorized keys: the user's own, else a demo key generated here.
demo_key=""
if [ ! -f "$state/users.toml" ]; then
  keys=()
  for pub in "$HOME"/.ssh/*.pub; do
    [ -f "$pub" ] || continue
    line=$(head -n1 "$pub")
    case $line in ssh-* | ecdsa-* | sk-*) keys+=("$line") ;; esac
  done
  if [ ${#keys[@]} -eq 0 ]; then
    [ -f "$state/id_ed25519_demo" ] ||
      ssh-keygen -q -t ed25519 -N "" -C "gitgate-demo" -f "$state/id_ed25519_demo"
    keys+=("$(cat "$state/id_ed25519_demo.pub")")
  fi
  {
    echo "# Who may log in to the demo gitgate (reload: kill -HUP the server)."
    echo "[[user]]"
    echo "name = $(toml_string "${USER:-demo}")"
    echo "id = 1"
    echo "keys = ["
    for k in "${keys[@]}"; do echo "  $(toml_string "$k"),"; done
    echo "]"
    echo 'read = ["*"]'
    echo 'write = ["*"]'
  } >"$state/users.toml"
fi
grep -q "gitgate-demo\"" "$state/users.toml" && [ -f "$state/id_ed25519_demo" ] &&
  demo_key="$state/id_ed25519_demo"

listen=""
for h in $listen_hosts; do
  case $h in *:*) a="[$h]:$port" ;; *) a="$h:$port" ;; esac
  listen+="${listen:+, }$(toml_string "$a")"
done
cat >"$state/gitgate.toml" <<EOF
# Written by scripts/demo.sh on each start.
[server]
listen = [$listen]
repositories = $(toml_string "$state/repos")
host_keys = [$(toml_string "$state/ssh_host_ed25519_key")]

[proxy_protocol]
mode = "optional"
trusted = ["127.0.0.1/32", "::1/128"]

[auth]
users = $(toml_string "$state/users.toml")

[access_log]
path = "-"
EOF
"$gitgate" check-config --config "$state/gitgate.toml" >/dev/null

url="ssh://git@localhost:$port/demo/repo.git"
echo
echo "gitgate demo: state in $state"
echo "In another terminal, try:"
echo
if [ -n "$demo_key" ]; then
  ssh_options="-i $demo_key -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"
  echo "  GIT_SSH_COMMAND='ssh $ssh_options' git clone $url"
else
  echo "  GIT_SSH_COMMAND='ssh -o StrictHostKeyChecking=accept-new' git clone $url"
fi
echo
echo "Then commit in the clone and git push: the demo user may push (write = [\"*\"])."
echo "The access log is this terminal's standard output; diagnostics go to stderr."
echo
exec "$gitgate" serve --config "$state/gitgate.toml"
