#!/usr/bin/env python3
"""A workflow written for the Python "MCP Task Orchestrator", run unchanged against
`orc mcp --tools core` with the official Python MCP SDK.

It uses only the original's twelve tool names and parameters (the four restart tools
included) and reads results the way prompts written for the original do: by parsing
the JSON in the text block. Checks the fields clients read (`task_created`,
`parent_task_id`, `subtasks[].task_id`, `parent_task_progress`,
`next_recommended_task`), that failures are tool errors, and the git history the calls
leave. Run by `cargo test` (tests/it/mcp.rs) when ORC_MCP_PYTHON is set.

    python tests/mcp/original_workflow.py --orc target/debug/orc --repo /tmp/git-repo
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ORIGINAL_TOOLS = {
    "orchestrator_initialize_session",
    "orchestrator_plan_task",
    "orchestrator_execute_subtask",
    "orchestrator_complete_subtask",
    "orchestrator_synthesize_results",
    "orchestrator_get_status",
    "orchestrator_maintenance_coordinator",
    "orchestrator_restart_server",
    "orchestrator_health_check",
    "orchestrator_shutdown_prepare",
    "orchestrator_reconnect_test",
    "orchestrator_restart_status",
}

SUBTASKS = [
    {"task_id": "a1", "title": "Design", "description": "Design the layout.",
     "specialist_type": "architect", "estimated_effort": "1h"},
    {"task_id": "b1", "title": "Implement", "description": "Build it.",
     "specialist_type": "implementer", "dependencies": ["a1"]},
    {"task_id": "c1", "title": "Test", "description": "Test it.",
     "specialist_type": "tester", "dependencies": ["b1"]},
    {"task_id": "d1", "title": "Document", "description": "Write the docs.",
     "specialist_type": "documenter", "dependencies": ["a1"]},
    {"task_id": "e1", "title": "Review", "description": "Review all.",
     "specialist_type": "reviewer", "dependencies": ["c1", "d1"]},
]


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def git(repo, *args):
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


async def call(session, tool, args=None, *, error=False):
    """Calls a tool and parses its text block as JSON, as the original's users do."""
    result = await session.call_tool(tool, args or {})
    is_error = bool(getattr(result, "is_error", getattr(result, "isError", False)))
    text = "".join(c.text for c in result.content if c.type == "text")
    check(is_error == error, f"{tool} {args}: isError={is_error}: {text[:300]}")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        # Arguments the server could not read are refused with plain text.
        check(error, f"{tool}: the text block is not JSON: {text[:200]}")
        return {"text": text}


async def workflow(session, repo):
    names = {t.name for t in (await session.list_tools()).tools}
    check(names == ORIGINAL_TOOLS | {"orchestrator_claim_next"}, f"core tools: {names}")

    data = await call(session, "orchestrator_initialize_session")
    check(data["session_initialized"] is True, f"initialize: {data}")

    data = await call(session, "orchestrator_plan_task", {
        "description": "Build a landing page",
        "subtasks_json": json.dumps(SUBTASKS),
        "complexity_level": "moderate",
        "context": "A small static site.",
    })
    check(data["task_created"] is True, f"plan: {data}")
    parent = data["parent_task_id"]
    ids = [s["task_id"] for s in data["subtasks"]]
    check(len(ids) == 5, f"subtasks: {data['subtasks']}")
    for s, spec in zip(data["subtasks"], SUBTASKS):
        check(s["title"] == spec["title"] and s["specialist_type"] == spec["specialist_type"],
              f"subtask {s}")
    check(data["subtasks"][1]["dependencies"] == [ids[0]], "dependencies by the plan's task_id")

    data = await call(session, "orchestrator_get_status")
    check(data["by_status"]["pending"] == 6, f"status: {data['by_status']}")

    # Subtask 0: two files, relative to the server's directory.
    os.makedirs(os.path.join(repo, "docs"), exist_ok=True)
    for name in ("layout.md", "flow.md"):
        with open(os.path.join(repo, "docs", name), "w") as f:
            f.write(f"# {name}\n")
    data = await call(session, "orchestrator_execute_subtask", {"task_id": ids[0]})
    check("Design" in data["text"], f"brief: {data['text'][:200]}")
    data = await call(session, "orchestrator_complete_subtask", {
        "task_id": ids[0], "summary": "Layout designed.", "detailed_work": "Two pages.",
        "file_paths": ["docs/layout.md", "docs/flow.md"], "artifact_type": "design",
        "next_action": "continue",
    })
    progress = data["parent_task_progress"]
    check((progress["completed_subtasks"], progress["total_subtasks"],
           progress["progress_percentage"]) == (1, 5, 20), f"progress: {progress}")
    check(data["next_recommended_task"]["task_id"] == ids[1],
          f"next after Design: {data['next_recommended_task']}")

    # Subtask 1.
    await call(session, "orchestrator_execute_subtask", {"task_id": ids[1]})
    data = await call(session, "orchestrator_complete_subtask", {
        "task_id": ids[1], "summary": "Built.", "detailed_work": "index.html",
        "artifact_type": "code", "next_action": "complete",
    })
    check(data["status"] == "completed" and data["results_recorded"], f"complete: {data}")

    data = await call(session, "orchestrator_get_status", {"include_completed": True})
    check(sorted(t["id"] for t in data["completed"]) == sorted(ids[:2]), "completed list")

    # Three subtasks still open: synthesis is refused, with the open ones listed.
    data = await call(session, "orchestrator_synthesize_results", {"parent_task_id": parent},
                      error=True)
    check(data["error"]["code"] == "subtasks_open", f"synthesize: {data}")

    for action in ("scan_cleanup", "validate_structure", "update_documentation",
                   "prepare_handover"):
        data = await call(session, "orchestrator_maintenance_coordinator", {"action": action})
        check(data["action"] == action, f"maintenance {action}: {data}")

    data = await call(session, "orchestrator_health_check")
    check(data["healthy"] and data["restart_ready"], f"health: {data}")
    data = await call(session, "orchestrator_shutdown_prepare")
    check(data["ready_for_shutdown"], f"shutdown_prepare: {data}")
    data = await call(session, "orchestrator_restart_server",
                      {"graceful": True, "preserve_state": True, "timeout": "30",
                       "reason": "manual_request"})
    check(data["state_preserved"], f"restart: {data}")
    data = await call(session, "orchestrator_restart_status", {"include_history": True})
    check(data["phase"] == "idle" and len(data["history"]) == 1, f"restart_status: {data}")
    data = await call(session, "orchestrator_reconnect_test")
    check(data["connection_ok"], f"reconnect: {data}")

    # Bad input: tool errors, nothing written.
    commits = git(repo, "rev-list", "--count", "HEAD").strip()
    data = await call(session, "orchestrator_execute_subtask", {"task_id": "nonexistent_123"},
                      error=True)
    check(data["error"]["code"] == "unknown_task", f"{data}")
    await call(session, "orchestrator_complete_subtask", {
        "task_id": "nonexistent_123", "summary": "x", "detailed_work": "x",
        "next_action": "complete"}, error=True)
    data = await call(session, "orchestrator_plan_task", {
        "description": "Bad role", "subtasks_json": json.dumps(
            [{"title": "x", "description": "x", "specialist_type": "wizard"}])}, error=True)
    check(data["error"]["code"] == "invalid_plan", f"{data}")
    await call(session, "orchestrator_plan_task",
               {"description": "Bad JSON", "subtasks_json": "[{"}, error=True)
    await call(session, "orchestrator_get_status", {"include_completed": "maybe"}, error=True)
    check(git(repo, "rev-list", "--count", "HEAD").strip() == commits, "a failed call committed")
    check(not os.path.exists(os.path.join(repo, ".task_orchestrator")), "the original's files")

    ops = git(repo, "log", "--reverse", "--format=%(trailers:key=Orc-Op,valueonly)").split()
    check(ops == ["init", "session.start", "task.plan", "task.start", "task.complete",
                  "task.start", "task.complete"], f"history: {ops}")
    git(repo, "fsck", "--strict", "--no-dangling")


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orc", required=True, help="the orc binary")
    ap.add_argument("--repo", required=True, help="a git repository without orc")
    args = ap.parse_args()
    server = StdioServerParameters(
        command=args.orc, args=["mcp", "--tools", "core"], cwd=args.repo, env=dict(os.environ)
    )
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            try:
                await workflow(session, args.repo)
            except Failure as e:
                print(f"FAILED original workflow: {e}", file=sys.stderr)
                return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
