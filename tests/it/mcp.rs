//! `orc mcp`: tools in-process over an in-memory duplex pipe (raw JSON-RPC lines, so
//! the wire format is what is tested), bad protocol input through the real binary, and
//! the end-to-end run with the official Python MCP SDK when its virtualenv exists.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, DuplexStream, Lines, ReadHalf, WriteHalf};

use crate::harness::{Repo, add, redact_ids};
use orc::mcp::{OrcServer, ServerOptions};

/// A raw JSON-RPC client talking to an in-process server.
struct Client {
    tx: WriteHalf<DuplexStream>,
    rx: Lines<tokio::io::BufReader<ReadHalf<DuplexStream>>>,
    next_id: u64,
}

impl Client {
    /// Starts a server for `root` and performs the initialize handshake.
    async fn start(root: &Path) -> Client {
        let (client, server) = tokio::io::duplex(1 << 16);
        let server_handler = OrcServer::new(ServerOptions {
            root: root.to_path_buf(),
            agent: Some("mcp-test".into()),
            no_commit: false,
        });
        tokio::spawn(orc::mcp::serve(server_handler, server));
        let (rx, tx) = tokio::io::split(client);
        let mut c = Client {
            tx,
            rx: tokio::io::BufReader::new(rx).lines(),
            next_id: 0,
        };
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

fn text(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .expect("a text content block")
        .to_owned()
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
            "orchestrator_add_note",
            "orchestrator_create_task",
            "orchestrator_get_status",
            "orchestrator_health_check",
            "orchestrator_list_tasks",
            "orchestrator_ready_tasks",
            "orchestrator_show_task",
            "orchestrator_update_task",
        ]
    );
    insta::assert_snapshot!(
        "tools_list",
        serde_json::to_string_pretty(&list["result"]["tools"]).unwrap()
    );
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
            let types = |v: &Value| match &v["type"] {
                Value::Array(a) => a.clone(),
                t => vec![t.clone()],
            };
            assert!(
                types(m).contains(&spec["type"]),
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
    assert_eq!(compared, 2, "get_status and health_check are compared");
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
    assert_eq!(
        redact_ids(&head_commit(&repo)),
        "orc: add implementer_00000001 \"Write the parser\"\n\
         Orc-Op: task.add\nOrc-Task: implementer_00000001"
    );
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
    let head = redact_ids(&head_commit(&repo));
    assert_eq!(
        head,
        "orc: edit task_00000001, -> in_progress \"Second, renamed\"\n\
         Orc-Op: task.update\nOrc-Task: task_00000001"
    );

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
    let text = redact_ids(&text);
    let text = text
        .lines()
        .map(|l| match l.find(" mcp-test:") {
            Some(i) => format!("- <time>{}", &l[i..]),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(text, @r#"
    task_00000001 "Feature"
    status: pending | priority: medium

    The whole feature.
    subtasks:
    - tester_00000002 [pending] medium tester: Part
    notes:
    - <time> mcp-test: halfway there
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
    assert_eq!(
        redact_ids(&text),
        "architect_00000001 [in_progress] high architect: Alpha\n\
         task_00000002 [pending] medium: Beta"
    );
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
    assert_eq!(
        redact_ids(&text),
        "3 tasks: 2 pending, 1 completed\n\n\
         progress:\n- task_00000001 50% (1/2): Feature\n\n\
         ready:\n- task_00000002 [pending] medium: Open part"
    );
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
        assert!(text.contains("run `orc init` in"), "{text}");
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
    repo.write(".orchestrator/tasks/task_0badf00d.toml", "id = \n");
    let (text, data) = c
        .ok(
            "orchestrator_health_check",
            json!({ "include_reboot_readiness": false, "include_connection_status": false }),
        )
        .await;
    assert_eq!(data["healthy"], false);
    assert!(data.get("restart_ready").is_none());
    assert!(text.contains("check: 1 problem(s)"), "{text}");
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
    let log = redact_ids(&repo.git(&["log", "--format=%s"]));
    assert_eq!(
        log,
        "orc: note on task_00000001: seen by the CLI\n\
         orc: note on task_00000002: seen by the server\n\
         orc: add task_00000002 \"From CLI\"\n\
         orc: add task_00000001 \"From MCP\"\n\
         orc: initialise .orchestrator/\n"
    );
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
/// (tests/mcp/e2e.py). Runs when ORC_MCP_PYTHON names a Python with `mcp` installed
/// (`.ci/run` creates that virtualenv and sets it).
#[test]
fn python_sdk_end_to_end() {
    let Some(python) = std::env::var_os("ORC_MCP_PYTHON") else {
        eprintln!(
            "skipped python_sdk_end_to_end: ORC_MCP_PYTHON is not set (`.ci/run` sets it up)"
        );
        return;
    };
    let repo = Repo::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/e2e.py");
    let mut cmd = repo.command(python);
    cmd.arg(script)
        .arg("--orc")
        .arg(assert_cmd::cargo::cargo_bin!("orc"))
        .arg("--repo")
        .arg(&repo.root);
    let out = cmd.output().expect("python runs");
    assert!(
        out.status.success(),
        "e2e.py failed ({}):\nstdout:\n{}\nstderr:\n{}",
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
                        .join("|"),
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
    assert!(text.contains("orc mcp --repo"), "{text}");
    repo.git_in(&late, &["init", "-q", "-b", "main"]);
    repo.orc_in(&late, &["init"]).output().unwrap();
    let (text, _) = c.ok("orchestrator_get_status", json!({})).await;
    assert_eq!(text, "0 tasks");
}
