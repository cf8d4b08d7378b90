#!/usr/bin/env python3
"""Benchmark stdio MCP servers with one client: `orc mcp` against the Python
MCP Task Orchestrator (or any server given with --server).

For each server and run, in a fresh working directory:
  cold start   spawn -> initialize answered -> initialized sent -> tools/list answered
  tool calls   latency of each call of a workflow (request written -> response read)
  peak RSS     the server's VmHWM (kernel high-water mark of resident memory), read
               from /proc just before stdin is closed, summed over its process tree

The client speaks raw JSON-RPC over the pipes (Python standard library only), so its
own cost is the same for every server and small. Lines on the server's stdout that
are not JSON are skipped and counted (the Python orchestrator logs there).

The workflow is WORKFLOW below. A step runs in the compared part only when every
server has its tool, so both do the same work on the same state; steps whose tool
only some servers have run afterwards, per server, and are reported apart. Steps use
`ctx` to pass ids along; a step whose `needs` are missing from ctx is skipped.

    python3 bench/mcp_bench.py --orc target/release/orc \\
        --original-python target/mcp-bench/original/bin/python --runs 5
"""

import argparse
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PROTOCOL_VERSION = "2025-06-18"
TIMEOUT = 60.0


class Server:
    """One spawned stdio MCP server and a line-oriented JSON-RPC client for it."""

    def __init__(self, argv, cwd, env):
        self.t_spawn = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages = queue.Queue()
        self.garbage = 0
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                self.garbage += 1
                continue
            if isinstance(msg, dict):
                self.messages.put(msg)
            else:
                self.garbage += 1
        self.messages.put(None)

    def send(self, msg):
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method, params=None):
        """Returns (response, seconds)."""
        self.next_id += 1
        rid = self.next_id
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        t0 = time.perf_counter()
        self.send(msg)
        while True:
            resp = self.messages.get(timeout=TIMEOUT)
            if resp is None:
                raise RuntimeError(f"server exited during {method}")
            if resp.get("id") == rid:
                return resp, time.perf_counter() - t0
            # Server-initiated requests (roots, sampling): answer "not supported".
            if "method" in resp and "id" in resp:
                self.send({"jsonrpc": "2.0", "id": resp["id"],
                           "error": {"code": -32601, "message": "not supported"}})

    def start(self):
        """Handshake and tools/list; returns (cold start seconds, tool names)."""
        resp, _ = self.request("initialize", {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "mcp_bench", "version": "1"},
        })
        if "result" not in resp:
            raise RuntimeError(f"initialize failed: {resp}")
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        resp, _ = self.request("tools/list", {})
        cold = time.perf_counter() - self.t_spawn
        return cold, {t["name"] for t in resp["result"]["tools"]}

    def call(self, tool, args):
        """Returns (result, seconds); raises on a protocol error."""
        resp, secs = self.request("tools/call", {"name": tool, "arguments": args})
        if "error" in resp:
            raise RuntimeError(f"{tool}: {resp['error']}")
        return resp["result"], secs

    def peak_rss_kib(self):
        """VmHWM of the server and its descendants, in KiB."""
        total = 0
        for pid in [self.proc.pid] + descendants(self.proc.pid):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def close(self):
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    out, stack = [], [pid]
    while stack:
        for c in children.get(stack.pop(), []):
            out.append(c)
            stack.append(c)
    return out


# ---------------------------------------------------------------- the workflow

ID = re.compile(r"\b((?:task|architect|implementer|tester|documenter|reviewer|researcher|debugger)_[0-9a-f]{6,8})\b")


def ids_in(result):
    """Task ids in a tool result (structured content or text), in order of appearance."""
    blob = json.dumps(result.get("structuredContent")) + " " + " ".join(
        c.get("text", "") for c in result.get("content", []))
    seen = []
    for m in ID.finditer(blob):
        if m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def payload(result):
    """The result as data: structured content, else the text when it is JSON (the
    original answers with JSON text)."""
    if result.get("structuredContent"):
        return result["structuredContent"]
    for c in result.get("content", []):
        try:
            return json.loads(c.get("text", ""))
        except ValueError:
            pass
    return {}


def remember_plan(ctx, result):
    """The plan's ids from the fields the original's clients read, else from any ids."""
    data = payload(result)
    if data.get("parent_task_id") and data.get("subtasks"):
        ctx["parent"] = data["parent_task_id"]
        ctx["subtasks"] = [s["task_id"] for s in data["subtasks"]]
        return
    ids = ids_in(result)
    ctx["parent"] = next((i for i in ids if i.startswith("task_")), None)
    ctx["subtasks"] = [i for i in ids if not i.startswith("task_")]


SUBTASKS = [
    {"title": "Design the layout", "description": "Page structure and data flow.",
     "specialist_type": "architect", "estimated_effort": "1h"},
    {"title": "Implement the parser", "description": "Parse the input format.",
     "specialist_type": "implementer", "dependencies": [], "estimated_effort": "2h"},
    {"title": "Test the parser", "description": "Unit and integration tests.",
     "specialist_type": "tester", "estimated_effort": "1h"},
    {"title": "Document the format", "description": "User guide page.",
     "specialist_type": "documenter", "estimated_effort": "30m"},
    {"title": "Review the change", "description": "Code review.",
     "specialist_type": "reviewer", "estimated_effort": "30m"},
]


def step(label, tool, args=None, needs=(), after=None, error=None):
    """`error`: whether the call should fail (True/False), None when either is fine."""
    return {"label": label, "tool": tool, "args": args or (lambda ctx: {}),
            "needs": needs, "after": after, "error": error}


def plan_args(subtasks):
    return lambda ctx: {"description": "Add a parser for the task file format",
                        "subtasks_json": json.dumps(subtasks), "complexity_level": "moderate"}


# The reference workflow of shared/reference/original.md (21 calls): a session that plans
# 5 subtasks, works two of them, reports and maintains, then 5 calls with bad input. A step
# whose tool only one server has would be skipped for both (today both have every one).
WORKFLOW = [
    step("initialize_session", "orchestrator_initialize_session", error=False),
    step("plan_task", "orchestrator_plan_task", plan_args(SUBTASKS), after=remember_plan,
         error=False),
    step("get_status", "orchestrator_get_status", error=False),
    step("execute_subtask", "orchestrator_execute_subtask",
         lambda ctx: {"task_id": ctx["subtasks"][0]}, needs=("subtasks",), error=False),
    step("complete_subtask", "orchestrator_complete_subtask", lambda ctx: {
        "task_id": ctx["subtasks"][0], "summary": "Layout designed",
        "detailed_work": "Two pages: index and detail.", "artifact_type": "design",
        "file_paths": ["docs/layout.md", "docs/flow.md"], "next_action": "continue",
    }, needs=("subtasks",), error=False),
    step("execute_subtask", "orchestrator_execute_subtask",
         lambda ctx: {"task_id": ctx["subtasks"][1]}, needs=("subtasks",), error=False),
    step("complete_subtask", "orchestrator_complete_subtask", lambda ctx: {
        "task_id": ctx["subtasks"][1], "summary": "Parser implemented",
        "detailed_work": "fn parse(...) { ... }", "artifact_type": "code",
        "file_paths": ["src/parser.rs"], "next_action": "complete",
    }, needs=("subtasks",), error=False),
    step("get_status", "orchestrator_get_status", lambda ctx: {"include_completed": True},
         error=False),
    # 3 of 5 subtasks are open: orc refuses (isError), the original claims success.
    step("synthesize_results", "orchestrator_synthesize_results",
         lambda ctx: {"parent_task_id": ctx["parent"]}, needs=("parent",)),
    *[step(f"maintenance {action}", "orchestrator_maintenance_coordinator",
           (lambda a: lambda ctx: {"action": a})(action), error=False)
      for action in ["scan_cleanup", "validate_structure", "update_documentation",
                     "prepare_handover"]],
    step("health_check", "orchestrator_health_check", error=False),
    step("restart_status", "orchestrator_restart_status"),
    step("reconnect_test", "orchestrator_reconnect_test"),
    step("execute_subtask, unknown id", "orchestrator_execute_subtask",
         lambda ctx: {"task_id": "implementer_000000"}, error=True),
    step("complete_subtask, unknown id", "orchestrator_complete_subtask", lambda ctx: {
        "task_id": "implementer_000000", "summary": "x", "detailed_work": "x",
        "next_action": "complete"}, error=True),
    step("plan_task, bad role", "orchestrator_plan_task",
         plan_args([{"title": "x", "description": "x", "specialist_type": "wizard"}]),
         error=True),
    step("plan_task, bad JSON", "orchestrator_plan_task", lambda ctx: {
        "description": "x", "subtasks_json": "[{\"title\": "}, error=True),
    step("plan_task, duplicate task_id", "orchestrator_plan_task", plan_args([
        {"task_id": "dup_1", "title": "a", "description": "a", "specialist_type": "tester"},
        {"task_id": "dup_1", "title": "b", "description": "b", "specialist_type": "tester"},
    ]), error=True),
]

# Files the workflow's complete_subtask calls refer to.
WORK_FILES = {"docs/layout.md": "# Layout\n", "docs/flow.md": "# Flow\n",
              "src/parser.rs": "pub fn parse() {}\n"}

# Extra steps for tools only some servers have (not compared).
EXTRAS = [
    step("create_task", "orchestrator_create_task",
         lambda ctx: {"title": "Benchmark task", "specialist_type": "implementer"},
         after=lambda ctx, r: ctx.update(extra=ids_in(r)[0])),
    step("update_task", "orchestrator_update_task",
         lambda ctx: {"task_id": ctx["extra"], "status": "in_progress"}, needs=("extra",)),
    step("add_note", "orchestrator_add_note",
         lambda ctx: {"task_id": ctx["extra"], "note": "halfway"}, needs=("extra",)),
    step("show_task", "orchestrator_show_task",
         lambda ctx: {"task_id": ctx["extra"]}, needs=("extra",)),
    step("list_tasks", "orchestrator_list_tasks"),
    step("ready_tasks", "orchestrator_ready_tasks"),
    step("record_files", "orchestrator_record_files",
         lambda ctx: {"task_id": ctx["extra"], "paths": ["src"]}, needs=("extra",)),
    step("verify_files", "orchestrator_verify_files"),
    step("update_task", "orchestrator_update_task",
         lambda ctx: {"task_id": ctx["extra"], "status": "completed"}, needs=("extra",)),
    step("record_decision", "orchestrator_record_decision", lambda ctx: {
        "title": "Parse with a hand-written lexer", "decision": "No generator.",
        "tags": ["parser"]}),
    step("search_decisions", "orchestrator_search_decisions", lambda ctx: {"query": "lexer"}),
    step("show_decision", "orchestrator_show_decision", lambda ctx: {"number": 1}),
    step("recover_context", "orchestrator_recover_context"),
    step("log", "orchestrator_log"),
    step("end_session", "orchestrator_end_session", lambda ctx: {"handoff": "done"}),
]


# ---------------------------------------------------------------- servers

def git_env(env):
    env.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    return env


def orc_profile(binary, name="orc"):
    binary = os.path.abspath(binary)

    def setup(wd, env):
        # `orc init` here, as the original creates its database at startup (inside its
        # cold start); initialize_session then only starts the session, as there.
        for cmd in (["git", "init", "-q", "-b", "main"], ["git", "config", "gc.auto", "0"],
                    [binary, "init"]):
            subprocess.run(cmd, cwd=wd, env=env, check=True, capture_output=True)
    return {"name": name, "argv": [binary, "mcp"], "setup": setup}


def original_profile(python):
    python = os.path.abspath(python)

    def setup(wd, env):
        pass
    return {"name": "original", "argv": [python, "-m", "mcp_task_orchestrator.server"],
            "setup": setup}


def command_profile(spec):
    name, _, cmd = spec.partition("=")
    return {"name": name, "argv": cmd.split(), "setup": lambda wd, env: None}


# ---------------------------------------------------------------- running

def run_once(profile, steps_common, steps_extra, tools_common):
    """One fresh directory, one server process: cold start, workflow, peak RSS."""
    root = tempfile.mkdtemp(prefix=f"mcp-bench-{profile['name']}-")
    try:
        wd, home = os.path.join(root, "wd"), os.path.join(root, "home")
        os.makedirs(wd)
        os.makedirs(home)
        env = git_env(dict(os.environ, HOME=home))
        profile["setup"](wd, env)
        for rel, text in WORK_FILES.items():
            os.makedirs(os.path.dirname(os.path.join(wd, rel)), exist_ok=True)
            with open(os.path.join(wd, rel), "w") as f:
                f.write(text)
        server = Server(profile["argv"], wd, env)
        cold, tools = server.start()
        common = tools if tools_common is None else tools_common
        calls, errors, ctx, rss_common = [], [], {}, 0
        for part, steps in (("common", steps_common), ("extra", steps_extra)):
            if part == "extra":
                rss_common = server.peak_rss_kib()
            for s in steps:
                in_common = s["tool"] in common
                if (part == "common") != in_common or s["tool"] not in tools:
                    continue
                if any(n not in ctx or not ctx[n] for n in s["needs"]):
                    continue
                result, secs = server.call(s["tool"], s["args"](ctx))
                failed = bool(result.get("isError"))
                if s["error"] is not None and failed != s["error"]:
                    what = "isError" if failed else "no isError"
                    errors.append((s["label"], f"{what}: "
                                   + result["content"][0].get("text", "")[:160]))
                if s["after"]:
                    s["after"](ctx, result)
                calls.append({"part": part, "label": s["label"], "ms": secs * 1000})
        rss = server.peak_rss_kib()
        code = server.close()
        return {"cold_ms": cold * 1000, "tools": sorted(tools), "calls": calls,
                "peak_rss_kib": rss, "peak_rss_common_kib": rss_common, "exit": code, "garbage_lines": server.garbage,
                "tool_errors": errors}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def bench(profiles, runs):
    # One probe run per server to learn its tools; the compared part is what all have.
    probes = {p["name"]: run_once(p, [], [], set()) for p in profiles}
    tools_common = set.intersection(*(set(r["tools"]) for r in probes.values()))
    results = {}
    for p in profiles:
        results[p["name"]] = [run_once(p, WORKFLOW, EXTRAS, tools_common) for _ in range(runs)]
    return tools_common, results


def median(xs):
    return statistics.median(xs) if xs else None


def summarise(results):
    out = {}
    for name, runs in results.items():
        per_label = {}
        for r in runs:
            for c in r["calls"]:
                per_label.setdefault((c["part"], c["label"]), []).append(c["ms"])
        out[name] = {
            "cold_ms": median([r["cold_ms"] for r in runs]),
            "cold_all_ms": [round(r["cold_ms"], 1) for r in runs],
            "peak_rss_mib": max(r["peak_rss_common_kib"] for r in runs) / 1024,
            "peak_rss_all_mib": max(r["peak_rss_kib"] for r in runs) / 1024,
            "calls": {k: (median(v), len(v)) for k, v in per_label.items()},
            "all_calls_ms": median([c["ms"] for r in runs for c in r["calls"]
                                    if c["part"] == "common"]),
            "workflow_ms": median([sum(c["ms"] for c in r["calls"] if c["part"] == "common")
                                   for r in runs]),
            "garbage_lines": median([r["garbage_lines"] for r in runs]),
            "tool_errors": sorted({e for r in runs for e in r["tool_errors"]}),
        }
    return out


def fmt(v, unit=""):
    if v is None:
        return "-"
    if v < 10:
        return f"{v:.2f}{unit}"
    return f"{v:.1f}{unit}" if v < 100 else f"{v:.0f}{unit}"


# Targets of the issue: how many times better orc must be than the original.
TARGETS = {"cold": 50, "rss": 10, "call": 10}


def table(summary, base, other, runs):
    rows = []

    def row(label, a, b, target=None):
        ratio, met = "-", ""
        if a and b:
            ratio = f"{b / a:.0f}x" if b / a >= 10 else f"{b / a:.1f}x"
            if target:
                met = f">={target}x " + ("yes" if b / a >= target else "NO")
        rows.append((label, fmt(a), fmt(b), ratio, met))

    s, o = summary[base], summary.get(other, {})
    row(f"cold start ms (median of {runs})", s["cold_ms"], o.get("cold_ms"), TARGETS["cold"])
    row("peak RSS MiB (compared workflow)", s["peak_rss_mib"], o.get("peak_rss_mib"),
        TARGETS["rss"])
    labels = []
    for (part, label) in list(s["calls"]) + list(o.get("calls", {})):
        if part == "common" and label not in labels:
            labels.append(label)
    for label in labels:
        a = s["calls"].get(("common", label), (None, 0))[0]
        b = o.get("calls", {}).get(("common", label), (None, 0))[0]
        row(f"  {label} ms", a, b, TARGETS["call"])
    row("any compared call ms (median)", s["all_calls_ms"], o.get("all_calls_ms"),
        TARGETS["call"])
    row("compared workflow total ms (median)", s["workflow_ms"], o.get("workflow_ms"))
    w = max(len(r[0]) for r in rows)
    lines = [f"{'metric':<{w}}  {base:>8}  {other:>8}  {other + '/' + base:>12}  target",
             "-" * (w + 48)]
    lines += [f"{a:<{w}}  {b:>8}  {c:>8}  {d:>12}  {e}" for a, b, c, d, e in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orc", help="orc binary (served as `orc mcp`)")
    ap.add_argument("--baseline-orc",
                    help="another orc build served the same way, to compare against (e.g. the last "
                         "release, for a change that should cost nothing); compared before the original")
    ap.add_argument("--original-python",
                    help="python with mcp-task-orchestrator installed (mcp<2)")
    ap.add_argument("--server", action="append", default=[],
                    help="another server as NAME=COMMAND (run in an empty directory)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="write all measurements here")
    args = ap.parse_args()
    profiles = []
    if args.orc:
        profiles.append(orc_profile(args.orc))
    if args.baseline_orc:
        profiles.append(orc_profile(args.baseline_orc, "baseline"))
    if args.original_python:
        profiles.append(original_profile(args.original_python))
    profiles += [command_profile(s) for s in args.server]
    if not profiles:
        ap.error("name at least one server")

    tools_common, results = bench(profiles, args.runs)
    summary = summarise(results)
    names = [p["name"] for p in profiles]
    print(f"compared tools (on every server): {', '.join(sorted(tools_common)) or 'none'}")
    print()
    print(table(summary, names[0], names[1] if len(names) > 1 else "", args.runs))
    for name in names:
        s = summary[name]
        extra = {label: v for (part, label), v in s["calls"].items() if part == "extra"}
        if extra:
            print(f"\n{name} only (not compared), median ms: " + ", ".join(
                f"{label} {fmt(ms)}" for label, (ms, _) in extra.items())
                + f"; peak RSS after them {s['peak_rss_all_mib']:.1f} MiB")
        if s["garbage_lines"]:
            print(f"{name}: {s['garbage_lines']:.0f} non-JSON lines on stdout per run")
        for label, err in s["tool_errors"]:
            print(f"{name}: unexpected result of {label}: {err}")
        print(f"{name}: cold starts ms {s['cold_all_ms']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "results": results,
                       "compared_tools": sorted(tools_common)}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
