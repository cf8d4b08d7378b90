//! Several machines and worktrees: a bare remote with two clones that plan and complete
//! work independently and sync with pull/push; orc in a linked worktree; a bare repo.

use std::path::{Path, PathBuf};

use crate::harness::{Repo, task_file};

/// An orc command in `dir` at time `now`; asserts success and returns trimmed stdout.
fn orc(repo: &Repo, dir: &Path, now: &str, args: &[&str]) -> String {
    let out = repo.orc_in(dir, args).env("ORC_NOW", now).output().unwrap();
    assert!(
        out.status.success(),
        "orc {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn json(repo: &Repo, dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&orc(repo, dir, "2026-02-01T00:00:00Z", &args)).unwrap()
}

fn notes(repo: &Repo, dir: &Path, id: &str) -> Vec<String> {
    json(repo, dir, &["task", "show", id])["task"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap().to_owned())
        .collect()
}

fn task_ids(repo: &Repo, dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = json(repo, dir, &["task", "list"])["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Everything a user would check after syncing: clean status, clean `orc check`,
/// clean fsck, no conflict markers anywhere.
fn assert_healthy(repo: &Repo, dir: &Path) {
    assert_eq!(
        repo.git_in(dir, &["status", "--porcelain"]),
        "",
        "{}",
        dir.display()
    );
    let check = orc(repo, dir, "2026-02-01T00:00:00Z", &["check"]);
    assert!(check.starts_with("ok:"), "{check}");
    let fsck = repo
        .git_cmd(dir, &["fsck", "--strict", "--no-dangling"])
        .output()
        .unwrap();
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    let grep = repo
        .git_cmd(
            dir,
            &["grep", "-n", "-e", "^<<<<<<<", "-e", "^=======$", "--", "."],
        )
        .output()
        .unwrap();
    assert!(
        grep.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&grep.stdout)
    );
}

fn git_ok(repo: &Repo, dir: &Path, args: &[&str]) {
    let out = repo.git_cmd(dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} in {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn two_clones_plan_and_complete_work_then_sync_without_conflicts() {
    // Machine A creates the project and pushes it to a bare remote.
    let repo = Repo::init();
    let a = repo.root.clone();
    let origin = repo.sibling("origin.git");
    git_ok(
        &repo,
        &a,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            origin.to_str().unwrap(),
        ],
    );
    orc(&repo, &a, "2026-01-15T10:00:00Z", &["hooks", "install"]);
    let parent = orc(
        &repo,
        &a,
        "2026-01-15T10:01:00Z",
        &["task", "add", "Feature"],
    );
    let sub1 = orc(
        &repo,
        &a,
        "2026-01-15T10:02:00Z",
        &[
            "task",
            "add",
            "Part one",
            "--parent",
            &parent,
            "--role",
            "implementer",
        ],
    );
    let sub2 = orc(
        &repo,
        &a,
        "2026-01-15T10:03:00Z",
        &[
            "task", "add", "Part two", "--parent", &parent, "--role", "tester",
        ],
    );
    git_ok(
        &repo,
        &a,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    git_ok(&repo, &a, &["push", "-q", "-u", "origin", "main"]);

    // Machine B clones it; git copies neither hooks nor config, so it registers orc.
    let b: PathBuf = repo.sibling("b");
    git_ok(
        &repo,
        &a,
        &["clone", "-q", origin.to_str().unwrap(), b.to_str().unwrap()],
    );
    let status = json(&repo, &b, &["hooks", "status"]);
    assert!(
        status["merge_driver"]
            .as_str()
            .is_some_and(|d| d.contains("merge-driver")),
        "the first orc command registers the driver: {status}"
    );
    assert_eq!(
        status["attributes"], true,
        ".gitattributes came with the clone"
    );
    orc(&repo, &b, "2026-01-15T10:04:00Z", &["hooks", "install"]);
    assert_eq!(repo.git_in(&b, &["status", "--porcelain"]), "");

    // Both work independently: different subtasks, notes on the same parent, new tasks.
    orc(
        &repo,
        &a,
        "2026-01-15T11:00:00Z",
        &["task", "status", &sub1, "in_progress"],
    );
    orc(
        &repo,
        &b,
        "2026-01-15T11:05:00Z",
        &["task", "status", &sub2, "in_progress"],
    );
    orc(
        &repo,
        &a,
        "2026-01-15T11:10:00Z",
        &["task", "note", &parent, "A: part one has a design"],
    );
    orc(
        &repo,
        &b,
        "2026-01-15T11:15:00Z",
        &["task", "note", &parent, "B: tests need fixtures"],
    );
    orc(
        &repo,
        &a,
        "2026-01-15T12:00:00Z",
        &["task", "status", &sub1, "completed"],
    );
    orc(
        &repo,
        &b,
        "2026-01-15T12:05:00Z",
        &["task", "status", &sub2, "completed"],
    );
    let only_a = orc(
        &repo,
        &a,
        "2026-01-15T12:10:00Z",
        &["task", "add", "Planned on A"],
    );
    let only_b = orc(
        &repo,
        &b,
        "2026-01-15T12:15:00Z",
        &["task", "add", "Planned on B"],
    );
    // A user commit on B, linked to nothing (no task in progress any more).
    std::fs::write(b.join("fixtures.txt"), "fixture\n").unwrap();
    git_ok(&repo, &b, &["add", "fixtures.txt"]);
    git_ok(&repo, &b, &["commit", "-q", "-m", "Add fixtures"]);

    // A pushes first; B pulls with rebase and pushes.
    git_ok(&repo, &a, &["push", "-q"]);
    git_ok(&repo, &b, &["pull", "-q", "--rebase"]);
    git_ok(&repo, &b, &["push", "-q"]);

    // Another round, merged this time: both note the parent again.
    orc(
        &repo,
        &a,
        "2026-01-15T13:00:00Z",
        &["task", "note", &parent, "A: second round"],
    );
    orc(
        &repo,
        &b,
        "2026-01-15T13:05:00Z",
        &["task", "note", &parent, "B: second round"],
    );
    orc(
        &repo,
        &b,
        "2026-01-15T13:06:00Z",
        &["task", "edit", &only_a, "--priority", "high"],
    );
    orc(
        &repo,
        &a,
        "2026-01-15T13:07:00Z",
        &["task", "edit", &only_a, "--stream", "core"],
    );
    git_ok(&repo, &b, &["push", "-q"]);
    git_ok(&repo, &a, &["pull", "-q", "--no-rebase", "--no-edit"]);
    git_ok(&repo, &a, &["push", "-q"]);
    git_ok(&repo, &b, &["pull", "-q", "--no-rebase", "--no-edit"]);

    // Both sides now have everything.
    assert_eq!(
        repo.git_in(&a, &["rev-parse", "HEAD"]),
        repo.git_in(&b, &["rev-parse", "HEAD"])
    );
    let mut expected = vec![
        parent.clone(),
        sub1.clone(),
        sub2.clone(),
        only_a.clone(),
        only_b.clone(),
    ];
    expected.sort();
    for dir in [&a, &b] {
        assert_eq!(task_ids(&repo, dir), expected);
        assert_eq!(
            notes(&repo, dir, &parent),
            [
                "A: part one has a design",
                "B: tests need fixtures",
                "A: second round",
                "B: second round"
            ]
        );
        for sub in [&sub1, &sub2] {
            assert_eq!(
                json(&repo, dir, &["task", "show", sub])["task"]["status"],
                "completed"
            );
        }
        let t = json(&repo, dir, &["task", "show", &only_a]);
        assert_eq!(t["task"]["priority"], "high");
        assert_eq!(t["task"]["stream"], "core");
        assert!(dir.join("fixtures.txt").exists());
        assert_healthy(&repo, dir);
    }
    let merges = repo.git_in(&a, &["rev-list", "--min-parents=2", "--count", "HEAD"]);
    assert_eq!(
        merges.trim(),
        "1",
        "the second round made a real merge commit"
    );
}

#[test]
fn orc_works_in_a_linked_worktree() {
    let repo = Repo::init();
    repo.ok(&["hooks", "install"]);
    let main_head = repo.git(&["rev-parse", "HEAD"]);
    let wt = repo.sibling("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        wt.to_str().unwrap(),
    ]);

    let id = orc(
        &repo,
        &wt,
        "2026-01-15T10:00:00Z",
        &["task", "add", "In the worktree"],
    );
    orc(
        &repo,
        &wt,
        "2026-01-15T10:01:00Z",
        &["task", "status", &id, "in_progress"],
    );
    // The commits land on the worktree's branch; main and its index are untouched.
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), main_head);
    assert_eq!(
        repo.git_in(&wt, &["rev-list", "--count", "main..feature"])
            .trim(),
        "2"
    );
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(repo.status_porcelain(), "");
    assert!(!repo.root.join(task_file(&id)).exists());

    // The lock lives in the common git dir; hooks installed from the main work tree
    // run in the worktree too.
    assert!(repo.root.join(".git/orc.lock").exists());
    std::fs::write(wt.join("x.txt"), "x\n").unwrap();
    git_ok(&repo, &wt, &["add", "x.txt"]);
    git_ok(&repo, &wt, &["commit", "-q", "-m", "Work"]);
    let msg = repo.git_in(&wt, &["log", "-1", "--format=%B"]);
    assert!(msg.contains(&format!("Orc-Task: {id}")), "{msg}");
    let status = json(&repo, &wt, &["hooks", "status"]);
    assert_eq!(status["hooks"][0]["owner"], "orc");

    // Merging the feature branch back uses the driver registered in the shared config.
    orc(
        &repo,
        &repo.root,
        "2026-01-15T11:00:00Z",
        &["task", "add", "On main"],
    );
    git_ok(&repo, &repo.root, &["merge", "-q", "--no-edit", "feature"]);
    assert_eq!(task_ids(&repo, &repo.root).len(), 2);
    assert_healthy(&repo, &repo.root);
}

#[test]
fn a_bare_repository_is_refused_clearly() {
    let repo = Repo::init();
    let bare = repo.sibling("bare.git");
    git_ok(
        &repo,
        &repo.root,
        &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
    );
    for args in [
        &["status"][..],
        &["hooks", "install"],
        &["task", "add", "x"],
    ] {
        let out = repo.orc_in(&bare, args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("is a bare repository; orc needs a working tree"),
            "{err}"
        );
        assert!(err.contains("git worktree add"), "{err}");
    }
}

#[test]
fn mid_rebase_orc_writes_but_does_not_commit() {
    let repo = Repo::init();
    let id = orc(
        &repo,
        &repo.root,
        "2026-01-15T10:00:00Z",
        &["task", "add", "Task"],
    );
    repo.write("f.txt", "base\n");
    git_ok(&repo, &repo.root, &["add", "f.txt"]);
    git_ok(&repo, &repo.root, &["commit", "-q", "-m", "base"]);
    git_ok(&repo, &repo.root, &["checkout", "-q", "-b", "side"]);
    repo.write("f.txt", "side\n");
    git_ok(&repo, &repo.root, &["commit", "-q", "-am", "side"]);
    git_ok(&repo, &repo.root, &["checkout", "-q", "main"]);
    repo.write("f.txt", "main\n");
    git_ok(&repo, &repo.root, &["commit", "-q", "-am", "main"]);
    git_ok(&repo, &repo.root, &["checkout", "-q", "side"]);
    let out = repo
        .git_cmd(&repo.root, &["rebase", "main"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the rebase stops on f.txt");

    let head = repo.git(&["rev-parse", "HEAD"]);
    let out = repo
        .orc_cmd(&["task", "note", &id, "while rebasing"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not committed: a git rebase"), "{err}");
    assert_eq!(
        repo.git(&["rev-parse", "HEAD"]),
        head,
        "no commit mid-rebase"
    );
    assert!(repo.read(&task_file(&id)).contains("while rebasing"));
}

#[test]
fn a_session_left_open_in_another_clone_is_closed_by_id_with_a_reason() {
    let repo = Repo::init();
    let a = repo.root.clone();
    let origin = repo.sibling("origin.git");
    let b = repo.sibling("b");
    git_ok(
        &repo,
        &a,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            origin.to_str().unwrap(),
        ],
    );
    git_ok(
        &repo,
        &a,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    git_ok(&repo, &a, &["push", "-q", "-u", "origin", "main"]);
    git_ok(
        &repo,
        &a,
        &["clone", "-q", origin.to_str().unwrap(), b.to_str().unwrap()],
    );
    // An agent in clone B opens a session, pushes, and dies.
    let started = json(
        &repo,
        &b,
        &["--agent", "bot", "session", "start", "-n", "refactor"],
    );
    let id = started["session"]["id"].as_str().unwrap().to_owned();
    git_ok(&repo, &b, &["push", "-q", "origin", "main"]);
    git_ok(&repo, &a, &["pull", "-q", "--no-rebase", "origin", "main"]);

    // Clone A has no active session, but can close B's by a prefix of its id.
    let prefix = &id["session_".len()..id.len() - 2];
    let out = orc(
        &repo,
        &a,
        "2026-02-01T00:00:00Z",
        &[
            "--agent",
            "alice",
            "session",
            "end",
            prefix,
            "--reason",
            "the agent's machine is gone",
        ],
    );
    assert_eq!(out, format!("ended session {id}"));
    let file =
        std::fs::read_to_string(a.join(format!(".orchestrator/sessions/{id}.toml"))).unwrap();
    assert!(file.contains("ended = \"2026-02-01T00:00:00Z\""), "{file}");
    assert!(file.contains("ended_by = \"alice\""), "{file}");
    assert!(
        file.contains("end_reason = \"the agent's machine is gone\""),
        "{file}"
    );
    assert_eq!(
        repo.git_in(
            &a,
            &["log", "-1", "--format=%(trailers:key=Orc-Op,valueonly)"]
        )
        .trim(),
        "session.end"
    );
    let shown = orc(
        &repo,
        &a,
        "2026-02-01T00:00:00Z",
        &["session", "show", prefix],
    );
    assert!(
        shown.contains("Ended: 2026-02-01T00:00:00Z by alice (the agent's machine is gone)"),
        "{shown}"
    );
    // Closing it again, or an unknown session, is refused.
    let again = repo.orc_in(&a, &["session", "end", &id]).output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already closed"));
    let unknown = repo
        .orc_in(&a, &["session", "show", "ffffffff"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no session matches"));
    assert_healthy(&repo, &a);
}
