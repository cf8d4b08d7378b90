//! `orc mcp`: tools in-process over an in-memory duplex pipe (raw JSON-RPC lines, so
//! the wire format is what is tested), bad protocol input through the real binary, and
//! the end-to-end run with the official Python MCP SDK when its virtualenv exists.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, DuplexStream, Lines, ReadHalf, WriteHalf};

use crate::harness::{Repo, add, cli_syntax};
use orc::mcp::{OrcServer, ServerOptions, ToolSet};

/// A raw JSON-RPC client talking to an in-process server.
struct Client {
    tx: WriteHalf<DuplexStream>,
    rx: Lines<tokio::io::BufReader<ReadHalf<DuplexStream>>>,
    next_id: u64,
}

impl Client {
    /// Starts a server for `root` offering `tools` (on the test's clock and seed) and
    /// connects to it, without the initialize handshake.
    fn connect(root: &Path, tools: Option<ToolSet>) -> Client {
        let (client, server) = tokio::io::duplex(1 << 16);
        let server_handler = OrcServer::new(ServerOptions {
            root: root.to_path_buf(),
            agent: Some("mcp-test".into()),
            no_commit: false,
            claims_remote: None,
            local_claims: false,
            now: Some(crate::harness::NOW.parse().unwrap()),
            seed: Some("mcp-test".into()),
            tools,
        });
        let (read, write) = tokio::io::split(server);
        tokio::spawn(orc::mcp::serve(server_handler, read, write));
        let (rx, tx) = tokio::io::split(client);
        Client {
            tx,
            rx: tokio::io::BufReader::new(rx).lines(),
            next_id: 0,
        }
    }

    /// Starts a server for `root` and performs the initialize handshake.
    async fn start(root: &Path) -> Client {
        Client::start_with(root, None).await
    }

    /// Starts a server for `root` offering `tools` (None: as configured).
    async fn start_with(root: &Path, tools: Option<ToolSet>) -> Client {
        let mut c = Client::connect(root, tools);
        let init = c
            .request(
                "initialize",
                json!({
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": { "name": "orc-tests", "version": "1" }
                }),
            )
            .await;
        assert_eq!(init["result"]["serverInfo"]["name"], "orc", "{init}");
        c.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
            .await;
        c
    }

    async fn send(&mut self, msg: Value) {
        let mut line = msg.to_string();
        line.push('\n');
        self.tx.write_all(line.as_bytes()).await.unwrap();
        self.tx.flush().await.unwrap();
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await;
        loop {
            let line = self
                .rx
                .next_line()
                .await
                .unwrap()
                .expect("server closed the connection");
            let msg: Value = serde_json::from_str(&line).expect("server sends JSON lines");
            if msg["id"] == json!(id) {
                let leaks = cli_syntax(&msg.to_string());
                assert!(
                    leaks.is_empty(),
                    "{method} answered with the CLI's syntax {leaks:?}:\n{msg:#}"
                );
                return msg;
            }
        }
    }

    /// Calls a tool and returns its `CallToolResult`.
    async fn call(&mut self, tool: &str, args: Value) -> Value {
        let resp = self
            .request("tools/call", json!({ "name": tool, "arguments": args }))
            .await;
        assert!(
            resp.get("error").is_none(),
            "{tool} gave a protocol error: {resp}"
        );
        resp["result"].clone()
    }

    /// Calls a tool that must succeed; returns (text, structured content).
    async fn ok(&mut self, tool: &str, args: Value) -> (String, Value) {
        let r = self.call(tool, args.clone()).await;
        assert_eq!(r["isError"], false, "{tool} {args} failed: {r}");
        (text(&r), r["structuredContent"].clone())
    }

    /// Calls a tool that must fail with a tool error; returns (text, error object).
    async fn fails(&mut self, tool: &str, args: Value) -> (String, Value) {
        let r = self.call(tool, args.clone()).await;
        assert_eq!(r["isError"], true, "{tool} {args} should fail: {r}");
        (text(&r), r["structuredContent"]["error"].clone())
    }
}

/// The prose of a tool result. A result with `structuredContent` carries the same JSON
/// serialised in its one text block (MCP specification), the prose in its `text` field;
/// one without (arguments the server could not read) has plain text.
fn text(result: &Value) -> String {
    let block = result["content"][0]["text"]
        .as_str()
        .expect("a text content block");
    assert_eq!(
        result["content"].as_array().map(Vec::len),
        Some(1),
        "one content block: {result}"
    );
    match &result["structuredContent"] {
        Value::Null => block.to_owned(),
        data => {
            let serialised: Value =
                serde_json::from_str(block).expect("the text block is the JSON of the result");
            assert_eq!(&serialised, data, "text block and structuredContent differ");
            data["text"].as_str().expect("a text field").to_owned()
        }
    }
}

/// An initialised repository whose commits carry a fixed identity (the in-process
/// server reads git identity from the repository config, not the test's env).
fn repo() -> Repo {
    let repo = Repo::init();
    repo.git(&["config", "user.name", "MCP Test"]);
    repo.git(&["config", "user.email", "mcp@example.com"]);
    repo
}

/// Subject and trailers of HEAD.
fn head_commit(repo: &Repo) -> String {
    repo.git(&["log", "-1", "--format=%s%n%(trailers:only)"])
        .trim()
        .to_owned()
}

#[tokio::test]
async fn tools_list_is_stable() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let list = c.request("tools/list", json!({})).await;
    let tools = list["result"]["tools"].as_array().expect("a tool list");
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "orchestrator_ack_message",
            "orchestrator_add_note",
            "orchestrator_claim_next",
            "orchestrator_complete_subtask",
            "orchestrator_create_task",
            "orchestrator_end_session",
            "orchestrator_execute_subtask",
            "orchestrator_get_status",
            "orchestrator_health_check",
            "orchestrator_import",
            "orchestrator_inbox",
            "orchestrator_initialize_session",
            "orchestrator_list_tasks",
            "orchestrator_log",
            "orchestrator_maintenance_coordinator",
            "orchestrator_plan_task",
            "orchestrator_ready_tasks",
            "orchestrator_reconnect_test",
            "orchestrator_record_decision",
            "orchestrator_record_files",
            "orchestrator_recover_context",
            "orchestrator_restart_server",
            "orchestrator_restart_status",
            "orchestrator_search_decisions",
            "orchestrator_send_message",
            "orchestrator_show_decision",
            "orchestrator_show_task",
            "orchestrator_shutdown_prepare",
            "orchestrator_synthesize_results",
            "orchestrator_update_task",
            "orchestrator_verify_files",
        ]
    );
    insta::assert_snapshot!(
        "tools_list",
        serde_json::to_string_pretty(&list["result"]["tools"]).unwrap()
    );
}

/// Messages between an agent on the MCP server and one on the command line: the
/// server's briefing shows unread mail, its inbox lists it, its acknowledgement reaches
/// the sender, and its message reaches the other agent.
#[tokio::test]
async fn messages_send_inbox_and_ack_between_the_server_and_the_cli() {
    let repo = repo();
    let sent: Value = serde_json::from_str(
        &repo
            .orc_cmd(&[
                "msg",
                "send",
                "mcp-test",
                "Schema changed\nSee the decision.",
                "--json",
            ])
            .env("ORC_AGENT", "bob")
            .output()
            .map(|o| String::from_utf8(o.stdout).unwrap())
            .unwrap(),
    )
    .unwrap();
    let id = sent["message"]["id"].as_str().unwrap().to_owned();
    let mut c = Client::start(&repo.root).await;

    let (brief, _) = c.ok("orchestrator_initialize_session", json!({})).await;
    assert!(brief.contains("1 unread message"), "{brief}");
    assert!(
        brief.contains(&format!("{id} from bob: Schema changed")),
        "{brief}"
    );
    let (text, data) = c.ok("orchestrator_inbox", json!({})).await;
    assert_eq!(data["unread"], 1, "{data}");
    assert!(text.contains("See the decision."), "{text}");

    let (text, _) = c
        .ok(
            "orchestrator_ack_message",
            json!({ "message_id": id, "note": "on it" }),
        )
        .await;
    assert!(text.starts_with(&format!("acknowledged {id}")), "{text}");
    let (_, data) = c.ok("orchestrator_inbox", json!({})).await;
    assert_eq!(data["unread"], 0, "{data}");
    let read = repo.ok(&["msg", "read", &id]);
    assert!(read.contains("acknowledged by mcp-test at "), "{read}");
    assert!(read.contains(": on it"), "{read}");

    let (_, data) = c
        .ok(
            "orchestrator_send_message",
            json!({ "to": "bob", "text": "Done", "reply_to": id }),
        )
        .await;
    assert_eq!(data["thread"], id.as_str(), "{data}");
    let inbox: Value = serde_json::from_str(
        &repo
            .orc_cmd(&["msg", "inbox", "--json"])
            .env("ORC_AGENT", "bob")
            .output()
            .map(|o| String::from_utf8(o.stdout).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(inbox["messages"][0]["text"], "Done", "{inbox}");
    let (text, _) = c
        .fails(
            "orchestrator_ack_message",
            json!({ "message_id": "m-none" }),
        )
        .await;
    assert!(text.contains("no message"), "{text}");
    // Nothing was committed for any of it.
    assert_eq!(repo.commit_count(), 2, "init and the session only");
}

/// The original's tools keep their parameter names, types and enum values.
#[tokio::test]
async fn original_tools_keep_their_parameters() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let list = c.request("tools/list", json!({})).await;
    let ours = list["result"]["tools"].as_array().unwrap();
    let original: Value = serde_json::from_str(include_str!("../mcp/original-tools.json")).unwrap();
    let mut compared = 0;
    for theirs in original.as_array().unwrap() {
        let Some(mine) = ours.iter().find(|t| t["name"] == theirs["name"]) else {
            continue;
        };
        compared += 1;
        let props = theirs["inputSchema"]["properties"].as_object().unwrap();
        for (name, spec) in props {
            let m = &mine["inputSchema"]["properties"][name];
            assert!(!m.is_null(), "{} lacks parameter {name}", theirs["name"]);
            assert!(
                m["type"] == spec["type"],
                "{}.{name}: {} is not {}",
                theirs["name"],
                m["type"],
                spec["type"]
            );
            if let Some(values) = spec.get("enum") {
                for v in values.as_array().unwrap() {
                    assert!(
                        m["enum"].as_array().unwrap().contains(v),
                        "{}.{name} lacks {v}",
                        theirs["name"]
                    );
                }
            }
        }
        let required = |t: &Value| t["inputSchema"]["required"].clone();
        assert_eq!(
            required(mine).as_array().cloned().unwrap_or_default(),
            required(theirs).as_array().cloned().unwrap_or_default(),
            "{}: required parameters differ",
            theirs["name"]
        );
    }
    assert_eq!(compared, 12, "every tool of the original is served");
}

#[tokio::test]
async fn create_task_commits_once() {
    let repo = repo();
    let before = repo.commit_count();
    let mut c = Client::start(&repo.root).await;
    let dep = add(&repo, &["Design the parser"]);
    let (text, data) = c
        .ok(
            "orchestrator_create_task",
            json!({
                "title": "Write the parser",
                "description": "Parse TOML into tasks.",
                "specialist_type": "implementer",
                "priority": "high",
                "dependencies": [dep],
                "estimated_effort": "2h",
                "stream": "core"
            }),
        )
        .await;
    let id = data["task"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("implementer_"), "{id}");
    assert!(text.starts_with(&format!("created {id} \"Write the parser\" [pending]")));
    assert_eq!(data["task"]["depends_on"], json!([dep]));
    assert_eq!(data["task"]["estimate"], "2h");
    assert_eq!(repo.commit_count(), before + 2);
    insta::assert_snapshot!(head_commit(&repo), @r#"
    orc: add implementer_28abfaf4 "Write the parser"
    Orc-Op: task.add
    Orc-Task: implementer_28abfaf4
    "#);
    assert_eq!(data["commit"], repo.git(&["rev-parse", "HEAD"]).trim());
    assert_eq!(repo.status_porcelain(), "");
    // The CLI sees what the server wrote.
    let shown = repo.json(&["task", "show", &id]);
    assert_eq!(shown["task"]["priority"], "high");
}

#[tokio::test]
async fn create_task_errors_write_nothing() {
    let repo = repo();
    let before = repo.commit_count();
    let mut c = Client::start(&repo.root).await;
    let (text, err) = c
        .fails(
            "orchestrator_create_task",
            json!({ "title": "x", "specialist_type": "wizard" }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    assert!(text.contains("unknown role \"wizard\""), "{text}");
    let (text, err) = c
        .fails(
            "orchestrator_create_task",
            json!({ "title": "x", "dependencies": ["task_deadbeef"] }),
        )
        .await;
    assert_eq!(err["code"], "unknown_task");
    assert!(text.contains("orchestrator_list_tasks"), "{text}");
    assert_eq!(repo.commit_count(), before);
    assert_eq!(repo.status_porcelain(), "");
}

#[tokio::test]
async fn update_task_moves_status_and_edits_in_one_commit() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let a = add(&repo, &["First"]);
    let b = add(&repo, &["Second", "--depends-on", &a]);
    let before = repo.commit_count();

    // Dependency not done: a tool error that says what to do, nothing written.
    let (text, err) = c
        .fails(
            "orchestrator_update_task",
            json!({ "task_id": b, "status": "in_progress" }),
        )
        .await;
    assert_eq!(err["code"], "dependencies_not_done");
    assert!(
        text.contains(&a) && text.contains("orchestrator_ready_tasks"),
        "{text}"
    );

    // Illegal transition names the legal ones.
    let (text, err) = c
        .fails(
            "orchestrator_update_task",
            json!({ "task_id": a, "status": "completed" }),
        )
        .await;
    assert_eq!(err["code"], "illegal_transition");
    assert!(text.contains("in_progress, blocked, cancelled"), "{text}");

    // Nothing to change.
    let (_, err) = c
        .fails("orchestrator_update_task", json!({ "task_id": a }))
        .await;
    assert_eq!(err["code"], "invalid");
    assert_eq!(repo.commit_count(), before);

    // Status only: the same commit as `orc task status`.
    let (text, data) = c
        .ok(
            "orchestrator_update_task",
            json!({ "task_id": &a[5..9], "status": "in_progress", "reason": "starting" }),
        )
        .await;
    assert!(
        text.starts_with(&format!("updated {a} \"First\" [in_progress]")),
        "{text}"
    );
    assert_eq!(data["task"]["notes"][0]["text"], "in_progress: starting");
    assert_eq!(data["task"]["notes"][0]["author"], "mcp-test");
    assert!(head_commit(&repo).contains("Orc-Op: task.status"));

    // Fields and status together: one commit. Removing the dependency lets it start.
    let (_, data) = c
        .ok(
            "orchestrator_update_task",
            json!({
                "task_id": b,
                "status": "in_progress",
                "remove_dependencies": [a],
                "title": "Second, renamed",
                "priority": "critical",
                "stream": "core"
            }),
        )
        .await;
    assert_eq!(data["task"]["status"], "in_progress");
    assert_eq!(data["task"]["title"], "Second, renamed");
    assert_eq!(repo.commit_count(), before + 2);
    insta::assert_snapshot!(head_commit(&repo), @r#"
    orc: edit task_be9e83c9, -> in_progress "Second, renamed"
    Orc-Op: task.update
    Orc-Task: task_be9e83c9
    "#);

    // Fields only, clearing one with "".
    c.ok(
        "orchestrator_update_task",
        json!({ "task_id": b, "stream": "" }),
    )
    .await;
    assert!(head_commit(&repo).contains("Orc-Op: task.edit"));
    assert!(repo.json(&["task", "show", &b])["task"]["stream"].is_null());
    assert_eq!(repo.status_porcelain(), "");
}

#[tokio::test]
async fn add_note_and_show_task() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let parent = add(&repo, &["Feature", "-d", "The whole feature."]);
    let child = add(&repo, &["Part", "-p", &parent, "-r", "tester"]);
    let (text, _) = c
        .ok(
            "orchestrator_add_note",
            json!({ "task_id": parent, "note": "halfway there" }),
        )
        .await;
    assert!(text.starts_with(&format!("noted on {parent}")), "{text}");
    assert!(head_commit(&repo).contains("Orc-Op: task.note"));

    let (text, data) = c
        .ok("orchestrator_show_task", json!({ "task_id": parent }))
        .await;
    assert_eq!(data["task"]["id"], parent.as_str());
    assert_eq!(data["children"][0]["id"], child.as_str());
    insta::assert_snapshot!(text, @r#"
    task_0e791489 "Feature"
    status: pending | priority: medium

    The whole feature.
    subtasks:
    - tester_be9e83c9 [pending] medium tester: Part
    notes:
    - 2026-01-15T10:00:00Z mcp-test: halfway there
    "#);

    let (_, err) = c
        .fails(
            "orchestrator_add_note",
            json!({ "task_id": parent, "note": "   " }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    let (text, err) = c
        .fails("orchestrator_show_task", json!({ "task_id": "nope" }))
        .await;
    assert_eq!(err["code"], "unknown_task");
    assert_eq!(
        text,
        "error: no task matches \"nope\"\nhint: list task ids with orchestrator_list_tasks"
    );
}

#[tokio::test]
async fn list_and_ready_tasks() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let a = add(&repo, &["Alpha", "-r", "architect", "--priority", "high"]);
    let b = add(&repo, &["Beta", "--depends-on", &a]);
    repo.ok(&["task", "status", &a, "in_progress"]);

    let (text, data) = c.ok("orchestrator_list_tasks", json!({})).await;
    assert_eq!(data["tasks"].as_array().unwrap().len(), 2);
    insta::assert_snapshot!(text, @r"
    architect_0e791489 [in_progress] high architect: Alpha
    task_be9e83c9 [pending] medium: Beta
    ");
    let (_, data) = c
        .ok(
            "orchestrator_list_tasks",
            json!({ "status": ["pending"], "specialist_type": null }),
        )
        .await;
    assert_eq!(data["tasks"][0]["id"], b.as_str());
    let (text, _) = c
        .ok("orchestrator_list_tasks", json!({ "stream": "none" }))
        .await;
    assert_eq!(text, "no tasks match");
    let (_, err) = c
        .fails(
            "orchestrator_list_tasks",
            json!({ "parent_task_id": "zzz" }),
        )
        .await;
    assert_eq!(err["code"], "unknown_task");

    let (text, _) = c.ok("orchestrator_ready_tasks", json!({})).await;
    assert_eq!(text, "nothing is ready");
    repo.ok(&["task", "status", &a, "completed"]);
    let (text, data) = c.ok("orchestrator_ready_tasks", json!({})).await;
    assert_eq!(data["tasks"][0]["id"], b.as_str());
    assert!(text.starts_with(&b), "{text}");
}

#[tokio::test]
async fn get_status_with_and_without_completed() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let parent = add(&repo, &["Feature"]);
    let done = add(&repo, &["Done part", "-p", &parent]);
    add(&repo, &["Open part", "-p", &parent]);
    repo.ok(&["task", "status", &done, "in_progress"]);
    repo.ok(&["task", "status", &done, "completed"]);

    let (text, data) = c.ok("orchestrator_get_status", json!({})).await;
    assert_eq!(data["total"], 3);
    assert_eq!(data["by_status"]["completed"], 1);
    assert!(data.get("completed").is_none());
    insta::assert_snapshot!(text, @r"
    3 tasks: 2 pending, 1 completed

    progress:
    - task_0e791489 50% (1/2): Feature

    ready:
    - task_ef3cbe8f [pending] medium: Open part
    ");
    let (text, data) = c
        .ok(
            "orchestrator_get_status",
            json!({ "include_completed": true }),
        )
        .await;
    assert_eq!(data["completed"][0]["id"], done.as_str());
    assert!(
        text.ends_with(&format!(
            "completed:\n- {done} [completed] medium: Done part"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn uninitialised_repository_is_a_tool_error_and_health_says_why() {
    let repo = Repo::new();
    let mut c = Client::start(&repo.root).await;
    for tool in [
        "orchestrator_get_status",
        "orchestrator_ready_tasks",
        "orchestrator_list_tasks",
    ] {
        let (text, err) = c.fails(tool, json!({})).await;
        assert_eq!(err["code"], "not_initialized", "{tool}");
        assert!(
            text.contains("orchestrator_initialize_session starts tracking tasks here"),
            "{text}"
        );
    }
    let (_, err) = c
        .fails("orchestrator_create_task", json!({ "title": "x" }))
        .await;
    assert_eq!(err["code"], "not_initialized");

    let (text, data) = c.ok("orchestrator_health_check", json!({})).await;
    assert_eq!(data["healthy"], false);
    assert_eq!(data["initialized"], false);
    assert!(text.contains("initialised: no"), "{text}");
    assert!(!repo.root.join(".orchestrator").exists());
}

#[tokio::test]
async fn health_check_reports_version_repo_tasks_and_check() {
    let repo = repo();
    add(&repo, &["One"]);
    let mut c = Client::start(&repo.root).await;
    let (text, data) = c.ok("orchestrator_health_check", json!({})).await;
    assert_eq!(data["healthy"], true);
    assert_eq!(data["server_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(data["task_count"], 1);
    assert_eq!(data["check"]["ok"], true);
    assert_eq!(data["restart_ready"], true);
    let root = std::fs::canonicalize(&repo.root).unwrap();
    assert_eq!(
        text,
        format!(
            "orc {}\nhealthy: yes\nrepository: {}\ninitialised: yes\ntasks: 1\ncheck: ok, 2 files",
            env!("CARGO_PKG_VERSION"),
            root.display()
        )
    );
    // A broken task file makes it unhealthy, still as a normal result.
    repo.write(".orchestrator/tasks/0/task_0badf00d.toml", "id = \n");
    let (text, data) = c
        .ok(
            "orchestrator_health_check",
            json!({ "include_reboot_readiness": false, "include_connection_status": false }),
        )
        .await;
    assert_eq!(data["healthy"], false);
    assert!(data.get("restart_ready").is_none());
    assert!(text.contains("check: 1 problem in"), "{text}");
    // Without the storage check it does not look at files.
    let (_, data) = c
        .ok(
            "orchestrator_health_check",
            json!({ "include_database_status": false }),
        )
        .await;
    assert!(data.get("check").is_none());

    let elsewhere = tempfile::tempdir().unwrap();
    let mut c = Client::start(elsewhere.path()).await;
    let (text, data) = c.ok("orchestrator_health_check", json!({})).await;
    assert_eq!(data["healthy"], false);
    assert!(text.contains("not inside a git repository"), "{text}");
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_and_unknown_tools_protocol_errors() {
    let repo = repo();
    let before = repo.commit_count();
    let mut c = Client::start(&repo.root).await;
    let (text, _) = c
        .fails("orchestrator_create_task", json!({ "title": 42 }))
        .await;
    assert!(text.contains("failed to deserialize parameters"), "{text}");
    let (text, _) = c
        .fails(
            "orchestrator_create_task",
            json!({ "title": "x", "priority": "urgent" }),
        )
        .await;
    assert!(text.contains("unknown variant `urgent`"), "{text}");
    let (text, _) = c
        .fails(
            "orchestrator_create_task",
            json!({ "title": "x", "colour": "red" }),
        )
        .await;
    assert!(text.contains("unknown field `colour`"), "{text}");
    let (text, _) = c.fails("orchestrator_show_task", json!({})).await;
    assert!(text.contains("missing field `task_id`"), "{text}");

    let resp = c
        .request(
            "tools/call",
            json!({ "name": "orchestrator_nope", "arguments": {} }),
        )
        .await;
    assert_eq!(resp["error"]["code"], -32602, "{resp}");
    let resp = c.request("no/such/method", json!({})).await;
    assert_eq!(resp["error"]["code"], -32601, "{resp}");
    // Still serving.
    c.ok("orchestrator_get_status", json!({})).await;
    assert_eq!(repo.commit_count(), before);
}

/// The server keeps no cache: work done with the CLI while it runs is visible at once,
/// and both write through the same repository lock.
#[tokio::test]
async fn cli_and_server_share_the_repository() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let (_, data) = c
        .ok("orchestrator_create_task", json!({ "title": "From MCP" }))
        .await;
    let from_mcp = data["task"]["id"].as_str().unwrap().to_owned();
    let from_cli = add(&repo, &["From CLI"]);
    c.ok(
        "orchestrator_add_note",
        json!({ "task_id": from_cli, "note": "seen by the server" }),
    )
    .await;
    repo.ok(&["task", "note", &from_mcp, "seen by the CLI"]);
    let (_, data) = c.ok("orchestrator_list_tasks", json!({})).await;
    assert_eq!(data["tasks"].as_array().unwrap().len(), 2);
    insta::assert_snapshot!(repo.git(&["log", "--format=%s"]), @r#"
    orc: note on task_c4c50ed4: seen by the CLI
    orc: note on task_be9e83c9: seen by the server
    orc: add task_be9e83c9 "From CLI"
    orc: add task_c4c50ed4 "From MCP"
    orc: initialise .orchestrator/
    "#);
    repo.assert_fsck();
}

/// Garbage, unknown methods, wrong types and huge lines through the real binary over
/// stdio: every request gets an answer, the server stays up, nothing is written.
#[test]
fn bad_protocol_input_through_the_binary() {
    let repo = Repo::init();
    let before = repo.commit_count();
    let mut child = repo
        .orc_cmd(&["mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("orc mcp starts");
    let mut stdin = child.stdin.take().unwrap();
    let huge_title = "x".repeat(10 * 1024 * 1024);
    let too_long = "y".repeat(17 * 1024 * 1024);
    let writer = std::thread::spawn(move || {
        let mut lines: Vec<String> = vec![
            "this is not json".into(),
            "{\"jsonrpc\":".into(),
            json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
                "protocolVersion":"2025-06-18","capabilities":{},
                "clientInfo":{"name":"t","version":"1"}}})
            .to_string(),
            json!({"jsonrpc":"2.0","method":"notifications/initialized"}).to_string(),
            "garbage after initialize".into(),
            "[1, 2, 3]".into(),
            json!({"jsonrpc":"2.0","id":2,"method":"no/such/method"}).to_string(),
            json!({"jsonrpc":"2.0","id":3,"method":"tools/call",
                "params":{"name":"orchestrator_nope","arguments":{}}})
            .to_string(),
            json!({"jsonrpc":"2.0","id":4,"method":"tools/call",
                "params":{"name":"orchestrator_create_task","arguments":{"title":["not","a","string"]}}})
            .to_string(),
            json!({"jsonrpc":"2.0","id":5,"method":"tools/call",
                "params":{"name":"orchestrator_create_task","arguments":{"title":huge_title}}})
            .to_string(),
            format!("{{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\",\"pad\":\"{too_long}\"}}"),
            json!({"jsonrpc":"2.0","id":7,"method":"tools/call",
                "params":{"name":"orchestrator_get_status","arguments":"not an object"}})
            .to_string(),
            json!({"jsonrpc":"2.0","id":8,"method":"ping"}).to_string(),
            json!({"jsonrpc":"2.0","id":9,"method":"tools/call",
                "params":{"name":"orchestrator_get_status","arguments":{}}})
            .to_string(),
        ];
        for line in lines.iter_mut() {
            line.push('\n');
            stdin.write_all(line.as_bytes()).unwrap();
        }
        // Dropping stdin is EOF: the server must exit cleanly.
    });
    let mut responses = std::collections::BTreeMap::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let msg: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC ({e}): {line:.200}"));
        responses.insert(msg["id"].to_string(), msg);
    }
    writer.join().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit on EOF: {status}");

    let get = |id: &str| &responses[id];
    assert_eq!(get("1")["result"]["serverInfo"]["name"], "orc");
    assert_eq!(
        get("null")["error"]["code"],
        -32600,
        "[1,2,3] is an invalid request"
    );
    assert_eq!(get("2")["error"]["code"], -32601);
    assert_eq!(get("3")["error"]["code"], -32602);
    assert_eq!(get("4")["result"]["isError"], true);
    assert_eq!(get("5")["result"]["isError"], true);
    assert!(
        text(&get("5")["result"]).contains("at most 500 are allowed"),
        "{:.300}",
        get("5")
    );
    assert!(
        !responses.contains_key("6"),
        "a line over 16 MiB is dropped unanswered"
    );
    assert!(
        get("7")["error"]["code"].is_i64(),
        "non-object arguments get an error"
    );
    assert_eq!(get("8")["result"], json!({}));
    assert_eq!(get("9")["result"]["isError"], false);
    assert_eq!(repo.commit_count(), before);
    assert_eq!(repo.status_porcelain(), "");
}

/// The official Python MCP SDK drives `orc mcp` through a workflow
/// (tests/mcp/e2e.py). Ignored unless asked for (`--include-ignored`), since it needs
/// ORC_MCP_PYTHON naming a Python with `mcp` installed (`.ci/run` creates that
/// virtualenv, sets it and runs the ignored tests).
#[test]
#[ignore = "needs ORC_MCP_PYTHON, a Python with the mcp package (.ci/run sets it up)"]
fn python_sdk_end_to_end() {
    python_sdk_script("tests/mcp/e2e.py");
}

/// A workflow written for the Python original, with only its twelve tool names and
/// parameters (restart tools included), through the official SDK against
/// `orc mcp --tools core` (tests/mcp/original_workflow.py). Ignored unless asked for,
/// like `python_sdk_end_to_end`.
#[test]
#[ignore = "needs ORC_MCP_PYTHON, a Python with the mcp package (.ci/run sets it up)"]
fn python_sdk_runs_the_originals_workflow() {
    python_sdk_script("tests/mcp/original_workflow.py");
}

/// Runs a Python SDK script on `orc mcp` in a fresh repository without orc.
fn python_sdk_script(script: &str) {
    let python = std::env::var_os("ORC_MCP_PYTHON")
        .expect("ORC_MCP_PYTHON names a Python with the mcp package (`.ci/run` sets it up)");
    let repo = Repo::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let mut cmd = repo.command(python);
    cmd.arg(&script)
        .arg("--orc")
        .arg(assert_cmd::cargo::cargo_bin!("orc"))
        .arg("--repo")
        .arg(&repo.root);
    let out = cmd.output().expect("python runs");
    assert!(
        out.status.success(),
        "{} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The tool list as Markdown: one section per tool with a parameter table.
fn tool_reference(tools: &[Value]) -> String {
    let mut out = String::new();
    for t in tools {
        out.push_str(&format!(
            "### `{}`\n\n{}\n\n",
            t["name"].as_str().unwrap(),
            t["description"].as_str().unwrap()
        ));
        let schema = &t["inputSchema"];
        let props = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if props.is_empty() {
            out.push_str("No parameters.\n\n");
            continue;
        }
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        out.push_str("| parameter | type | description |\n|---|---|---|\n");
        for (name, p) in &props {
            let kind = |p: &Value| -> String {
                let base = match &p["type"] {
                    Value::Array(a) => a
                        .iter()
                        .filter(|t| *t != "null")
                        .map(|t| t.as_str().unwrap().to_owned())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    t => t.as_str().unwrap_or("any").to_owned(),
                };
                match p["enum"].as_array() {
                    Some(values) => values
                        .iter()
                        .filter(|v| !v.is_null())
                        .map(|v| format!("`{}`", v.as_str().unwrap()))
                        .collect::<Vec<_>>()
                        .join(" \\| "),
                    None => base,
                }
            };
            let mut ty = kind(p);
            if ty == "array" {
                ty = format!("array of {}", kind(&p["items"]));
            }
            let req = if required.contains(&name.as_str()) {
                " (required)"
            } else {
                ""
            };
            let default = match p.get("default") {
                Some(Value::Bool(b)) => format!(" Default: `{b}`."),
                _ => String::new(),
            };
            out.push_str(&format!(
                "| `{name}`{req} | {ty} | {}{default} |\n",
                p["description"].as_str().unwrap_or("").replace('|', "\\|")
            ));
        }
        out.push('\n');
    }
    out
}

/// docs/mcp.md carries the tool reference generated from tools/list; run with
/// ORC_UPDATE_DOCS=1 to rewrite it after changing a tool.
#[tokio::test]
async fn docs_tool_reference_matches_tools_list() {
    const BEGIN: &str = "<!-- tools:begin (generated by tests/it/mcp.rs, ORC_UPDATE_DOCS=1) -->\n";
    const END: &str = "<!-- tools:end -->";
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let list = c.request("tools/list", json!({})).await;
    let reference = tool_reference(list["result"]["tools"].as_array().unwrap());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mcp.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc
        .find(BEGIN)
        .expect("docs/mcp.md has the tools:begin marker")
        + BEGIN.len();
    let end = doc.find(END).expect("docs/mcp.md has the tools:end marker");
    if std::env::var_os("ORC_UPDATE_DOCS").is_some() {
        let updated = format!("{}{reference}{}", &doc[..start], &doc[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        doc[start..end] == reference,
        "docs/mcp.md's tool reference is out of date; rerun with ORC_UPDATE_DOCS=1"
    );
}

/// A client that closes stdin before initializing ends the server cleanly, and the
/// server runs outside a repository (tools say what to do instead).
#[test]
fn eof_before_initialize_exits_cleanly() {
    let repo = Repo::new();
    let elsewhere = repo.sibling("not-a-repo");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = repo
        .orc_in(&elsewhere, &["mcp"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("orc mcp "));
}

/// A server started before the repository exists picks it up once it does.
#[tokio::test]
async fn server_started_before_git_init_serves_it_later() {
    let repo = Repo::new();
    let late = repo.sibling("late");
    std::fs::create_dir_all(&late).unwrap();
    let mut c = Client::start(&late).await;
    let (text, err) = c.fails("orchestrator_get_status", json!({})).await;
    assert_eq!(err["code"], "not_a_repository");
    assert!(
        text.contains("pass working_directory to orchestrator_initialize_session"),
        "{text}"
    );
    repo.git_in(&late, &["init", "-q", "-b", "main"]);
    repo.orc_in(&late, &["init"]).output().unwrap();
    let (text, _) = c.ok("orchestrator_get_status", json!({})).await;
    assert_eq!(text, "0 tasks");
}

/// Commit subjects and the `Orc-Op` trailers of the last `n` commits, oldest first.
fn last_ops(repo: &Repo, n: usize) -> Vec<String> {
    let log = repo.git(&[
        "log",
        &format!("-{n}"),
        "--reverse",
        "--format=%(trailers:key=Orc-Op,valueonly,separator=%x2C)",
    ]);
    log.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The original's five-subtask breakdown, as the JSON string it sends. Dependencies name
/// other subtasks by caller `task_id`, by title and by position.
fn five_subtasks() -> String {
    json!([
        { "task_id": "design", "title": "Design the layout", "description": "Pages and data flow.",
          "specialist_type": "architect", "estimated_effort": "1h" },
        { "title": "Implement the parser", "specialist_type": "implementer",
          "dependencies": ["design"] },
        { "title": "Test the parser", "specialist_type": "tester",
          "dependencies": ["Implement the parser"] },
        { "title": "Document the format", "specialist_type": "documenter", "dependencies": [1] },
        { "title": "Review the change", "specialist_type": "reviewer",
          "dependencies": ["Test the parser", "Document the format"] }
    ])
    .to_string()
}

/// Plans the five subtasks through the tool; returns (parent, subtask ids in plan order).
async fn plan_five(c: &mut Client) -> (String, Vec<String>) {
    let (_, data) = c
        .ok(
            "orchestrator_plan_task",
            json!({ "description": "Add a parser", "subtasks_json": five_subtasks() }),
        )
        .await;
    let ids = data["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task_id"].as_str().unwrap().to_owned())
        .collect();
    (data["parent_task_id"].as_str().unwrap().to_owned(), ids)
}

#[tokio::test]
async fn initialize_session_initialises_orc_and_continues_an_open_session() {
    let repo = Repo::new();
    repo.git(&["config", "user.name", "MCP Test"]);
    repo.git(&["config", "user.email", "mcp@example.com"]);
    repo.git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    let mut c = Client::start(&repo.root).await;
    let (text, data) = c.ok("orchestrator_initialize_session", json!({})).await;
    assert!(text.starts_with("initialised orc in "), "{text}");
    assert!(text.contains("# Orchestration session session_"), "{text}");
    assert!(
        text.contains("orchestrator_plan_task"),
        "guidance in tool terms: {text}"
    );
    assert!(
        !text.contains("`orc start"),
        "no CLI commands in the guidance: {text}"
    );
    assert_eq!(data["session_initialized"], true);
    assert_eq!(data["orc_initialized"], true);
    assert_eq!(data["continued"], false);
    let session = data["session"]["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Two commits: orc init and the session.
    assert_eq!(last_ops(&repo, 2), ["init", "session.start"]);
    assert_eq!(data["commit"], repo.git(&["rev-parse", "HEAD"]).trim());
    assert_eq!(
        data["init_commit"],
        repo.git(&["rev-parse", "HEAD~"]).trim()
    );
    assert_eq!(repo.status_porcelain(), "");

    // A second conversation continues the open session: nothing written.
    let before = repo.commit_count();
    let (text, data) = c.ok("orchestrator_initialize_session", json!({})).await;
    assert!(
        text.starts_with(&format!("continuing session {session}")),
        "{text}"
    );
    assert_eq!(data["continued"], true);
    assert_eq!(data["orc_initialized"], false);
    assert!(data.get("commit").is_none());
    assert_eq!(repo.commit_count(), before);

    // Ending it leaves a handoff that the next session shows.
    let (text, _) = c
        .ok(
            "orchestrator_end_session",
            json!({ "handoff": "Parser designed; implement next." }),
        )
        .await;
    assert!(
        text.starts_with(&format!("ended session {session}")),
        "{text}"
    );
    assert_eq!(last_ops(&repo, 1), ["session.end"]);
    let (text, _) = c.fails("orchestrator_end_session", json!({})).await;
    assert!(text.contains("no session is active"), "{text}");
    assert!(text.contains("orchestrator_initialize_session"), "{text}");
    let (text, data) = c.ok("orchestrator_initialize_session", json!({})).await;
    assert_eq!(data["continued"], false);
    assert!(text.contains("Parser designed; implement next."), "{text}");
    assert_eq!(last_ops(&repo, 1), ["session.start"]);
}

#[tokio::test]
async fn initialize_session_working_directory_switches_the_repository() {
    let served = repo();
    let other = Repo::init();
    other.git(&["config", "user.name", "MCP Test"]);
    other.git(&["config", "user.email", "mcp@example.com"]);
    std::fs::create_dir_all(other.root.join("sub")).unwrap();
    let mut c = Client::start(&served.root).await;

    let (text, err) = c
        .fails(
            "orchestrator_initialize_session",
            json!({ "working_directory": "/no/such/dir" }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    assert!(text.contains("is not a directory"), "{text}");
    let outside = tempfile::tempdir().unwrap();
    let (_, err) = c
        .fails(
            "orchestrator_initialize_session",
            json!({ "working_directory": outside.path() }),
        )
        .await;
    assert_eq!(err["code"], "not_a_repository");

    let before = served.commit_count();
    let (_, data) = c
        .ok(
            "orchestrator_initialize_session",
            json!({ "working_directory": other.root.join("sub") }),
        )
        .await;
    let root = std::fs::canonicalize(&other.root).unwrap();
    assert_eq!(data["working_directory"], root.display().to_string());
    assert_eq!(data["orc_initialized"], false);
    // Later calls work there, not in the repository the server was started in.
    c.ok("orchestrator_create_task", json!({ "title": "Elsewhere" }))
        .await;
    assert_eq!(served.commit_count(), before);
    assert_eq!(last_ops(&other, 2), ["session.start", "task.add"]);
}

#[tokio::test]
async fn plan_task_creates_the_breakdown_in_one_commit() {
    let repo = repo();
    let before = repo.commit_count();
    let mut c = Client::start(&repo.root).await;
    let (text, data) = c
        .ok(
            "orchestrator_plan_task",
            json!({
                "description": "Add a parser\nfor the task file format.",
                "subtasks_json": five_subtasks(),
                "complexity_level": "complex",
                "context": "Keep it small."
            }),
        )
        .await;
    assert_eq!(repo.commit_count(), before + 1);
    assert_eq!(last_ops(&repo, 1), ["task.plan"]);
    assert_eq!(data["task_created"], true);
    assert_eq!(data["complexity"], "complex");
    let parent = data["parent_task_id"].as_str().unwrap();
    let subtasks = data["subtasks"].as_array().unwrap();
    let ids: Vec<&str> = subtasks
        .iter()
        .map(|s| s["task_id"].as_str().unwrap())
        .collect();
    let roles: Vec<&str> = subtasks
        .iter()
        .map(|s| s["specialist_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "architect",
            "implementer",
            "tester",
            "documenter",
            "reviewer"
        ]
    );
    assert_eq!(subtasks[0]["title"], "Design the layout");
    assert_eq!(subtasks[0]["dependencies"], json!([]));
    assert_eq!(subtasks[1]["dependencies"], json!([ids[0]]));
    assert_eq!(subtasks[2]["dependencies"], json!([ids[1]]));
    assert_eq!(subtasks[3]["dependencies"], json!([ids[1]]));
    assert_eq!(subtasks[4]["dependencies"], json!([ids[2], ids[3]]));
    // The commit's id changes with any byte of history.
    insta::assert_snapshot!(
        text.replace(&data["commit"].as_str().unwrap()[..12], "<commit>"),
        @r#"
    planned task_c4c50ed4 "Add a parser" with 5 subtasks:
    - architect_c83f9a93 architect: Design the layout
    - implementer_b64bf78a implementer: Implement the parser (after architect_c83f9a93)
    - tester_abbcda84 tester: Test the parser (after implementer_b64bf78a)
    - documenter_7433a4bc documenter: Document the format (after implementer_b64bf78a)
    - reviewer_c764aa5d reviewer: Review the change (after tester_abbcda84, documenter_7433a4bc)
    ready now: architect_c83f9a93
    next: orchestrator_execute_subtask architect_c83f9a93
    commit <commit>
    "#
    );
    let shown = repo.json(&["task", "show", parent]);
    assert_eq!(
        shown["task"]["description"],
        "Add a parser\nfor the task file format.\n\nComplexity: complex\n\nContext:\n\nKeep it small."
    );
    assert_eq!(
        repo.json(&["task", "show", ids[0]])["task"]["estimate"],
        "1h"
    );

    // An array works as well as a string.
    let (_, data) = c
        .ok(
            "orchestrator_plan_task",
            json!({
                "description": "Second",
                "subtasks_json": [{ "title": "Only step", "specialist_type": "tester" }]
            }),
        )
        .await;
    assert_eq!(data["subtasks"][0]["specialist_type"], "tester");
    assert_eq!(repo.status_porcelain(), "");
}

#[tokio::test]
async fn plan_task_errors_name_every_problem_and_write_nothing() {
    let repo = repo();
    let before = repo.commit_count();
    let mut c = Client::start(&repo.root).await;
    let (text, err) = c
        .fails(
            "orchestrator_plan_task",
            json!({ "description": "x", "subtasks_json": "[{\"title\": " }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    assert!(
        text.starts_with("error: subtasks_json is not JSON"),
        "{text}"
    );
    let (text, err) = c
        .fails(
            "orchestrator_plan_task",
            json!({
                "description": "x",
                "subtasks_json": [
                    { "title": "A", "specialist_type": "wizard" },
                    { "title": "B", "specialist_type": "tester", "dependencies": ["nowhere"] }
                ]
            }),
        )
        .await;
    assert_eq!(err["code"], "invalid_plan");
    assert!(
        text.contains("subtasks_json[0].specialist_type: unknown role \"wizard\""),
        "{text}"
    );
    assert!(text.contains("subtasks_json[1].dependencies[0]"), "{text}");
    let (_, err) = c
        .fails(
            "orchestrator_plan_task",
            json!({ "description": "x", "subtasks_json": 5 }),
        )
        .await;
    assert!(err.is_null(), "a wrong type is a deserialize error");
    assert_eq!(repo.commit_count(), before);
    assert_eq!(repo.status_porcelain(), "");
}

#[tokio::test]
async fn execute_and_complete_subtask_with_files() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let (parent, ids) = plan_five(&mut c).await;
    let before = repo.commit_count();

    // Not ready yet: its dependency is pending.
    let (text, err) = c
        .fails("orchestrator_execute_subtask", json!({ "task_id": ids[1] }))
        .await;
    assert_eq!(err["code"], "dependencies_not_done");
    assert!(text.contains(&ids[0]), "{text}");
    let (_, err) = c
        .fails("orchestrator_execute_subtask", json!({ "task_id": "nope" }))
        .await;
    assert_eq!(err["code"], "unknown_task");
    // Completing before starting says how to start.
    let (text, _) = c
        .fails(
            "orchestrator_complete_subtask",
            json!({ "task_id": ids[0], "summary": "s", "detailed_work": "", "next_action": "complete" }),
        )
        .await;
    assert!(text.contains("not in progress"), "{text}");
    assert!(text.contains("orchestrator_execute_subtask"), "{text}");
    assert_eq!(repo.commit_count(), before);

    let (text, data) = c
        .ok("orchestrator_execute_subtask", json!({ "task_id": ids[0] }))
        .await;
    assert!(
        text.starts_with(&format!("# {}: Design the layout", ids[0])),
        "{text}"
    );
    assert!(text.contains("## Your role"), "{text}");
    assert!(
        text.contains(&format!(
            "call orchestrator_complete_subtask with task_id \"{}\"",
            ids[0]
        )),
        "{text}"
    );
    assert_eq!(data["task"]["status"], "in_progress");
    assert_eq!(data["task"]["assignee"], "mcp-test");
    assert_eq!(data["claimed"], true);
    assert_eq!(data["goal"]["id"], parent.as_str());
    assert_eq!(last_ops(&repo, 1), ["task.start"]);

    // A missing file: nothing recorded.
    repo.write("docs/layout.md", "# Layout\n");
    let (text, _) = c
        .fails(
            "orchestrator_complete_subtask",
            json!({
                "task_id": ids[0], "summary": "Layout designed", "detailed_work": "Two pages.",
                "file_paths": ["docs/layout.md", "docs/missing.md"], "next_action": "continue"
            }),
        )
        .await;
    assert!(text.contains("docs/missing.md"), "{text}");
    assert_eq!(repo.commit_count(), before + 1);

    repo.write("docs/flow.md", "# Flow\n");
    let (text, data) = c
        .ok(
            "orchestrator_complete_subtask",
            json!({
                "task_id": ids[0], "summary": "Layout designed", "detailed_work": "Two pages.",
                "file_paths": ["docs/layout.md"], "legacy_artifacts": ["docs/flow.md"],
                "artifact_type": "design", "next_action": "continue"
            }),
        )
        .await;
    assert_eq!(last_ops(&repo, 1), ["task.complete"]);
    assert_eq!(data["task_id"], ids[0].as_str());
    assert_eq!(data["status"], "completed");
    assert_eq!(data["artifact_type"], "design");
    assert_eq!(
        data["parent_task_progress"],
        json!({
            "progress": "in_progress", "parent_task_id": parent, "completed_subtasks": 1,
            "total_subtasks": 5, "progress_percentage": 20
        })
    );
    assert_eq!(
        data["next_recommended_task"],
        json!({ "task_id": ids[1], "title": "Implement the parser", "specialist_type": "implementer" })
    );
    let paths: Vec<&str> = data["task"]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["docs/layout.md", "docs/flow.md"]);
    assert_eq!(data["task"]["detail"], "Two pages.");
    assert!(
        text.contains(&format!(
            "next: orchestrator_execute_subtask {} (Implement the parser)",
            ids[1]
        )),
        "{text}"
    );
    // The work files themselves are the user's: orc committed only its task file.
    assert_eq!(
        repo.status_porcelain(),
        "?? docs/flow.md\n?? docs/layout.md\n"
    );

    // needs_revision records the result but leaves the task open.
    c.ok("orchestrator_execute_subtask", json!({ "task_id": ids[1] }))
        .await;
    let (_, data) = c
        .ok(
            "orchestrator_complete_subtask",
            json!({
                "task_id": ids[1], "summary": "Half done", "detailed_work": "",
                "next_action": "needs_revision"
            }),
        )
        .await;
    assert_eq!(data["status"], "needs_revision");
    assert_eq!(last_ops(&repo, 1), ["task.needs_revision"]);
}

#[tokio::test]
async fn synthesize_refuses_open_subtasks_and_completes_the_parent_when_done() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let (_, data) = c
        .ok(
            "orchestrator_plan_task",
            json!({
                "description": "Small feature",
                "subtasks_json": [
                    { "title": "Build", "specialist_type": "implementer" },
                    { "title": "Check", "specialist_type": "tester", "dependencies": [0] }
                ]
            }),
        )
        .await;
    let parent = data["parent_task_id"].as_str().unwrap().to_owned();
    let a = data["subtasks"][0]["task_id"].as_str().unwrap().to_owned();
    let b = data["subtasks"][1]["task_id"].as_str().unwrap().to_owned();
    let before = repo.commit_count();
    let (text, err) = c
        .fails(
            "orchestrator_synthesize_results",
            json!({ "parent_task_id": parent }),
        )
        .await;
    assert_eq!(err["code"], "subtasks_open");
    assert!(
        text.starts_with(&format!(
            "error: {parent} is not complete: 0 of 2 subtasks done; nothing was stored"
        )),
        "{text}"
    );
    assert!(text.contains(&a) && text.contains(&b), "{text}");
    let r = c
        .call(
            "orchestrator_synthesize_results",
            json!({ "parent_task_id": parent }),
        )
        .await;
    assert_eq!(r["structuredContent"]["synthesis"]["complete"], false);
    let (_, err) = c
        .fails(
            "orchestrator_synthesize_results",
            json!({ "parent_task_id": "task_00000000" }),
        )
        .await;
    assert_eq!(err["code"], "unknown_task");
    assert_eq!(repo.commit_count(), before);

    for id in [&a, &b] {
        c.ok("orchestrator_execute_subtask", json!({ "task_id": id }))
            .await;
        let (text, _) = c
            .ok(
                "orchestrator_complete_subtask",
                json!({ "task_id": id, "summary": format!("{id} done"), "detailed_work": "",
                        "next_action": "complete" }),
            )
            .await;
        if id == &b {
            assert!(
                text.contains(&format!("next orchestrator_synthesize_results {parent}")),
                "{text}"
            );
        }
    }
    let (text, data) = c
        .ok(
            "orchestrator_synthesize_results",
            json!({ "parent_task_id": parent }),
        )
        .await;
    assert!(
        text.starts_with(&format!("# {parent}: Small feature")),
        "{text}"
    );
    assert!(text.contains("All 2 subtasks are completed."), "{text}");
    assert_eq!(data["complete"], true);
    assert_eq!(data["parent_task_id"], parent.as_str());
    assert_eq!(last_ops(&repo, 1), ["task.synthesize"]);
    assert_eq!(
        repo.json(&["task", "show", &parent])["task"]["status"],
        "completed"
    );
}

#[tokio::test]
async fn maintenance_coordinator_actions() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let (parent, ids) = plan_five(&mut c).await;
    // A task started long ago (by the CLI's clock) is stale now.
    repo.orc_cmd(&["start", &ids[0]])
        .env("ORC_NOW", "2020-01-01T00:00:00Z")
        .output()
        .unwrap();
    let before = repo.commit_count();

    let (text, data) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "scan_cleanup" }),
        )
        .await;
    assert_eq!(data["clean"], false);
    assert_eq!(data["scan"]["stale"][0]["id"], ids[0].as_str());
    assert!(text.starts_with("needs attention:\n- stale: "), "{text}");
    assert_eq!(repo.commit_count(), before, "basic only scans");

    // Above basic the stale task is reset, in one commit.
    let (text, data) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "scan_cleanup", "validation_level": "comprehensive", "scope": "full_project" }),
        )
        .await;
    assert!(
        text.contains(&format!(
            "cleanup: reset 1 stale task to pending: {}",
            ids[0]
        )),
        "{text}"
    );
    assert_eq!(data["cleanup"]["changed"][0]["id"], ids[0].as_str());
    assert_eq!(last_ops(&repo, 1), ["maintenance.cleanup"]);
    assert_eq!(
        repo.json(&["task", "show", &ids[0]])["task"]["status"],
        "pending"
    );

    // validate_structure: check, then recorded files, then the scan.
    repo.write("notes.md", "one\n");
    repo.ok(&["files", "record", "notes.md", "--task", &ids[0]]);
    repo.write("notes.md", "two\n");
    let (text, data) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "validate_structure" }),
        )
        .await;
    assert_eq!(data["ok"], true);
    assert!(data.get("files").is_none());
    assert!(text.starts_with("check: ok, "), "{text}");
    let (text, data) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "validate_structure", "validation_level": "full_audit",
                    "scope": "specific_subtask", "target_task_id": ids[0] }),
        )
        .await;
    assert_eq!(data["ok"], false);
    assert_eq!(data["files"]["summary"]["modified"], 1);
    assert!(text.contains("- modified since notes.md"), "{text}");
    assert!(data["scan"].is_object());

    // update_documentation synthesizes what is done; a target with open work is not.
    let (text, _) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "update_documentation" }),
        )
        .await;
    assert_eq!(
        text,
        "nothing to update: no open parent task has all its subtasks done"
    );
    let (text, _) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "update_documentation", "scope": "specific_subtask",
                    "target_task_id": parent }),
        )
        .await;
    assert!(
        text.starts_with(&format!("not updated: {parent} is not complete")),
        "{text}"
    );
    let before = repo.commit_count();
    for id in &ids {
        repo.ok(&["start", id]);
        repo.ok(&["done", id, "--summary", "done"]);
    }
    assert_eq!(repo.commit_count(), before + 10);
    let (text, data) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "update_documentation" }),
        )
        .await;
    assert_eq!(
        text.lines().next().unwrap(),
        format!("synthesized {parent} \"Add a parser\" from 5 subtasks")
    );
    assert_eq!(data["synthesized"][0]["parent"], parent.as_str());
    assert_eq!(last_ops(&repo, 1), ["task.synthesize"]);
    assert!(head_commit(&repo).contains(&format!("Orc-Task: {parent}")));

    // prepare_handover is the recovery briefing.
    let (text, data) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "prepare_handover" }),
        )
        .await;
    assert!(text.starts_with("# Recovery briefing"), "{text}");
    assert!(text.ends_with("call orchestrator_end_session."), "{text}");
    assert!(data["briefing"]["next_actions"].is_array());

    let before = repo.commit_count();
    let (text, _) = c
        .fails(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "scan_cleanup", "scope": "specific_subtask" }),
        )
        .await;
    assert!(text.contains("needs target_task_id"), "{text}");
    let (text, _) = c
        .fails(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "defragment" }),
        )
        .await;
    assert!(text.contains("unknown variant `defragment`"), "{text}");
    assert_eq!(repo.commit_count(), before);
}

#[tokio::test]
async fn decisions_record_search_and_show() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let task = add(&repo, &["Choose a format"]);
    repo.write("docs/format.md", "# Format\n");
    let (text, data) = c
        .ok(
            "orchestrator_record_decision",
            json!({
                "title": "Use TOML for task files",
                "context": "Files must merge well.",
                "decision": "TOML, one file per task.",
                "alternatives": ["JSON", "SQLite"],
                "consequences": "Diffs stay readable.",
                "status": "accepted",
                "task_id": task,
                "tags": ["Storage", "format"],
                "related_files": ["docs/format.md"],
                "deciders": ["mcp-test"]
            }),
        )
        .await;
    assert_eq!(
        text.lines().next().unwrap(),
        "recorded decision 0001 \"Use TOML for task files\" (accepted) in .orchestrator/decisions/0001-use-toml-for-task-files.md"
    );
    assert_eq!(
        data["decision"]["decision"]["tags"],
        json!(["storage", "format"])
    );
    assert_eq!(last_ops(&repo, 1), ["decision.new"]);
    assert!(head_commit(&repo).contains("Orc-Decision: 0001"));
    c.ok(
        "orchestrator_record_decision",
        json!({ "title": "Keep the CLI small", "tags": ["ux"] }),
    )
    .await;

    let (text, data) = c
        .ok(
            "orchestrator_search_decisions",
            json!({ "query": "toml merge" }),
        )
        .await;
    assert_eq!(data["decisions"].as_array().unwrap().len(), 1);
    assert!(
        text.starts_with(&format!(
            "0001 accepted: Use TOML for task files (task {task}) [storage, format]"
        )),
        "{text}"
    );
    let (text, _) = c
        .ok(
            "orchestrator_search_decisions",
            json!({ "status": ["proposed"] }),
        )
        .await;
    assert_eq!(text, "0002 proposed: Keep the CLI small [ux]");
    let (text, _) = c
        .ok(
            "orchestrator_search_decisions",
            json!({ "query": "toml", "status": ["proposed"] }),
        )
        .await;
    assert_eq!(text, "no decisions match");

    let (text, data) = c
        .ok("orchestrator_show_decision", json!({ "number": 1 }))
        .await;
    assert_eq!(data["decision"]["number"], 1);
    assert!(
        text.starts_with("0001 \"Use TOML for task files\" [accepted] 2026-"),
        "{text}"
    );
    assert!(text.contains("| files: docs/format.md"), "{text}");
    assert!(text.contains("- SQLite"), "{text}");
    let (_, data) = c
        .ok("orchestrator_show_decision", json!({ "number": "ADR-2" }))
        .await;
    assert_eq!(data["decision"]["title"], "Keep the CLI small");

    let before = repo.commit_count();
    let (_, err) = c
        .fails("orchestrator_show_decision", json!({ "number": 9 }))
        .await;
    assert_eq!(err["code"], "invalid");
    let (_, err) = c
        .fails("orchestrator_record_decision", json!({ "title": " " }))
        .await;
    assert_eq!(err["code"], "invalid");
    let (_, err) = c
        .fails(
            "orchestrator_record_decision",
            json!({ "title": "x", "task_id": "task_00000000" }),
        )
        .await;
    assert_eq!(err["code"], "unknown_task");
    let (_, err) = c
        .fails(
            "orchestrator_record_decision",
            json!({ "title": "x", "related_files": ["../outside.md"] }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    let (_, err) = c
        .fails(
            "orchestrator_search_decisions",
            json!({ "task_id": "nope" }),
        )
        .await;
    assert_eq!(err["code"], "unknown_task");
    assert_eq!(repo.commit_count(), before);
}

#[tokio::test]
async fn record_and_verify_files() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let task = add(&repo, &["Write code"]);
    let before = repo.commit_count();
    // No task in progress and none named: orc cannot tell whose files these are.
    repo.write("src/lib.rs", "pub fn a() {}\n");
    let (text, _) = c
        .fails(
            "orchestrator_record_files",
            json!({ "paths": ["src/lib.rs"] }),
        )
        .await;
    assert!(text.contains("pass task_id"), "{text}");
    let (_, err) = c
        .fails("orchestrator_record_files", json!({ "task_id": task }))
        .await;
    assert_eq!(err["code"], "invalid");
    let (_, err) = c
        .fails(
            "orchestrator_record_files",
            json!({ "task_id": task, "paths": ["/etc/passwd"] }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    let (_, err) = c
        .fails(
            "orchestrator_record_files",
            json!({ "task_id": task, "changed": true, "paths": ["src/lib.rs"] }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    assert_eq!(repo.commit_count(), before);

    let (text, data) = c
        .ok(
            "orchestrator_record_files",
            json!({ "task_id": task, "paths": ["src"] }),
        )
        .await;
    assert!(
        text.starts_with(&format!(
            "recorded 1 file operation for {task} in .orchestrator/manifests/{task}.toml\n- create src/lib.rs"
        )),
        "{text}"
    );
    assert_eq!(data["recorded"][0]["op"], "create");
    assert_eq!(last_ops(&repo, 1), ["files.record"]);

    // changed: every file that differs from HEAD.
    repo.write("README.md", "hello\n");
    let (_, data) = c
        .ok(
            "orchestrator_record_files",
            json!({ "task_id": task, "changed": true }),
        )
        .await;
    assert_eq!(data["recorded"][0]["path"], "README.md");
    assert_eq!(data["unchanged"], json!(["src/lib.rs"]));

    let (text, data) = c.ok("orchestrator_verify_files", json!({})).await;
    assert_eq!(data["ok"], true);
    assert_eq!(
        text,
        "ok: 2 checked, 2 verified, 0 modified since, 0 missing, 0 unexpectedly present"
    );
    std::fs::remove_file(repo.root.join("README.md")).unwrap();
    repo.write("src/lib.rs", "pub fn b() {}\n");
    let (text, data) = c
        .ok("orchestrator_verify_files", json!({ "task_id": task }))
        .await;
    assert_eq!(data["ok"], false);
    insta::assert_snapshot!(text, @r"
    NOT OK: 2 checked, 0 verified, 1 modified since, 1 missing, 0 unexpectedly present
    - missing README.md (create by task_0e791489 at 2026-01-15T10:00:00Z)
    - modified since src/lib.rs (create by task_0e791489 at 2026-01-15T10:00:00Z)
    ");
    let (_, err) = c
        .fails("orchestrator_verify_files", json!({ "task_id": "nope" }))
        .await;
    assert_eq!(err["code"], "unknown_task");
}

#[tokio::test]
async fn artifacts_of_completed_subtasks_are_verified() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let task = add(&repo, &["Write docs"]);
    c.ok("orchestrator_execute_subtask", json!({ "task_id": task }))
        .await;
    for f in ["docs/edited.md", "docs/deleted.md", "docs/kept.md"] {
        repo.write(f, "v1\n");
    }
    c.ok(
        "orchestrator_complete_subtask",
        json!({
            "task_id": task, "summary": "Docs written", "detailed_work": "",
            "file_paths": ["docs/edited.md", "docs/deleted.md", "docs/kept.md"],
            "next_action": "complete"
        }),
    )
    .await;
    let (text, _) = c.ok("orchestrator_verify_files", json!({})).await;
    assert_eq!(
        text,
        "ok: 3 checked, 3 verified, 0 modified since, 0 missing, 0 unexpectedly present"
    );
    repo.write("docs/edited.md", "v2\n");
    std::fs::remove_file(repo.root.join("docs/deleted.md")).unwrap();
    let (text, data) = c
        .ok("orchestrator_verify_files", json!({ "task_id": task }))
        .await;
    assert_eq!(data["ok"], false);
    insta::assert_snapshot!(text, @r"
    NOT OK: 3 checked, 1 verified, 1 modified since, 1 missing, 0 unexpectedly present
    - missing docs/deleted.md (artifact of task_0e791489 at 2026-01-15T10:00:00Z)
    - modified since docs/edited.md (artifact of task_0e791489 at 2026-01-15T10:00:00Z)
    ");
    assert_eq!(data["results"][0]["source"], "artifact");
    let (text, data) = c
        .ok(
            "orchestrator_maintenance_coordinator",
            json!({ "action": "validate_structure", "validation_level": "comprehensive" }),
        )
        .await;
    assert_eq!(data["ok"], false, "{text}");
    assert_eq!(data["files"]["summary"]["modified"], 1, "{data}");
    assert_eq!(data["files"]["summary"]["missing"], 1, "{data}");
    let (text, data) = c.ok("orchestrator_recover_context", json!({})).await;
    assert_eq!(
        data["unverified_files"].as_array().unwrap().len(),
        2,
        "{text}"
    );
    assert!(
        text.contains("- modified since `docs/edited.md` (artifact of `"),
        "{text}"
    );

    // Recording the change acknowledges it.
    c.ok(
        "orchestrator_record_files",
        json!({ "task_id": task, "paths": ["docs/edited.md", "docs/deleted.md"] }),
    )
    .await;
    let (text, data) = c.ok("orchestrator_verify_files", json!({})).await;
    assert_eq!(data["ok"], true, "{text}");
    assert_eq!(data["summary"]["checked"], 3, "{text}");
    let (_, data) = c.ok("orchestrator_recover_context", json!({})).await;
    assert_eq!(data["unverified_files"], json!([]));
}

#[tokio::test]
async fn recover_context_and_log() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let (_, ids) = plan_five(&mut c).await;
    c.ok("orchestrator_execute_subtask", json!({ "task_id": ids[0] }))
        .await;
    let before = repo.commit_count();
    let (text, data) = c.ok("orchestrator_recover_context", json!({})).await;
    assert!(text.starts_with("# Recovery briefing"), "{text}");
    assert!(text.contains("## In progress"), "{text}");
    assert_eq!(data["in_progress"][0]["id"], ids[0].as_str());
    let (_, data) = c
        .ok(
            "orchestrator_recover_context",
            json!({ "since": repo.git(&["rev-parse", "HEAD~"]).trim() }),
        )
        .await;
    assert_eq!(data["changes"].as_array().unwrap().len(), 1);
    let (_, err) = c
        .fails(
            "orchestrator_recover_context",
            json!({ "since": "no-such-commit" }),
        )
        .await;
    assert_eq!(err["code"], "invalid");

    let (text, data) = c.ok("orchestrator_log", json!({})).await;
    let ops: Vec<&str> = data["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["task.start", "task.plan", "init"]);
    let first = text.lines().next().unwrap();
    assert!(
        first.contains(&format!("task.start {} orc: start {}", ids[0], ids[0])),
        "{first}"
    );
    let (_, data) = c
        .ok("orchestrator_log", json!({ "op": "task", "limit": 1 }))
        .await;
    assert_eq!(data["entries"].as_array().unwrap().len(), 1);
    let (_, data) = c.ok("orchestrator_log", json!({ "task_id": ids[1] })).await;
    assert_eq!(data["entries"].as_array().unwrap().len(), 0);
    let (text, _) = c
        .fails("orchestrator_log", json!({ "since": "no-such-commit" }))
        .await;
    assert!(text.contains("no-such-commit"), "{text}");
    assert_eq!(repo.commit_count(), before);
}

#[tokio::test]
async fn a_commit_on_a_detached_head_carries_a_notice() {
    let repo = repo();
    repo.git(&["checkout", "-q", "--detach"]);
    let mut c = Client::start(&repo.root).await;
    let (text, data) = c
        .ok("orchestrator_create_task", json!({ "title": "detached" }))
        .await;
    assert!(text.contains("\nnote: HEAD is detached"), "{text}");
    let notices = data["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 1, "{data}");
    assert!(notices[0].as_str().unwrap().starts_with("HEAD is detached"));
}

#[tokio::test]
async fn results_name_the_files_that_could_not_be_read() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let broken = add(&repo, &["Broken"]);
    add(&repo, &["Fine"]);
    let path = crate::harness::task_file(&broken);
    repo.write(&path, "format = 1\ntitle = = \n");
    for tool in ["orchestrator_list_tasks", "orchestrator_get_status"] {
        let (text, data) = c.ok(tool, json!({})).await;
        assert_eq!(data["problems"][0]["path"], path.as_str(), "{tool}: {data}");
        assert!(
            text.contains("1 file under .orchestrator/ could not be read and is left out")
                && text.contains(&path),
            "{tool}: {text}"
        );
    }
    // Fixed, the next call says nothing.
    repo.git(&["checkout", "--", &path]);
    let (text, data) = c.ok("orchestrator_list_tasks", json!({})).await;
    assert!(data.get("problems").is_none(), "{data}");
    assert!(!text.contains("could not be read"), "{text}");
}

/// `orchestrator_claim_next` takes the free tasks in plan order, filters by role and says
/// why when there is nothing left.
#[tokio::test]
async fn claim_next_takes_free_tasks_in_plan_order() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let subtasks = json!([
        { "title": "Write the tests", "description": "t", "specialist_type": "tester" },
        { "title": "Build it", "description": "b", "specialist_type": "implementer" },
    ]);
    let (_, plan) = c
        .ok(
            "orchestrator_plan_task",
            json!({ "description": "Feature", "subtasks_json": subtasks }),
        )
        .await;
    let ids: Vec<String> = plan["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task_id"].as_str().unwrap().to_owned())
        .collect();
    let (text, data) = c.ok("orchestrator_claim_next", json!({})).await;
    assert_eq!(data["task_id"], ids[0].as_str());
    assert!(text.contains("orchestrator_complete_subtask"), "{text}");
    assert_eq!(
        head_commit(&repo).lines().nth(1),
        Some("Orc-Op: task.start")
    );
    let (text, err) = c
        .fails(
            "orchestrator_claim_next",
            json!({ "specialist_type": "tester" }),
        )
        .await;
    assert_eq!(err["code"], "nothing_ready");
    assert!(
        text.contains(&format!("- {} in progress", ids[0])),
        "{text}"
    );
    let (_, data) = c.ok("orchestrator_claim_next", json!({})).await;
    assert_eq!(data["task_id"], ids[1].as_str());
    assert_eq!(
        repo.git(&["for-each-ref", "--format=%(refname)", "refs/orc/claims/"])
            .lines()
            .count(),
        2
    );
}

/// A directory that holds the Python original's database: initialize_session says so
/// and names orchestrator_import, which brings the tasks over in one commit; afterwards
/// the notice is gone.
#[tokio::test]
async fn initialize_session_points_at_the_original_database_and_imports_it() {
    let repo = repo();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/task-orchestrator/project");
    crate::harness::copy_dir(&fixture, &repo.root);
    let mut c = Client::start(&repo.root).await;
    let (text, data) = c.ok("orchestrator_initialize_session", json!({})).await;
    assert!(
        text.contains("Found the Python MCP Task Orchestrator's database at")
            && text.contains("4 tasks not in orc yet")
            && text.contains("orchestrator_import (source \"task-orchestrator\")"),
        "{text}"
    );
    assert!(
        !text.contains("orc import"),
        "no CLI syntax for the agent: {text}"
    );
    assert_eq!(data["original_database"]["new"], 4, "{data}");

    let before = repo.commit_count();
    let (text, data) = c
        .ok(
            "orchestrator_import",
            json!({ "source": "task-orchestrator" }),
        )
        .await;
    assert!(text.starts_with("imported 4 from "), "{text}");
    assert_eq!(data["created"], 4, "{data}");
    assert_eq!(repo.commit_count(), before + 1);
    assert_eq!(last_ops(&repo, 1), ["task.import"]);
    let (_, data) = c
        .ok(
            "orchestrator_import",
            json!({ "source": "task-orchestrator" }),
        )
        .await;
    assert_eq!(data["unchanged"], 4, "{data}");
    assert_eq!(
        repo.commit_count(),
        before + 1,
        "a second import is a no-op"
    );

    let (text, data) = c.ok("orchestrator_initialize_session", json!({})).await;
    assert!(!text.contains("Task Orchestrator's database"), "{text}");
    assert_eq!(data["original_database"], Value::Null);

    let (text, err) = c
        .fails("orchestrator_import", json!({ "source": "beads" }))
        .await;
    assert_eq!(err["code"], "invalid", "{err}");
    assert!(text.contains(".beads/issues.jsonl"), "{text}");
}

/// Every tool, on its success and its error paths, answers in MCP's words: tools and
/// their parameters, never the CLI's commands or flags (`Client::request` checks each
/// answer), and the hints name the tool that does what they suggest.
#[tokio::test]
async fn every_tool_answers_in_mcp_terms_even_when_it_fails() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let list = c.request("tools/list", json!({})).await;
    let tools: std::collections::BTreeSet<String> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    let mut called = std::collections::BTreeSet::new();
    let mut hints = Vec::new();
    let mut errors = String::new();
    let mut call = async |c: &mut Client, tool: &str, args: Value| -> Value {
        called.insert(tool.to_owned());
        let r = c.call(tool, args.clone()).await;
        if r["isError"] == true {
            errors.push_str(&format!("## {tool} {args}\n{}\n\n", text(&r)));
            hints.push((
                tool.to_owned(),
                r["structuredContent"]["error"]["hint"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ));
        }
        r
    };
    call(&mut c, "orchestrator_get_status", json!({})).await;
    call(&mut c, "orchestrator_health_check", json!({})).await;
    call(&mut c, "orchestrator_initialize_session", json!({})).await;
    let parent = call(
        &mut c,
        "orchestrator_create_task",
        json!({ "title": "Parent" }),
    )
    .await;
    let parent = parent["structuredContent"]["task"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let child = call(
        &mut c,
        "orchestrator_create_task",
        json!({ "title": "Child", "parent_task_id": parent, "specialist_type": "implementer" }),
    )
    .await;
    let child = child["structuredContent"]["task"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = |summary: &str| json!({ "task_id": child, "summary": summary, "detailed_work": "d", "next_action": "complete" });
    let failing = [
        ("orchestrator_create_task", json!({ "title": "two\nlines" })),
        ("orchestrator_execute_subtask", json!({ "task_id": parent })),
        ("orchestrator_complete_subtask", done("did it")),
        (
            "orchestrator_synthesize_results",
            json!({ "parent_task_id": child }),
        ),
        ("orchestrator_update_task", json!({ "task_id": parent })),
        (
            "orchestrator_update_task",
            json!({ "task_id": "nope", "status": "completed" }),
        ),
        ("orchestrator_show_task", json!({ "task_id": "nope" })),
        (
            "orchestrator_add_note",
            json!({ "task_id": "nope", "note": "n" }),
        ),
        (
            "orchestrator_add_note",
            json!({ "task_id": parent, "note": " " }),
        ),
        ("orchestrator_record_files", json!({})),
        ("orchestrator_record_files", json!({ "paths": ["a.txt"] })),
        ("orchestrator_verify_files", json!({ "task_id": "nope" })),
        ("orchestrator_log", json!({ "since": "not a time" })),
        (
            "orchestrator_record_decision",
            json!({ "title": "D", "status": "superseded" }),
        ),
        ("orchestrator_show_decision", json!({ "number": 99 })),
        (
            "orchestrator_search_decisions",
            json!({ "task_id": "nope" }),
        ),
        (
            "orchestrator_recover_context",
            json!({ "since": "not a time" }),
        ),
        (
            "orchestrator_list_tasks",
            json!({ "parent_task_id": "nope" }),
        ),
        (
            "orchestrator_claim_next",
            json!({ "specialist_type": "nobody" }),
        ),
        (
            "orchestrator_plan_task",
            json!({ "description": "x", "subtasks_json": [{ "title": "A", "specialist_type": "wizard" }] }),
        ),
        (
            "orchestrator_import",
            json!({ "source": "beads", "path": "nowhere.jsonl" }),
        ),
        (
            "orchestrator_send_message",
            json!({ "to": "all", "text": " " }),
        ),
        (
            "orchestrator_send_message",
            json!({ "to": "role:wizard", "text": "hi" }),
        ),
    ];
    for (tool, args) in failing {
        let r = call(&mut c, tool, args.clone()).await;
        assert_eq!(r["isError"], true, "{tool} {args} should fail: {r}");
    }
    call(
        &mut c,
        "orchestrator_execute_subtask",
        json!({ "task_id": child }),
    )
    .await;
    for (tool, args) in [
        ("orchestrator_complete_subtask", done(" ")),
        (
            "orchestrator_record_files",
            json!({ "paths": ["a.txt"], "operation": "create", "from": "b.txt" }),
        ),
    ] {
        let r = call(&mut c, tool, args.clone()).await;
        assert_eq!(r["isError"], true, "{tool} {args} should fail: {r}");
    }
    call(&mut c, "orchestrator_complete_subtask", done("did it")).await;
    for (tool, args) in [
        ("orchestrator_ready_tasks", json!({})),
        (
            "orchestrator_maintenance_coordinator",
            json!({ "action": "validate_structure" }),
        ),
        (
            "orchestrator_maintenance_coordinator",
            json!({ "action": "prepare_handover" }),
        ),
        (
            "orchestrator_synthesize_results",
            json!({ "parent_task_id": parent }),
        ),
        ("orchestrator_recover_context", json!({})),
        ("orchestrator_end_session", json!({ "handoff": "h" })),
        ("orchestrator_end_session", json!({})),
        ("orchestrator_shutdown_prepare", json!({})),
        ("orchestrator_reconnect_test", json!({})),
        ("orchestrator_restart_server", json!({ "timeout": 5 })),
        ("orchestrator_restart_server", json!({})),
        (
            "orchestrator_restart_status",
            json!({ "include_history": true }),
        ),
        (
            "orchestrator_send_message",
            json!({ "to": "all", "text": "hello" }),
        ),
        (
            "orchestrator_send_message",
            json!({ "to": "", "text": "hello" }),
        ),
        (
            "orchestrator_inbox",
            json!({ "include_acknowledged": true }),
        ),
        ("orchestrator_ack_message", json!({ "message_id": "nope" })),
    ] {
        call(&mut c, tool, args).await;
    }
    let missing: Vec<&String> = tools.difference(&called).collect();
    assert!(missing.is_empty(), "tools never called here: {missing:?}");
    // The whole of every error an agent read, as it read it.
    let root = repo.root.canonicalize().unwrap();
    insta::assert_snapshot!(
        "mcp_errors",
        errors
            .replace(&root.display().to_string(), "<repo>")
            .replace(&repo.root.display().to_string(), "<repo>")
    );
    let hint = |tool: &str, n: usize| {
        hints
            .iter()
            .filter(|(t, _)| t == tool)
            .nth(n)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| panic!("{tool} failed fewer than {} times", n + 1))
    };
    assert!(
        hint("orchestrator_execute_subtask", 0).contains("orchestrator_synthesize_results"),
        "{hints:?}"
    );
    assert_eq!(
        hint("orchestrator_complete_subtask", 0),
        format!("start it first with orchestrator_execute_subtask (task_id \"{child}\")")
    );
    assert_eq!(
        hint("orchestrator_complete_subtask", 1),
        "say in summary what was done and what came out of it"
    );
    assert_eq!(
        hint("orchestrator_record_files", 0),
        "name files or directories in paths, or pass changed: true"
    );
    assert_eq!(hint("orchestrator_record_files", 1), "pass task_id");
    assert_eq!(
        hint("orchestrator_show_task", 0),
        "list task ids with orchestrator_list_tasks"
    );
    assert_eq!(
        hint("orchestrator_end_session", 0),
        "start one with orchestrator_initialize_session"
    );
}

/// The in-process server runs on the test's clock and seed: the same calls give the same
/// ids and times on every run, so outputs can be compared whole.
#[tokio::test]
async fn in_process_servers_use_the_injected_clock_and_seed() {
    let mut created = Vec::new();
    for _ in 0..2 {
        let repo = repo();
        let mut c = Client::start(&repo.root).await;
        let (_, data) = c
            .ok("orchestrator_create_task", json!({ "title": "Same" }))
            .await;
        assert_eq!(data["task"]["created"], crate::harness::NOW, "{data}");
        created.push(data["task"]["id"].clone());
    }
    assert_eq!(created[0], created[1]);
}

/// The original's four restart tools answer with its parameters as tool results, and
/// truthfully: orc keeps no server state, so a restart preserves everything and
/// writes nothing.
#[tokio::test]
async fn restart_tools_answer_truthfully() {
    let repo = repo();
    let id = add(&repo, &["Write the docs"]);
    repo.ok(&["start", &id]);
    let before = repo.commit_count();
    let mut c = Client::start(&repo.root).await;
    let (_, data) = c.ok("orchestrator_health_check", json!({})).await;
    assert_eq!(data["restart_ready"], true);
    assert_eq!(data["restart_tool"], "orchestrator_restart_server");
    let (_, data) = c
        .ok(
            "orchestrator_restart_status",
            json!({ "include_history": true, "include_error_details": true }),
        )
        .await;
    assert_eq!(data["phase"], "idle");
    assert_eq!(data["restart_in_progress"], false);
    assert_eq!(data["history"], json!([]));
    let (text, data) = c
        .ok(
            "orchestrator_restart_server",
            json!({ "graceful": true, "preserve_state": true, "timeout": "60", "reason": "configuration_update" }),
        )
        .await;
    assert_eq!(data["state_preserved"], true);
    assert_eq!(data["restarted"], false);
    assert_eq!(data["timeout"], 60);
    assert!(text.contains("no server state"), "{text}");
    let (text, _) = c
        .fails("orchestrator_restart_server", json!({ "timeout": 5 }))
        .await;
    assert!(text.contains("between 10 and 300"), "{text}");
    let (_, data) = c
        .ok(
            "orchestrator_restart_status",
            json!({ "include_history": true }),
        )
        .await;
    assert_eq!(data["restart_requests"], 1);
    assert_eq!(data["history"][0]["reason"], "configuration_update");
    let (_, data) = c
        .ok(
            "orchestrator_shutdown_prepare",
            json!({ "check_active_tasks": true, "check_database_state": true, "check_client_connections": true }),
        )
        .await;
    assert_eq!(data["ready_for_shutdown"], true);
    assert_eq!(data["blockers"], json!([]));
    assert_eq!(data["active_tasks"][0]["task_id"], json!(id));
    assert_eq!(data["uncommitted"], json!([]));
    let (_, data) = c
        .ok(
            "orchestrator_reconnect_test",
            json!({ "session_id": "s-1", "include_buffer_status": true, "include_reconnection_stats": true }),
        )
        .await;
    assert_eq!(data["connection_ok"], true);
    assert_eq!(data["session_id"], "s-1");
    assert_eq!(data["reconnections"], 0);
    // Still serving the repository after the restart.
    let (_, data) = c
        .ok("orchestrator_show_task", json!({ "task_id": id }))
        .await;
    assert_eq!(data["task"]["status"], "in_progress");
    assert_eq!(
        repo.commit_count(),
        before,
        "the restart tools write nothing"
    );
}

/// A server started in a subdirectory resolves relative file paths from there, as
/// the original does, and the error for a missing file says where it looked.
#[tokio::test]
async fn file_paths_are_relative_to_the_servers_directory() {
    let repo = repo();
    repo.write("web/src/app.js", "let x = 1;\n");
    let id = add(&repo, &["Build the app"]);
    let web = repo.root.join("web");
    let mut c = Client::start(&web).await;
    c.ok("orchestrator_execute_subtask", json!({ "task_id": id }))
        .await;
    let done = |paths: &[&str]| {
        json!({ "task_id": id, "summary": "Built.", "detailed_work": "",
                "next_action": "complete", "file_paths": paths })
    };
    let (_, error) = c
        .fails("orchestrator_complete_subtask", done(&["src/missing.js"]))
        .await;
    let hint = error["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!("relative paths start from {}", web.display())),
        "{hint}"
    );
    assert!(hint.contains("check the path in file_paths"), "{hint}");
    let (_, data) = c
        .ok("orchestrator_complete_subtask", done(&["src/app.js"]))
        .await;
    assert_eq!(data["task"]["artifacts"][0]["path"], "web/src/app.js");
    repo.write("web/src/util.js", "let y = 2;\n");
    let (_, data) = c
        .ok(
            "orchestrator_record_files",
            json!({ "paths": ["src/util.js"], "task_id": id }),
        )
        .await;
    assert_eq!(data["recorded"][0]["path"], "web/src/util.js", "{data}");
}

/// Every tool declares an output schema; input schemas use one type per property
/// (no `["string","null"]`), no `null` in enums and no non-standard `format`.
#[tokio::test]
async fn schemas_are_portable_and_results_declared() {
    fn walk(v: &Value, at: &str) {
        match v {
            Value::Object(map) => {
                assert!(
                    !map.get("type").is_some_and(Value::is_array),
                    "{at}: type array {v}"
                );
                assert!(map.get("format").is_none(), "{at}: format {v}");
                assert!(map.get("$schema").is_none(), "{at}: $schema");
                if let Some(Value::Array(values)) = map.get("enum") {
                    assert!(!values.contains(&Value::Null), "{at}: null in enum");
                }
                for (k, v) in map {
                    walk(v, &format!("{at}.{k}"));
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, at)),
            _ => {}
        }
    }
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let list = c.request("tools/list", json!({})).await;
    for tool in list["result"]["tools"].as_array().unwrap() {
        let name = tool["name"].as_str().unwrap();
        walk(&tool["inputSchema"], name);
        assert_eq!(tool["outputSchema"]["type"], "object", "{name}");
    }
    // Integers typed as strings by simple clients are accepted.
    let (_, data) = c.ok("orchestrator_log", json!({ "limit": "1" })).await;
    assert_eq!(data["entries"].as_array().unwrap().len(), 1);
    let (text, _) = c.fails("orchestrator_log", json!({ "limit": "one" })).await;
    assert!(text.contains("\"one\" is not a whole number"), "{text}");
}

/// `core`: the original's twelve tools and orchestrator_claim_next, in no more bytes
/// than the original's tool list; tools of the full set are refused by name.
#[tokio::test]
async fn core_tool_set_is_the_originals_in_its_size() {
    let original: Value = serde_json::from_str(include_str!("../mcp/original-tools.json")).unwrap();
    let original = original.as_array().unwrap();
    let mut expected: Vec<&str> = original
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .chain(["orchestrator_claim_next"])
        .collect();
    expected.sort_unstable();
    let repo = repo();
    let check = |list: &Value| {
        let tools = list["result"]["tools"].as_array().unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, expected);
        let (ours, theirs) = (
            serde_json::to_string(tools).unwrap().len(),
            serde_json::to_string(original).unwrap().len(),
        );
        assert!(
            ours <= theirs,
            "core tools/list is {ours} bytes, the original's {theirs}"
        );
    };
    let mut c = Client::start_with(&repo.root, Some(ToolSet::Core)).await;
    check(&c.request("tools/list", json!({})).await);
    let resp = c
        .request(
            "tools/call",
            json!({ "name": "orchestrator_log", "arguments": {} }),
        )
        .await;
    assert_eq!(resp["error"]["code"], -32602, "{resp}");
    let message = resp["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"orchestrator_log\"") && message.contains("tools = \"all\""),
        "{message}"
    );

    // The same from config.toml when no tool set is given.
    let mut config = repo.read(".orchestrator/config.toml");
    config.push_str("\n[mcp]\ntools = \"core\"\n");
    repo.write(".orchestrator/config.toml", &config);
    let mut c = Client::start(&repo.root).await;
    check(&c.request("tools/list", json!({})).await);
}

/// The protocol versions the official SDKs speak and current clients still send are
/// each answered with themselves; an unknown one with the newest.
#[tokio::test]
async fn protocol_versions() {
    let repo = repo();
    for (asked, answered) in [
        ("2024-11-05", "2024-11-05"),
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
    ] {
        let mut c = Client::connect(&repo.root, None);
        let init = c
            .request(
                "initialize",
                json!({ "protocolVersion": asked, "capabilities": {},
                        "clientInfo": { "name": "t", "version": "1" } }),
            )
            .await;
        assert_eq!(init["result"]["protocolVersion"], answered, "{init}");
    }
}

/// Malformed requests through the real binary, each answered with its exact code and
/// id; the last request has no newline before EOF and is answered too.
#[test]
fn json_rpc_edge_cases_through_the_binary() {
    let repo = Repo::init();
    let mut child = repo
        .orc_cmd(&["mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("orc mcp starts");
    let mut stdin = child.stdin.take().unwrap();
    let call = |id: Value, params: Value| {
        json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params }).to_string()
    };
    let lines = [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},
            "clientInfo":{"name":"t","version":"1"}}})
        .to_string(),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}).to_string(),
        call(
            json!(2),
            json!({ "name": "orchestrator_get_status", "arguments": [] }),
        ),
        call(json!(3), json!({ "arguments": {} })),
        call(json!(4), json!({ "name": 5 })),
        call(
            json!("s5"),
            json!({ "name": "orchestrator_nope", "arguments": {} }),
        ),
        json!({"jsonrpc":"2.0","id":6,"method":"tools/call"}).to_string(),
        json!({"jsonrpc":"2.0","id":"s7","method":7}).to_string(),
        json!({"jsonrpc":"2.0","id":8,"method":"no/such/method"}).to_string(),
    ];
    let mut input = lines.join("\n");
    input.push('\n');
    // The last request, without a newline.
    input.push_str(&json!({"jsonrpc":"2.0","id":9,"method":"ping"}).to_string());
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let responses: std::collections::BTreeMap<String, Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["id"].to_string(), v)
        })
        .collect();
    let error = |id: &str, code: i64, words: &str| {
        let r = &responses[id];
        assert_eq!(r["error"]["code"], code, "{id}: {r}");
        let message = r["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{id}: {message}");
    };
    error(
        "2",
        -32602,
        "invalid params for tools/call: invalid type: sequence",
    );
    error("3", -32602, "missing field `name`");
    error("4", -32602, "invalid type: integer `5`, expected a string");
    error("\"s5\"", -32602, "unknown tool \"orchestrator_nope\"");
    error("6", -32602, "invalid params for tools/call");
    error("\"s7\"", -32600, "invalid request");
    error("8", -32601, "unknown method \"no/such/method\"");
    assert_eq!(responses["9"]["result"], json!({}), "{responses:?}");
    assert_eq!(responses.len(), 9, "{responses:?}");
}

/// A second independent client: the MCP Inspector CLI (npm `@modelcontextprotocol/inspector`)
/// lists the tools with its schema-portability check in strict mode (0 warnings) and
/// calls a tool with an integer argument. Ignored unless asked for (`--include-ignored`):
/// it needs `mcp-inspector` on PATH or in `ORC_INSPECTOR_BIN` (with the `node` it needs),
/// which `.ci/run` installs.
#[test]
#[ignore = "needs mcp-inspector (npm @modelcontextprotocol/inspector, Node >= 22.19; .ci/run installs it)"]
fn inspector_cli_sees_portable_schemas() {
    let mut path = std::env::var_os("ORC_INSPECTOR_BIN")
        .map(std::path::PathBuf::from)
        .into_iter()
        .collect::<Vec<_>>();
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(path).unwrap();
    let repo = repo();
    let inspector = |args: &[&str]| {
        let mut cmd = repo.command("mcp-inspector");
        cmd.env("PATH", &path)
            .arg("--cli")
            .arg(assert_cmd::cargo::cargo_bin!("orc"))
            .arg("mcp")
            .args(args);
        cmd.output()
    };
    let version = repo
        .command("mcp-inspector")
        .env("PATH", &path)
        .arg("--version")
        .output();
    assert!(
        version.is_ok_and(|o| o.status.success()),
        "mcp-inspector does not run (PATH or ORC_INSPECTOR_BIN); `.ci/run` installs it"
    );
    let out = inspector(&["--strict", "--method", "tools/list"]).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("Warning") && !stderr.contains("Schema portability"),
        "the Inspector warns about the schemas:\n{stderr}"
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"orchestrator_restart_server") && names.contains(&"orchestrator_log"),
        "{names:?}"
    );

    let out = inspector(&[
        "--method",
        "tools/call",
        "--tool-name",
        "orchestrator_log",
        "--tool-arg",
        "limit=1",
    ])
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(
        result["structuredContent"]["entries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// The role prompts (`prompts/list`, `prompts/get` with a task id) and the recovery
/// briefing as a resource, for clients that attach context without a tool call.
#[tokio::test]
async fn role_prompts_and_the_briefing_resource() {
    let repo = repo();
    let (_, ids) = crate::harness::plan(&repo, "Ship it", &["tester:Test the parser"]);
    let mut c = Client::start(&repo.root).await;
    let list = c.request("prompts/list", json!({})).await;
    let names: Vec<&str> = list["result"]["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "architect",
            "implementer",
            "tester",
            "documenter",
            "reviewer",
            "researcher",
            "debugger"
        ]
    );
    assert_eq!(
        list["result"]["prompts"][0]["arguments"][0]["name"],
        "task_id"
    );
    let get = c.request("prompts/get", json!({ "name": "tester" })).await;
    let text = get["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("# Tester"), "{text:.200}");
    let get = c
        .request(
            "prompts/get",
            json!({ "name": "reviewer", "arguments": { "task_id": ids[0] } }),
        )
        .await;
    let text = get["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap();
    assert!(
        text.starts_with(&format!("# {}: Test the parser", ids[0])),
        "{text:.300}"
    );
    let role = &text[text.find("## Your role").expect("a role section")..];
    assert!(
        role.contains("Reviewer") && !role.contains("Tester"),
        "the role asked for, not the task's: {role:.300}"
    );
    let (_, data) = c
        .ok("orchestrator_show_task", json!({ "task_id": ids[0] }))
        .await;
    assert_eq!(
        data["task"]["status"], "pending",
        "a prompt does not start the task"
    );
    let bad = c
        .request(
            "prompts/get",
            json!({ "name": "tester", "arguments": { "task_id": "nope" } }),
        )
        .await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    assert!(
        !bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("orc task list"),
        "{bad}"
    );

    let list = c.request("resources/list", json!({})).await;
    assert_eq!(
        list["result"]["resources"][0]["uri"],
        "orc://recovery-briefing"
    );
    let read = c
        .request(
            "resources/read",
            json!({ "uri": "orc://recovery-briefing" }),
        )
        .await;
    let text = read["result"]["contents"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("# Recovery briefing"), "{text:.200}");
    assert!(text.contains("Test the parser"), "{text}");
    let bad = c
        .request("resources/read", json!({ "uri": "orc://nope" }))
        .await;
    assert_eq!(bad["error"]["code"], -32002, "{bad}");
}

/// With the core tool set, the pointer to the original's database says where the
/// import tool is, instead of naming a tool the client does not have.
#[tokio::test]
async fn core_tool_set_points_at_the_import_tool_it_lacks() {
    let repo = repo();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/task-orchestrator/project");
    crate::harness::copy_dir(&fixture, &repo.root);
    let mut c = Client::start_with(&repo.root, Some(ToolSet::Core)).await;
    let (text, _) = c.ok("orchestrator_initialize_session", json!({})).await;
    assert!(
        text.contains("orchestrator_import (source \"task-orchestrator\")")
            && text.contains("not in the core set this server offers"),
        "{text}"
    );
}

#[tokio::test]
async fn labels_are_set_changed_and_filtered_through_the_tools() {
    let repo = repo();
    let mut c = Client::start(&repo.root).await;
    let (_, data) = c
        .ok(
            "orchestrator_create_task",
            json!({ "title": "Fix the button", "labels": ["ui", "bug"] }),
        )
        .await;
    let id = data["task"]["id"].as_str().unwrap().to_owned();
    assert_eq!(data["task"]["labels"], json!(["bug", "ui"]));
    add(&repo, &["Unlabelled"]);
    let (_, data) = c
        .ok(
            "orchestrator_update_task",
            json!({ "task_id": id, "add_labels": ["a11y"], "remove_labels": ["bug"] }),
        )
        .await;
    assert_eq!(data["task"]["labels"], json!(["a11y", "ui"]));
    let (text, data) = c
        .ok(
            "orchestrator_list_tasks",
            json!({ "labels": ["ui", "a11y"] }),
        )
        .await;
    assert_eq!(data["tasks"].as_array().unwrap().len(), 1, "{data}");
    assert_eq!(data["tasks"][0]["labels"], json!(["a11y", "ui"]));
    assert!(text.contains("{a11y, ui}"), "{text}");
    let before = repo.commit_count();
    let (text, err) = c
        .fails(
            "orchestrator_update_task",
            json!({ "task_id": id, "remove_labels": ["bug"] }),
        )
        .await;
    assert_eq!(err["code"], "invalid");
    assert!(text.contains("has no label \"bug\""), "{text}");
    assert_eq!(repo.commit_count(), before);
}
