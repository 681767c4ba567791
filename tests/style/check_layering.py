#!/usr/bin/env python3
"""One-way layers (STYLE.md 15), checked on every #include "..." of the C++ sources.

A unit is a module (a top-level folder built by gitgate_module) or a sub-folder of git/.
A folder's detail/ belongs to the unit that holds it (git/detail is top-level git's).
The check fails when:
  - a unit includes another unit's detail/;
  - a unit includes a unit that ALLOWED does not list for it (modules and git's
    sub-folders alike; top-level git may include every git sub-folder);
  - a git sub-folder includes a top-level git header that is not in GIT_PLAIN_TYPES;
  - git's sub-folders include each other in a circle;
  - a module or git sub-folder exists that ALLOWED does not name.

  check_layering.py [ROOT]      check the tree (default: this repository)
  check_layering.py --self-test build trees with a bad include and assert each fails
"""
import re
import sys
import tempfile
from pathlib import Path

# The allowed edges: unit -> the units it may include. The one table of the layering.
ALLOWED = {
    "net": set(),
    "conf": set(),
    "metrics": set(),
    "proxyproto": {"net"},
    "logging": {"net"},
    "auth": {"net", "logging", "conf"},
    "git": {"net", "logging"},
    # server/ opens the one pack cache at start and hands it to every request.
    "server": {"net", "conf", "metrics", "proxyproto", "logging", "auth", "git", "git/cache"},
    # git's sub-folders, lowest first. cache keys a pack by the fetch request it answers,
    # so it sees select/'s request type (select/fetch_request.h).
    "git/pack": {"net"},
    "git/select": {"git/pack"},
    "git/cache": {"git/pack", "git/select"},
    "git/protocol": {"git/select", "git/pack", "git/cache"},
    "git/receive": {"git/protocol", "git/select", "git/pack", "git/cache"},
    # upload-archive: its argument packets are pkt-lines, its trees read through libgit2.
    "git/archive": {"git/protocol", "git/pack"},
}

# Top-level git headers a git sub-folder may include: plain types, no behaviour.
GIT_PLAIN_TYPES = {"git/stream.h", "git/request_limits.h", "git/push_settings.h",
                   "git/request_labels.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_SUFFIXES = {".h", ".cc"}


def modules_of(root):
    """Top-level folders built as modules (gitgate_module in their CMakeLists.txt)."""
    found = set()
    for cmake in root.glob("*/CMakeLists.txt"):
        if "gitgate_module(" in cmake.read_text(errors="replace"):
            found.add(cmake.parent.name)
    return found


def unit_of(path, modules):
    """The unit a source path or include path belongs to, or None when not ours."""
    parts = path.split("/")
    if parts[0] not in modules:
        return None
    if parts[0] == "git" and len(parts) > 2 and parts[1] != "detail":
        return "git/" + parts[1]
    return parts[0]


def detail_owner(include):
    """The folder whose detail/ an include path reaches into, or None."""
    parts = include.split("/")
    if "detail" not in parts[:-1]:
        return None
    return "/".join(parts[: parts.index("detail")])


def includes_of(root, modules):
    for module in sorted(modules):
        for source in sorted((root / module).rglob("*")):
            if source.suffix not in SOURCE_SUFFIXES or not source.is_file():
                continue
            relative = source.relative_to(root).as_posix()
            for number, line in enumerate(source.read_text(errors="replace").splitlines(), 1):
                match = INCLUDE.match(line)
                if match:
                    yield relative, number, match.group(1)


def find_cycle(edges):
    """A list of units forming a circle in edges (unit -> set of units), or None."""
    state = {}

    def visit(unit, trail):
        state[unit] = "open"
        for after in sorted(edges.get(unit, ())):
            if state.get(after) == "open":
                return trail[trail.index(after):] + [after]
            if after not in state:
                cycle = visit(after, trail + [after])
                if cycle:
                    return cycle
        state[unit] = "done"
        return None

    for unit in sorted(edges):
        if unit not in state:
            cycle = visit(unit, [unit])
            if cycle:
                return cycle
    return None


def check(root, allowed=ALLOWED):
    """Every violation in the tree at root, as 'file:line: message' strings."""
    modules = modules_of(root)
    problems = []
    for name in sorted(modules - set(allowed)):
        problems.append(f"{name}/: a module the layering table (ALLOWED) does not name")
    if (root / "git").is_dir():
        for sub in sorted(p for p in (root / "git").iterdir() if p.is_dir()):
            if sub.name != "detail" and f"git/{sub.name}" not in allowed:
                problems.append(f"git/{sub.name}/: a git sub-folder ALLOWED does not name")

    sub_edges = {}
    for source, number, include in includes_of(root, modules):
        here = unit_of(source, modules)
        there = unit_of(include, modules)
        if there is None:
            continue
        where = f"{source}:{number}: includes {include}"
        owner = detail_owner(include)
        if owner is not None and not (source + "/").startswith(owner + "/"):
            problems.append(f"{where}: another module's detail/ (of {owner}/)")
            continue
        if here == there:
            continue
        if here.split("/")[0] != there.split("/")[0]:
            if there not in allowed.get(here, set()):
                problems.append(f"{where}: {here} -> {there} is not an allowed edge")
        elif here == "git":
            continue  # top-level git may include its sub-folders
        elif there == "git":
            if include not in GIT_PLAIN_TYPES:
                problems.append(
                    f"{where}: {here} may include only plain-type top-level git headers "
                    f"({', '.join(sorted(GIT_PLAIN_TYPES))})")
        else:
            sub_edges.setdefault(here, set()).add(there)
            if there not in allowed.get(here, set()):
                problems.append(f"{where}: {here} -> {there} is not an allowed edge")

    cycle = find_cycle(sub_edges)
    if cycle:
        problems.append("git sub-folders include each other in a circle: " + " -> ".join(cycle))
    return problems


def self_test():
    """Each deliberate bad include must fail the check; the clean tree must pass."""
    clean = {
        "net/CMakeLists.txt": "gitgate_module(net)\n",
        "net/socket_address.h": "#include <string>\n",
        "proxyproto/CMakeLists.txt": "gitgate_module(proxyproto gitgate_net)\n",
        "proxyproto/reader.h": '#include "net/socket_address.h"\n#include "proxyproto/detail/v1.h"\n',
        "proxyproto/detail/v1.h": '#include "net/socket_address.h"\n',
        "logging/CMakeLists.txt": "gitgate_module(logging gitgate_net)\n",
        "logging/access_log.h": '#include "net/socket_address.h"\n',
        "auth/CMakeLists.txt": "gitgate_module(auth)\n",
        "auth/users.h": "\n",
        "auth/detail/base64.h": "\n",
        "git/CMakeLists.txt": "gitgate_module(git)\n",
        "git/stream.h": "\n",
        "git/upload_pack.cc": '#include "git/protocol/v2.h"\n#include "git/detail/tree.h"\n',
        "git/detail/tree.h": '#include "git/pack/index.h"\n',
        "git/pack/index.h": '#include "git/stream.h"\n',
        "git/select/walk.h": '#include "git/pack/index.h"\n',
        "git/protocol/v2.h": '#include "git/select/walk.h"\n#include "git/pack/index.h"\n',
        "server/CMakeLists.txt": "gitgate_module(server)\n",
        "server/connection.cc": '#include "proxyproto/reader.h"\n#include "auth/users.h"\n',
    }
    bad = {
        "a forbidden edge (logging -> proxyproto)":
            ("logging/access_log.h", '#include "proxyproto/reader.h"\n', "not an allowed edge"),
        "net including one of ours":
            ("net/socket_address.h", '#include "logging/access_log.h"\n', "not an allowed edge"),
        "another module's detail/":
            ("server/connection.cc", '#include "auth/detail/base64.h"\n', "detail/"),
        "an edge up to server":
            ("auth/users.h", '#include "server/connection.h"\n', "not an allowed edge"),
        "git sub-folders against the table":
            ("git/pack/index.h", '#include "git/select/walk.h"\n', "not an allowed edge"),
        "a git sub-folder reaching top-level behaviour":
            ("git/select/walk.h", '#include "git/detail/tree.h"\n', "plain-type"),
        "a sub-folder the table does not name":
            ("git/misc/x.h", '#include "git/stream.h"\n', "ALLOWED does not name"),
        "a module the table does not name":
            ("extra/CMakeLists.txt", "gitgate_module(extra)\n", "does not name"),
    }
    failures = []

    def judge(tree, allowed=ALLOWED):
        with tempfile.TemporaryDirectory(prefix="layering-") as directory:
            for path, text in tree.items():
                (Path(directory) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(directory) / path).write_text(text)
            return check(Path(directory), allowed=allowed)

    if problems := judge(clean):
        failures.append(f"the clean tree fails: {problems}")
    for name, (path, text, expected) in bad.items():
        tree = dict(clean)
        tree[path] = tree.get(path, "") + text
        problems = judge(tree)
        if not any(expected in p for p in problems):
            failures.append(f"{name}: expected a failure naming '{expected}', got {problems}")
    # The circle check stands on its own: a table that allows both ways still fails.
    both_ways = dict(ALLOWED, **{"git/pack": {"git/select"}})
    tree = dict(clean)
    tree["git/pack/index.h"] += '#include "git/select/walk.h"\n'
    problems = judge(tree, allowed=both_ways)
    if not any("circle" in p for p in problems):
        failures.append(f"a circle git/pack <-> git/select: no failure, got {problems}")

    for failure in failures:
        print("self-test:", failure)
    if failures:
        return 1
    print(f"layering self-test: {len(bad) + 2} trees judged as expected")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    problems = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"layering: {len(problems)} violation(s); the table is at the top of {__file__}")
        return 1
    print("layering: every include goes one way")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
