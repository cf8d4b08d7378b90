#!/usr/bin/env python3
"""How long a message takes to reach another agent, against git's own transport.

In a temp dir it builds a repository with `orc init`, a linked worktree, a bare remote on
the local file system (`[claims] remote = "origin"`) and a clone of it, then measures in
the same run, the three taking turns (median wall time of --runs runs, in milliseconds):

  local    `orc msg send --local` in the repository, then `orc msg inbox --local` in the
           worktree lists it (refs are shared: no transport at all)
  remote   `orc msg send` (pushes the message ref to origin), then `orc msg inbox` in the
           clone lists it (fetches the remote's messages first)
  git      `git push` of one commit (made beforehand, not timed), then `git fetch` of it
           in the clone: the same trip for an ordinary commit (the baseline)

Each figure is the sum of the two commands; every run checks that the message (or the
commit) did arrive.

Usage: python3 bench/messages.py [--orc target/release/orc] [--runs 21]
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
    GIT_AUTHOR_NAME="bench",
    GIT_AUTHOR_EMAIL="bench@example.com",
    GIT_COMMITTER_NAME="bench",
    GIT_COMMITTER_EMAIL="bench@example.com",
)
ENV.pop("ORC_CLAIMS_REMOTE", None)
ENV.pop("ORC_LOCAL_CLAIMS", None)


def run(cmd, cwd, agent=None):
    env = dict(ENV, ORC_AGENT=agent) if agent else ENV
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} in {cwd} failed:\n{out.stderr}")
    return out.stdout


def timed(cmd, cwd, agent=None):
    start = time.perf_counter()
    out = run(cmd, cwd, agent)
    return (time.perf_counter() - start) * 1000, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orc", default="target/release/orc")
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    orc = os.path.abspath(args.orc)
    if not os.path.exists(orc):
        sys.exit(f"{orc} not found: build it first (cargo build --release) or pass --orc")

    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        wt = os.path.join(tmp, "wt")
        origin = os.path.join(tmp, "origin.git")
        clone = os.path.join(tmp, "clone")
        run(["git", "init", "-q", "-b", "main", repo], tmp)
        run([orc, "init"], repo)
        with open(os.path.join(repo, ".orchestrator/config.toml"), "a") as f:
            f.write('\n[claims]\nremote = "origin"\n')
        run(["git", "commit", "-qam", "claims through origin"], repo)
        run(["git", "init", "-q", "--bare", "-b", "main", origin], tmp)
        run(["git", "remote", "add", "origin", origin], repo)
        run(["git", "push", "-q", "origin", "main"], repo)
        run(["git", "worktree", "add", "-q", "-b", "wt", wt], repo)
        run(["git", "clone", "-q", origin, clone], tmp)

        def inbox_has(dir, local, msg_id):
            cmd = [orc, "msg", "inbox", "--json"] + (["--local"] if local else [])
            ms, out = timed(cmd, dir, "alice")
            ids = [m["id"] for m in json.loads(out)["messages"]]
            if msg_id not in ids:
                sys.exit(f"{msg_id} did not arrive in {dir}")
            return ms

        local, remote, git = [], [], []
        for i in range(args.runs):
            ms, out = timed([orc, "msg", "send", "alice", f"local {i}", "--local", "--json"], repo, "bob")
            local_id = json.loads(out)["message"]["id"]
            local.append(ms + inbox_has(wt, True, local_id))
            run([orc, "msg", "ack", local_id, "--local"], wt, "alice")

            ms, out = timed([orc, "msg", "send", "alice", f"remote {i}", "--json"], repo, "bob")
            remote.append(ms + inbox_has(clone, False, json.loads(out)["message"]["id"]))

            run(["git", "commit", "-q", "--allow-empty", "-m", f"commit {i}"], repo)
            head = run(["git", "rev-parse", "HEAD"], repo).strip()
            push, _ = timed(["git", "push", "-q", "origin", "main"], repo)
            fetch, _ = timed(["git", "fetch", "-q", "origin"], clone)
            if run(["git", "rev-parse", "origin/main"], clone).strip() != head:
                sys.exit("the commit did not arrive in the clone")
            git.append(push + fetch)
            # Keep the inboxes small and alike from run to run.
            run([orc, "msg", "ack", json.loads(out)["message"]["id"]], clone, "alice")

        rows = [
            ("send, then inbox in another worktree (local refs)", local),
            ("send (push), then inbox in a clone (fetch), file-system remote", remote),
            ("git push of one commit, then git fetch in the clone", git),
        ]
        print(f"median of {args.runs} runs, ms:")
        for name, values in rows:
            print(f"  {statistics.median(values):7.1f}  {name}")
        ratio = statistics.median(remote) / statistics.median(git)
        print(f"  remote message / git push+fetch: {ratio:.2f}x")


if __name__ == "__main__":
    main()
