//! `orc import`: beads, Backlog.md, Task Master and the Python MCP Task Orchestrator,
//! each from a fixture in the tool's own format (tests/fixtures/import/README.md says how
//! each was made), checked field by field, then imported again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::harness::{Repo, copy_dir};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(rel)
}

/// Runs an import with `--json`; returns the report.
fn import(repo: &Repo, args: &[&str]) -> Value {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    repo.json(&all)
}

/// The tasks in the repository by the source id the report gives them.
fn by_source(repo: &Repo, report: &Value) -> HashMap<String, Value> {
    let list = repo.json(&["task", "list"]);
    let tasks: HashMap<&str, &Value> = list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), t))
        .collect();
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] != "skipped")
        .map(|e| {
            let id = e["task"].as_str().unwrap();
            (
                e["source_id"].as_str().unwrap().to_owned(),
                (*tasks.get(id).unwrap_or_else(|| panic!("no task {id}"))).clone(),
            )
        })
        .collect()
}

fn id(t: &Value) -> Value {
    t["id"].clone()
}

/// One commit with the import's subject; the tree clean; git happy.
fn assert_one_import_commit(repo: &Repo, before: usize, subject: &str) {
    assert_eq!(repo.commit_count(), before + 1);
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]).trim(), subject);
    assert!(
        repo.git(&["log", "-1", "--format=%(trailers:only)"])
            .contains("Orc-Op: task.import")
    );
    assert_eq!(
        repo.status_porcelain(),
        "",
        "everything imported is committed"
    );
    repo.assert_fsck();
    repo.ok(&["check"]);
}

/// Importing the same source again finds every record unchanged, reports the same things
/// without an equivalent, and commits nothing.
fn assert_reimport_is_a_no_op(repo: &Repo, args: &[&str], first: &Value) {
    let n = first["tasks"].as_array().unwrap().len();
    let before = repo.commit_count();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let again = import(repo, args);
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(again["updated"], 0, "{again}");
    assert_eq!(again["unchanged"], n, "{again}");
    assert!(again.get("commit").is_none(), "{again}");
    assert_eq!(again["dropped"], first["dropped"]);
    assert_eq!(repo.commit_count(), before);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    let mut text_args = vec!["import"];
    text_args.extend_from_slice(args);
    let text = repo.ok(&text_args);
    assert!(text.contains("nothing to change; no commit"), "{text}");
}

#[test]
fn beads_issues_become_tasks_field_by_field_in_one_commit() {
    let repo = Repo::init();
    let before = repo.commit_count();
    let file = fixture("beads/issues.jsonl");
    let file = file.to_str().unwrap();
    let r = import(&repo, &["beads", file]);
    assert_eq!(r["source"], "beads");
    assert_eq!(r["created"], 5, "the tombstone is left out: {r}");
    assert_eq!(r["map"], ".orchestrator/imports/beads.toml");
    assert_one_import_commit(&repo, before, "orc: import beads: 5 created, 0 updated");
    assert_eq!(
        r["dropped"],
        json!({
            "\"discovered-from\" dependencies": 1,
            "\"related\" dependencies": 1,
            "deleted issues (tombstones), not imported": 1,
            "field \"external_ref\"": 1,
            "issue_type \"bug\"": 1,
            "issue_type \"chore\"": 1,
            "issue_type \"epic\"": 1,
            "issue_type \"task\"": 2,
            "priority 4 (imported as low)": 1,
        })
    );
    let t = by_source(&repo, &r);
    let epic = &t["bd-a1f3"];
    assert_eq!(epic["title"], "Add refresh tokens");
    assert_eq!(
        epic["description"],
        "Sessions expire after an hour; keep users logged in.\n\n## Design\n\nRotating refresh tokens, stored hashed."
    );
    assert_eq!(epic["status"], "pending");
    assert_eq!(epic["priority"], "high");
    assert_eq!(epic["created"], "2026-11-02T08:00:00Z");
    assert_eq!(epic["updated"], "2026-11-03T09:00:00Z");
    assert_eq!(epic["role"], Value::Null, "beads has no roles");
    assert_eq!(epic["labels"], json!(["auth"]));
    assert_eq!(t["bd-c7d2"]["labels"], json!(["docs"]));

    let design = &t["bd-a1f3.1"];
    assert_eq!(design["parent"], id(epic));
    assert_eq!(design["status"], "completed");
    assert_eq!(design["completed"], "2026-11-04T15:30:00Z");
    assert_eq!(
        design["result"],
        "Hashed tokens in a tokens table, 30-day expiry."
    );
    assert_eq!(design["assignee"], "alice");
    assert_eq!(design["estimate"], "2h");
    assert_eq!(design["priority"], "medium");
    assert_eq!(
        design["notes"],
        json!([{"at": "2026-11-03T10:00:00Z", "author": "bob", "text": "Keep the expiry configurable."}])
    );

    let build = &t["bd-a1f3.2"];
    assert_eq!(build["parent"], id(epic));
    assert_eq!(build["depends_on"], json!([id(design)]));
    assert_eq!(build["status"], "in_progress");
    assert_eq!(
        build["priority"], "critical",
        "an omitted priority is beads' 0"
    );
    assert_eq!(build["estimate"], "90m");
    assert!(
        build["description"]
            .as_str()
            .unwrap()
            .ends_with("## Acceptance criteria\n\nExpired tokens are gone within an hour."),
        "{build}"
    );
    assert_eq!(build["notes"][0]["text"], "Sweep runs hourly.");

    let guide = &t["bd-c7d2"];
    assert_eq!(guide["depends_on"], json!([id(epic)]));
    assert_eq!(guide["priority"], "low");
    assert_eq!(guide["parent"], Value::Null);
    let bug = &t["bd-e4b8"];
    assert_eq!(bug["status"], "blocked");
    assert_eq!(
        bug["depends_on"],
        json!([]),
        "discovered-from is not a dependency"
    );

    let map = repo.read(".orchestrator/imports/beads.toml");
    assert!(map.starts_with("format = 1\nsource = \"beads\"\n"), "{map}");
    assert!(
        map.contains(&format!("[tasks.\"bd-a1f3.1\"]\ntask = {}", id(design))),
        "{map}"
    );
    assert_reimport_is_a_no_op(&repo, &["beads", file], &r);
}

#[test]
fn a_changed_source_updates_its_tasks_in_place_and_keeps_orc_notes() {
    let repo = Repo::init();
    let file = repo.sibling("issues.jsonl");
    let original = std::fs::read_to_string(fixture("beads/issues.jsonl")).unwrap();
    std::fs::write(&file, &original).unwrap();
    let file = file.to_str().unwrap();
    let first = import(&repo, &["beads", file]);
    let ids = by_source(&repo, &first);
    let guide = ids["bd-c7d2"]["id"].as_str().unwrap().to_owned();
    repo.ok(&["task", "note", &guide, "Ask ops which version they run"]);

    let changed = original.replace(
        "\"title\":\"Write the migration guide\"",
        "\"title\":\"Write the upgrade guide\"",
    ) + r#"{"id":"bd-f00d","title":"Announce the change","status":"open","priority":2,"issue_type":"task","created_at":"2026-11-06T09:00:00Z","updated_at":"2026-11-06T09:00:00Z","dependencies":[{"issue_id":"bd-f00d","depends_on_id":"bd-c7d2","type":"blocks"}]}"#
        + "\n";
    std::fs::write(file, changed).unwrap();
    let before = repo.commit_count();
    let r = import(&repo, &["beads", file]);
    assert_eq!(
        (&r["created"], &r["updated"], &r["unchanged"]),
        (&json!(1), &json!(1), &json!(4)),
        "{r}"
    );
    assert_eq!(repo.commit_count(), before + 1);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "orc: import beads: 1 created, 1 updated"
    );
    let t = by_source(&repo, &r);
    assert_eq!(
        t["bd-c7d2"]["id"],
        guide.as_str(),
        "updated in place, not duplicated"
    );
    assert_eq!(t["bd-c7d2"]["title"], "Write the upgrade guide");
    assert_eq!(
        t["bd-c7d2"]["notes"][0]["text"], "Ask ops which version they run",
        "notes added in orc stay"
    );
    assert_eq!(t["bd-f00d"]["depends_on"], json!([guide]));
    assert_eq!(
        repo.json(&["task", "list"])["tasks"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn a_bad_jsonl_line_is_named_and_nothing_is_written() {
    let repo = Repo::init();
    repo.write("notes.txt", "my own work\n");
    repo.git(&["add", "notes.txt"]);
    let file = repo.sibling("issues.jsonl");
    std::fs::write(
        &file,
        "{\"id\":\"bd-1\",\"title\":\"Fine\",\"status\":\"open\"}\n{\"id\":\"bd-2\",\"title\":\n",
    )
    .unwrap();
    let before = repo.commit_count();
    let err = repo.fails(&["import", "beads", file.to_str().unwrap()]);
    assert!(
        err.contains(&format!("error: {}: line 2, column", file.display())),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(err.contains("hint: fix that line"), "{err}");
    assert_eq!(repo.commit_count(), before);
    assert_eq!(
        repo.status_porcelain(),
        "A  notes.txt\n",
        "the user's staged work is untouched"
    );
    assert!(!repo.root.join(".orchestrator/imports").exists());

    std::fs::write(
        &file,
        "{\"id\":\"bd-1\",\"title\":\"A\"}\n\n{\"id\":\"bd-1\",\"title\":\"B\"}\n",
    )
    .unwrap();
    let err = repo.fails(&["import", "beads", file.to_str().unwrap()]);
    assert!(
        err.contains("line 3: issue bd-1 is also on line 1"),
        "{err}"
    );

    let out = repo.run(&["import", "beads", "missing.jsonl", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "invalid", "{v}");
}

#[test]
fn backlog_tasks_become_tasks_with_sections_mapped() {
    let repo = Repo::init();
    let before = repo.commit_count();
    let dir = fixture("backlog/backlog");
    let dir = dir.to_str().unwrap();
    let r = import(&repo, &["backlog", dir]);
    assert_eq!(r["created"], 4, "{r}");
    assert_eq!(
        r["dropped"],
        json!({"drafts (not imported)": 1, "archived tasks (not imported)": 1})
    );
    assert_one_import_commit(&repo, before, "orc: import backlog: 4 created, 0 updated");
    let t = by_source(&repo, &r);
    let parent = &t["task-1"];
    assert_eq!(parent["title"], "Add refresh tokens");
    assert_eq!(
        parent["description"],
        "Sessions expire after an hour; keep users logged in."
    );
    assert_eq!(parent["priority"], "high");
    assert_eq!(parent["labels"], json!(["auth", "backend"]));
    assert_eq!(t["task-2"]["labels"], json!(["docs"]));
    assert_eq!(parent["assignee"], "@alice");
    assert_eq!(parent["status"], "pending");
    let design = &t["task-1.1"];
    assert_eq!(design["parent"], id(parent));
    assert_eq!(design["status"], "completed");
    assert_eq!(design["result"], "Hashed tokens in a tokens table.");
    assert_eq!(
        design["description"],
        "## Acceptance criteria\n\n- [ ] Expiry is configurable"
    );
    let build = &t["task-1.2"];
    assert_eq!(build["status"], "in_progress");
    assert_eq!(build["depends_on"], json!([id(design)]));
    assert_eq!(build["notes"][0]["text"], "Sweep runs hourly.");
    let guide = &t["task-2"];
    assert_eq!(guide["depends_on"], json!([id(parent)]));
    assert_eq!(guide["priority"], "low");
    assert_reimport_is_a_no_op(&repo, &["backlog", dir], &r);
}

#[test]
fn a_bad_backlog_front_matter_names_the_file_and_line() {
    let repo = Repo::init();
    let dir = repo.sibling("backlog");
    copy_dir(&fixture("backlog/backlog"), &dir);
    let file = dir.join("tasks/task-2 - Write-the-migration-guide.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("title: Write the migration guide", "title: [oops"),
    )
    .unwrap();
    let before = repo.commit_count();
    let err = repo.fails(&["import", "backlog", dir.to_str().unwrap()]);
    assert!(
        err.contains(&format!("error: {}: line ", file.display())),
        "{err}"
    );
    assert!(err.contains("front matter"), "{err}");
    assert_eq!(repo.commit_count(), before);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn taskmaster_tags_subtasks_and_dependencies_map_and_plain_files_read_alike() {
    let repo = Repo::init();
    let before = repo.commit_count();
    let file = fixture("taskmaster/tasks.json");
    let file = file.to_str().unwrap();
    let r = import(&repo, &["taskmaster", file]);
    assert_eq!(r["created"], 5, "{r}");
    assert_eq!(
        r["dropped"],
        json!({"status \"deferred\" (imported as pending)": 1})
    );
    assert_one_import_commit(
        &repo,
        before,
        "orc: import taskmaster: 5 created, 0 updated",
    );
    let t = by_source(&repo, &r);
    let parent = &t["master:1"];
    assert_eq!(parent["status"], "in_progress");
    assert_eq!(parent["priority"], "high");
    assert_eq!(
        parent["description"],
        "Keep users logged in past the hour.\n\n## Details\n\nUse rotating refresh tokens."
    );
    assert_eq!(parent["stream"], Value::Null, "the master tag is no stream");
    let design = &t["master:1.1"];
    assert_eq!(design["parent"], id(parent));
    assert_eq!(design["status"], "completed");
    assert_eq!(t["master:1.2"]["depends_on"], json!([id(design)]));
    assert_eq!(t["master:2"]["depends_on"], json!([id(parent)]));
    assert_eq!(t["master:2"]["priority"], "low");
    let spike = &t["feature-x:1"];
    assert_eq!(spike["stream"], "feature-x");
    assert_eq!(spike["status"], "pending");
    assert_reimport_is_a_no_op(&repo, &["taskmaster", file], &r);

    // The plain layout of earlier versions reads as the master tag.
    let tagged: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let plain = json!({ "tasks": tagged["master"]["tasks"] });
    let other = Repo::init();
    let path = other.sibling("tasks.json");
    std::fs::write(&path, plain.to_string()).unwrap();
    let r2 = import(&other, &["taskmaster", path.to_str().unwrap()]);
    let ids: Vec<&str> = r2["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["master:1", "master:1.1", "master:1.2", "master:2"]);

    std::fs::write(
        &path,
        "{\"master\": {\"tasks\": [\n  {\"id\": 1,\n  \"title\": }\n]}}",
    )
    .unwrap();
    let err = other.fails(&["import", "taskmaster", path.to_str().unwrap()]);
    assert!(
        err.contains(&format!("{}: line 3, column", path.display())),
        "{err}"
    );
}

#[test]
fn the_original_orchestrators_database_imports_field_by_field_then_is_a_no_op() {
    let repo = Repo::init();
    copy_dir(&fixture("task-orchestrator/project"), &repo.root);
    repo.git(&["add", "docs"]);
    repo.git(&["commit", "-qm", "docs"]);
    let before = repo.commit_count();
    // No path: the database is found where the original keeps it.
    let r = import(&repo, &["task-orchestrator"]);
    assert_eq!(r["created"], 4, "{r}");
    assert_eq!(
        r["dropped"],
        json!({"complexity_level of planned tasks": 1})
    );
    assert!(
        r["path"]
            .as_str()
            .unwrap()
            .ends_with(".task_orchestrator/task_orchestrator.db"),
        "{r}"
    );
    assert_eq!(repo.commit_count(), before + 1);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "orc: import task-orchestrator: 4 created, 0 updated"
    );
    repo.ok(&["check"]);
    repo.assert_fsck();
    let t = by_source(&repo, &r);
    let parents: Vec<&String> = t.keys().filter(|k| k.starts_with("task_")).collect();
    assert_eq!(parents.len(), 1);
    let parent = &t[parents[0]];
    assert_eq!(parent["title"], "Add refresh tokens to the login service");
    assert_eq!(
        parent["description"],
        "## Context\n\nThe service issues access tokens only today."
    );
    assert_eq!(parent["status"], "pending");

    let design = &t["architect_1a2b3c"];
    assert!(
        design["id"].as_str().unwrap().starts_with("architect_"),
        "{design}"
    );
    assert_eq!(design["role"], "architect");
    assert_eq!(design["parent"], id(parent));
    assert_eq!(design["title"], "Design the token store");
    assert_eq!(
        design["description"],
        "Choose where refresh tokens live and how they expire."
    );
    assert_eq!(design["status"], "completed");
    assert_eq!(design["estimate"], "2h");
    assert_eq!(
        design["result"],
        "Tokens live hashed in a tokens table with a 30-day expiry."
    );
    assert_eq!(
        design["detail"],
        "# Token store\n\nA `tokens` table keyed by the hash of the token; a sweep deletes expired rows hourly."
    );
    let artifacts = design["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2, "{design}");
    assert!(
        artifacts[0]["path"].as_str().unwrap().starts_with(
            ".task_orchestrator/artifacts/architect_1a2b3c/mirrored/docs/token-store_artifact_"
        ),
        "{artifacts:?}"
    );
    let doc = std::fs::read(repo.root.join("docs/token-store.md")).unwrap();
    assert_eq!(artifacts[1]["path"], "docs/token-store.md");
    assert_eq!(artifacts[1]["size"], doc.len());
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&doc)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(artifacts[1]["sha256"], sha);

    let build = &t["implementer_4d5e6f"];
    assert_eq!(build["role"], "implementer");
    assert_eq!(build["status"], "in_progress");
    assert_eq!(build["depends_on"], json!([id(design)]));
    assert_eq!(build["estimate"], "4h");
    let test = &t["tester_7a8b9c"];
    assert_eq!(test["status"], "pending");
    assert_eq!(test["depends_on"], json!([id(build)]));
    assert_eq!(
        test["estimate"],
        Value::Null,
        "the original's \"Unknown\" is no estimate"
    );

    assert_reimport_is_a_no_op(&repo, &["task-orchestrator"], &r);
}

#[test]
fn session_start_names_the_import_of_the_original_database_until_it_is_done() {
    let repo = Repo::init();
    copy_dir(&fixture("task-orchestrator/project"), &repo.root);
    let text = repo.ok(&["session", "start"]);
    assert!(
        text.contains("found the Python MCP Task Orchestrator's database at")
            && text.contains("4 tasks not in orc yet")
            && text.contains("`orc import task-orchestrator`"),
        "{text}"
    );
    repo.ok(&["session", "end"]);
    repo.ok(&["import", "task-orchestrator"]);
    let text = repo.ok(&["session", "start"]);
    assert!(!text.contains("Task Orchestrator"), "{text}");
}

#[test]
fn dry_run_reports_and_writes_nothing() {
    let repo = Repo::init();
    let before = repo.commit_count();
    let file = fixture("beads/issues.jsonl");
    let r = import(&repo, &["beads", file.to_str().unwrap(), "--dry-run"]);
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["created"], 5);
    assert_eq!(repo.commit_count(), before);
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(repo.json(&["task", "list"])["tasks"], json!([]));
}

#[test]
fn check_reports_a_broken_import_map_with_its_line() {
    let repo = Repo::init();
    import(
        &repo,
        &["beads", fixture("beads/issues.jsonl").to_str().unwrap()],
    );
    let map = repo.read(".orchestrator/imports/beads.toml");
    repo.write(
        ".orchestrator/imports/beads.toml",
        &map.replacen("task = ", "task = 5 #", 1),
    );
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains(".orchestrator/imports/beads.toml"), "{text}");
    assert!(text.contains("beads.toml:5: parse: invalid type"), "{text}");
}

#[test]
fn two_branches_that_import_the_same_source_merge_cleanly() {
    let repo = Repo::init();
    let file = fixture("beads/issues.jsonl");
    let file = file.to_str().unwrap();
    repo.git(&["checkout", "-q", "-b", "other"]);
    import(&repo, &["beads", file]);
    repo.git(&["checkout", "-q", "main"]);
    let r = import(&repo, &["beads", file]);
    repo.git(&["merge", "-q", "--no-edit", "other"]);
    assert_eq!(repo.status_porcelain(), "");
    let tasks = repo.json(&["task", "list"]);
    assert_eq!(
        tasks["tasks"].as_array().unwrap().len(),
        5,
        "one task per record"
    );
    repo.ok(&["check"]);
    assert_reimport_is_a_no_op(&repo, &["beads", file], &r);
}

#[test]
fn a_file_that_is_not_the_originals_database_is_refused() {
    let repo = Repo::init();
    let before = repo.commit_count();
    let not_db = repo.sibling("notes.db");
    std::fs::write(&not_db, "just text\n").unwrap();
    let err = repo.fails(&["import", "task-orchestrator", not_db.to_str().unwrap()]);
    assert!(
        err.contains("not a readable MCP Task Orchestrator database: file is not a database"),
        "{err}"
    );
    assert!(
        err.contains("hint: check that this is the file the tool wrote"),
        "{err}"
    );
    // A SQLite database of something else.
    let other = repo.sibling("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE notes (text TEXT);")
        .unwrap();
    drop(conn);
    let err = repo.fails(&["import", "task-orchestrator", other.to_str().unwrap()]);
    assert!(err.contains("it has no `task_breakdowns` table"), "{err}");
    assert_eq!(repo.commit_count(), before);
    assert_eq!(repo.status_porcelain(), "");
}
