//! `orc maintenance`: stale detection with an injected clock, cleanup, orphans and broken
//! references, archiving completed trees and reading them back.

use serde_json::Value;

use crate::harness::{Repo, add, task_file};

/// Runs orc at another time (`ORC_NOW`), returning exit code and stdout.
fn at(repo: &Repo, now: &str, args: &[&str]) -> (i32, String) {
    let out = repo.orc_cmd(args).env("ORC_NOW", now).output().unwrap();
    assert!(
        out.status.code().unwrap() <= 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn at_json(repo: &Repo, now: &str, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&at(repo, now, &args).1).unwrap()
}

#[test]
fn stale_tasks_are_found_with_the_injected_clock_and_cleaned_up() {
    let repo = Repo::init();
    let a = add(&repo, &["Long running", "--role", "implementer"]);
    let b = add(&repo, &["Also long", "--role", "tester"]);
    let fresh = add(&repo, &["Fresh"]);
    repo.ok(&["start", &a, "--agent", "alice"]);
    repo.ok(&["start", &b]);
    at(&repo, "2026-01-16T09:00:00Z", &["start", &fresh]);

    // Default limit is 24 hours: 23 hours later nothing is stale.
    let (code, text) = at(&repo, "2026-01-16T09:00:00Z", &["maintenance", "scan"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("stale: none"), "{text}");
    assert!(text.contains("ok: nothing needs attention"), "{text}");

    // 25 hours after the start: a and b are stale, fresh is not.
    let now = "2026-01-16T11:00:00Z";
    let v = at_json(&repo, now, &["maintenance", "scan"]);
    assert_eq!(v["clean"], false);
    let stale = v["scan"]["stale"].as_array().unwrap();
    assert_eq!(stale.len(), 2, "{v}");
    assert_eq!(stale[0]["hours"], 25);
    assert_eq!(stale[0]["since"], crate::harness::NOW);
    let (code, text) = at(&repo, now, &["maintenance", "scan"]);
    assert_eq!(code, 1);
    assert!(
        text.contains(&a) && text.contains("25h since 2026-01-15T10:00:00Z"),
        "{text}"
    );
    assert!(text.contains("[alice]"), "{text}");

    // A shorter limit in config.
    repo.write(
        ".orchestrator/config.toml",
        "format = 1\nstale_after_hours = 1\n",
    );
    let v = at_json(&repo, now, &["maintenance", "scan"]);
    assert_eq!(v["scan"]["stale"].as_array().unwrap().len(), 3);
    repo.write(".orchestrator/config.toml", "format = 1\n");

    // Dry run: reports, changes nothing.
    let count = repo.commit_count();
    let (_, text) = at(
        &repo,
        now,
        &["maintenance", "cleanup", "--stale", "reset", "--dry-run"],
    );
    assert!(
        text.contains(&format!("would reset to pending: {a}")),
        "{text}"
    );
    assert_eq!(repo.commit_count(), count);

    // Reset: one commit for all stale tasks, back to pending and unassigned.
    let (_, text) = at(&repo, now, &["maintenance", "cleanup", "--stale", "reset"]);
    assert!(
        text.contains(&format!(
            "reset to pending: {a} \"Long running\" (in progress for 25h)"
        )),
        "{text}"
    );
    assert_eq!(repo.commit_count(), count + 1);
    assert_eq!(repo.head_paths().len(), 2);
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(msg.starts_with("orc: reset 2 stale tasks"), "{msg}");
    assert!(
        msg.contains("Orc-Op: maintenance.cleanup") && msg.contains(&format!("Orc-Task: {a}")),
        "{msg}"
    );
    let t = repo.json(&["task", "show", &a])["task"].clone();
    assert_eq!(t["status"], "pending");
    assert!(t["assignee"].is_null());
    assert!(
        t["notes"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("reset to pending; stale: in progress since")
    );

    // Block instead: the note says why and status lists it.
    let later = "2026-01-20T00:00:00Z";
    let (_, text) = at(
        &repo,
        later,
        &["maintenance", "cleanup", "--stale", "block"],
    );
    assert!(text.contains(&format!("blocked: {fresh}")), "{text}");
    let st = repo.json(&["status"]);
    assert_eq!(st["blocked"][0]["id"], fresh.as_str());
    let (_, text) = at(
        &repo,
        later,
        &["maintenance", "cleanup", "--stale", "block"],
    );
    assert!(text.contains("no stale tasks; nothing changed"), "{text}");
}

#[test]
fn scan_finds_orphans_and_broken_references() {
    let repo = Repo::init();
    let closed = add(&repo, &["Closed parent"]);
    let child = add(&repo, &["Child", "--parent", &closed]);
    let gone = add(&repo, &["Gone parent"]);
    let lost = add(&repo, &["Lost child", "--parent", &gone]);
    let dep = add(&repo, &["Dep"]);
    let user = add(&repo, &["User", "--depends-on", &dep]);
    // Hand edits orc would not make: a parent completed under open work, files deleted.
    let path = task_file(&closed);
    repo.write(
        &path,
        &repo
            .read(&path)
            .replace("status = \"pending\"", "status = \"completed\""),
    );
    std::fs::remove_file(repo.root.join(task_file(&gone))).unwrap();
    std::fs::remove_file(repo.root.join(task_file(&dep))).unwrap();

    let v = at_json(&repo, crate::harness::NOW, &["maintenance", "scan"]);
    let scan = &v["scan"];
    let orphans: Vec<(&str, &str)> = scan["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["reason"].as_str().unwrap()))
        .collect();
    assert!(
        orphans.contains(&(
            child.as_str(),
            &*format!("parent {closed} is completed but this subtask is pending")
        )),
        "{orphans:?}"
    );
    assert!(
        orphans.contains(&(lost.as_str(), &*format!("parent {gone} does not exist"))),
        "{orphans:?}"
    );
    assert_eq!(scan["broken_references"][0]["task"], user.as_str());
    assert_eq!(scan["broken_references"][0]["missing"], dep.as_str());
    assert!(scan["problems"].as_array().unwrap().len() >= 2);
    let (code, text) = at(&repo, crate::harness::NOW, &["maintenance", "scan"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("orphaned subtasks:") && text.contains("broken references:"),
        "{text}"
    );
    assert!(
        text.contains(&user) && text.contains(&format!("depends on {dep}, which does not exist")),
        "{text}"
    );

    // validate is check.
    let out = repo.run(&["maintenance", "validate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("unknown-dependency"));
}

/// Plans a parent with two subtasks and completes everything at `ORC_NOW`.
fn finished_tree(repo: &Repo, title: &str) -> (String, Vec<String>) {
    let v = repo.json(&[
        "plan",
        title,
        "--subtask",
        "implementer:Build",
        "--subtask",
        "tester:Test",
    ]);
    let parent = v["parent"]["id"].as_str().unwrap().to_owned();
    let subs: Vec<String> = v["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    for s in &subs {
        repo.ok(&["start", s]);
        repo.ok(&["done", s, "--summary", "done"]);
    }
    repo.ok(&["synthesize", &parent]);
    (parent, subs)
}

#[test]
fn archive_moves_old_completed_trees_and_show_still_reads_them() {
    let repo = Repo::init();
    let (old, old_subs) = finished_tree(&repo, "Old feature");
    let (kept, _) = finished_tree(&repo, "Still needed");
    let needs = add(&repo, &["Follow-up", "--depends-on", &kept]);
    let open = repo.json(&["plan", "Open work", "--subtask", "tester:T"]);
    let open = open["parent"]["id"].as_str().unwrap().to_owned();
    // A decision and a manifest of the old tree stay valid after it is archived.
    repo.ok(&["decision", "new", "Build it simply", "--task", &old_subs[0]]);
    repo.write("built.txt", "built\n");
    repo.ok(&["files", "record", "built.txt", "--task", &old_subs[0]]);
    repo.git(&["add", "built.txt"]);
    repo.git(&["commit", "-qm", "Build"]);

    // Too recent for the default 30 days.
    let ten_days = "2026-01-25T10:00:00Z";
    let count = repo.commit_count();
    let (_, text) = at(&repo, ten_days, &["maintenance", "archive"]);
    assert!(
        text.contains("nothing to archive (no completed task tree finished more than 30 days ago)"),
        "{text}"
    );
    assert_eq!(repo.commit_count(), count);

    // Dry run with a shorter age: reports, writes nothing.
    let (_, text) = at(
        &repo,
        ten_days,
        &["maintenance", "archive", "--older-than", "7", "--dry-run"],
    );
    assert!(
        text.contains(&format!(
            "would archive {old} \"Old feature\" (3 tasks, finished 2026-01-15T10:00:00Z)"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("kept {kept}: still depended on by {needs}")),
        "{text}"
    );
    assert_eq!(repo.commit_count(), count);
    assert_eq!(repo.status_porcelain(), "");

    // The scan shows it as archivable at 31 days.
    let v = at_json(&repo, "2026-02-16T10:00:00Z", &["maintenance", "scan"]);
    assert_eq!(v["scan"]["archivable"][0]["id"], old.as_str());

    // Archive: one commit that moves exactly the tree's files.
    let (_, text) = at(
        &repo,
        ten_days,
        &["maintenance", "archive", "--older-than", "7"],
    );
    assert!(text.contains(&format!("archived {old}")), "{text}");
    assert_eq!(repo.commit_count(), count + 1);
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        msg.starts_with("orc: archive 1 task tree (3 tasks)"),
        "{msg}"
    );
    assert!(
        msg.contains("Orc-Op: maintenance.archive") && msg.contains(&format!("Orc-Task: {old}")),
        "{msg}"
    );
    let changes = repo.git(&["show", "--format=", "--name-status", "-M", "HEAD"]);
    for id in std::iter::once(&old).chain(&old_subs) {
        assert!(
            changes.contains(&format!(
                "{}\t.orchestrator/archive/tasks/{id}.toml",
                task_file(id)
            )),
            "{changes}"
        );
    }
    assert_eq!(changes.lines().count(), 3, "{changes}");
    assert_eq!(repo.status_porcelain(), "");
    repo.assert_fsck();

    // Gone from the hot state, still readable.
    let st = repo.json(&["status"]);
    assert_eq!(st["total"], 6, "{st}");
    let list = repo.json(&["task", "list"]);
    assert!(!list.to_string().contains(&old));
    let v = repo.json(&["task", "show", &old]);
    assert_eq!(v["archived"], true);
    assert_eq!(v["task"]["status"], "completed");
    assert_eq!(v["children"].as_array().unwrap().len(), 2);
    let v = repo.json(&["task", "show", &old_subs[0][..14]]);
    assert_eq!(v["task"]["id"], old_subs[0].as_str());
    let text = repo.ok(&["task", "show", &old]);
    assert!(
        text.contains("Old feature") && text.contains("archived:  yes"),
        "{text}"
    );
    let check = repo.ok(&["check"]);
    assert!(check.starts_with("ok:"), "{check}");
    let (code, scan) = at(&repo, ten_days, &["maintenance", "scan"]);
    assert_eq!(code, 0, "{scan}");
    assert!(scan.contains("ok: nothing needs attention"), "{scan}");

    // The open work stays where it was, in the hot state.
    let v = repo.json(&["task", "show", &open]);
    assert_ne!(v["archived"], true, "{v}");
    assert_eq!(v["task"]["status"], "pending");
    assert!(repo.root.join(task_file(&open)).is_file());
    assert!(list.to_string().contains(&open), "{list}");
}
