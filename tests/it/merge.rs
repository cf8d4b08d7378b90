//! The merge driver end to end: branches merged and rebased with the real git CLI.

use crate::harness::{Repo, Shape, add, success, task_file};

/// Runs orc at another time (ORC_NOW), so notes and updates get distinct times.
fn orc_at(repo: &Repo, now: &str, args: &[&str]) -> String {
    repo.ok_at(&repo.root, now, None, args)
}

fn task_json(repo: &Repo, id: &str) -> serde_json::Value {
    repo.json(&["task", "show", id])
}

fn no_markers(repo: &Repo) {
    let out = repo
        .git_cmd(
            &repo.root,
            &["grep", "-n", "-e", "^<<<<<<<", "-e", "^>>>>>>>", "--", "."],
        )
        .output()
        .unwrap();
    assert!(
        out.stdout.is_empty(),
        "conflict markers: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A repository with a parent task, two subtasks and a shared task, and two branches
/// `a` and `b` starting from there.
fn two_branches(shape: Shape) -> (Repo, [String; 4]) {
    let repo = Repo::init_shaped(shape);
    let parent = add(&repo, &["Feature"]);
    let s1 = add(
        &repo,
        &["Part one", "--parent", &parent, "--role", "implementer"],
    );
    let s2 = add(
        &repo,
        &["Part two", "--parent", &parent, "--role", "tester"],
    );
    let shared = add(&repo, &["Shared"]);
    repo.ok(&["task", "note", &shared, "base note"]);
    repo.git(&["branch", "a"]);
    repo.git(&["branch", "b"]);
    (repo, [parent, s1, s2, shared])
}

fn branches_that_touch_the_same_tasks_merge_without_conflicts(shape: Shape) {
    let (repo, [parent, s1, s2, shared]) = two_branches(shape);
    repo.git(&["checkout", "-q", "a"]);
    orc_at(
        &repo,
        "2026-01-16T09:00:00Z",
        &["task", "status", &s1, "in_progress"],
    );
    orc_at(
        &repo,
        "2026-01-16T10:00:00Z",
        &["task", "status", &s1, "completed"],
    );
    orc_at(
        &repo,
        "2026-01-16T11:00:00Z",
        &["task", "note", &shared, "from a"],
    );
    orc_at(
        &repo,
        "2026-01-16T11:30:00Z",
        &["task", "edit", &shared, "--priority", "high"],
    );
    let only_a = add(&repo, &["Only on a"]);

    repo.git(&["checkout", "-q", "b"]);
    orc_at(
        &repo,
        "2026-01-16T09:30:00Z",
        &["task", "status", &s2, "in_progress"],
    );
    orc_at(
        &repo,
        "2026-01-16T10:30:00Z",
        &["task", "status", &s2, "completed"],
    );
    orc_at(
        &repo,
        "2026-01-16T10:45:00Z",
        &["task", "note", &shared, "from b"],
    );
    orc_at(
        &repo,
        "2026-01-16T11:45:00Z",
        &["task", "edit", &shared, "--stream", "docs"],
    );
    let only_b = add(&repo, &["Only on b"]);

    success(&mut repo.git_cmd(&repo.root, &["merge", "--no-edit", "a"]));
    no_markers(&repo);
    assert_eq!(repo.status_porcelain(), "");
    assert!(repo.ok(&["check"]).starts_with("ok:"));

    assert_eq!(task_json(&repo, &s1)["task"]["status"], "completed");
    assert_eq!(task_json(&repo, &s2)["task"]["status"], "completed");
    let t = task_json(&repo, &shared);
    let notes: Vec<&str> = t["task"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        ["base note", "from b", "from a"],
        "union in time order"
    );
    assert_eq!(t["task"]["priority"], "high");
    assert_eq!(t["task"]["stream"], "docs");
    assert_eq!(t["task"]["updated"], "2026-01-16T11:45:00Z");
    for id in [&parent, &only_a, &only_b] {
        task_json(&repo, id);
    }
    // The merged file is exactly what orc writes: re-saving it changes nothing.
    let path = task_file(&shared);
    let merged = repo.read(&path);
    orc_at(
        &repo,
        "2026-01-17T00:00:00Z",
        &["task", "edit", &shared, "--stream", "docs2"],
    );
    orc_at(
        &repo,
        "2026-01-17T00:00:00Z",
        &["task", "edit", &shared, "--stream", "docs"],
    );
    let resaved = repo.read(&path);
    assert_eq!(
        merged.replace("2026-01-16T11:45:00Z", "2026-01-17T00:00:00Z"),
        resaved
    );
    repo.assert_fsck();
}

fn rebase_uses_the_driver_too(shape: Shape) {
    let (repo, [_, _, _, shared]) = two_branches(shape);
    repo.git(&["checkout", "-q", "a"]);
    orc_at(
        &repo,
        "2026-01-16T11:00:00Z",
        &["task", "note", &shared, "from a"],
    );
    repo.git(&["checkout", "-q", "b"]);
    orc_at(
        &repo,
        "2026-01-16T12:00:00Z",
        &["task", "note", &shared, "from b"],
    );
    let out = repo.git_cmd(&repo.root, &["rebase", "a"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let notes = task_json(&repo, &shared)["task"]["notes"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(notes, 3);
    no_markers(&repo);
    assert_eq!(
        repo.git(&["rev-list", "--min-parents=2", "--count", "HEAD"])
            .trim(),
        "0"
    );
}

fn a_true_conflict_is_recorded_in_the_file_and_reported(shape: Shape) {
    let (repo, [_, _, _, shared]) = two_branches(shape);
    repo.git(&["checkout", "-q", "a"]);
    orc_at(
        &repo,
        "2026-01-16T11:00:00Z",
        &["task", "edit", &shared, "--title", "Title A"],
    );
    repo.git(&["checkout", "-q", "b"]);
    orc_at(
        &repo,
        "2026-01-16T12:00:00Z",
        &["task", "edit", &shared, "--title", "Title B"],
    );
    let out = repo
        .git_cmd(&repo.root, &["merge", "--no-edit", "a"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a real conflict stops the merge");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("merge conflict on `title`: kept \"Title B\" (ours); the other side had \"Title A\" (theirs)"),
        "{err}"
    );
    let path = task_file(&shared);
    assert_eq!(
        repo.git(&["diff", "--name-only", "--diff-filter=U"]).trim(),
        path
    );
    no_markers(&repo);
    // The file stays valid: orc keeps working and shows both values.
    let t = task_json(&repo, &shared);
    assert_eq!(t["task"]["title"], "Title B");
    let last = t["task"]["notes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["author"], "orc merge");
    assert!(last["text"].as_str().unwrap().contains("Title A"));
    repo.git(&["add", &path]);
    repo.git(&["commit", "-q", "--no-edit"]);
    assert!(repo.ok(&["check"]).starts_with("ok:"));
}

#[test]
fn unparsable_sides_fall_back_to_a_line_merge() {
    let (repo, [_, _, _, shared]) = two_branches(Shape::Sha1Files);
    let path = task_file(&shared);
    repo.git(&["checkout", "-q", "a"]);
    let text = repo.read(&path);
    repo.write(
        &path,
        &text.replace("title = \"Shared\"", "title = \"Broken"),
    );
    repo.git(&["commit", "-qam", "break"]);
    repo.git(&["checkout", "-q", "b"]);
    orc_at(
        &repo,
        "2026-01-16T12:00:00Z",
        &["task", "edit", &shared, "--title", "Fine"],
    );
    let out = repo
        .git_cmd(&repo.root, &["merge", "--no-edit", "a"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("their version does not parse: line"), "{err}");
    assert!(err.contains("used git's line merge"), "{err}");
    let merged = repo.read(&path);
    assert!(merged.contains("<<<<<<< "), "{merged}");
}

#[test]
fn the_driver_can_be_run_by_hand() {
    let repo = Repo::init();
    let id = add(&repo, &["Shared"]);
    let path = task_file(&id);
    let base = repo.read(&path);
    let ours = base.replace("priority = \"medium\"", "priority = \"high\"");
    let theirs = base.replace("status = \"pending\"", "status = \"cancelled\"");
    let dir = repo.sibling("driver");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [("O", &base), ("A", &ours), ("B", &theirs)] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let p = |n: &str| dir.join(n).to_str().unwrap().to_owned();
    let out = repo
        .orc_in(&dir, &["merge-driver", &p("O"), &p("A"), &p("B"), &path])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged = std::fs::read_to_string(dir.join("A")).unwrap();
    assert_eq!(
        merged,
        base.replace("priority = \"medium\"", "priority = \"high\"")
            .replace("status = \"pending\"", "status = \"cancelled\"")
    );
}

crate::for_each_shape!(
    branches_that_touch_the_same_tasks_merge_without_conflicts,
    rebase_uses_the_driver_too,
    a_true_conflict_is_recorded_in_the_file_and_reported,
);

#[test]
fn labels_merge_as_sets_honouring_removals() {
    let repo = Repo::init();
    let both = add(&repo, &["Both", "--label", "a,b"]);
    let emptied = add(&repo, &["Emptied", "--label", "x"]);
    repo.git(&["branch", "one"]);
    repo.git(&["branch", "two"]);
    repo.git(&["checkout", "-q", "one"]);
    orc_at(
        &repo,
        "2026-01-16T09:00:00Z",
        &["task", "edit", &both, "--unlabel", "a", "--label", "c"],
    );
    // The last label goes: the key leaves the file.
    orc_at(
        &repo,
        "2026-01-16T09:00:00Z",
        &["task", "edit", &emptied, "--unlabel", "x"],
    );
    assert!(!repo.read(&task_file(&emptied)).contains("labels"));
    repo.git(&["checkout", "-q", "two"]);
    orc_at(
        &repo,
        "2026-01-16T10:00:00Z",
        &[
            "task",
            "edit",
            &both,
            "--unlabel",
            "b",
            "--label",
            "d,0-first",
        ],
    );
    orc_at(
        &repo,
        "2026-01-16T10:00:00Z",
        &["task", "edit", &emptied, "--label", "y"],
    );
    success(&mut repo.git_cmd(&repo.root, &["merge", "--no-edit", "one"]));
    no_markers(&repo);
    assert_eq!(repo.status_porcelain(), "");
    let labels = |id: &str| task_json(&repo, id)["task"]["labels"].clone();
    assert_eq!(labels(&both), serde_json::json!(["0-first", "c", "d"]));
    assert_eq!(labels(&emptied), serde_json::json!(["y"]));
    for id in [&both, &emptied] {
        let notes = &task_json(&repo, id)["task"]["notes"];
        assert_eq!(notes, &serde_json::json!([]), "no conflict recorded");
    }
    let listed = repo.ok(&["task", "list", "--label", "c", "--label", "d"]);
    assert!(
        listed.contains(&both) && !listed.contains(&emptied),
        "{listed}"
    );
    repo.assert_fsck();
}
