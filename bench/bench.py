#!/usr/bin/env python3
"""Benchmark orc against the git CLI on large repositories.

For each task count (default 100, 1,000 and 10,000) it builds, in a temp dir and with
`git fast-import`, a git repository of 10,000 ordinary files, that many orc tasks, 500
decision records, 2,000 recorded file operations, 2,000 artifacts of 200 completed tasks
(in `art/`) and 5,000 orc commits of history (with Orc-* trailers; a session that ended 100
commits before HEAD), then measures side by side (median wall time of --runs runs, in
milliseconds):

  orc task add           one task mutation = one commit        vs
  orc task status        another one-task mutation             vs
  git add + git commit   of one new TOML file of the same size (the baseline)
  orc status --json / orc task list --json / orc ready --json
  orc decision search / orc recover / orc log -n 50
  orc files verify [--failed]   2,000 recorded paths + 2,000 artifacts   vs
  git status             on as many files (`art/` and 2,000 of `src/`)
  orc recover --since <root>   (walks all 5,000 commits)
  orc --version          cold start

and, side by side at 1,000 tasks (--list-sizes), `orc task list --json` against

  git cat-file --batch    reading the same task files' blobs (always), and
  br list --json --all    beads' Rust port (`--br PATH`, or `br` on PATH) on as many issues
                          of the same shape, imported with `br sync --import-only`

and, in a small repository with a bare remote on the local file system, claims:

  orc task note                  one orc mutation                                    vs
  orc start                      a mutation with a local claim (refs/orc/claims/<id>)
  orc start --claims-remote      the same with the claim published to the remote    vs
  git push                       of one commit to the same remote (the baseline)

and checks the targets: a mutation takes at most half the time of the git pair and does
not grow with the number of tasks; `orc status --json` stays under 50 ms at 10,000 tasks;
`orc recover` stays under 100 ms with 5,000 commits of history; `orc files verify --failed`
takes at most 1.5x the time of `git status` on as many files; `orc --version` under 5 ms;
a local claim adds at most the time of one mutation; a claim through the remote takes at
most 1.3x the plain `git push`; `orc task list --json` is at least 3x as fast as `br list
--json` when br is there.

Usage: python3 bench/bench.py [--sizes 100,1000,10000] [--files 10000] [--runs 15]
                              [--decisions 500] [--file-ops 2000] [--artifacts 2000]
                              [--history 5000]
                              [--orc target/release/orc] [--json out.json] [--svg out.svg]
                              [--only-claims] [--br PATH] [--list-sizes 1000] [--only-list]
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROLES = ["architect", "implementer", "tester", "documenter", "reviewer", "researcher", "debugger"]
STATUSES = ["pending", "in_progress", "completed", "blocked"]


def env():
    e = dict(os.environ)
    e.update(
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    return e


ENV = env()


def run(cmd, cwd, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        sys.exit(f"command failed: {cmd}\n{r.stderr}")
    return r.stdout


def task_text(tid, i, role, status, deps, parent, artifacts=()):
    dep = f'depends_on = ["{deps}"]\n' if deps else ""
    par = f'parent = "{parent}"\n' if parent else ""
    done = 'completed = "2026-01-01T00:00:00Z"\nresult = "Done."\n' if status == "completed" else ""
    arts = "".join(
        f'[[artifacts]]\npath = "{path}"\nsha256 = "{hashlib.sha256(data).hexdigest()}"\nsize = {len(data)}\n\n'
        for path, data in artifacts
    )
    return (
        f'format = 1\nid = "{tid}"\ntitle = "Task {i}: a realistic one-line title"\n'
        f'description = "What needs doing for task {i}, in a sentence or two."\n'
        f'role = "{role}"\nstatus = "{status}"\npriority = "medium"\n{par}{dep}'
        f'stream = "stream-{i % 10}"\ncreated = "2026-01-01T00:00:00Z"\nupdated = "2026-01-01T00:00:00Z"\n{done}\n'
        f'{arts}[[notes]]\nat = "2026-01-01T00:00:00Z"\ntext = "a note"\n'
    )


def decision_text(n, rng, task):
    words = ["parser", "cache", "index", "storage", "locking", "merge", "schema", "api", "cli", "format"]
    a, b = rng.sample(words, 2)
    title = f"Use a {a} layer for the {b} subsystem ({n})"
    return (
        f"---\nformat: 1\nnumber: {n}\ntitle: {title}\nstatus: accepted\ndate: 2026-01-01\n"
        f"task: {task}\ntags:\n- {a}\n- {b}\n---\n\n# {n}. {title}\n\n## Context\n\n"
        f"The {b} subsystem needs a {a} layer; several options were measured.\n\n## Decision\n\n"
        f"We use a {a} layer.\n\n## Alternatives considered\n\n- none\n\n## Consequences\n\nMore code in {b}.\n"
    )


def task_rel(tid):
    """A task file's path: in the directory named after the first digit of its random part."""
    return f".orchestrator/tasks/{tid.rsplit('_', 1)[1][0]}/{tid}.toml"


def build_repo(root, tasks, files, orc, rng, decisions=500, file_ops=2000, history=5000, artifacts=2000):
    """Builds the repository with one `git fast-import` run, then checks it out."""
    os.makedirs(root)
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "config", "gc.auto", "0"], root)
    run([orc, "init", "--no-commit"], root)  # writes config.toml, README, .gitattributes
    blobs = []  # (path, bytes) of the initial tree

    def add_file(path, data):
        blobs.append((path, data.encode() if isinstance(data, str) else data))

    for base in (".orchestrator/config.toml", ".orchestrator/README.md", ".gitattributes"):
        if os.path.exists(os.path.join(root, base)):
            add_file(base, open(os.path.join(root, base), "rb").read())
    src = []
    for i in range(files):
        path = f"src/d{i % 100}/f{i}.txt"
        add_file(path, f"file {i}\n")
        src.append(path)
    # The artifacts of completed tasks, files in `art/`: 10 each for 200 tasks (more each
    # when there are fewer than 400 tasks: half of them stay open).
    holders = min(200, tasks // 2)
    per_task = -(-artifacts // holders) if artifacts else 0
    art = [(f"art/a{i}.txt", f"artifact {i}\n".encode()) for i in range(artifacts)]
    for path, payload in art:
        add_file(path, payload)
    ids, texts = [], {}
    for i in range(tasks):
        role = rng.choice(ROLES)
        tid = f"{role}_{rng.getrandbits(32):08x}"
        deps = rng.choice(ids) if ids and rng.random() < 0.3 else None
        parent = rng.choice(ids[:50]) if ids and rng.random() < 0.5 else None
        mine = art[i * per_task:(i + 1) * per_task]
        status = "completed" if mine else rng.choice(STATUSES)
        texts[tid] = task_text(tid, i, role, status, deps, parent, mine)
        add_file(task_rel(tid), texts[tid])
        ids.append(tid)
    for n in range(1, decisions + 1):
        add_file(f".orchestrator/decisions/{n:04d}-decision-{n}.md", decision_text(n, rng, rng.choice(ids)))
    per_manifest = 10
    for m in range(file_ops // per_manifest):
        tid = ids[m % len(ids)]
        ops = []
        for k in range(per_manifest):
            path = src[(m * per_manifest + k) % len(src)]
            data = f"file {int(path.rsplit('/f', 1)[1][:-4])}\n".encode()
            ops.append(
                f'[[operations]]\npath = "{path}"\nop = "modify"\n'
                f'sha256 = "{hashlib.sha256(data).hexdigest()}"\nsize = {len(data)}\n'
                f'at = "2026-01-01T00:00:00Z"\ntask = "{tid}"\n'
            )
        add_file(f".orchestrator/manifests/{tid}.toml", f'format = 1\ntask = "{tid}"\n\n' + "\n".join(ops))

    t0 = 1767225600  # 2026-01-01T00:00:00Z
    out = []
    emit = lambda b: out.append(b if isinstance(b, bytes) else b.encode())

    def data(payload):
        emit(f"data {len(payload)}\n")
        emit(payload)
        emit("\n")

    def commit(msg, at, changes, first=False):
        emit("commit refs/heads/main\n")
        emit(f"author Bench <bench@example.com> {at} +0000\ncommitter Bench <bench@example.com> {at} +0000\n")
        data(msg.encode())
        for path, payload in changes:
            emit(f"M 100644 inline {path}\n")
            data(payload)

    commit("fixture: files, tasks, decisions, manifests", t0, blobs, first=True)
    session_end = max(0, history - 100)
    for h in range(history):
        tid = ids[h % len(ids)]
        at = t0 + 60 * (h + 1)
        texts[tid] += f'\n[[notes]]\nat = "{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))}"\ntext = "step {h}"\n'
        changes = [(task_rel(tid), texts[tid].encode())]
        msg = f'orc: note on {tid}: step {h}\n\nOrc-Op: task.note\nOrc-Task: {tid}\n'
        if h == session_end:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
            changes.append((
                ".orchestrator/sessions/session_00c0ffee.toml",
                (f'format = 1\nid = "session_00c0ffee"\nstarted = "2026-01-01T00:00:00Z"\n'
                 f'ended = "{stamp}"\nhandoff = "Continue with the notes."\n').encode(),
            ))
            msg = "orc: end session_00c0ffee\n\nOrc-Op: session.end\nOrc-Session: session_00c0ffee\n"
        commit(msg, at, changes)
    r = subprocess.run(["git", "fast-import", "--quiet"], cwd=root, env=ENV, input=b"".join(out),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"git fast-import failed: {r.stderr.decode()}")
    run(["git", "reset", "-q", "--hard", "main"], root)
    run(["git", "gc", "-q"], root)
    # orc's parse cache only trusts files that have not changed for two seconds.
    time.sleep(2.5)
    run([orc, "status", "--json"], root)
    return ids


def timed(cmd, cwd, runs, before=None):
    samples = []
    for i in range(runs):
        if before:
            before(i)
        t = time.perf_counter()
        r = subprocess.run(cmd(i) if callable(cmd) else cmd, cwd=cwd, env=ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            sys.exit(f"benchmark command failed: {cmd}\n{r.stderr.decode()}")
    return statistics.median(samples)


def bench_size(root, ids, runs, orc):
    root_commit = run(["git", "rev-list", "--max-parents=0", "HEAD"], root).split()[0]
    def free(i):
        text = open(os.path.join(root, task_rel(i))).read()
        return 'status = "pending"' in text and "depends_on" not in text
    pending = [i for i in ids if free(i)]
    target = pending[0]
    res = {}
    res["orc task add"] = timed(lambda i: [orc, "task", "add", f"bench task {i}"], root, runs)
    res["orc task status"] = timed(
        lambda i: [orc, "task", "status", target, "in_progress" if i % 2 == 0 else "pending"], root, runs)

    def git_pair_file(i):
        with open(os.path.join(root, "data", f"n{i}.toml"), "w") as f:
            f.write(task_text(f"task_{i:08x}", i, "tester", "pending", None, None))
    os.makedirs(os.path.join(root, "data"), exist_ok=True)
    res["git add + git commit"] = timed(
        lambda i: ["sh", "-c", f"git add data/n{i}.toml && git commit -q -m n{i}"], root, runs, before=git_pair_file)
    time.sleep(2.5)  # let the files written above settle so reads use the cache
    run([orc, "status", "--json"], root)
    for name, cmd in [
        ("orc status --json", [orc, "status", "--json"]),
        ("orc task list --json", [orc, "task", "list", "--json"]),
        ("orc ready --json", [orc, "ready", "--json"]),
        ("orc decision search", [orc, "decision", "search", "cache", "parser"]),
        ("orc search", [orc, "search", "realistic", "sentence", "--json"]),
        ("git grep -i", ["git", "grep", "-i", "-l", "--all-match", "-e", "realistic", "-e", "sentence", "--", ".orchestrator"]),
        ("orc files verify", [orc, "files", "verify", "--json"]),
        # Prints only what fails, like `git status` (`--json` prints all 4,000 results).
        ("orc files verify --failed", [orc, "files", "verify", "--failed"]),
        # As many files as verify checks: `art/` and 20 of the 100 directories of `src/`.
        ("git status (as many files)",
         ["git", "status", "--porcelain", "--", "art", "src/d?/*", "src/d1?/*"]),
        ("orc recover", [orc, "recover", "--json"]),
        ("orc recover --since root", [orc, "recover", "--json", "--since", root_commit]),
        ("orc log -n 50", [orc, "log", "-n", "50"]),
        ("orc --version", [orc, "--version"]),
    ]:
        res[name] = timed(cmd, root, runs)
    status = run(["git", "status", "--porcelain"], root)
    if status.strip():
        sys.exit(f"benchmark left the work tree dirty:\n{status}")
    return res


def beads_jsonl(root, ids):
    """The tasks of an orc fixture as beads issues (`issues.jsonl`): same titles,
    descriptions, statuses, parents, dependencies and one comment each."""
    status = {"pending": "open", "in_progress": "in_progress", "completed": "closed", "blocked": "blocked"}
    bead = {tid: f"bd-{tid.rsplit('_', 1)[1][:6]}{n}" for n, tid in enumerate(ids)}
    lines = []
    for tid in ids:
        text = open(os.path.join(root, task_rel(tid))).read()
        field = lambda k: (text.split(f'\n{k} = "', 1)[1].split('"', 1)[0] if f'\n{k} = "' in text else None)
        deps = []
        if field("parent"):
            deps.append({"issue_id": bead[tid], "depends_on_id": bead[field("parent")], "type": "parent-child",
                         "created_at": "2026-01-01T00:00:00Z", "created_by": "bench"})
        dep = text.split('depends_on = ["', 1)[1].split('"', 1)[0] if "depends_on" in text else None
        if dep:
            deps.append({"issue_id": bead[tid], "depends_on_id": bead[dep], "type": "blocks",
                         "created_at": "2026-01-01T00:00:00Z", "created_by": "bench"})
        issue = {"id": bead[tid], "title": field("title"), "description": field("description"),
                 "status": status[field("status")], "priority": 2, "issue_type": "task",
                 "labels": [field("stream")], "created_at": "2026-01-01T00:00:00Z",
                 "updated_at": "2026-01-01T00:00:00Z",
                 "comments": [{"id": 1, "issue_id": bead[tid], "author": "bench", "text": "a note",
                               "created_at": "2026-01-01T00:00:00Z"}]}
        if issue["status"] == "closed":
            issue["closed_at"] = "2026-01-01T00:00:00Z"
            issue["close_reason"] = "Done."
        if deps:
            issue["dependencies"] = deps
        lines.append(json.dumps(issue))
    return "\n".join(lines) + "\n"


def bench_list(tmp, n, root, ids, orc, br, runs):
    """`orc task list --json` side by side with git reading the same files and, when
    given, beads' `br list --json` on as many issues."""
    res = {}
    run([orc, "task", "list", "--json"], root)
    res["orc task list --json"] = timed([orc, "task", "list", "--json"], root, runs)
    # The same read with nothing to print (the fixture has no cancelled task).
    res["orc task list (read only)"] = timed([orc, "task", "list", "--json", "--status", "cancelled"], root, runs)
    blobs = "git ls-tree -r --format='%(objectname)' HEAD .orchestrator/tasks | git cat-file --batch"
    res["git cat-file --batch (tasks)"] = timed(["sh", "-c", blobs], root, runs)
    if br:
        broot = os.path.join(tmp, f"br-{n}")
        os.makedirs(broot)
        run(["git", "init", "-q", "-b", "main"], broot)
        run([br, "init", "--prefix", "bd"], broot)
        with open(os.path.join(broot, ".beads", "issues.jsonl"), "w") as f:
            f.write(beads_jsonl(root, ids))
        run([br, "sync", "--import-only"], broot)
        listed = json.loads(run([br, "list", "--json", "--all", "--limit", "0"], broot))
        got = len(listed) if isinstance(listed, list) else len(listed.get("issues", listed))
        if got != n:
            sys.exit(f"br lists {got} issues, expected {n}")
        res["br list --json"] = timed([br, "list", "--json", "--all", "--limit", "0"], broot, runs)
    return res


def bench_claims(tmp, orc, runs):
    """Claims: `orc start` with a local claim against one orc mutation, and with the claim
    published to a bare remote on the file system against a plain `git push` of one commit
    to the same remote, in the same run."""
    root = os.path.join(tmp, "claims")
    origin = os.path.join(tmp, "claims-origin.git")
    run(["git", "init", "-q", "-b", "main", root], tmp)
    run(["git", "config", "gc.auto", "0"], root)
    run([orc, "init"], root)
    args = [orc, "plan", "Claims bench", "--json"]
    for i in range(2 * runs + 1):
        args += ["--subtask", f"implementer:part {i}"]
    ids = [t["id"] for t in json.loads(run(args, root))["subtasks"]]
    run(["git", "init", "-q", "--bare", "-b", "main", origin], tmp)
    run(["git", "config", "gc.auto", "0"], origin)
    run(["git", "config", "receive.autogc", "false"], origin)
    run(["git", "remote", "add", "origin", origin], root)
    run(["git", "push", "-q", "origin", "main"], root)
    def commit(i):
        with open(os.path.join(root, "pushed.txt"), "w") as f:
            f.write(f"{i}\n")
        run(["git", "add", "pushed.txt"], root)
        run(["git", "commit", "-q", "-m", f"push {i}"], root)
        # What orc committed since the last push goes first, untimed: the timed push
        # carries one commit.
        run(["git", "push", "-q", "origin", "HEAD~1:refs/heads/bench"], root)

    def once(cmd, before=None):
        if before:
            before()
        t = time.perf_counter()
        r = subprocess.run(cmd, cwd=root, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.exit(f"benchmark command failed: {cmd}\n{r.stderr.decode()}")
        return (time.perf_counter() - t) * 1000

    # The four commands take turns, so a busy machine slows all of them alike.
    samples = {k: [] for k in ("orc task note", "orc start (local claim)",
                               "orc start (claim via remote)", "git push (one commit)")}
    for i in range(runs):
        samples["orc task note"].append(once([orc, "task", "note", ids[-1], f"note {i}"]))
        samples["orc start (local claim)"].append(once([orc, "start", ids[i]]))
        samples["orc start (claim via remote)"].append(
            once([orc, "--claims-remote", "origin", "start", ids[runs + i]]))
        samples["git push (one commit)"].append(
            once(["git", "push", "-q", "origin", "HEAD:refs/heads/bench"], before=lambda: commit(i)))
    res = {k: statistics.median(v) for k, v in samples.items()}
    claims = run(["git", "ls-remote", origin, "refs/orc/claims/*"], root).splitlines()
    if len(claims) != runs:
        sys.exit(f"expected {runs} claims on the remote, found {len(claims)}")
    return res


def check_claims(res):
    mutation = res["orc task note"]
    local = res["orc start (local claim)"] - mutation
    ok = local <= mutation
    print(f"{'PASS' if ok else 'MISS'}: a local claim adds {local:.1f} ms to a mutation of {mutation:.1f} ms "
          f"(target <= one mutation)")
    ratio = res["orc start (claim via remote)"] / res["git push (one commit)"]
    good = ratio <= 1.3
    print(f"{'PASS' if good else 'MISS'}: orc start with the claim via the remote = {ratio:.2f}x a plain git push "
          f"(target <= 1.3x)")
    return ok and good


def svg_plot(results, sizes, path):
    names = [n for n in results[sizes[0]]
             if n not in ("orc --version", "orc recover --since root", "git status (as many files)",
                          "orc files verify --failed")]
    w, h, pad = 640, 360, 50
    ymax = max(results[s][n] for s in sizes for n in names) * 1.1
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    xs = {s: pad + i * (w - 2 * pad) / max(1, len(sizes) - 1) for i, s in enumerate(sizes)}
    y = lambda v: h - pad - v / ymax * (h - 2 * pad)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<line x1="{pad}" y1="{h-pad}" x2="{w-pad}" y2="{h-pad}" stroke="black"/>',
           f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h-pad}" stroke="black"/>',
           f'<text x="{w/2}" y="{h-10}" text-anchor="middle">tasks (10,000-file repository)</text>',
           f'<text x="12" y="{h/2}" transform="rotate(-90 12 {h/2})" text-anchor="middle">median ms</text>']
    for s in sizes:
        out.append(f'<text x="{xs[s]}" y="{h-pad+15}" text-anchor="middle">{s:,}</text>')
    for frac in (0.25, 0.5, 0.75, 1.0):
        v = ymax * frac
        out.append(f'<text x="{pad-5}" y="{y(v)+4}" text-anchor="end">{v:.0f}</text>')
    for k, n in enumerate(names):
        c = colors[k % len(colors)]
        pts = " ".join(f"{xs[s]},{y(results[s][n])}" for s in sizes)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{w-pad-150}" y="{pad+14*k}" fill="{c}">{n}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def report_list(listed, runs, br):
    """Prints the task list side by side; checks orc >= 3x as fast as br when br ran."""
    print(f"\ntask list side by side, median wall time in ms over {runs} runs\n")
    names = list(next(iter(listed.values())))
    print(f"| {'command':<30} | " + " | ".join(f"{s:>8,} tasks" for s in listed) + " |")
    print(f"|{'-'*32}|" + "|".join("-" * 16 for _ in listed) + "|")
    for name in names:
        print(f"| {name:<30} | " + " | ".join(f"{listed[s][name]:>14.1f}" for s in listed) + " |")
    print()
    ok = True
    for s, r in listed.items():
        if "br list --json" in r:
            ratio = r["br list --json"] / r["orc task list --json"]
            ok &= ratio >= 3
            print(f"{'PASS' if ratio >= 3 else 'MISS'}: orc task list --json {ratio:.1f}x as fast as br list --json at {s:,} tasks (target >= 3x)")
        else:
            print(f"(br not found: pass --br PATH to compare with beads' Rust port; git cat-file shown instead)")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--decisions", type=int, default=500)
    ap.add_argument("--file-ops", type=int, default=2000)
    ap.add_argument("--history", type=int, default=5000)
    ap.add_argument("--artifacts", type=int, default=2000)
    ap.add_argument("--orc", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "orc"))
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--svg", help="write a plot of time against task count here")
    ap.add_argument("--only-claims", action="store_true", help="measure only the claims (about 10 s)")
    ap.add_argument("--br", default=shutil.which("br"),
                    help="beads' Rust port, for the task list side by side (default: br on PATH)")
    ap.add_argument("--list-sizes", default="1000", help="task counts for the task list side by side")
    ap.add_argument("--only-list", action="store_true",
                    help="measure only the task list side by side (small repositories)")
    args = ap.parse_args()
    br = os.path.abspath(args.br) if args.br else None
    if br and not os.path.exists(br):
        sys.exit(f"{br} not found (br: `cargo install beads_rust`)")
    orc = os.path.abspath(args.orc)
    if not os.path.exists(orc):
        sys.exit(f"{orc} not found: run `cargo build --release` first")
    if args.only_claims:
        with tempfile.TemporaryDirectory(prefix="orc-bench-") as tmp:
            res = bench_claims(tmp, orc, args.runs)
        print(f"\nmedian wall time in ms over {args.runs} runs\n")
        for n, v in res.items():
            print(f"| {n:<30} | {v:>8.1f} |")
        print()
        sys.exit(0 if check_claims(res) else 1)
    list_sizes = [int(s) for s in args.list_sizes.split(",")]
    if args.only_list:
        rng = random.Random(42)
        listed = {}
        with tempfile.TemporaryDirectory(prefix="orc-bench-") as tmp:
            for n in list_sizes:
                print(f"building a repository with {n} tasks ...", file=sys.stderr)
                root = os.path.join(tmp, f"repo-{n}")
                ids = build_repo(root, n, 100, orc, rng, decisions=10, file_ops=10, history=10, artifacts=10)
                listed[n] = bench_list(tmp, n, root, ids, orc, br, args.runs)
        sys.exit(0 if report_list(listed, args.runs, br) else 1)
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = random.Random(42)
    results = {}
    with tempfile.TemporaryDirectory(prefix="orc-bench-") as tmp:
        # All repositories are built before anything is measured, and removed after: on
        # ext4, creating files is slower for a few minutes after many were deleted (the
        # allocator skips recently freed inodes), which would favour whichever size
        # happened to be measured long after the last deletion.
        repos = {}
        for n in sizes:
            print(f"building a {args.files}-file repository with {n} tasks, {args.decisions} decisions, "
                  f"{args.file_ops} file operations, {args.artifacts} artifacts and "
                  f"{args.history} commits ...", file=sys.stderr)
            root = os.path.join(tmp, f"repo-{n}")
            repos[n] = (root, build_repo(root, n, args.files, orc, rng, args.decisions, args.file_ops,
                                         args.history, args.artifacts))
        for n in sizes:
            print(f"measuring at {n} tasks ...", file=sys.stderr)
            results[n] = bench_size(*repos[n], args.runs, orc)
        listed = {}
        for n in list_sizes:
            if n not in repos:
                root = os.path.join(tmp, f"repo-{n}")
                repos[n] = (root, build_repo(root, n, args.files, orc, rng, args.decisions, args.file_ops,
                                             args.history, args.artifacts))
            print(f"measuring task list side by side at {n} tasks ...", file=sys.stderr)
            listed[n] = bench_list(tmp, n, *repos[n], orc, br, args.runs)
        print("measuring claims ...", file=sys.stderr)
        claims = bench_claims(tmp, orc, args.runs)
    names = list(results[sizes[0]])
    print(f"\nmedian wall time in ms over {args.runs} runs, {args.files}-file repository\n")
    print(f"| {'command':<26} | " + " | ".join(f"{s:>8,} tasks" for s in sizes) + " |")
    print(f"|{'-'*28}|" + "|".join("-" * 16 for _ in sizes) + "|")
    for n in names:
        print(f"| {n:<26} | " + " | ".join(f"{results[s][n]:>14.1f}" for s in sizes) + " |")
    ok = True
    print()
    for s in sizes:
        for m in ("orc task add", "orc task status"):
            ratio = results[s][m] / results[s]["git add + git commit"]
            good = ratio <= 0.5
            ok &= good
            print(f"{'PASS' if good else 'MISS'}: {m} at {s:,} tasks = {ratio:.2f}x the git pair (target <= 0.5x)")
    big = max(sizes)
    st = results[big]["orc status --json"]
    ok &= st <= 50
    print(f"{'PASS' if st <= 50 else 'MISS'}: orc status --json at {big:,} tasks = {st:.1f} ms (target <= 50 ms)")
    rec = results[big]["orc recover"]
    ok &= rec <= 100
    print(f"{'PASS' if rec <= 100 else 'MISS'}: orc recover with {args.history:,} commits = {rec:.1f} ms (target <= 100 ms)")
    for s in sizes:
        ratio = results[s]["orc files verify --failed"] / results[s]["git status (as many files)"]
        good = ratio <= 1.5
        ok &= good
        print(f"{'PASS' if good else 'MISS'}: orc files verify --failed at {s:,} tasks = {ratio:.2f}x git status on as many files (target <= 1.5x)")
    ver = max(results[s]["orc --version"] for s in sizes)
    ok &= ver <= 5
    print(f"{'PASS' if ver <= 5 else 'MISS'}: orc --version = {ver:.1f} ms (target <= 5 ms)")
    srch, grep = results[big]["orc search"], results[big]["git grep -i"]
    ok &= srch <= grep
    print(f"{'PASS' if srch <= grep else 'MISS'}: orc search {srch:.1f} ms vs git grep -i {grep:.1f} ms at {big:,} tasks (target: no slower)")
    ok &= report_list(listed, args.runs, br)
    print(f"\nclaims (small repository, bare remote on the local file system):\n")
    for n, v in claims.items():
        print(f"| {n:<30} | {v:>8.1f} |")
    print()
    ok &= check_claims(claims)
    if len(sizes) > 1:
        small, large = results[min(sizes)]["orc task add"], results[big]["orc task add"]
        flat = large <= small * 1.5 + 2
        ok &= flat
        print(f"{'PASS' if flat else 'MISS'}: orc task add {small:.1f} ms at {min(sizes):,} tasks vs {large:.1f} ms at {big:,} (flat)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "files": args.files, "results": {str(k): v for k, v in results.items()},
                       "claims": claims}, f, indent=2)
    if args.svg:
        svg_plot(results, sizes, args.svg)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
