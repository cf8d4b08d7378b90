#!/usr/bin/env python3
"""Compare two orc builds on bench.py's measurements, in one run.

For a change that should not cost anything (a refactor, a new dependency), build the
baseline (e.g. `git worktree add /tmp/base <rev> && cargo build --release` there) and run

  python3 bench/compare.py --baseline /tmp/base/target/release/orc [--orc target/release/orc]
                           [--sizes 1000,10000] [--runs 9] [--rounds 2]

It builds, for each task count, one repository per build the way bench.py does (same
seed, so the same content; each build runs its own `orc init`), all of them before anything
is measured and removed only at the end: on ext4, creating files is slower for minutes
after many were deleted, which would favour whichever build ran first. Both binaries run
from fresh copies: the linker's own output file runs slower than a copy of it. Then it runs
bench.py's measurements of every size for both builds, alternating which goes first over
--rounds rounds (each round on fresh copies of the repositories), and keeps each command's
best median. Prints, per command and task count, the baseline's and the new build's median
wall time and their ratio, and exits 1 when an orc command of the new build is more than
--tolerance (default 1.15) times slower than the baseline and at least 0.5 ms slower
(below that, timer and scheduler noise dominate).
"""
import argparse
import os
import random
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402


def best(a, b):
    """Per size and command, the smaller of two medians (None-safe)."""
    if a is None:
        return b
    return {s: {n: min(v, b[s].get(n, v)) for n, v in r.items()} for s, r in a.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", required=True, help="the orc binary to compare against")
    ap.add_argument("--orc", default=os.path.join(HERE, "..", "target", "release", "orc"))
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=1.15)
    args = ap.parse_args()
    binaries = {"baseline": os.path.abspath(args.baseline), "new": os.path.abspath(args.orc)}
    for path in binaries.values():
        if not os.path.exists(path):
            sys.exit(f"{path} not found")
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {"baseline": None, "new": None}
    with tempfile.TemporaryDirectory(prefix="orc-compare-") as tmp:
        # Both run from fresh copies: a binary just written by the linker runs measurably
        # slower than a copy of it (its pages sit in the page cache in small pieces: more
        # page faults), which would count against whichever build was linked last.
        for name, path in list(binaries.items()):
            binaries[name] = shutil.copy2(path, os.path.join(tmp, f"orc-{name}"))
        repos = {}
        for n in sizes:
            for name, orc in binaries.items():
                print(f"building a {args.files}-file repository with {n} tasks for {name} ...", file=sys.stderr)
                root = os.path.join(tmp, f"{name}-{n}-0")
                ids = bench.build_repo(root, n, args.files, orc, random.Random(42))
                repos[name, n, 0] = (root, ids)
                # A fresh copy per round: bench.py's measurements commit, and the git
                # pair commits the same files again, which only works once per repository.
                for r in range(1, args.rounds):
                    copy = os.path.join(tmp, f"{name}-{n}-{r}")
                    shutil.copytree(root, copy, symlinks=True)
                    repos[name, n, r] = (copy, ids)
        for r in range(args.rounds):
            order = ["baseline", "new"] if r % 2 == 0 else ["new", "baseline"]
            for name in order:
                print(f"round {r + 1}: measuring {name} ...", file=sys.stderr)
                got = {str(n): bench.bench_size(*repos[name, n, r], args.runs, binaries[name]) for n in sizes}
                results[name] = best(results[name], got)
    base, new = results["baseline"], results["new"]
    print(f"best median wall time in ms of {args.runs} runs over {args.rounds} rounds; ratio = new / baseline\n")
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
