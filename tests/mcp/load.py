#!/usr/bin/env python3
"""Load test of `orc mcp` with the official Python MCP SDK.

1. One client makes CALLS sequential tool calls (creates, notes, status, list, show) and
   samples the server's resident memory: no call may fail, every mutation must land as
   one commit, and memory must stay flat (the last sample at most 25% or 4 MiB above the
   sample after the first tenth of the calls).
2. CLIENTS clients, each with its own `orc mcp` process, work on the same repository at
   once (creates and notes interleaved): nothing is lost, history stays linear.

    python tests/mcp/load.py --orc target/release/orc --repo /tmp/repo --calls 1000 --clients 4

Run by `cargo test` (tests/it/mcp_load.rs) with smaller sizes when ORC_MCP_PYTHON is set.
"""

import argparse
import asyncio
import json
import subprocess
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def server_pid(orc):
    """The pid of the newest `orc mcp` process started from this script."""
    out = subprocess.run(["pgrep", "-n", "-f", f"{orc} mcp"], capture_output=True, text=True).stdout
    return int(out.split()[0]) if out.strip() else None


async def call(session, tool, args):
    result = await session.call_tool(tool, args)
    is_error = getattr(result, "is_error", None)
    if is_error is None:
        is_error = result.isError
    text = "\n".join(c.text for c in result.content if c.type == "text")
    if is_error:
        raise RuntimeError(f"{tool} {args} failed: {text}")
    data = getattr(result, "structured_content", None)
    if data is None:
        data = getattr(result, "structuredContent", None) or {}
    return data


def params(orc, repo):
    return StdioServerParameters(command=orc, args=["mcp", "--repo", repo], cwd=repo)


async def sequential(orc, repo, calls):
    before = int(git(repo, "rev-list", "--count", "HEAD"))
    mutations = 0
    samples = []
    async with stdio_client(params(orc, repo)) as (r, w):
        async with ClientSession(r, w) as session:
            await session.initialize()
            pid = server_pid(orc)
            ids = []
            for i in range(calls):
                kind = i % 5
                if kind == 0 or not ids:
                    data = await call(session, "orchestrator_create_task", {"title": f"load task {i}"})
                    ids.append(data["task"]["id"])
                    mutations += 1
                elif kind == 1:
                    await call(session, "orchestrator_add_note", {"task_id": ids[-1], "note": f"note {i}"})
                    mutations += 1
                elif kind == 2:
                    await call(session, "orchestrator_get_status", {})
                elif kind == 3:
                    await call(session, "orchestrator_list_tasks", {})
                else:
                    await call(session, "orchestrator_show_task", {"task_id": ids[i % len(ids)]})
                if pid and (i + 1) % max(1, calls // 10) == 0:
                    samples.append(rss_kib(pid))
    after = int(git(repo, "rev-list", "--count", "HEAD"))
    if after - before != mutations:
        raise RuntimeError(f"{mutations} mutations made {after - before} commits")
    if len(samples) >= 2:
        first, last = samples[0], samples[-1]
        if last > first * 1.25 and last - first > 4096:
            raise RuntimeError(f"memory grew from {first} KiB to {last} KiB: {samples}")
    return {"calls": calls, "mutations": mutations, "rss_kib": samples}


async def one_client(orc, repo, n, per_client):
    async with stdio_client(params(orc, repo)) as (r, w):
        async with ClientSession(r, w) as session:
            await session.initialize()
            for i in range(per_client):
                data = await call(session, "orchestrator_create_task", {"title": f"client {n} task {i}"})
                await call(session, "orchestrator_add_note", {"task_id": data["task"]["id"], "note": f"from {n}"})


async def concurrent(orc, repo, clients, per_client):
    before = int(git(repo, "rev-list", "--count", "HEAD"))
    await asyncio.gather(*(one_client(orc, repo, n, per_client) for n in range(clients)))
    after = int(git(repo, "rev-list", "--count", "HEAD"))
    expected = clients * per_client * 2
    if after - before != expected:
        raise RuntimeError(f"{clients} clients made {after - before} commits, expected {expected}")
    merges = int(git(repo, "rev-list", "--min-parents=2", "--count", "HEAD"))
    if merges:
        raise RuntimeError("history is not linear")
    titles = [t["title"] for t in json.loads(subprocess.run(
        [orc, "task", "list", "--json"], cwd=repo, check=True, capture_output=True, text=True).stdout)["tasks"]]
    for n in range(clients):
        for i in range(per_client):
            if f"client {n} task {i}" not in titles:
                raise RuntimeError(f"client {n} task {i} was lost")
    git(repo, "fsck", "--strict", "--no-dangling")
    if git(repo, "status", "--porcelain").strip():
        raise RuntimeError("work tree not clean")
    return {"clients": clients, "commits": expected}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orc", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--per-client", type=int, default=25)
    args = ap.parse_args()
    subprocess.run([args.orc, "init"], cwd=args.repo, check=True, capture_output=True)
    seq = asyncio.run(sequential(args.orc, args.repo, args.calls))
    conc = asyncio.run(concurrent(args.orc, args.repo, args.clients, args.per_client))
    print(json.dumps({"sequential": seq, "concurrent": conc}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the Rust test's assertion message
        print(f"load test failed: {e}", file=sys.stderr)
        sys.exit(1)
