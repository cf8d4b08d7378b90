#!/usr/bin/env python3
"""Benchmark orc's history queries in a project that adopted orc late.

Builds two repositories with `git fast-import`, in a temp dir:

  late    --pre-init commits (default 200,000) of ordinary work on 1,000 files, then
          `orc init` and --orc-commits orc commits (default 5,000)
  orc     the same orc commits alone (`orc init` is the root commit)

The orc commits are notes on 100 tasks in turn (Orc-Op/Orc-Task trailers, task files in
their shard folders), with a commit of ordinary work linked to a task by an `Orc-Task:`
trailer (as the commit-msg hook writes it) every 50 commits. Then it measures side by side
(median wall and CPU time of --runs runs, in milliseconds, after one warm-up run):

  orc log                     vs  git log --grep=^Orc-Op:
  orc show TASK --history     vs  git log -- <the task's file>
  orc task commits TASK
  orc recover --since ROOT    (ROOT: the repository's first commit)

and checks the targets: each orc query in `late` takes at most 2x its time in `orc`, and
`orc show --history` at least 5x less than `git log -- <path>` in `late`.

Usage: python3 bench/history.py [--pre-init 200000] [--orc-commits 5000] [--runs 10]
                                [--orc target/release/orc] [--keep DIR]

--keep DIR builds the repositories in DIR and leaves them there; a later run with the same
DIR measures them again without building.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ENV = dict(os.environ)
ENV.update(
    GIT_CONFIG_GLOBAL="/dev/null",
    GIT_CONFIG_NOSYSTEM="1",
    GIT_AUTHOR_NAME="Bench",
    GIT_AUTHOR_EMAIL="bench@example.com",
    GIT_COMMITTER_NAME="Bench",
    GIT_COMMITTER_EMAIL="bench@example.com",
)
ENV.pop("ORC_HISTORY_BOUNDARY", None)

T0 = 1577836800  # 2020-01-01: the pre-init history starts here
TASKS = 100


def run(cmd, cwd, stdin=None):
    r = subprocess.run(cmd, cwd=cwd, env=ENV, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"command failed: {cmd}\n{r.stderr.decode(errors='replace')}")
    return r.stdout.decode()


def task_ids():
    return [f"implementer_{k:04x}{k:04x}" for k in range(TASKS)]


def task_rel(tid):
    return f".orchestrator/tasks/{tid.rsplit('_', 1)[1][0]}/{tid}.toml"


def task_text(tid, i, notes):
    out = (
        f'format = 1\nid = "{tid}"\ntitle = "Task {i}"\nrole = "implementer"\nstatus = "in_progress"\n'
        f'priority = "medium"\ncreated = "2026-01-01T00:00:00Z"\nupdated = "2026-01-01T00:00:00Z"\n'
    )
    for at, text in notes:
        out += f'\n[[notes]]\nat = "{at}"\ntext = "{text}"\n'
    return out


def build(root, orc, pre_init, orc_commits):
    """One fast-import stream: the pre-init history (if any), the init commit, orc's."""
    os.makedirs(root)
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "config", "gc.auto", "0"], root)
    scratch = tempfile.mkdtemp(prefix="orc-init-")
    run(["git", "init", "-q"], scratch)
    run([orc, "init", "--no-commit"], scratch)
    init_files = []
    for rel in (".orchestrator/config.toml", ".orchestrator/README.md", ".gitattributes"):
        p = os.path.join(scratch, rel)
        if os.path.exists(p):
            init_files.append((rel, open(p, "rb").read()))
    shutil.rmtree(scratch)

    out = []
    emit = out.append

    def data(payload):
        emit(f"data {len(payload)}\n".encode())
        emit(payload)
        emit(b"\n")

    def commit(msg, at, changes):
        emit(b"commit refs/heads/main\n")
        emit(f"committer Bench <bench@example.com> {at} +0000\n".encode())
        data(msg.encode())
        for path, payload in changes:
            emit(f"M 100644 inline {path}\n".encode())
            data(payload)

    t = T0
    for i in range(pre_init):
        t += 60
        commit(f"work {i}\n", t, [(f"src/d{i % 10}/f{i % 1000}.txt", f"version {i}\n".encode())])
    t += 60
    commit("orc: init\n\nOrc-Op: init\n", t, init_files)
    ids = task_ids()
    notes = {tid: [] for tid in ids}
    for h in range(orc_commits):
        t += 60
        tid = ids[h % TASKS]
        if h % 50 == 49:
            commit(f"work on the parser {h}\n\nOrc-Task: {tid}\n", t,
                   [(f"src/linked/f{h % 20}.txt", f"linked {h}\n".encode())])
            continue
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        notes[tid].append((stamp, f"step {h}"))
        commit(f"orc: note on {tid}: step {h}\n\nOrc-Op: task.note\nOrc-Task: {tid}\n", t,
               [(task_rel(tid), task_text(tid, h % TASKS, notes[tid]).encode())])
    run(["git", "fast-import", "--quiet"], root, stdin=b"".join(out))
    run(["git", "reset", "-q", "--hard", "main"], root)
    # As a maintained clone would be: packed, with a commit-graph.
    run(["git", "gc", "-q"], root)
    time.sleep(2.5)  # orc's caches only keep files that have settled
    run([orc, "status", "--json"], root)
    return ids


def timed(cmd, cwd, runs):
    """Median wall time and median CPU time (user + system) in ms, after one warm-up run.
    CPU time is what to compare on a busy machine: it does not count waiting for a core."""
    subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, cpu = [], []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"benchmark command failed: {cmd}")
    return statistics.median(wall), statistics.median(cpu)


def measure(root, ids, orc, runs):
    first = run(["git", "rev-list", "--max-parents=0", "HEAD"], root).split()[0]
    tid = ids[7]
    return {
        "orc log": timed([orc, "log"], root, runs),
        "git log --grep=^Orc-Op:": timed(["git", "log", "--grep=^Orc-Op:"], root, runs),
        "orc show --history": timed([orc, "show", tid, "--history"], root, runs),
        "git log -- <task file>": timed(["git", "log", "--", task_rel(tid)], root, runs),
        "orc task commits": timed([orc, "task", "commits", tid], root, runs),
        "orc recover --since root": timed([orc, "recover", "--since", first], root, runs),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pre-init", type=int, default=200_000)
    ap.add_argument("--orc-commits", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--orc", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "orc"))
    ap.add_argument("--keep", help="build the repositories here and keep them (reused when present)")
    args = ap.parse_args()
    orc = os.path.abspath(args.orc)
    if not os.path.exists(orc):
        sys.exit(f"{orc} not found: run `cargo build --release` first")
    tmp = args.keep or tempfile.mkdtemp(prefix="orc-history-bench-")
    try:
        repos = {}
        for name, pre in (("late", args.pre_init), ("orc", 0)):
            root = os.path.join(tmp, name)
            if args.keep and os.path.isdir(root):
                print(f"reusing {root}", file=sys.stderr)
                repos[name] = (root, task_ids())
                continue
            print(f"building `{name}`: {pre:,} pre-init commits + {args.orc_commits:,} orc commits ...",
                  file=sys.stderr)
            started = time.perf_counter()
            repos[name] = (root, build(root, orc, pre, args.orc_commits))
            print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        results = {name: measure(root, ids, orc, args.runs) for name, (root, ids) in repos.items()}
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    late, alone = results["late"], results["orc"]
    print(f"\nmedian wall time / median CPU time (user + system) in ms over {args.runs} runs\n")
    a = f"{args.pre_init:,} + {args.orc_commits:,} commits"
    b = f"{args.orc_commits:,} orc commits only"
    print(f"| {'command':<26} | {a:>26} | {b:>26} |")
    print(f"|{'-' * 28}|{'-' * 28}|{'-' * 28}|")
    for n in late:
        cell = lambda r: f"{r[n][0]:.1f} / {r[n][1]:.1f}"
        print(f"| {n:<26} | {cell(late):>26} | {cell(alone):>26} |")
    print()
    ok = True
    for k, what in ((0, "wall"), (1, "CPU")):
        for n in ("orc log", "orc show --history", "orc task commits", "orc recover --since root"):
            ratio = late[n][k] / alone[n][k]
            good = ratio <= 2
            ok &= good
            print(f"{'PASS' if good else 'MISS'}: {n} = {ratio:.2f}x its {what} time without the pre-init "
                  f"history (target <= 2x)")
        speedup = late["git log -- <task file>"][k] / late["orc show --history"][k]
        good = speedup >= 5
        ok &= good
        print(f"{'PASS' if good else 'MISS'}: orc show --history takes 1/{speedup:.1f} of the {what} time of "
              f"git log -- <path> (target: 1/5 or less)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
