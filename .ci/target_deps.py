#!/usr/bin/env python3
"""Fails when a crate the code in src/ uses is not a dependency on the given target.

Usage: target_deps.py TARGET...

"Used" means a path `name::` or `use name` outside an item gated by a `#[cfg(...)]` that
names a target (`target_os`, `target_env`, `unix`, ...): such code only builds where its
crate is declared. "A dependency on the target" means a direct normal dependency listed by
`cargo tree --target TARGET -e normal --depth 1`, which resolves target-specific tables
without needing that target's standard library.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

TARGET_CFG = re.compile(r"#\[cfg\(.*\b(target_\w+|unix|windows)\b")
PATH_USE = re.compile(r"(?<![\w:])([a-z_][a-z0-9_]*)::")
USE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([a-z_][a-z0-9_]*)\b")


def declared_crates():
    meta = json.loads(
        subprocess.check_output(
            ["cargo", "metadata", "--format-version", "1", "--no-deps", "--locked"]
        )
    )
    (package,) = [p for p in meta["packages"] if p["name"] == "orc"]
    return {
        (d.get("rename") or d["name"]).replace("-", "_")
        for d in package["dependencies"]
        if d["kind"] is None
    }


def strip_comment(line):
    i = line.find("//")
    return line if i < 0 else line[:i]


def used_crates(declared):
    """Crate name -> first `file:line` using it outside target-gated items."""
    used = {}
    for path in sorted(Path("src").rglob("*.rs")):
        gated_depth = None  # brace depth at which a target-gated item started
        pending_gate = False
        depth = 0
        for no, raw in enumerate(path.read_text().splitlines(), 1):
            line = strip_comment(raw)
            if TARGET_CFG.search(line):
                pending_gate = True
                continue
            if gated_depth is None and not pending_gate:
                for m in list(PATH_USE.finditer(line)) + list(USE.finditer(line)):
                    name = m.group(1)
                    if name in declared:
                        used.setdefault(name, f"{path}:{no}")
            opens, closes = line.count("{"), line.count("}")
            if pending_gate and (opens or line.rstrip().endswith(";")):
                pending_gate = False
                if opens > closes:
                    gated_depth = depth
                # A one-line gated item (`fn f() {}` or `use x;`) ends here.
            depth += opens - closes
            if gated_depth is not None and depth <= gated_depth:
                gated_depth = None
    return used


def target_crates(target):
    out = subprocess.check_output(
        [
            "cargo", "tree", "--locked", "--target", target, "-e", "normal",
            "--depth", "1", "--prefix", "none", "--format", "{lib}",
        ],
        text=True,
    )
    return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}


def main(targets):
    declared = declared_crates()
    used = used_crates(declared)
    failed = False
    for target in targets:
        have = target_crates(target)
        missing = sorted(set(used) - have)
        for name in missing:
            print(
                f"error: {used[name]} uses crate `{name}`, which is not a dependency on "
                f"{target}; move it out of the target-specific table in Cargo.toml",
                file=sys.stderr,
            )
        failed |= bool(missing)
        if not missing:
            print(f"{target}: all {len(used)} crates the code uses resolve")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
