#!/usr/bin/env python3
"""What git's housekeeping and commit signing mean for orc, measured in one run.

1. Housekeeping: --mutations (default 5,000) `orc task add` in a fresh repository, once
   with `gc.auto = 0` (no automatic housekeeping: what orc did before it started
   `git maintenance run --auto` itself) and once with git's default `gc.auto` (6,700).
   After the last one it waits for any background maintenance to finish, then reports
   the loose objects, the packs and the size of `.git` (`git count-objects -v`, `du`).

2. Signing: median wall time (--runs runs) of an `orc task add` with
   `commit.gpgsign = true` and `gpg.format = ssh` (a fresh ed25519 key) against the same
   without signing, and of `git add` + `git commit -S` against `git add` + `git commit`
   of one small file, in the same repository.

Usage: python3 bench/housekeeping.py [--mutations 5000] [--runs 30]
                                     [--orc target/release/orc] [--json out.json]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ENV = dict(
    os.environ,
    GIT_CONFIG_GLOBAL="/dev/null",
    GIT_CONFIG_NOSYSTEM="1",
    GIT_AUTHOR_NAME="Bench",
    GIT_AUTHOR_EMAIL="bench@example.com",
    GIT_COMMITTER_NAME="Bench",
    GIT_COMMITTER_EMAIL="bench@example.com",
)


def run(cmd, cwd, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        sys.exit(f"command failed: {cmd}\n{r.stderr}")
    return r.stdout


def fresh_repo(root, orc):
    os.makedirs(root)
    run(["git", "init", "-q", "-b", "main"], root)
    run([orc, "init"], root)


def objects(root):
    counts = {}
    for line in run(["git", "count-objects", "-v"], root).splitlines():
        key, value = line.split(":", 1)
        counts[key.strip()] = int(value.strip())
    du = int(run(["du", "-sk", ".git"], root).split()[0])
    return {
        "loose_objects": counts["count"],
        "loose_kib": counts["size"],
        "packs": counts["packs"],
        "packed_objects": counts["in-pack"],
        "pack_kib": counts["size-pack"],
        "git_dir_kib": du,
    }


def wait_for_maintenance(root, limit=600):
    """Background maintenance holds .git/gc.pid (and maybe objects/maintenance.lock)."""
    start = time.time()
    locks = [".git/gc.pid", ".git/objects/maintenance.lock"]
    while any(os.path.exists(os.path.join(root, p)) for p in locks):
        if time.time() - start > limit:
            sys.exit("background maintenance did not finish")
        time.sleep(0.2)


def housekeeping(tmp, orc, mutations):
    results = {}
    for name, gc_auto in [("gc.auto = 0 (no housekeeping)", "0"), ("git's default gc.auto (6700)", None)]:
        root = os.path.join(tmp, "gc-" + (gc_auto or "default"))
        fresh_repo(root, orc)
        if gc_auto is not None:
            run(["git", "config", "gc.auto", gc_auto], root)
        start = time.time()
        for i in range(mutations):
            run([orc, "task", "add", f"task {i}: a realistic one-line title"], root)
        elapsed = time.time() - start
        wait_for_maintenance(root)
        run(["git", "fsck", "--no-dangling"], root)
        r = objects(root)
        r["ms_per_mutation"] = round(elapsed * 1000 / mutations, 2)
        results[name] = r
        print(f"{name}: {mutations} mutations, {r}", flush=True)
    return results


def median_ms(cmds, cwd, runs, before=None):
    times = []
    for i in range(runs):
        if before:
            before(i)
        start = time.perf_counter()
        for c in cmds(i):
            run(c, cwd)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def signing(tmp, orc, runs):
    root = os.path.join(tmp, "sign")
    fresh_repo(root, orc)
    key = os.path.join(tmp, "id_ed25519")
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], tmp)
    run(["git", "config", "gpg.format", "ssh"], root)
    run(["git", "config", "user.signingkey", key], root)
    run(["git", "config", "gc.auto", "0"], root)

    def write(name, i):
        with open(os.path.join(root, f"{name}{i}.txt"), "w") as f:
            f.write(f"file {i}\n")

    results = {}
    for signed in (False, True):
        run(["git", "config", "commit.gpgsign", "true" if signed else "false"], root)
        label = "signed" if signed else "unsigned"
        results[f"orc task add ({label})"] = median_ms(
            lambda i: [[orc, "task", "add", f"{label} {i}"]], root, runs
        )
        flag = ["-S"] if signed else []
        results[f"git add + git commit{' -S' if signed else ''}"] = median_ms(
            lambda i: [["git", "add", f"{label}{i}.txt"], ["git", "commit", "-q", *flag, "-m", f"{label} {i}"]],
            root,
            runs,
            before=lambda i: write(label, i),
        )
    for k, v in results.items():
        print(f"{k}: {v} ms", flush=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutations", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--orc", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "orc"))
    ap.add_argument("--json", help="write the results as JSON here")
    args = ap.parse_args()
    orc = os.path.abspath(args.orc)
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "git": run(["git", "--version"], tmp).strip(),
            "signing": signing(tmp, orc, args.runs),
            "housekeeping": housekeeping(tmp, orc, args.mutations),
        }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
