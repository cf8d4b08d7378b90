#!/usr/bin/env python3
"""Compare two orc builds on bench.py's measurements, in one run.

For a change that should not cost anything (a refactor, a new dependency), build the
baseline (e.g. `git worktree add /tmp/base <rev> && cargo build --release` there) and run

  python3 bench/compare.py --baseline /tmp/base/target/release/orc [--orc target/release/orc]
                           [--rounds 2] [-- <bench.py options, e.g. --sizes 1000 --runs 9>]

Each round runs bench.py once per binary, alternating which goes first (the repositories
are built the same way from the same seed for both), and keeps each command's best median
over the rounds. Prints, per command and task count, the baseline's and the new build's
median wall time and their ratio, and exits 1 when a command the new build runs is more
than --tolerance (default 1.15) times slower than the baseline and at least 0.5 ms slower
(below that, timer and scheduler noise dominate).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(orc, extra, out):
    cmd = [sys.executable, os.path.join(HERE, "bench.py"), "--orc", orc, "--json", out, *extra]
    print(f"$ {' '.join(cmd)}", file=sys.stderr)
    # bench.py exits 1 when a target is missed; the figures are still what we compare.
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
    with open(out) as f:
        return json.load(f)["results"]


def best(a, b):
    """Per size and command, the smaller of two medians (None-safe)."""
    if a is None:
        return b
    return {s: {n: min(v, b[s].get(n, v)) for n, v in r.items()} for s, r in a.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", required=True, help="the orc binary to compare against")
    ap.add_argument("--orc", default=os.path.join(HERE, "..", "target", "release", "orc"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=1.15)
    ap.add_argument("rest", nargs=argparse.REMAINDER, help="-- then options for bench.py")
    args = ap.parse_args()
    extra = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    binaries = {"baseline": os.path.abspath(args.baseline), "new": os.path.abspath(args.orc)}
    for path in binaries.values():
        if not os.path.exists(path):
            sys.exit(f"{path} not found")
    results = {"baseline": None, "new": None}
    with tempfile.TemporaryDirectory(prefix="orc-compare-") as tmp:
        for r in range(args.rounds):
            order = ["baseline", "new"] if r % 2 == 0 else ["new", "baseline"]
            for name in order:
                got = run(binaries[name], extra, os.path.join(tmp, f"{name}-{r}.json"))
                results[name] = best(results[name], got)
    base, new = results["baseline"], results["new"]
    print(f"best median wall time in ms over {args.rounds} rounds; ratio = new / baseline\n")
    print(f"| {'command':<30} | {'tasks':>6} | {'baseline':>9} | {'new':>9} | {'ratio':>6} |")
    print(f"|{'-' * 32}|{'-' * 8}|{'-' * 11}|{'-' * 11}|{'-' * 8}|")
    slower = []
    for size in new:
        for name, ms in new[size].items():
            old = base.get(size, {}).get(name)
            if old is None:
                continue
            ratio = ms / old if old else float("inf")
            mark = ""
            if name.startswith("orc") and ratio > args.tolerance and ms - old >= 0.5:
                slower.append((name, size, ratio))
                mark = "  slower"
            print(f"| {name:<30} | {int(size):>6,} | {old:>9.1f} | {ms:>9.1f} | {ratio:>6.2f} |{mark}")
    print()
    if slower:
        for name, size, ratio in slower:
            print(f"SLOWER: {name} at {int(size):,} tasks = {ratio:.2f}x the baseline (tolerance {args.tolerance}x)")
        return 1
    print(f"no orc command is more than {args.tolerance}x slower than the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
