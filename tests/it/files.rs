//! File-operation manifests: record, verify against a tampered disk, confinement,
//! `--changed` against a real work tree, and the files log.

use serde_json::Value;

use crate::harness::{Repo, add};

fn states(report: &Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_owned(),
                r["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn ops(report: &Value) -> Vec<(String, String, Option<String>)> {
    report["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["op"].as_str().unwrap().to_owned(),
                o["path"].as_str().unwrap().to_owned(),
                o["from"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// A repository with `base.txt`, `gone.txt` and `old.txt` committed by the user.
fn repo_with_files() -> (Repo, String) {
    let repo = Repo::init();
    let task = add(&repo, &["Refactor"]);
    for f in ["base.txt", "gone.txt", "old.txt"] {
        repo.write(f, &format!("{f} v1\n"));
    }
    repo.git(&["add", "base.txt", "gone.txt", "old.txt"]);
    repo.git(&["commit", "-q", "-m", "user files"]);
    (repo, task)
}

#[test]
fn record_each_operation_then_tamper_and_verify() {
    let (repo, task) = repo_with_files();
    repo.write("new.txt", "hello\n");
    let r = repo.json(&["files", "record", "new.txt", "--task", &task]);
    assert_eq!(ops(&r), vec![("create".into(), "new.txt".into(), None)]);
    assert_eq!(
        r["recorded"][0]["sha256"],
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
    assert_eq!(r["recorded"][0]["size"], 6);
    // One commit with the manifest only; the user's files are left alone.
    assert_eq!(
        repo.head_paths(),
        vec![format!(".orchestrator/manifests/{task}.toml")]
    );
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(msg.contains("Orc-Op: files.record\n"), "{msg}");
    assert!(msg.contains(&format!("Orc-Task: {task}\n")), "{msg}");
    assert_eq!(repo.status_porcelain(), "?? new.txt\n");

    repo.write("base.txt", "base v2\n");
    std::fs::remove_file(repo.root.join("gone.txt")).unwrap();
    std::fs::rename(repo.root.join("old.txt"), repo.root.join("moved.txt")).unwrap();
    let out = repo.ok(&["files", "record", "base.txt", "gone.txt", "--task", &task]);
    assert_eq!(
        out,
        format!(
            "recorded 2 operations for {task} in .orchestrator/manifests/{task}.toml\n  modify  base.txt\n  delete  gone.txt\n"
        )
    );
    let r = repo.json(&[
        "files",
        "record",
        "moved.txt",
        "--from",
        "old.txt",
        "--task",
        &task,
    ]);
    assert_eq!(
        ops(&r),
        vec![("rename".into(), "moved.txt".into(), Some("old.txt".into()))]
    );
    // Recording the same content again adds nothing.
    let before = repo.commit_count();
    let out = repo.ok(&["files", "record", "new.txt", "--task", &task]);
    assert!(out.starts_with("already recorded"), "{out}");
    assert_eq!(repo.commit_count(), before);

    let manifest = repo.read(&format!(".orchestrator/manifests/{task}.toml"));
    assert!(
        manifest.starts_with(&format!(
            "format = 1\ntask = \"{task}\"\n\n[[operations]]\npath = \"new.txt\"\nop = \"create\"\n"
        )),
        "{manifest}"
    );
    assert!(
        manifest.contains("path = \"gone.txt\"\nop = \"delete\"\nat = "),
        "{manifest}"
    );

    let v = repo.json(&["files", "verify"]);
    assert_eq!(v["ok"], true);
    assert_eq!(
        states(&v),
        vec![
            ("base.txt".into(), "verified".into()),
            ("gone.txt".into(), "verified".into()),
            ("moved.txt".into(), "verified".into()),
            ("new.txt".into(), "verified".into()),
            ("old.txt".into(), "verified".into()),
        ]
    );

    // Tamper: edit, delete, recreate.
    repo.write("new.txt", "edited behind orc's back\n");
    std::fs::remove_file(repo.root.join("base.txt")).unwrap();
    repo.write("gone.txt", "back again\n");
    repo.write("old.txt", "also back\n");
    let out = repo.run(&["files", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(
        states(&v),
        vec![
            ("base.txt".into(), "missing".into()),
            ("gone.txt".into(), "unexpectedly_present".into()),
            ("moved.txt".into(), "verified".into()),
            ("new.txt".into(), "modified".into()),
            ("old.txt".into(), "unexpectedly_present".into()),
        ]
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"checked": 5, "verified": 1, "modified": 1, "missing": 1, "unexpectedly_present": 2})
    );
    let new = &v["results"][3];
    assert_eq!(new["expected"]["size"], 6);
    assert_eq!(new["actual"]["size"], 25);
    let out = repo.run(&["files", "verify", "--failed"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text.replace(&task, "TASK");
    assert_eq!(
        text,
        "missing               base.txt  (modify by TASK at 2026-01-15T10:00:00Z)\n\
         unexpectedly present  gone.txt  (delete by TASK at 2026-01-15T10:00:00Z)\n\
         modified since        new.txt  (create by TASK at 2026-01-15T10:00:00Z)\n\
         unexpectedly present  old.txt  (renamed to moved.txt by TASK)\n\
         5 checked: 1 verified, 1 modified since, 1 missing, 2 unexpectedly present\n"
    );
}

#[test]
fn operations_are_checked_against_the_disk_and_paths_are_confined() {
    let (repo, task) = repo_with_files();
    let before = repo.commit_count();
    let cases: &[(&[&str], &str)] = &[
        (
            &["files", "record", "../outside.txt"],
            "is outside the repository",
        ),
        (
            &["files", "record", "/etc/passwd"],
            "is outside the repository",
        ),
        (&["files", "record", ".git/config"], "inside .git/"),
        (
            &["files", "record", ".orchestrator/config.toml"],
            "orc's own state",
        ),
        (
            &["files", "record", "link/secret"],
            "is outside the repository",
        ),
        (
            &["files", "record", "nothing-here.txt"],
            "does not exist, and no commit or record knows it",
        ),
        (
            &["files", "record", "base.txt", "--op", "delete"],
            "still exists",
        ),
        (
            &["files", "record", "nope.txt", "--op", "create"],
            "does not exist",
        ),
        (
            &["files", "record", "base.txt", "--from", "gone.txt"],
            "gone.txt still exists",
        ),
        (
            &["files", "record", "a", "b", "--op", "rename"],
            "a rename needs one new path and --from OLD",
        ),
        (
            &[
                "files", "record", "base.txt", "--op", "modify", "--from", "x",
            ],
            "--from only goes with --op rename",
        ),
    ];
    let outside = repo.sibling("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), "s").unwrap();
    std::os::unix::fs::symlink(&outside, repo.root.join("link")).unwrap();
    for (args, expected) in cases {
        let mut args = args.to_vec();
        args.extend(["--task", &task]);
        let err = repo.fails(&args);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert_eq!(
        repo.commit_count(),
        before,
        "a refused record committed something"
    );
    assert!(!repo.root.join(".orchestrator/manifests").exists());

    // Without --task: refused when nothing is in progress, else the task in progress.
    let err = repo.fails(&["files", "record", "base.txt"]);
    assert!(err.contains("no task is in progress"), "{err}");
    repo.ok(&["task", "status", &task, "in_progress"]);
    repo.write("base.txt", "v2\n");
    let r = repo.json(&["files", "record", "base.txt"]);
    assert_eq!(r["task"], task.as_str());
    // Paths are relative to the current directory.
    std::fs::create_dir_all(repo.root.join("sub")).unwrap();
    repo.write("sub/inner.txt", "i\n");
    let out = repo
        .orc_in(
            &repo.root.join("sub"),
            &["files", "record", "inner.txt", "--json"],
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["recorded"][0]["path"], "sub/inner.txt");
}

#[test]
fn directories_are_walked_honouring_gitignore() {
    let (repo, task) = repo_with_files();
    repo.write(".gitignore", "*.log\nbuild/\n");
    repo.write("src/a.rs", "a\n");
    repo.write("src/deep/b.rs", "b\n");
    repo.write("src/debug.log", "noise\n");
    repo.write("src/build/out.o", "bin\n");
    repo.write("src/tracked.log", "kept\n");
    repo.git(&["add", "-f", "src/tracked.log"]);
    let r = repo.json(&["files", "record", "src", "--task", &task]);
    let paths: Vec<String> = ops(&r).into_iter().map(|(_, p, _)| p).collect();
    assert_eq!(paths, vec!["src/a.rs", "src/deep/b.rs", "src/tracked.log"]);
}

#[test]
fn record_changed_takes_everything_that_differs_from_head() {
    let repo = Repo::init();
    let task = add(&repo, &["Step"]);
    repo.write(".gitignore", "*.tmp\n");
    for f in ["a.txt", "b.txt", "c.txt", "keep.txt"] {
        repo.write(f, &format!("{f} content\n"));
    }
    repo.git(&["add", "."]);
    repo.git(&["commit", "-q", "-m", "base"]);
    repo.write("a.txt", "a changed\n");
    std::fs::remove_file(repo.root.join("b.txt")).unwrap();
    repo.git(&["mv", "c.txt", "c2.txt"]);
    repo.write("e.txt", "new and untracked\n");
    repo.write("scratch.tmp", "ignored\n");
    repo.write("g.txt", "new and staged\n");
    repo.git(&["add", "g.txt"]);
    let status_before = repo.status_porcelain();

    let r = repo.json(&["files", "record", "--changed", "--task", &task]);
    assert_eq!(
        ops(&r),
        vec![
            ("modify".into(), "a.txt".into(), None),
            ("delete".into(), "b.txt".into(), None),
            ("rename".into(), "c2.txt".into(), Some("c.txt".into())),
            ("create".into(), "e.txt".into(), None),
            ("create".into(), "g.txt".into(), None),
        ]
    );
    // orc committed its manifest only; the user's staged and unstaged work is as it was.
    assert_eq!(
        repo.head_paths(),
        vec![format!(".orchestrator/manifests/{task}.toml")]
    );
    assert_eq!(repo.status_porcelain(), status_before);
    let v = repo.json(&["files", "verify", "--task", &task]);
    assert_eq!(v["ok"], true, "{v}");

    let out = repo.ok(&["files", "record", "--changed", "--task", &task]);
    assert!(out.starts_with("already recorded"), "{out}");
    // A recorded file that was never committed and is gone now is a deletion too.
    std::fs::remove_file(repo.root.join("e.txt")).unwrap();
    let r = repo.json(&["files", "record", "--changed", "--task", &task]);
    assert_eq!(ops(&r), vec![("delete".into(), "e.txt".into(), None)]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "step done"]);
    assert_eq!(
        repo.ok(&["files", "record", "--changed", "--task", &task]),
        "nothing differs from HEAD; nothing recorded\n"
    );
}

#[test]
fn files_log_and_check() {
    let (repo, task) = repo_with_files();
    let other = add(&repo, &["Other"]);
    repo.write("base.txt", "v2\n");
    repo.ok(&["files", "record", "base.txt", "--task", &task]);
    // A user commit linked to a task by its trailer.
    repo.write("base.txt", "v3\n");
    let out = repo
        .git_cmd(
            &repo.root,
            &[
                "commit",
                "-q",
                "-am",
                &format!("tweak base\n\nOrc-Task: {other}"),
            ],
        )
        .env("GIT_COMMITTER_DATE", "2026-01-16T10:00:00+00:00")
        .output()
        .unwrap();
    assert!(out.status.success());
    let log = repo.json(&["files", "log", "base.txt"]);
    assert_eq!(log["tasks"], serde_json::json!([other, task]));
    let sources: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, vec!["commit", "manifest"]);
    let only = repo.json(&["files", "log", "--task", &task]);
    assert_eq!(only["entries"].as_array().unwrap().len(), 1);
    assert_eq!(
        repo.ok(&["files", "log", "nothing.txt"]),
        "no recorded operations\n"
    );

    // A manifest that names a missing task is reported by `orc check`.
    repo.ok(&["task", "rm", &task]);
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(".orchestrator/manifests/{task}.toml: unknown-task: names task {task}, which does not exist")),
        "{text}"
    );
    // Its records are still checked, by full id: the user commit changed the file since.
    let out = repo.run(&["files", "verify", "--task", &task, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(states(&v), vec![("base.txt".into(), "modified".into())]);
}

#[test]
fn operations_recorded_during_a_session_carry_it() {
    let (repo, task) = repo_with_files();
    let session = repo.json(&["session", "start"])["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    repo.write("made.txt", "made in the session\n");
    repo.ok(&["files", "record", "made.txt", "--task", &task]);
    let manifest = repo.read(&format!(".orchestrator/manifests/{task}.toml"));
    assert!(
        manifest.contains(&format!("session = \"{session}\"")),
        "{manifest}"
    );
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(msg.contains(&format!("Orc-Session: {session}")), "{msg}");
}

/// `orc` at a later time than the harness's fixed one.
fn orc_at(repo: &Repo, now: &str, args: &[&str]) -> std::process::Output {
    repo.orc_at(&repo.root, now, None, args)
}

#[test]
fn artifacts_of_completed_tasks_are_verified_against_the_disk() {
    let repo = Repo::init();
    let task = add(&repo, &["Write the guide"]);
    let other = add(&repo, &["Unrelated"]);
    repo.write("other.txt", "other\n");
    repo.ok(&["files", "record", "other.txt", "--task", &other]);
    repo.ok(&["start", &task]);
    for f in ["edited.md", "deleted.md", "kept.md"] {
        repo.write(f, &format!("{f} v1\n"));
    }
    repo.ok(&[
        "done",
        &task,
        "--summary",
        "Guide written",
        "--artifact",
        "edited.md",
        "--artifact",
        "deleted.md",
        "--artifact",
        "kept.md",
    ]);
    let r = repo.json(&["files", "verify"]);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["summary"]["checked"], 4, "{r}");

    // Changed behind the task's back after it was completed.
    repo.write("edited.md", "edited.md v2\n");
    std::fs::remove_file(repo.root.join("deleted.md")).unwrap();
    let out = repo.run(&["files", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        states(&r),
        [
            ("deleted.md".into(), "missing".into()),
            ("edited.md".into(), "modified".into()),
            ("kept.md".into(), "verified".into()),
            ("other.txt".into(), "verified".into()),
        ]
    );
    let edited = &r["results"][1];
    assert_eq!(edited["source"], "artifact");
    assert_eq!(edited["task"], task.as_str());
    assert!(edited.get("op").is_none(), "{edited}");
    assert_eq!(edited["expected"]["size"], 13);
    assert_eq!(r["results"][3]["source"], "manifest");
    assert_eq!(
        r["summary"],
        serde_json::json!({ "checked": 4, "verified": 2, "modified": 1, "missing": 1, "unexpectedly_present": 0 })
    );
    let out = repo.run(&["files", "verify", "--failed"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        format!(
            "missing               deleted.md  (artifact of {task} at 2026-01-15T10:00:00Z)\n\
             modified since        edited.md  (artifact of {task} at 2026-01-15T10:00:00Z)\n\
             4 checked: 2 verified, 1 modified since, 1 missing, 0 unexpectedly present\n"
        )
    );
    // --task: only that task's files, artifacts included.
    let out = repo.run(&["files", "verify", "--task", &task, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["checked"], 3, "{r}");
    let r = repo.json(&["files", "verify", "--task", &other]);
    assert_eq!(states(&r), [("other.txt".into(), "verified".into())]);

    // The briefing lists both, although the task is closed.
    let briefing = repo.ok(&["recover"]);
    let section = briefing
        .split("## Recorded files that no longer match the disk\n\n")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap();
    assert_eq!(
        section,
        format!(
            "- missing `deleted.md` (artifact of `{task}` at 2026-01-15T10:00:00Z)\n\
             - modified since `edited.md` (artifact of `{task}` at 2026-01-15T10:00:00Z)"
        )
    );

    // The files log names the artifacts in the history of a path.
    let log = repo.json(&["files", "log", "edited.md"]);
    assert_eq!(log["entries"][0]["source"], "artifact", "{log}");
    assert_eq!(log["tasks"], serde_json::json!([task]));
    let text = repo.ok(&["files", "log", "--task", &task]);
    assert_eq!(text.matches(" artifact ").count(), 3, "{text}");

    // The artifact counts as a record: content it describes is already recorded.
    let out = repo.ok(&["files", "record", "kept.md", "--task", &task]);
    assert!(out.starts_with("already recorded"), "{out}");

    // Acknowledged by recording the change: the record is the later statement.
    let later = "2026-01-15T11:00:00Z";
    for f in ["edited.md", "deleted.md"] {
        let out = orc_at(&repo, later, &["files", "record", f, "--task", &task]);
        assert!(out.status.success(), "{out:?}");
    }
    let r = repo.json(&["files", "verify"]);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        states(&r),
        [
            ("deleted.md".into(), "verified".into()),
            ("edited.md".into(), "verified".into()),
            ("kept.md".into(), "verified".into()),
            ("other.txt".into(), "verified".into()),
        ]
    );
    assert_eq!(r["results"][1]["source"], "manifest");
    assert_eq!(r["results"][2]["source"], "artifact");
    assert!(!repo.ok(&["recover"]).contains("kept.md"));
}

#[test]
fn reopening_or_completing_again_acknowledges_changed_artifacts() {
    let repo = Repo::init();
    let task = add(&repo, &["Draw"]);
    repo.ok(&["start", &task]);
    repo.write("a.svg", "<svg/>\n");
    repo.ok(&["done", &task, "--summary", "Drawn", "--artifact", "a.svg"]);
    repo.write("a.svg", "<svg>2</svg>\n");
    assert_eq!(repo.run(&["files", "verify"]).status.code(), Some(1));

    // Reopened: its work is open again, and its artifacts are no longer expected.
    repo.ok(&["reopen", &task]);
    let r = repo.json(&["files", "verify"]);
    assert_eq!(r["summary"]["checked"], 0, "{r}");
    // Completed again: the new content is what it produced.
    repo.ok(&["start", &task]);
    repo.ok(&["done", &task, "--summary", "Redrawn", "--artifact", "a.svg"]);
    let r = repo.json(&["files", "verify"]);
    assert_eq!(states(&r), [("a.svg".into(), "verified".into())]);
    assert_eq!(r["results"][0]["expected"]["size"], 13);
    // An artifact of an archived task is still checked.
    let out = orc_at(&repo, "2026-03-01T00:00:00Z", &["maintenance", "archive"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        repo.git(&["ls-files", ".orchestrator/archive"])
            .contains(&task),
        "not archived"
    );
    std::fs::remove_file(repo.root.join("a.svg")).unwrap();
    let out = repo.run(&["files", "verify", "--task", &task, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(states(&r), [("a.svg".into(), "missing".into())]);
}
