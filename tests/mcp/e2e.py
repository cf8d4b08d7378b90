#!/usr/bin/env python3
"""End-to-end test of `orc mcp` with the official Python MCP SDK as the client.

Spawns `orc mcp` in a git repository, runs a workflow through the tools and checks the
results and the git history each call leaves. Run by `cargo test` (tests/it/mcp.rs)
when ORC_MCP_PYTHON points at a Python with `mcp` installed; `.ci/run` sets that up.

    python tests/mcp/e2e.py --orc target/debug/orc --repo /tmp/some-git-repo

The workflow is a list of steps (`STEPS`), each a coroutine taking the `Run`. Steps
share ids through `run.ids`. To cover a new tool, append a step and add the tool to
`EXPECTED_TOOLS`.
"""

import argparse
import asyncio
import os
import subprocess
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {
    "orchestrator_add_note",
    "orchestrator_create_task",
    "orchestrator_get_status",
    "orchestrator_health_check",
    "orchestrator_list_tasks",
    "orchestrator_ready_tasks",
    "orchestrator_show_task",
    "orchestrator_update_task",
}


class Failure(Exception):
    pass


def field(obj, snake, camel):
    """SDK 2.x names fields in snake_case, 1.x in camelCase; accept both."""
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


def check(cond, what):
    if not cond:
        raise Failure(what)


class Run:
    """One client session against one repository, with the git CLI as the judge."""

    def __init__(self, session, repo):
        self.session = session
        self.repo = repo
        self.ids = {}
        self.commits = int(self.git("rev-list", "--count", "HEAD"))

    def git(self, *args):
        return subprocess.run(
            ["git", *args], cwd=self.repo, check=True, capture_output=True, text=True
        ).stdout

    async def call(self, tool, args=None, *, error=False):
        """Calls a tool; returns (text, structured). `error` is the expected isError."""
        result = await self.session.call_tool(tool, args or {})
        text = "\n".join(c.text for c in result.content if c.type == "text")
        is_error = bool(field(result, "is_error", "isError"))
        check(is_error == error, f"{tool} {args}: isError={is_error}, expected {error}: {text}")
        return text, field(result, "structured_content", "structuredContent") or {}

    async def mutate(self, tool, args, op):
        """A mutating call: exactly one new commit, with `Orc-Op: op`, tree clean."""
        text, data = await self.call(tool, args)
        count = int(self.git("rev-list", "--count", "HEAD"))
        check(count == self.commits + 1, f"{tool}: {count - self.commits} commits, expected 1")
        self.commits = count
        trailers = self.git("log", "-1", "--format=%(trailers:only)")
        check(f"Orc-Op: {op}" in trailers, f"{tool}: trailers {trailers!r} lack Orc-Op: {op}")
        check(data.get("commit") == self.git("rev-parse", "HEAD").strip(), f"{tool}: commit id")
        check(self.git("status", "--porcelain") == "", f"{tool}: work tree not clean")
        return text, data

    async def fails(self, tool, args, code):
        """A tool error with `code`; nothing committed."""
        text, data = await self.call(tool, args, error=True)
        if code is not None:
            check(data.get("error", {}).get("code") == code, f"{tool}: {data} is not {code}")
        check(
            int(self.git("rev-list", "--count", "HEAD")) == self.commits,
            f"{tool}: a failed call committed",
        )
        return text


async def tools_are_listed(run):
    tools = (await run.session.list_tools()).tools
    names = {t.name for t in tools}
    check(EXPECTED_TOOLS <= names, f"missing tools: {EXPECTED_TOOLS - names}")
    for t in tools:
        check(t.description, f"{t.name} has no description")
        for name, prop in field(t, "input_schema", "inputSchema").get("properties", {}).items():
            check(prop.get("description"), f"{t.name}.{name} undocumented")


async def health(run):
    text, data = await run.call("orchestrator_health_check")
    check(data["healthy"] and data["initialized"], f"unhealthy: {text}")
    check(data["task_count"] == 0, "fresh repository has tasks")


async def create_tasks(run):
    _, data = await run.mutate(
        "orchestrator_create_task",
        {"title": "Add a TOML parser", "description": "Parse task files."},
        "task.add",
    )
    parent = run.ids["parent"] = data["task"]["id"]
    previous = []
    for key, role, title in [
        ("design", "architect", "Design the parser"),
        ("build", "implementer", "Write the parser"),
        ("test", "tester", "Test the parser"),
    ]:
        _, data = await run.mutate(
            "orchestrator_create_task",
            {
                "title": title,
                "specialist_type": role,
                "parent_task_id": parent,
                "dependencies": previous,
                "estimated_effort": "1h",
            },
            "task.add",
        )
        task = data["task"]
        check(task["id"].startswith(role + "_"), f"id {task['id']} lacks role prefix")
        check(task["parent"] == parent, "parent not recorded")
        run.ids[key] = task["id"]
        previous = [task["id"]]


async def only_the_first_step_is_ready(run):
    text, data = await run.call("orchestrator_ready_tasks")
    check([t["id"] for t in data["tasks"]] == [run.ids["design"]], f"ready: {text}")


async def dependencies_are_enforced(run):
    text = await run.fails(
        "orchestrator_update_task",
        {"task_id": run.ids["build"], "status": "in_progress"},
        "dependencies_not_done",
    )
    check(run.ids["design"] in text, f"error does not name the dependency: {text}")


async def work_on_the_design(run):
    design = run.ids["design"]
    await run.mutate(
        "orchestrator_update_task", {"task_id": design, "status": "in_progress"}, "task.status"
    )
    await run.mutate(
        "orchestrator_add_note", {"task_id": design, "note": "chose toml_edit"}, "task.note"
    )
    _, data = await run.mutate(
        "orchestrator_update_task",
        {"task_id": design, "status": "completed", "reason": "reviewed"},
        "task.status",
    )
    check(data["task"]["status"] == "completed", "not completed")


async def status_shows_progress(run):
    text, data = await run.call("orchestrator_get_status")
    check(data["by_status"]["completed"] == 1, f"status: {text}")
    progress = {p["id"]: p for p in data["parents"]}[run.ids["parent"]]
    check((progress["done"], progress["total"]) == (1, 3), f"progress: {progress}")
    check("completed" not in data, "completed listed without include_completed")
    _, data = await run.call("orchestrator_get_status", {"include_completed": True})
    check([t["id"] for t in data["completed"]] == [run.ids["design"]], "completed list")
    _, data = await run.call("orchestrator_ready_tasks")
    check([t["id"] for t in data["tasks"]] == [run.ids["build"]], "next ready task")


async def show_and_list(run):
    text, data = await run.call("orchestrator_show_task", {"task_id": run.ids["parent"]})
    check(len(data["children"]) == 3, f"children: {text}")
    check("Design the parser" in text, "show text lacks subtasks")
    _, data = await run.call(
        "orchestrator_list_tasks", {"parent_task_id": run.ids["parent"], "status": ["pending"]}
    )
    check(len(data["tasks"]) == 2, f"pending subtasks: {data}")


async def errors_are_tool_errors(run):
    await run.fails("orchestrator_show_task", {"task_id": "task_00000000"}, "unknown_task")
    await run.fails("orchestrator_create_task", {"title": 7}, None)
    await run.fails(
        "orchestrator_update_task",
        {"task_id": run.ids["design"], "status": "blocked"},
        "illegal_transition",
    )


async def history_is_git(run):
    subjects = run.git("log", "--format=%s").splitlines()
    check(subjects[-1] == "orc: initialise .orchestrator/", f"root commit: {subjects[-1]}")
    check(all(s.startswith("orc: ") for s in subjects), "a commit not made by orc")
    check(len(subjects) == run.commits, "commit count")
    run.git("fsck", "--strict", "--no-dangling")


# Later steps (append when the tools exist): initialize_session, plan_task with 5
# subtasks, execute_subtask, complete_subtask with file_paths, synthesize_results,
# maintenance_coordinator scan, record a decision, verify files, recover context.
STEPS = [
    tools_are_listed,
    health,
    create_tasks,
    only_the_first_step_is_ready,
    dependencies_are_enforced,
    work_on_the_design,
    status_shows_progress,
    show_and_list,
    errors_are_tool_errors,
    history_is_git,
]


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orc", required=True, help="the orc binary")
    ap.add_argument("--repo", required=True, help="a git repository (orc init is run in it)")
    args = ap.parse_args()
    subprocess.run([args.orc, "init"], cwd=args.repo, check=True, capture_output=True)
    server = StdioServerParameters(
        command=args.orc, args=["mcp"], cwd=args.repo, env=dict(os.environ)
    )
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            info = field(init, "server_info", "serverInfo")
            check(info.name == "orc", f"serverInfo: {info}")
            run = Run(session, args.repo)
            for step in STEPS:
                try:
                    await step(run)
                except Failure as e:
                    print(f"FAILED {step.__name__}: {e}", file=sys.stderr)
                    return 1
                print(f"ok {step.__name__}")
    print(f"{len(STEPS)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
