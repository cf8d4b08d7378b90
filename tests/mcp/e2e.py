#!/usr/bin/env python3
"""End-to-end test of `orc mcp` with the official Python MCP SDK as the client.

Spawns `orc mcp` in a git repository without orc, runs the original's whole workflow
through the tools (initialize session, plan 5 subtasks, execute, complete with file
paths, status, synthesize, maintenance, decision, file verify, recover, end session)
and orc's task tools, and checks the results and the git history each call leaves: one
commit per mutating call, with the right `Orc-Op` trailer. Run by `cargo test` (tests/it/mcp.rs)
when ORC_MCP_PYTHON points at a Python with `mcp` installed; `.ci/run` sets that up.

    python tests/mcp/e2e.py --orc target/debug/orc --repo /tmp/some-git-repo

The workflow is a list of steps (`STEPS`), each a coroutine taking the `Run`. Steps
share ids through `run.ids`. To cover a new tool, append a step and add the tool to
`EXPECTED_TOOLS`.
"""

import argparse
import asyncio
import hashlib
import json
import os
import re
import subprocess
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {
    "orchestrator_ack_message",
    "orchestrator_add_note",
    "orchestrator_complete_subtask",
    "orchestrator_create_task",
    "orchestrator_end_session",
    "orchestrator_execute_subtask",
    "orchestrator_get_status",
    "orchestrator_health_check",
    "orchestrator_inbox",
    "orchestrator_initialize_session",
    "orchestrator_list_tasks",
    "orchestrator_log",
    "orchestrator_maintenance_coordinator",
    "orchestrator_plan_task",
    "orchestrator_ready_tasks",
    "orchestrator_record_decision",
    "orchestrator_record_files",
    "orchestrator_recover_context",
    "orchestrator_search_decisions",
    "orchestrator_send_message",
    "orchestrator_show_decision",
    "orchestrator_show_task",
    "orchestrator_synthesize_results",
    "orchestrator_update_task",
    "orchestrator_verify_files",
}


class Failure(Exception):
    pass


def field(obj, snake, camel):
    """SDK 2.x names fields in snake_case, 1.x in camelCase; accept both."""
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


# The CLI's words, which no MCP result may use: its commands and its flags. (`git` commands
# are fine; none of this run's results names one.)
CLI_SYNTAX = re.compile(
    r"`orc |\brun orc\b"
    r"|\borc (?:task|start|done|plan|check|init|synthesize|next|ready|decision|files|session"
    r"|reopen|block|recover|log|status|hooks|stream|maintenance|import)\b"
    r"|(?<![\w-])--[a-z][a-z-]*"
)


def check(cond, what):
    if not cond:
        raise Failure(what)


class Run:
    """One client session against one repository, with the git CLI as the judge."""

    def __init__(self, session, repo, orc):
        self.session = session
        self.repo = repo
        self.orc = orc
        self.ids = {}
        self.ops = []
        self.commits = 0

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
        data = field(result, "structured_content", "structuredContent")
        leak = CLI_SYNTAX.search(text + "\n" + json.dumps(data or {}))
        check(leak is None, f"{tool} {args}: the CLI's syntax {leak and leak.group(0)!r} in {text}")
        if data is None:
            return text, {}
        # Per the MCP specification the text block is the structured content as JSON
        # (what clients that read only text, and prompts written for the original, parse).
        check(json.loads(text) == data, f"{tool}: the text block is not the structured content")
        return data.get("text", ""), data

    async def mutate(self, tool, args, *ops):
        """A mutating call: one new commit per op (usually one), each with `Orc-Op: op`
        in that order; the reply names HEAD; the work tree stays as it was."""
        status = self.git("status", "--porcelain")
        text, data = await self.call(tool, args)
        count = self.count()
        check(
            count == self.commits + len(ops),
            f"{tool}: {count - self.commits} commits, expected {len(ops)}",
        )
        self.commits = count
        made = self.git(
            "log", f"-{len(ops)}", "--reverse", "--format=%(trailers:key=Orc-Op,valueonly)"
        ).split()
        check(made == list(ops), f"{tool}: Orc-Op {made}, expected {list(ops)}")
        self.ops += made
        check(data.get("commit") == self.git("rev-parse", "HEAD").strip(), f"{tool}: commit id")
        check(self.git("status", "--porcelain") == status, f"{tool}: work tree changed")
        return text, data

    def count(self):
        """Commits on HEAD (0 on an unborn branch)."""
        return int(self.git("rev-list", "--count", "--branches").strip() or 0)

    def write(self, rel, content):
        path = os.path.join(self.repo, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(content)
        return hashlib.sha256(content.encode()).hexdigest()

    async def fails(self, tool, args, code):
        """A tool error with `code`; nothing committed."""
        text, data = await self.call(tool, args, error=True)
        if code is not None:
            check(data.get("error", {}).get("code") == code, f"{tool}: {data} is not {code}")
        check(
            self.count() == self.commits,
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
            # A flag with its default or a closed set of values says what it is by its
            # name (the original's text for those repeats the name).
            check(prop.get("description") or "enum" in prop or "default" in prop,
                  f"{t.name}.{name} undocumented")


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


async def initialize_session(run):
    """The first call in a repository without orc: orc init, then the session."""
    text, data = await run.mutate("orchestrator_initialize_session", {}, "init", "session.start")
    check(data["session_initialized"] and data["orc_initialized"], f"initialize: {data}")
    check("orchestrator_plan_task" in text, "guidance does not name the tools")
    run.ids["session"] = data["session"]["session"]["id"]
    text, data = await run.call("orchestrator_initialize_session")
    check(data["continued"] and "commit" not in data, "a second call started another session")


SUBTASKS = [
    {"task_id": "design", "title": "Design the layout", "description": "Pages and data flow.",
     "specialist_type": "architect", "estimated_effort": "1h"},
    {"title": "Implement the parser", "description": "Parse the input format.",
     "specialist_type": "implementer", "dependencies": ["design"], "estimated_effort": "2h"},
    {"title": "Test the parser", "specialist_type": "tester",
     "dependencies": ["Implement the parser"]},
    {"title": "Document the format", "specialist_type": "documenter", "dependencies": [1]},
    {"title": "Review the change", "specialist_type": "reviewer",
     "dependencies": ["Test the parser", "Document the format"]},
]


async def plan_five_subtasks(run):
    _, data = await run.mutate(
        "orchestrator_plan_task",
        {
            "description": "Add a parser for the task file format",
            "subtasks_json": json.dumps(SUBTASKS),
            "complexity_level": "moderate",
            "context": "Small and well tested.",
        },
        "task.plan",
    )
    check(data["task_created"], f"plan: {data}")
    subtasks = data["subtasks"]
    check(len(subtasks) == 5, f"{len(subtasks)} subtasks")
    ids = run.ids["plan"] = [s["task_id"] for s in subtasks]
    for s, spec in zip(subtasks, SUBTASKS):
        check(s["task_id"].startswith(spec["specialist_type"] + "_"), f"id {s['task_id']}")
        check(s["title"] == spec["title"], f"title {s['title']}")
    check(subtasks[1]["dependencies"] == [ids[0]], "dependency by task_id")
    check(subtasks[2]["dependencies"] == [ids[1]], "dependency by title")
    check(subtasks[3]["dependencies"] == [ids[1]], "dependency by position")
    check(subtasks[4]["dependencies"] == [ids[2], ids[3]], "two dependencies")
    run.ids["goal"] = data["parent_task_id"]
    files = run.git("show", "--name-only", "--format=", "HEAD").split()
    check(len(files) == 6, f"the plan commit has {files}")


async def plan_dependencies_are_enforced(run):
    await run.fails(
        "orchestrator_execute_subtask", {"task_id": run.ids["plan"][1]}, "dependencies_not_done"
    )


async def execute_subtask(run):
    design = run.ids["plan"][0]
    text, data = await run.mutate("orchestrator_execute_subtask", {"task_id": design}, "task.start")
    check(text.startswith(f"# {design}: Design the layout"), f"brief: {text[:200]}")
    check("orchestrator_complete_subtask" in text, "the brief does not say how to finish")
    check(data["task"]["status"] == "in_progress" and data["claimed"], f"start: {data['task']}")
    check(data["goal"]["id"] == run.ids["goal"], "the brief lacks the goal")


async def complete_with_file_paths(run):
    design, build = run.ids["plan"][:2]
    digests = {
        "docs/layout.md": run.write("docs/layout.md", "# Layout\n\nTwo pages.\n"),
        "docs/flow.md": run.write("docs/flow.md", "# Flow\n"),
    }
    _, data = await run.mutate(
        "orchestrator_complete_subtask",
        {
            "task_id": design, "summary": "Layout designed: two pages.",
            "detailed_work": "## Pages\n\nIndex and detail.", "artifact_type": "design",
            "file_paths": list(digests), "next_action": "continue",
        },
        "task.complete",
    )
    progress = data["parent_task_progress"]
    check(
        (progress["completed_subtasks"], progress["total_subtasks"],
         progress["progress_percentage"], progress["progress"]) == (1, 5, 20, "in_progress"),
        f"parent_task_progress: {progress}",
    )
    check(data["next_recommended_task"]["task_id"] == build, f"next: {data['next_recommended_task']}")
    recorded = {a["path"]: a["sha256"] for a in data["task"]["artifacts"]}
    check(recorded == digests, f"artifacts {recorded} != {digests}")
    shard = design.rsplit("_", 1)[1][0]
    shown = run.git("show", f"HEAD:.orchestrator/tasks/{shard}/{design}.toml")
    check(digests["docs/layout.md"] in shown, "the task file lacks the artifact hash")


async def status_after_the_first_subtask(run):
    text, data = await run.call("orchestrator_get_status", {"include_completed": True})
    progress = {p["id"]: p for p in data["parents"]}[run.ids["goal"]]
    check((progress["done"], progress["total"]) == (1, 5), f"progress: {progress}")
    check(run.ids["plan"][1] in [t["id"] for t in data["ready"]], f"ready: {text}")
    check(run.ids["plan"][0] in [t["id"] for t in data["completed"]], "completed list")


async def synthesize_too_early(run):
    text = await run.fails(
        "orchestrator_synthesize_results", {"parent_task_id": run.ids["goal"]}, "subtasks_open"
    )
    check("1 of 5 subtasks done" in text, f"synthesize: {text}")


async def finish_and_synthesize(run):
    for i, task in enumerate(run.ids["plan"][1:], start=1):
        await run.mutate("orchestrator_execute_subtask", {"task_id": task}, "task.start")
        _, data = await run.mutate(
            "orchestrator_complete_subtask",
            {"task_id": task, "summary": f"Step {i} done.", "detailed_work": "",
             "next_action": "complete"},
            "task.complete",
        )
    check(data["parent_task_progress"]["progress"] == "completed", f"{data}")
    text, data = await run.mutate(
        "orchestrator_synthesize_results", {"parent_task_id": run.ids["goal"]}, "task.synthesize"
    )
    check(data["complete"] and "All 5 subtasks are completed." in text, f"synthesis: {text[:300]}")
    check([a["path"] for a in data["artifacts"]] == ["docs/layout.md", "docs/flow.md"],
          f"artifacts: {data['artifacts']}")
    _, data = await run.call("orchestrator_show_task", {"task_id": run.ids["goal"]})
    check(data["task"]["status"] == "completed", "the parent is not completed")


async def maintenance(run):
    text, data = await run.call("orchestrator_maintenance_coordinator", {"action": "scan_cleanup"})
    check(data["clean"], f"scan: {text}")
    text, data = await run.call(
        "orchestrator_maintenance_coordinator",
        {"action": "validate_structure", "validation_level": "full_audit"},
    )
    check(data["ok"], f"validate: {text}")
    text, data = await run.call(
        "orchestrator_maintenance_coordinator", {"action": "update_documentation"}
    )
    check(data["synthesized"] == [], f"update_documentation: {text}")
    text, _ = await run.call("orchestrator_maintenance_coordinator", {"action": "prepare_handover"})
    check(text.startswith("# Recovery briefing"), f"handover: {text[:200]}")


async def decision(run):
    _, data = await run.mutate(
        "orchestrator_record_decision",
        {
            "title": "Parse with a hand-written lexer", "decision": "No parser generator.",
            "alternatives": ["pest", "nom"], "status": "accepted", "tags": ["parser"],
            "task_id": run.ids["plan"][0], "related_files": ["docs/layout.md"],
        },
        "decision.new",
    )
    number = data["decision"]["decision"]["number"]
    check("Orc-Decision: 0001" in run.git("log", "-1", "--format=%(trailers:only)"), "trailer")
    text, data = await run.call("orchestrator_search_decisions", {"query": "lexer"})
    check([d["number"] for d in data["decisions"]] == [number], f"search: {text}")
    text, data = await run.call("orchestrator_show_decision", {"number": number})
    check("- nom" in text and data["decision"]["status"] == "accepted", f"show: {text}")
    await run.fails("orchestrator_show_decision", {"number": 99}, "invalid")


async def file_verify(run):
    task = run.ids["plan"][0]
    # The task's artifacts (docs/flow.md, docs/layout.md) are records already: only the
    # new file is recorded.
    run.write("docs/notes.md", "# Notes\n")
    _, data = await run.mutate(
        "orchestrator_record_files", {"task_id": task, "paths": ["docs"]}, "files.record"
    )
    check(sorted(o["path"] for o in data["recorded"]) == ["docs/notes.md"],
          f"recorded: {data['recorded']}")
    _, data = await run.call("orchestrator_verify_files")
    check(data["ok"] and data["summary"]["verified"] == 3, f"verify: {data['summary']}")
    run.write("docs/flow.md", "# Flow, changed\n")
    text, data = await run.call("orchestrator_verify_files", {"task_id": task})
    check(not data["ok"] and data["summary"]["modified"] == 1, f"verify: {text}")
    check("modified since docs/flow.md" in text, f"verify text: {text}")


async def recover(run):
    text, data = await run.call("orchestrator_recover_context")
    check(text.startswith("# Recovery briefing"), f"recover: {text[:200]}")
    check(data["last_session"]["id"] == run.ids["session"], "last session")
    ops = [c["op"] for c in data["changes"]]
    check(ops[:2] == ["files.record", "decision.new"], f"changes: {ops}")
    _, data = await run.call("orchestrator_log", {"limit": 3})
    check([e["op"] for e in data["entries"]] == ["files.record", "decision.new", "task.synthesize"],
          f"log: {data['entries']}")


def orc_as(run, agent, *args):
    env = dict(os.environ, ORC_AGENT=agent)
    return subprocess.run(
        [run.orc, *args], cwd=run.repo, env=env, check=True, capture_output=True, text=True
    ).stdout


async def messages(run):
    """Mail between another agent on the command line and this client: inbox, ack seen
    by the sender, a reply; nothing committed."""
    sent = json.loads(orc_as(run, "bob", "msg", "send", "all", "Freeze at noon", "--json"))
    msg_id = sent["message"]["id"]
    text, data = await run.call("orchestrator_inbox")
    check(msg_id in [m["id"] for m in data["messages"]], f"inbox: {text}")
    check("Freeze at noon" in text, f"inbox text: {text}")
    await run.call("orchestrator_ack_message", {"message_id": msg_id, "note": "ok"})
    _, data = await run.call("orchestrator_inbox")
    check(msg_id not in [m["id"] for m in data["messages"]], "acknowledged mail left the inbox")
    read = orc_as(run, "bob", "msg", "read", msg_id)
    check("acknowledged by" in read and ": ok" in read, f"the sender sees the ack: {read}")
    _, data = await run.call(
        "orchestrator_send_message", {"to": "bob", "text": "Noted", "reply_to": msg_id}
    )
    check(data["thread"] == msg_id, f"reply thread: {data}")
    inbox = json.loads(orc_as(run, "bob", "msg", "inbox", "--json"))
    check([m["text"] for m in inbox["messages"]] == ["Noted"], f"bob's inbox: {inbox}")
    check(run.count() == run.commits, "messages committed nothing")


async def end_session(run):
    text, data = await run.mutate(
        "orchestrator_end_session", {"handoff": "Parser done; review the lexer decision."},
        "session.end",
    )
    check(data["session"]["handoff"].startswith("Parser done"), f"end: {text}")


async def history_is_git(run):
    subjects = run.git("log", "--format=%s").splitlines()
    check(subjects[-1] == "orc: initialise .orchestrator/", f"root commit: {subjects[-1]}")
    check(all(s.startswith("orc: ") for s in subjects), "a commit not made by orc")
    check(len(subjects) == run.commits, "commit count")
    ops = run.git("log", "--reverse", "--format=%(trailers:key=Orc-Op,valueonly)").split()
    check(ops == run.ops, f"history {ops} is not the calls' {run.ops}")
    sessions = run.git("log", "--format=%(trailers:key=Orc-Session,valueonly)").split()
    check(sessions.count(run.ids["session"]) == len(subjects) - 1, "Orc-Session trailers")
    run.git("fsck", "--strict", "--no-dangling")


STEPS = [
    tools_are_listed,
    initialize_session,
    health,
    create_tasks,
    only_the_first_step_is_ready,
    dependencies_are_enforced,
    work_on_the_design,
    status_shows_progress,
    show_and_list,
    errors_are_tool_errors,
    plan_five_subtasks,
    plan_dependencies_are_enforced,
    execute_subtask,
    complete_with_file_paths,
    status_after_the_first_subtask,
    synthesize_too_early,
    finish_and_synthesize,
    maintenance,
    decision,
    file_verify,
    recover,
    messages,
    end_session,
    history_is_git,
]


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orc", required=True, help="the orc binary")
    ap.add_argument("--repo", required=True, help="a git repository without orc")
    args = ap.parse_args()
    server = StdioServerParameters(
        command=args.orc, args=["mcp"], cwd=args.repo, env=dict(os.environ)
    )
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            info = field(init, "server_info", "serverInfo")
            check(info.name == "orc", f"serverInfo: {info}")
            run = Run(session, args.repo, args.orc)
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
