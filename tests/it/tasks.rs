//! Task commands: add, list, show, edit, note, status, rm; status, ready, check; JSON shapes.

use crate::harness::{Repo, add, task_file};

#[test]
fn ids_follow_roles_and_are_unique() {
    let repo = Repo::init();
    let plain = add(&repo, &["plain"]);
    let role = add(&repo, &["with role", "--role", "implementer"]);
    let is_id = |id: &str, prefix: &str| {
        let hex = id
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{id} lacks {prefix}"));
        hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    };
    assert!(is_id(&plain, "task_"));
    assert!(is_id(&role, "implementer_"));
    assert_ne!(plain, role);
}

#[test]
fn add_records_every_field_and_json_shows_them() {
    let repo = Repo::init();
    let parent = add(&repo, &["Parent"]);
    let dep = add(&repo, &["Dep"]);
    let v = repo.json(&[
        "task",
        "add",
        "Child",
        "--description",
        "Two\nlines",
        "--role",
        "tester",
        "--parent",
        &parent,
        "--priority",
        "1",
        "--depends-on",
        &dep,
        "--stream",
        "qa",
        "--estimate",
        "2h",
        "--assignee",
        "bob",
    ]);
    assert_eq!(v["version"], 1);
    let t = &v["task"];
    assert_eq!(t["title"], "Child");
    assert_eq!(t["description"], "Two\nlines");
    assert_eq!(t["role"], "tester");
    assert_eq!(t["status"], "pending");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["parent"], parent.as_str());
    assert_eq!(t["depends_on"][0], dep.as_str());
    assert_eq!(t["stream"], "qa");
    assert_eq!(t["estimate"], "2h");
    assert_eq!(t["assignee"], "bob");
    assert_eq!(t["created"], crate::harness::NOW);
    let id = t["id"].as_str().unwrap();
    let file = repo.read(&task_file(id));
    insta::assert_snapshot!(file, @r#"
    format = 1
    id = "tester_ef3cbe8f"
    title = "Child"
    description = """
    Two
    lines"""
    role = "tester"
    status = "pending"
    priority = "high"
    parent = "task_0e791489"
    depends_on = ["task_be9e83c9"]
    stream = "qa"
    estimate = "2h"
    assignee = "bob"
    created = "2026-01-15T10:00:00Z"
    updated = "2026-01-15T10:00:00Z"
    "#);
}

#[test]
fn ids_resolve_from_unique_prefixes() {
    let repo = Repo::init();
    let id = add(&repo, &["x", "--role", "debugger"]);
    let hex = id.trim_start_matches("debugger_");
    let by_hex = repo.json(&["task", "show", &hex[..5]]);
    assert_eq!(by_hex["task"]["id"], id.as_str());
    let by_prefix = repo.json(&["task", "show", &id[..12]]);
    assert_eq!(by_prefix["task"]["id"], id.as_str());
    add(&repo, &["y", "--role", "debugger"]);
    let err = repo.fails(&["task", "show", "debugger_"]);
    assert!(err.contains("matches several tasks"), "{err}");
}

#[test]
fn list_filters_and_tree() {
    let repo = Repo::init();
    let root = add(&repo, &["Root", "--stream", "core"]);
    let child = add(
        &repo,
        &[
            "Child",
            "--parent",
            &root,
            "--role",
            "implementer",
            "--stream",
            "core",
        ],
    );
    add(
        &repo,
        &["Grandchild", "--parent", &child, "--role", "tester"],
    );
    add(&repo, &["Loose", "--stream", "docs"]);
    repo.ok(&["task", "status", &child, "in_progress"]);

    let ids = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["task", "list"];
        full.extend_from_slice(args);
        repo.json(&full)["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&["--stream", "core"]).len(), 2);
    assert_eq!(ids(&["--role", "tester"]), ["Grandchild"]);
    assert_eq!(ids(&["--status", "in_progress"]), ["Child"]);
    assert_eq!(ids(&["--parent", &root]), ["Child"]);
    assert_eq!(
        ids(&["--status", "pending", "--status", "in_progress"]).len(),
        4
    );

    insta::assert_snapshot!(repo.ok(&["task", "list", "--tree", "--stream", "core"]), @r"
    task_0e791489          pending        medium   -            Root  [core]
      implementer_be9e83c9   in_progress    medium   implementer  Child  [core]
    ");
}

#[test]
fn edit_changes_and_clears_fields() {
    let repo = Repo::init();
    let a = add(&repo, &["A", "--stream", "s", "--role", "architect"]);
    let b = add(&repo, &["B"]);
    let v = repo.json(&[
        "task",
        "edit",
        &a,
        "--title",
        "A2",
        "--stream",
        "",
        "--add-dep",
        &b,
        "--priority",
        "low",
    ]);
    assert_eq!(v["task"]["title"], "A2");
    assert!(v["task"]["stream"].is_null());
    assert_eq!(v["task"]["depends_on"][0], b.as_str());
    assert_eq!(v["task"]["priority"], "low");
    let v = repo.json(&["task", "edit", &a, "--remove-dep", &b]);
    assert_eq!(v["task"]["depends_on"], serde_json::json!([]));
    let err = repo.fails(&["task", "edit", &a]);
    assert!(err.contains("nothing to change"), "{err}");
    let err = repo.fails(&["task", "edit", &a, "--parent", &a]);
    assert!(err.contains("own parent"), "{err}");
}

#[test]
fn notes_are_appended_with_time_and_author() {
    let repo = Repo::init();
    let a = add(&repo, &["A"]);
    repo.ok(&["task", "note", &a, "first"]);
    repo.ok(&["task", "note", &a, "second", "--agent", "claude"]);
    let v = repo.json(&["task", "show", &a]);
    let notes = v["task"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["text"], "first");
    assert_eq!(notes[0]["at"], crate::harness::NOW);
    assert_eq!(notes[1]["author"], "claude");
    let text = repo.ok(&["task", "show", &a]);
    assert!(
        text.contains("2026-01-15T10:00:00Z claude: second"),
        "{text}"
    );
}

#[test]
fn status_machine_is_enforced_and_named() {
    let repo = Repo::init();
    let a = add(&repo, &["A"]);
    let err = repo.fails(&["task", "status", &a, "completed"]);
    assert!(
        err.contains("cannot move")
            && err.contains("from pending it can move to: in_progress, blocked, cancelled"),
        "{err}"
    );
    repo.ok(&["task", "status", &a, "in_progress"]);
    repo.ok(&[
        "task",
        "status",
        &a,
        "blocked",
        "--reason",
        "waiting for API keys",
    ]);
    let v = repo.json(&["task", "show", &a]);
    assert_eq!(v["task"]["status"], "blocked");
    assert_eq!(
        v["task"]["notes"][0]["text"],
        "blocked: waiting for API keys"
    );
    repo.ok(&["task", "status", &a, "in-progress"]);
    repo.ok(&["task", "status", &a, "done"]);
    let v = repo.json(&["task", "show", &a]);
    assert_eq!(v["task"]["completed"], crate::harness::NOW);
    let err = repo.fails(&["task", "status", &a, "completed"]);
    assert!(err.contains("needs_revision, pending"), "{err}");
}

#[test]
fn dependency_cycles_are_refused() {
    let repo = Repo::init();
    let a = add(&repo, &["A"]);
    let b = add(&repo, &["B", "--depends-on", &a]);
    let c = add(&repo, &["C", "--depends-on", &b]);
    let err = repo.fails(&["task", "edit", &a, "--add-dep", &c]);
    assert!(err.contains("dependency cycle"), "{err}");
    assert!(
        err.contains(&a) && err.contains(&b) && err.contains(&c),
        "{err}"
    );
    let err = repo.fails(&["task", "edit", &a, "--add-dep", &a]);
    assert!(err.contains("dependency cycle"), "{err}");
}

#[test]
fn rm_refuses_children_unless_recursive() {
    let repo = Repo::init();
    let p = add(&repo, &["P"]);
    let c = add(&repo, &["C", "--parent", &p]);
    let g = add(&repo, &["G", "--parent", &c]);
    let err = repo.fails(&["task", "rm", &p]);
    assert!(err.contains("has subtasks") && err.contains(&c), "{err}");
    let count = repo.commit_count();
    let v = repo.json(&["task", "rm", &p, "--recursive"]);
    assert_eq!(v["removed"].as_array().unwrap().len(), 3);
    assert_eq!(repo.commit_count(), count + 1);
    let mut paths = repo.head_paths();
    paths.sort();
    let mut expected: Vec<String> = [&p, &c, &g].iter().map(task_file).collect();
    expected.sort();
    assert_eq!(paths, expected);
    assert!(!repo.root.join(task_file(&g)).exists());
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn ready_orders_by_priority_and_waits_for_dependencies() {
    let repo = Repo::init();
    let low = add(&repo, &["low", "--priority", "low"]);
    let crit = add(&repo, &["crit", "--priority", "critical"]);
    let blocked = add(
        &repo,
        &[
            "needs crit",
            "--priority",
            "critical",
            "--depends-on",
            &crit,
        ],
    );
    let titles = |r: &Repo| -> Vec<String> {
        r.json(&["ready"])["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&repo), ["crit", "low"]);
    repo.ok(&["task", "status", &crit, "in_progress"]);
    repo.ok(&["task", "status", &crit, "completed"]);
    assert_eq!(titles(&repo), ["needs crit", "low"]);
    let _ = (low, blocked);
}

#[test]
fn counts_of_one_read_in_the_singular() {
    let repo = Repo::init();
    let p = add(&repo, &["Feature"]);
    let first = repo.ok(&["status"]);
    assert!(first.starts_with("1 task: 1 pending\n"), "{first}");
    add(&repo, &["Child", "--parent", &p]);
    repo.ok(&["task", "rm", "--recursive", &p]);
    let log = repo.git(&["log", "-1", "--format=%s"]);
    assert!(log.ends_with("and 1 subtask\n"), "{log:?}");
}

#[test]
fn status_report_counts_and_lists() {
    let repo = Repo::init();
    let p = add(&repo, &["Feature", "--stream", "core"]);
    let a = add(
        &repo,
        &[
            "Design",
            "--parent",
            &p,
            "--role",
            "architect",
            "--stream",
            "core",
            "--priority",
            "high",
        ],
    );
    let b = add(
        &repo,
        &[
            "Build",
            "--parent",
            &p,
            "--role",
            "implementer",
            "--stream",
            "core",
            "--depends-on",
            &a,
        ],
    );
    add(
        &repo,
        &["Write docs", "--stream", "docs", "--role", "documenter"],
    );
    repo.ok(&["task", "status", &a, "in_progress"]);
    repo.ok(&["task", "status", &a, "completed"]);
    repo.ok(&["task", "status", &b, "in_progress"]);

    let v = repo.json(&["status"]);
    assert_eq!(v["total"], 4);
    assert_eq!(v["by_status"]["completed"], 1);
    assert_eq!(v["by_status"]["in_progress"], 1);
    assert_eq!(v["by_status"]["pending"], 2);
    assert_eq!(v["by_status"]["cancelled"], 0);
    assert_eq!(v["streams"][0]["stream"], "core");
    assert_eq!(v["streams"][0]["completed"], 1);
    assert_eq!(v["parents"][0]["done"], 1);
    assert_eq!(v["parents"][0]["total"], 2);
    assert_eq!(v["parents"][0]["percent"], 50);
    assert_eq!(v["in_progress"][0]["title"], "Build");

    insta::assert_snapshot!(repo.ok(&["status"]), @r"
    4 tasks: 2 pending, 1 in_progress, 1 completed

    Streams:
      core                 1/3 done, 2 open
         1. implementer_ef3cbe8f   in_progress    medium   implementer  Build
         2. task_0e791489          pending        medium   -            Feature
      docs                 0/1 done, 1 open
         1. documenter_48a1f386    ready          medium   documenter   Write docs

    Progress:
      task_0e791489           50% (1/2)  Feature

    In progress:
      implementer_ef3cbe8f   medium   implementer  Build

    Ready:
      documenter_48a1f386    medium   documenter   Write docs
    ");
}

#[test]
fn check_reports_every_kind_of_problem() {
    let repo = Repo::init();
    assert!(repo.ok(&["check"]).starts_with("ok:"));
    let a = add(&repo, &["A"]);
    let b = add(&repo, &["B"]);
    // Hand edits that orc itself would refuse.
    let text = repo.read(&task_file(&a));
    repo.write(
        &task_file(&a),
        &text.replace(
            "status = ",
            &format!("parent = \"task_00000000\"\ndepends_on = [\"{b}\"]\nstatus = "),
        ),
    );
    let text = repo.read(&task_file(&b));
    repo.write(
        &task_file(&b),
        &text.replace(
            "status = ",
            &format!("depends_on = [\"{a}\", \"task_11111111\"]\nstatus = "),
        ),
    );
    repo.write(".orchestrator/tasks/2/task_22222222.toml", &text);
    repo.write(
        ".orchestrator/tasks/3/task_33333333.toml",
        "format = 1\nid = [\n",
    );

    let out = repo.run(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    for k in [
        "parse",
        "duplicate",
        "unknown-parent",
        "unknown-dependency",
        "cycle",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let parse = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "parse")
        .unwrap();
    assert_eq!(parse["path"], ".orchestrator/tasks/3/task_33333333.toml");
    assert_eq!(parse["line"], 2);
}

#[test]
fn newer_format_versions_are_refused_clearly() {
    let repo = Repo::init();
    repo.write(".orchestrator/config.toml", "format = 2\n");
    let err = repo.fails(&["status"]);
    assert!(
        err.contains(".orchestrator/config.toml") && err.contains("newer"),
        "{err}"
    );
    assert!(err.contains("upgrade orc"), "{err}");
}

#[test]
fn status_lists_are_bounded_unless_all() {
    let repo = Repo::init();
    for i in 0..4 {
        add(&repo, &[&format!("t{i}"), "--stream", "s"]);
    }
    let v = repo.json(&["status", "--limit", "2"]);
    assert_eq!(v["ready"].as_array().unwrap().len(), 2);
    assert_eq!(v["truncated"]["ready"], 4);
    assert_eq!(v["truncated"]["stream_queues.s"], 4);
    assert_eq!(v["stream_queues"][0]["tasks"].as_array().unwrap().len(), 2);
    let text = repo.ok(&["status", "--limit", "2"]);
    assert!(text.contains("… and 2 more"), "{text}");
    let all = repo.json(&["status", "--all"]);
    assert_eq!(all["ready"].as_array().unwrap().len(), 4);
    assert!(all["truncated"].is_null());
    assert_eq!(
        repo.run(&["status", "--all", "--limit", "3"]).status.code(),
        Some(2)
    );
}

/// Task files in the flat layout of earlier versions (`tasks/<id>.toml`) are still read
/// and reported by `orc check`; a change to a task moves its file into its shard
/// directory in the same commit, and `orc init` moves all the others in one commit.
#[test]
fn task_files_in_the_flat_layout_are_read_and_moved_into_place() {
    let repo = Repo::init();
    let a = add(&repo, &["first"]);
    let b = add(&repo, &["second", "--depends-on", &a]);
    let c = add(&repo, &["third"]);
    let flat = |id: &str| format!(".orchestrator/tasks/{id}.toml");
    for id in [&a, &b, &c] {
        repo.git(&["mv", &task_file(id), &flat(id)]);
    }
    repo.git(&[
        "commit",
        "-q",
        "-m",
        "task files as an earlier orc wrote them",
    ]);

    let listed = repo.json(&["task", "list"]);
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 3, "{listed}");
    let check = repo.run(&["check", "--json"]);
    assert_eq!(check.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3, "{v}");
    for p in problems {
        assert_eq!(p["kind"], "misplaced", "{p}");
    }

    // A one-task mutation (reads only that file) moves it.
    repo.ok(&["task", "status", &a, "in_progress"]);
    let changed = repo.git(&["show", "--format=", "--name-status", "--no-renames", "HEAD"]);
    assert_eq!(
        changed.lines().collect::<Vec<_>>(),
        [format!("A\t{}", task_file(&a)), format!("D\t{}", flat(&a))],
        "{changed}"
    );
    // A mutation of the whole state (removal) deletes the flat file.
    repo.ok(&["task", "rm", &c]);
    assert!(!repo.root.join(flat(&c)).exists());
    assert_eq!(repo.head_paths(), [flat(&c)]);

    // `orc init` moves the rest, content unchanged.
    let before = repo.read(&flat(&b));
    let out = repo.ok(&["init"]);
    assert!(out.contains("moved 1 task file "), "{out}");
    assert!(
        out.contains(&format!("{} -> {}", flat(&b), task_file(&b))),
        "{out}"
    );
    let renamed = repo.git(&[
        "show",
        "--format=%(trailers:key=Orc-Op,valueonly)",
        "--name-status",
        "-M",
        "HEAD",
    ]);
    assert!(renamed.starts_with("init.relayout"), "{renamed}");
    assert!(
        renamed.contains(&format!("R100\t{}\t{}", flat(&b), task_file(&b))),
        "{renamed}"
    );
    assert_eq!(repo.read(&task_file(&b)), before);
    // Its history goes on through the move, into the flat file's commits.
    assert_eq!(
        crate::harness::history_paths(&repo, &b),
        [task_file(&b), flat(&b), task_file(&b)],
        "moved by init, flat since the commit with git, added by orc"
    );
    repo.ok(&["check"]);
    assert_eq!(repo.status_porcelain(), "");
    let count = repo.commit_count();
    assert!(repo.ok(&["init"]).contains("nothing changed"));
    assert_eq!(repo.commit_count(), count);
    repo.assert_fsck();
}

#[test]
fn check_applies_the_title_rules_of_the_commands() {
    let repo = Repo::init();
    let a = add(&repo, &["A title"]);
    let text = repo.read(&task_file(&a));
    repo.write(
        &task_file(&a),
        &text.replace("title = \"A title\"", "title = \"\""),
    );
    let out = repo.run(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["kind"], "invalid");
    assert_eq!(problems[0]["path"], task_file(&a));
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("the title is empty")
    );
    // The same rule as `orc task edit --title ""`.
    assert!(
        repo.fails(&["task", "edit", &a, "--title", ""])
            .contains("title is empty")
    );
}

#[test]
fn lists_on_a_terminal_cut_long_titles_at_its_width_and_pipes_get_them_whole() {
    let repo = Repo::init();
    let title = format!(
        "Rewrite the parser {}",
        "so that errors carry spans ".repeat(4)
    );
    let title = title.trim_end();
    let id = add(&repo, &[title]);
    let orc = assert_cmd::cargo::cargo_bin!("orc").display().to_string();
    // `script` runs the commands on a pseudo-terminal 80 columns wide.
    let out = repo
        .command("script")
        .args([
            "-q",
            "-e",
            "-c",
            &format!("stty rows 24 cols 80; {orc} task list; {orc} ready; {orc} status"),
            "/dev/null",
        ])
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap().replace('\r', "");
    let rows: Vec<&str> = text.lines().filter(|l| l.contains(&id)).collect();
    assert_eq!(rows.len(), 3, "{text}");
    for row in rows {
        assert!((70..=80).contains(&row.chars().count()), "{row:?}");
        assert!(row.contains("Rewrite the") && row.ends_with('…'), "{row:?}");
    }
    // Not a terminal: the whole title, as before.
    assert!(repo.ok(&["task", "list"]).contains(title));
    assert!(repo.ok(&["ready"]).contains(title));
}

#[test]
fn with_json_errors_are_json_on_stdout_with_a_code_and_the_exit_code_of_their_class() {
    let repo = Repo::init();
    let cases: [(&[&str], i32, &str); 4] = [
        (&["task", "show", "nope", "--json"], 1, "unknown_task"),
        (&["--json", "start", "nope"], 1, "unknown_task"),
        (&["task", "add", "", "--json"], 1, "invalid"),
        (&["task", "shw", "--json"], 2, "usage"),
    ];
    for (args, exit, code) in cases {
        let out = repo.run(args);
        assert_eq!(out.status.code(), Some(exit), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out:?}"));
        assert_eq!(v["version"], 1);
        assert_eq!(v["error"]["code"], code, "{args:?}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    // Without --json, errors stay text on stderr.
    let out = repo.run(&["task", "show", "nope"]);
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: no task matches"));
}

/// A scripted `$EDITOR`: a shell script that receives the file to edit as `$1`.
fn editor(repo: &Repo, name: &str, body: &str) -> String {
    let path = repo.sibling(name);
    std::fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn add_and_edit_in_the_editor_with_aborts_and_kept_text() {
    let repo = Repo::init();
    let write = editor(
        &repo,
        "write.sh",
        r#"printf '# help\n==> Title\nWrite the guide\n==> Description\nCover install.\n\n## Later\nUpgrades.\n' > "$1""#,
    );
    let out = repo
        .orc_cmd(&["task", "add", "--editor", "--role", "documenter"])
        .env("EDITOR", &write)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let task = &repo.json(&["task", "show", &id])["task"];
    assert_eq!(task["title"], "Write the guide");
    assert_eq!(task["description"], "Cover install.\n\n## Later\nUpgrades.");
    assert!(!repo.root.join(".git/ORC_TASK_EDITMSG").exists());

    // Unchanged or emptied buffers abort; nothing is committed.
    let commits = repo.commit_count();
    for (ed, word) in [
        ("true", "unchanged"),
        (&*editor(&repo, "empty.sh", r#": > "$1""#), "empty"),
    ] {
        let out = repo
            .orc_cmd(&["task", "add", "--editor"])
            .env("EDITOR", ed)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{ed}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains(&format!("saved {word}; nothing was written"))
        );
    }
    assert_eq!(repo.commit_count(), commits);

    // A buffer that does not parse is reported with its line and kept.
    let bad = editor(
        &repo,
        "bad.sh",
        r#"printf 'stray words\n==> Title\nX\n' > "$1""#,
    );
    let out = repo
        .orc_cmd(&["task", "add", "--editor"])
        .env("VISUAL", &bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ORC_TASK_EDITMSG: line 1: text before"),
        "{err}"
    );
    assert!(err.contains("your text is kept in"), "{err}");
    assert_eq!(
        repo.read(".git/ORC_TASK_EDITMSG"),
        "stray words\n==> Title\nX\n"
    );
    assert_eq!(repo.commit_count(), commits);

    // Editing: the current text and notes are the starting point; title, description and
    // a new note land in one commit.
    repo.ok(&["task", "note", &id, "first draft exists"]);
    let edit = editor(
        &repo,
        "edit.sh",
        r#"grep -q '^#   2026-01-15T10:00:00Z: first draft exists$' "$1"
sed -i 's/^Write the guide$/Write the user guide/' "$1"
printf 'Reviewed the outline.\n' >> "$1""#,
    );
    let before = repo.commit_count();
    let out = repo
        .orc_cmd(&["task", "edit", &id, "--editor"])
        .env("EDITOR", &edit)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(repo.commit_count(), before + 1);
    let task = &repo.json(&["task", "show", &id])["task"];
    assert_eq!(task["title"], "Write the user guide");
    assert_eq!(task["description"], "Cover install.\n\n## Later\nUpgrades.");
    assert_eq!(task["notes"][1]["text"], "Reviewed the outline.");
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn descriptions_and_notes_come_from_files_or_stdin() {
    let repo = Repo::init();
    repo.write("notes/desc.md", "From a file.\n");
    let id = add(
        &repo,
        &["Documented", "--description-file", "notes/desc.md"],
    );
    assert_eq!(
        repo.json(&["task", "show", &id])["task"]["description"],
        "From a file."
    );
    let with_stdin = |args: &[&str], input: &str| {
        let out = assert_cmd::Command::from_std(repo.orc_cmd(args))
            .write_stdin(input)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    with_stdin(
        &["task", "edit", &id, "--description-file", "-"],
        "From stdin.\n",
    );
    with_stdin(&["task", "note", &id, "-"], "A note\nover two lines\n");
    let task = &repo.json(&["task", "show", &id])["task"];
    assert_eq!(task["description"], "From stdin.");
    assert_eq!(task["notes"][0]["text"], "A note\nover two lines");
}

#[test]
fn labels_are_added_removed_filtered_and_shown() {
    let repo = Repo::init();
    let ui = add(&repo, &["Fix the button", "--label", "ui", "-l", "bug, ui"]);
    let api = add(&repo, &["Fix the endpoint", "--label", "bug,api"]);
    let plain = add(&repo, &["Write docs"]);

    let text = repo.read(&task_file(&ui));
    assert!(
        text.contains("labels = [\n    \"bug\",\n    \"ui\",\n]\n"),
        "{text}"
    );
    assert!(!repo.read(&task_file(&plain)).contains("labels"));

    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["task", "list"];
        all.extend_from_slice(args);
        repo.json(&all)["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut bugs = vec![ui.clone(), api.clone()];
    bugs.sort();
    assert_eq!(ids(&["--label", "bug"]), bugs);
    assert_eq!(ids(&["--label", "bug", "--label", "ui"]), [ui.as_str()]);
    assert_eq!(ids(&["--label", "bug,api"]), [api.as_str()]);
    assert!(ids(&["--label", "nope"]).is_empty());

    let listed = repo.ok(&["task", "list", "--label", "ui"]);
    assert!(listed.contains("Fix the button  {bug, ui}"), "{listed}");
    assert!(repo.ok(&["show", &ui]).contains("labels:    bug, ui\n"));
    assert_eq!(
        repo.json(&["task", "show", &ui])["task"]["labels"],
        serde_json::json!(["bug", "ui"])
    );

    let edited = repo.json(&["task", "edit", &ui, "--unlabel", "bug", "--label", "a11y"]);
    assert_eq!(edited["task"]["labels"], serde_json::json!(["a11y", "ui"]));

    // Bad input: named, nothing written.
    let head = repo.git(&["rev-parse", "HEAD"]);
    let err = repo.fails(&["task", "edit", &ui, "--unlabel", "bug"]);
    assert!(err.contains("has no label \"bug\""), "{err}");
    assert!(err.contains("its labels: a11y, ui"), "{err}");
    let err = repo.fails(&["task", "add", "X", "--label", " "]);
    assert!(err.contains("a label is empty"), "{err}");
    let long = "x".repeat(65);
    let err = repo.fails(&["task", "edit", &ui, "--label", &long]);
    assert!(err.contains("longer than 64 characters"), "{err}");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn check_applies_the_label_rules_of_the_commands() {
    let repo = Repo::init();
    let a = add(&repo, &["Labelled", "--label", "ui"]);
    let text = repo.read(&task_file(&a));
    assert!(text.contains("labels = [\"ui\"]\n"), "{text}");
    repo.write(
        &task_file(&a),
        &text.replace("[\"ui\"]", "[\"ui\", \"a,b\", \" x \"]"),
    );
    let out = repo.run(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("contains a comma"), "{messages:?}");
    assert!(messages[1].contains("blanks around it"), "{messages:?}");
    assert!(messages[2].contains("not sorted"), "{messages:?}");
}
