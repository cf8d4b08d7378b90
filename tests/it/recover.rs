//! Context recovery from git history alone: a scripted history with two sessions, a
//! handoff, tasks in every state, a decision and a file changed outside orc, read back
//! from a fresh (and a shallow) clone.

use std::path::Path;

use serde_json::Value;

use crate::harness::{Repo, Shape, success};

/// Runs orc at time `t` (file times and commit dates), in `dir`.
fn orc_at(repo: &Repo, dir: &Path, t: &str, args: &[&str]) -> String {
    success(
        repo.orc_in(dir, args)
            .env("ORC_NOW", t)
            .env("GIT_COMMITTER_DATE", t)
            .env("GIT_AUTHOR_DATE", t),
    )
}

/// Commits `paths` with the git CLI at time `t`.
fn git_commit_at(repo: &Repo, t: &str, paths: &[&str], message: &str) {
    let mut add = vec!["add"];
    add.extend_from_slice(paths);
    repo.git(&add);
    let out = repo
        .git_cmd(&repo.root, &["commit", "-q", "-m", message])
        .env("GIT_COMMITTER_DATE", t)
        .env("GIT_AUTHOR_DATE", t)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a session file the way `orc session start/end` would, and commits it.
fn session(repo: &Repo, t: &str, body: &str, op: &str, id: &str) {
    let path = format!(".orchestrator/sessions/{id}.toml");
    repo.write(&path, body);
    git_commit_at(
        repo,
        t,
        &[&path],
        &format!("orc: {op} {id}\n\nOrc-Op: {op}\nOrc-Session: {id}"),
    );
}

struct Script {
    repo: Repo,
    /// The repository `repo` was cloned from, if it is a clone.
    _origin: Option<Repo>,
    design: String,
    parser: String,
    docs: String,
    ci: String,
    bench: String,
}

fn scripted_history() -> Script {
    scripted_history_in(Shape::Sha1Files)
}

/// The scripted history made in a repository of `shape`; for a partial clone, made in
/// a plain repository and then cloned without blobs, so reading it needs missing objects.
fn scripted_history_in(shape: Shape) -> Script {
    if shape == Shape::PartialClone {
        let mut s = scripted_history_in(Shape::Sha1Files);
        let clone = s.repo.blobless_clone("blobless");
        s._origin = Some(std::mem::replace(&mut s.repo, clone));
        return s;
    }
    let repo = Repo::with_shape(shape);
    let r = &repo.root;
    let t = "2026-01-10T09:00:00Z";
    orc_at(&repo, r, t, &["init"]);
    let design = orc_at(
        &repo,
        r,
        t,
        &["task", "add", "Design parser", "--role", "architect"],
    )
    .trim()
    .to_owned();
    let parser = orc_at(
        &repo,
        r,
        t,
        &[
            "task",
            "add",
            "Implement parser",
            "--role",
            "implementer",
            "--depends-on",
            &design,
        ],
    )
    .trim()
    .to_owned();
    let docs = orc_at(
        &repo,
        r,
        t,
        &["task", "add", "Write docs", "--depends-on", &parser],
    )
    .trim()
    .to_owned();
    let ci = orc_at(&repo, r, t, &["task", "add", "Set up CI"])
        .trim()
        .to_owned();
    session(
        &repo,
        t,
        "format = 1\nid = \"session_a1\"\nagent = \"alice\"\nstarted = \"2026-01-10T09:00:00Z\"\n",
        "session.start",
        "session_a1",
    );

    orc_at(
        &repo,
        r,
        "2026-01-10T09:10:00Z",
        &["task", "status", &design, "in_progress"],
    );
    orc_at(
        &repo,
        r,
        "2026-01-10T09:20:00Z",
        &["task", "status", &design, "completed"],
    );
    orc_at(
        &repo,
        r,
        "2026-01-10T09:30:00Z",
        &[
            "decision",
            "new",
            "Hand-written parser",
            "--task",
            &parser,
            "--status",
            "accepted",
            "--decision",
            "We write a recursive-descent parser.",
        ],
    );
    orc_at(
        &repo,
        r,
        "2026-01-10T09:40:00Z",
        &["task", "status", &parser, "in_progress"],
    );
    orc_at(
        &repo,
        r,
        "2026-01-10T09:45:00Z",
        &["task", "note", &parser, "lexer done"],
    );
    repo.write("src/parser.rs", "fn lex() {}\n");
    orc_at(
        &repo,
        r,
        "2026-01-10T09:50:00Z",
        &["files", "record", "src/parser.rs", "--task", &parser],
    );
    git_commit_at(
        &repo,
        "2026-01-10T09:55:00Z",
        &["src/parser.rs"],
        "parser: lexer",
    );
    session(
        &repo,
        "2026-01-10T10:00:00Z",
        "format = 1\nid = \"session_a1\"\nagent = \"alice\"\nstarted = \"2026-01-10T09:00:00Z\"\nended = \"2026-01-10T10:00:00Z\"\nhandoff = \"Lexer done; next: error recovery.\"\n",
        "session.end",
        "session_a1",
    );

    session(
        &repo,
        "2026-01-10T11:00:00Z",
        "format = 1\nid = \"session_b2\"\nagent = \"bob\"\nstarted = \"2026-01-10T11:00:00Z\"\n",
        "session.start",
        "session_b2",
    );
    orc_at(
        &repo,
        r,
        "2026-01-10T11:30:00Z",
        &["task", "note", &parser, "error recovery done"],
    );
    session(
        &repo,
        "2026-01-10T12:00:00Z",
        "format = 1\nid = \"session_b2\"\nagent = \"bob\"\nstarted = \"2026-01-10T11:00:00Z\"\nended = \"2026-01-10T12:00:00Z\"\nhandoff = \"Parser errors done; tests next.\\nWatch decision 0001.\"\n",
        "session.end",
        "session_b2",
    );

    // After the last session: a fix made outside orc, and new work planned.
    repo.write("src/parser.rs", "fn lex() { /* quick fix */ }\n");
    git_commit_at(
        &repo,
        "2026-01-10T13:00:00Z",
        &["src/parser.rs"],
        "parser: quick fix",
    );
    let bench = orc_at(
        &repo,
        r,
        "2026-01-10T13:30:00Z",
        &["task", "add", "Benchmark parser"],
    )
    .trim()
    .to_owned();
    Script {
        repo,
        _origin: None,
        design,
        parser,
        docs,
        ci,
        bench,
    }
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Replaces 12-hex commit ids between backticks with `<commit>`.
fn redact_commits(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 && part.len() == 12 && part.bytes().all(|b| b.is_ascii_hexdigit()) {
                "<commit>".to_owned()
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

#[test]
fn recover_from_a_fresh_clone() {
    let s = scripted_history();
    let clone = s.repo.sibling("clone");
    s.repo.git_in(
        s.repo.root.parent().unwrap(),
        &["clone", "-q", "repo", "clone"],
    );
    let now = "2026-01-10T14:00:00Z";
    let b: Value =
        serde_json::from_str(&orc_at(&s.repo, &clone, now, &["recover", "--json"])).unwrap();

    assert_eq!(b["version"], 1);
    assert_eq!(b["generated"], now);
    assert_eq!(b["branch"], "main");
    assert_eq!(
        b["head"].as_str().unwrap(),
        s.repo.git_in(&clone, &["rev-parse", "HEAD"]).trim()
    );

    let last = &b["last_session"];
    assert_eq!(last["id"], "session_b2");
    assert_eq!(last["agent"], "bob");
    assert_eq!(last["ended"], "2026-01-10T12:00:00Z");
    assert_eq!(
        last["handoff"],
        "Parser errors done; tests next.\nWatch decision 0001."
    );

    assert_eq!(b["since"]["basis"], "last_session");
    assert_eq!(b["since"]["time"], "2026-01-10T12:00:00Z");
    // Orc commits since the session ended, minus the session's own end commit.
    let changes = b["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["op"], "task.add");
    assert_eq!(changes[0]["task"], s.bench.as_str());
    assert_eq!(changes[0]["time"], "2026-01-10T13:30:00Z");

    let outside = b["outside_changes"].as_array().unwrap();
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert_eq!(outside[0]["summary"], "parser: quick fix");
    assert_eq!(outside[0]["paths"], serde_json::json!(["src/parser.rs"]));
    assert_eq!(outside[0]["tasks"], serde_json::json!([s.parser]));
    assert_eq!(outside[0]["author"], "Test Author");

    assert_eq!(ids(&b["in_progress"]), vec![s.parser.clone()]);
    let p = &b["in_progress"][0];
    assert_eq!(p["latest_note"]["text"], "error recovery done");
    assert_eq!(p["latest_note"]["at"], "2026-01-10T11:30:00Z");
    assert_eq!(p["decisions"], serde_json::json!([1]));
    assert_eq!(p["role"], "implementer");
    // Docs waits for the parser; CI and the benchmark can start.
    assert_eq!(ids(&b["ready"]), vec![s.ci.clone(), s.bench.clone()]);
    assert!(!ids(&b["ready"]).contains(&s.docs));
    assert!(!ids(&b["ready"]).contains(&s.design));
    assert_eq!(b["stuck"], serde_json::json!([]));

    let decisions = b["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["number"], 1);
    assert_eq!(decisions[0]["status"], "accepted");
    assert_eq!(decisions[0]["task"], s.parser.as_str());

    let files = b["unverified_files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], "src/parser.rs");
    assert_eq!(files[0]["state"], "modified");
    assert_eq!(files[0]["task"], s.parser.as_str());

    let actions: Vec<&str> = b["next_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        actions[0].starts_with(&format!("Continue {} \"Implement parser\"", s.parser)),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a.contains("orc files verify")),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|a| a.contains(&format!("orc files log --task {}", s.parser))),
        "{actions:?}"
    );

    // Only the commits since the session's end were read: the walk stopped early.
    assert_eq!(b["history"]["commits_read"], 2);
    assert_eq!(b["history"]["complete"], true);
    assert_eq!(b["history"]["shallow"], false);
    assert_eq!(b["unreadable"], serde_json::json!([]));

    let md = orc_at(&s.repo, &clone, now, &["recover"]);
    insta::assert_snapshot!(redact_commits(&md), @r#"
    # Recovery briefing

    Branch `main` at `<commit>`, generated 2026-01-10T14:00:00Z.

    ## Last session

    `session_b2`: agent `bob`, started 2026-01-10T11:00:00Z, ended 2026-01-10T12:00:00Z.

    Handoff note:

    > Parser errors done; tests next.
    > Watch decision 0001.

    ## What changed since the last session ended at 2026-01-10T12:00:00Z

    - 2026-01-10T13:30:00Z `<commit>` task.add: orc: add task_587d1b1b "Benchmark parser"

    Commits made outside orc that touched files recorded for open tasks:

    - 2026-01-10T13:00:00Z `<commit>` by Test Author: parser: quick fix (src/parser.rs; task implementer_be9e83c9)

    ## In progress

    - `implementer_be9e83c9` Implement parser (medium, implementer, decisions 0001)
      - latest note (2026-01-10T11:30:00Z): error recovery done

    ## Ready to start

    - `task_48a1f386` Set up CI (medium)
    - `task_587d1b1b` Benchmark parser (medium)

    ## Blocked or needing revision

    None.

    ## Decisions of open tasks

    - 0001 accepted: Hand-written parser (`implementer_be9e83c9`)

    ## Recorded files that no longer match the disk

    - modified since `src/parser.rs` (create by `implementer_be9e83c9` at 2026-01-10T09:50:00Z)

    ## Suggested next actions

    1. Continue implementer_be9e83c9 "Implement parser": `orc brief implementer_be9e83c9`
    2. Review 1 recorded file that changed on disk since: `orc files verify`, then re-record with `orc files record`
    3. Check commits made outside orc that touched files of implementer_be9e83c9: `orc files log --task implementer_be9e83c9`

    ## History read

    2 commits read.
    "#);

    // --since overrides the session: everything after the first session ended.
    let b: Value = serde_json::from_str(&orc_at(
        &s.repo,
        &clone,
        now,
        &["recover", "--since", "2026-01-10T10:00:01Z", "--json"],
    ))
    .unwrap();
    assert_eq!(b["since"]["basis"], "option");
    let ops: Vec<&str> = b["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["op"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        vec!["task.add", "session.end", "task.note", "session.start"]
    );
    let b: Value = serde_json::from_str(&orc_at(
        &s.repo,
        &clone,
        now,
        &["recover", "--since", "HEAD~2", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(b["changes"].as_array().unwrap().len(), 1);
    assert_eq!(b["history"]["commits_read"], 2);
}

#[test]
fn recover_from_a_shallow_clone_says_what_it_could_not_read() {
    let s = scripted_history();
    let url = format!("file://{}", s.repo.root.display());
    s.repo.git_in(
        s.repo.root.parent().unwrap(),
        &["clone", "-q", "--depth", "2", &url, "shallow"],
    );
    let shallow = s.repo.sibling("shallow");
    let now = "2026-01-10T14:00:00Z";
    let b: Value =
        serde_json::from_str(&orc_at(&s.repo, &shallow, now, &["recover", "--json"])).unwrap();
    assert_eq!(b["history"]["shallow"], true);
    assert_eq!(b["history"]["complete"], false);
    // What is in the files is all there.
    assert_eq!(ids(&b["in_progress"]), vec![s.parser.clone()]);
    assert_eq!(b["last_session"]["id"], "session_b2");
    assert_eq!(b["changes"].as_array().unwrap().len(), 1);
    let md = orc_at(&s.repo, &shallow, now, &["recover"]);
    insta::assert_snapshot!(redact_commits(&md), @r#"
    # Recovery briefing

    Branch `main` at `<commit>`, generated 2026-01-10T14:00:00Z.

    ## Last session

    `session_b2`: agent `bob`, started 2026-01-10T11:00:00Z, ended 2026-01-10T12:00:00Z.

    Handoff note:

    > Parser errors done; tests next.
    > Watch decision 0001.

    ## What changed since the last session ended at 2026-01-10T12:00:00Z

    - 2026-01-10T13:30:00Z `<commit>` task.add: orc: add task_587d1b1b "Benchmark parser"

    ## In progress

    - `implementer_be9e83c9` Implement parser (medium, implementer, decisions 0001)
      - latest note (2026-01-10T11:30:00Z): error recovery done

    ## Ready to start

    - `task_48a1f386` Set up CI (medium)
    - `task_587d1b1b` Benchmark parser (medium)

    ## Blocked or needing revision

    None.

    ## Decisions of open tasks

    - 0001 accepted: Hand-written parser (`implementer_be9e83c9`)

    ## Recorded files that no longer match the disk

    - modified since `src/parser.rs` (create by `implementer_be9e83c9` at 2026-01-10T09:50:00Z)

    ## Suggested next actions

    1. Mind the gap: this is a shallow clone: commits before its boundary could not be read (`git fetch --unshallow` fetches them)
    2. Continue implementer_be9e83c9 "Implement parser": `orc brief implementer_be9e83c9`
    3. Review 1 recorded file that changed on disk since: `orc files verify`, then re-record with `orc files record`

    ## History read

    2 commits read; this is a shallow clone: commits before its boundary could not be read (`git fetch --unshallow` fetches them).
    "#);
    // The log says so too, and still lists what it has.
    let out = s.repo.orc_in(&shallow, &["log"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("shallow clone"));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

fn log_and_show_history(shape: Shape) {
    let s = scripted_history_in(shape);
    let repo = &s.repo;
    let log = repo.json(&["log", "--task", &s.parser]);
    let ops: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["op"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        vec![
            "task.note",
            "files.record",
            "task.note",
            "task.status",
            "decision.new",
            "task.add"
        ]
    );
    let log = repo.json(&["log", "--op", "session", "--limit", "3"]);
    assert_eq!(log["entries"].as_array().unwrap().len(), 3);
    assert_eq!(log["entries"][0]["session"], "session_b2");
    let text = repo.ok(&["log", "--op", "task.status"]);
    assert_eq!(text.lines().count(), 3);

    let h = repo.json(&["show", &s.design, "--history"]);
    assert_eq!(h["kind"], "task");
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0]["op"], "task.status");
    let fields: Vec<&str> = versions[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    // Fields in key order.
    assert_eq!(fields, vec!["completed", "status", "updated"]);
    assert_eq!(versions[0]["changes"][1]["before"], "in_progress");
    assert_eq!(versions[0]["changes"][1]["after"], "completed");
    // Whole, but for the commit lines (their ids change with any byte of history).
    let text = repo.ok(&["show", &s.design, "--history"]);
    let text: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(|c: char| c.is_ascii_hexdigit()))
        .collect();
    // The same in every shape of repository.
    insta::allow_duplicates! {
        insta::assert_snapshot!(text.join("\n"), @r#"
        history of task architect_0e791489 (.orchestrator/tasks/0/architect_0e791489.toml): 3 versions

          orc: architect_0e791489 -> completed "Design parser"
          completed: set to "2026-01-10T09:20:00Z"
          status: "in_progress" -> "completed"
          updated: "2026-01-10T09:10:00Z" -> "2026-01-10T09:20:00Z"

          orc: architect_0e791489 -> in_progress "Design parser"
          started: set to "2026-01-10T09:10:00Z"
          status: "pending" -> "in_progress"
          updated: "2026-01-10T09:00:00Z" -> "2026-01-10T09:10:00Z"

          orc: add architect_0e791489 "Design parser"
          created
        "#);
    }
    // A removed task's history is still there, by full id.
    repo.ok(&["task", "rm", &s.bench]);
    let h = repo.json(&["show", &s.bench, "--history"]);
    assert_eq!(h["versions"][0]["deleted"], true);
    assert_eq!(h["versions"].as_array().unwrap().len(), 2);
    let err = repo.fails(&["show", "task_deadbeef", "--history"]);
    assert!(
        err.contains("no commit has .orchestrator/tasks/d/task_deadbeef.toml"),
        "{err}"
    );
}

#[test]
fn briefing_lists_are_cut_to_the_limit_and_say_how_many_more() {
    let repo = Repo::init();
    for i in 0..5 {
        crate::harness::add(&repo, &[&format!("task {i}")]);
    }
    let b = repo.json(&["recover", "--limit", "2"]);
    assert_eq!(b["ready"].as_array().unwrap().len(), 2);
    assert_eq!(b["truncated"]["ready"], 5);
    assert_eq!(b["changes"].as_array().unwrap().len(), 2);
    assert!(b["truncated"]["changes"].as_u64().unwrap() > 2, "{b}");
    assert!(b["truncated"].get("in_progress").is_none(), "{b}");

    insta::assert_snapshot!(redact_commits(&repo.ok(&["recover", "--limit", "2"])), @r#"
    # Recovery briefing

    Branch `main` at `<commit>`, generated 2026-01-15T10:00:00Z.

    ## Last session

    No session is recorded.

    ## What changed in the last 30 commits (no session is recorded)

    - 2026-01-15T10:00:00Z `<commit>` task.add: orc: add task_dc538df4 "task 4"
    - 2026-01-15T10:00:00Z `<commit>` task.add: orc: add task_48a1f386 "task 3"
    - … and 4 more: `orc log`

    ## In progress

    None.

    ## Ready to start

    - `task_0e791489` task 0 (medium)
    - `task_48a1f386` task 3 (medium)
    - … and 3 more

    ## Blocked or needing revision

    None.

    ## Decisions of open tasks

    None.

    ## Recorded files that no longer match the disk

    None.

    ## Suggested next actions

    1. Start the most urgent ready task task_0e791489 "task 0": `orc start task_0e791489`

    ## History read

    6 commits read.
    "#);

    let all = repo.json(&["recover", "--all"]);
    assert_eq!(all["ready"].as_array().unwrap().len(), 5);
    assert!(all.get("truncated").is_none(), "{all}");
    let usage = repo.run(&["recover", "--all", "--limit", "3"]);
    assert_eq!(usage.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&usage.stderr).contains("cannot be used with"));
}

#[test]
fn show_with_digits_reads_a_task_prefix_when_no_decision_has_that_number() {
    let repo = Repo::init();
    let id = crate::harness::add(&repo, &["Digits only"]);
    // Give the task an id whose hex part starts with digits.
    let text = repo.read(&crate::harness::task_file(&id));
    std::fs::remove_file(repo.root.join(crate::harness::task_file(&id))).unwrap();
    repo.write(
        ".orchestrator/tasks/1/task_10abcdef.toml",
        &text.replace(&id, "task_10abcdef"),
    );
    assert!(repo.ok(&["show", "10"]).contains("task_10abcdef"));
    repo.ok(&["decision", "new", "Number one"]);
    let out = repo.run(&["show", "1"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Number one"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"1\" is decision 1 here; it is also the start of task task_10abcdef"),
        "{err}"
    );
    assert!(repo.ok(&["show", "ADR-1"]).contains("Number one"));
    assert!(repo.ok(&["show", "10"]).contains("task_10abcdef"));
}

#[test]
fn since_the_last_session_goes_by_commits_not_by_the_clock() {
    // Every command runs in the same second (the harness's fixed clock).
    let repo = Repo::init();
    crate::harness::add(&repo, &["Before the session"]);
    repo.ok(&["session", "start"]);
    crate::harness::add(&repo, &["During the session"]);
    repo.ok(&["session", "end", "--handoff", "done for today"]);
    let b = repo.json(&["recover"]);
    assert_eq!(b["since"]["basis"], "last_session");
    assert_eq!(
        b["since"]["commit"],
        repo.git(&["rev-parse", "HEAD"]).trim(),
        "the session's end commit"
    );
    assert_eq!(b["changes"], serde_json::json!([]), "{b}");
    let after = crate::harness::add(&repo, &["After the session"]);
    let b = repo.json(&["recover"]);
    let changes = b["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{b}");
    assert_eq!(changes[0]["task"], after.as_str());
}

#[test]
fn decisions_of_the_work_open_tasks_build_on_are_in_the_briefing() {
    let repo = Repo::init();
    let (_parent, subs) = crate::harness::plan(
        &repo,
        "Feature",
        &["architect:Design it", "implementer:Build it"],
    );
    let (design, build) = (&subs[0], &subs[1]);
    repo.ok(&["task", "edit", build, "--add-dep", design]);
    repo.ok(&["start", design]);
    repo.ok(&["done", design, "--summary", "designed"]);
    repo.ok(&[
        "decision",
        "new",
        "Use a queue",
        "--task",
        design,
        "--status",
        "accepted",
    ]);
    repo.ok(&["start", build]);
    let b = repo.json(&["recover"]);
    let numbers: Vec<u64> = b["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1], "{b}");
    assert!(
        repo.ok(&["recover"])
            .contains("- 0001 accepted: Use a queue")
    );
}

crate::for_each_shape!(log_and_show_history);

#[test]
fn a_file_committed_before_it_was_recorded_is_not_changed_outside_orc() {
    // Same second for everything (the harness's fixed clock): the order is the graph's.
    let repo = Repo::init();
    let id = crate::harness::add(&repo, &["Parser"]);
    repo.ok(&["start", &id]);
    repo.write("src/parser.rs", "fn parse() {}\n");
    repo.git(&["add", "src/parser.rs"]);
    repo.git(&["commit", "-qm", "Add the parser"]);
    repo.ok(&["files", "record", "src/parser.rs"]);
    let b = repo.json(&["recover", "--since", "HEAD~3"]);
    assert_eq!(b["outside_changes"], serde_json::json!([]), "{b}");
    // A commit after the record is one.
    repo.write("src/parser.rs", "fn parse() { todo!() }\n");
    repo.git(&["commit", "-qam", "Change it behind orc's back"]);
    let b = repo.json(&["recover", "--since", "HEAD~4"]);
    let outside = b["outside_changes"].as_array().unwrap();
    assert_eq!(outside.len(), 1, "{b}");
    assert_eq!(outside[0]["summary"], "Change it behind orc's back");
}
