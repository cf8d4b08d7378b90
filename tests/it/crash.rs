//! Crash safety: orc killed with SIGKILL at every stage of a commit leaves a repository
//! that the next orc command brings back to a clean, consistent state.

use crate::harness::{Repo, Shape};

/// Stages at which `ORC_TEST_CRASH_AT` kills orc, in the order a commit goes through them,
/// and who makes the commit: once orc holds git's index lock it writes the files, the
/// index and then HEAD, and a kill after it took the lock leaves the commit to the next
/// orc command.
const POINTS: [(&str, Committed); 5] = [
    ("before-lock", Committed::Never),
    ("after-files", Committed::ByTheNextCommand),
    ("in-index", Committed::ByTheNextCommand),
    ("before-ref", Committed::ByTheNextCommand),
    ("after-ref", Committed::BeforeTheKill),
];

#[derive(Clone, Copy, PartialEq)]
enum Committed {
    Never,
    ByTheNextCommand,
    BeforeTheKill,
}

fn sigkill_at_any_stage_of_a_commit_loses_nothing_and_blocks_nothing(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    let rounds = shape.processes(25);
    let index_lock = repo.git_dir().join("index.lock");
    repo.write("user.txt", "user work\n");
    repo.git(&["add", "user.txt"]);
    let user_status = repo.status_porcelain();
    let mut expected_tasks = 0;
    let mut trials = 0;
    for round in 0..rounds {
        for (point, committed) in POINTS {
            trials += 1;
            let count = repo.commit_count();
            let out = repo
                .orc_cmd(&["task", "add", &format!("{point} {round}")])
                .env("ORC_TEST_CRASH_AT", point)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), None, "orc was killed at {point}");
            assert_eq!(
                repo.commit_count(),
                count + usize::from(committed == Committed::BeforeTheKill),
                "{point}"
            );
            if committed != Committed::Never {
                expected_tasks += 1;
            }

            // The next command (even a read) finishes what the dead process left, at once.
            let tasks = repo.json(&["task", "list"]);
            assert_eq!(
                tasks["tasks"].as_array().unwrap().len(),
                expected_tasks,
                "{point}"
            );
            assert_eq!(
                repo.commit_count(),
                count + usize::from(committed != Committed::Never),
                "{point}"
            );
            assert_eq!(
                repo.status_porcelain(),
                user_status,
                "{point}: work tree and index clean"
            );
            assert!(!index_lock.exists(), "{point}: stale index.lock");
        }
        if round % 8 == 0 {
            repo.assert_fsck();
            assert!(repo.ok(&["check"]).starts_with("ok:"));
        }
    }
    assert_eq!(trials, POINTS.len() * rounds);
    // And normal work goes on.
    repo.ok(&["task", "add", "after the crashes"]);
    assert_eq!(
        repo.json(&["task", "list"])["tasks"]
            .as_array()
            .unwrap()
            .len(),
        expected_tasks + 1
    );
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "user.txt\n",
        "user's staged file intact"
    );
    repo.assert_fsck();
    let leftovers: Vec<_> = walk(&repo.root)
        .into_iter()
        .filter(|p| p.contains("orc-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

crate::for_each_shape!(sigkill_at_any_stage_of_a_commit_loses_nothing_and_blocks_nothing);

/// A process killed while gix writes a reference lock can leave the commit id in it
/// without its newline (the id and the newline are two writes). The next orc command
/// takes such a lock for the dead process's, as it does a whole one, and finishes the
/// commit rather than failing on the lock.
#[test]
fn a_ref_lock_cut_off_before_its_newline_is_recovered() {
    let repo = Repo::init();
    repo.ok(&["task", "add", "first"]);
    let count = repo.commit_count();
    let out = repo
        .orc_cmd(&["task", "add", "killed while moving HEAD"])
        .env("ORC_TEST_CRASH_AT", "before-ref")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None, "orc was killed");
    let journal: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.git_dir().join("orc/journal.json")).unwrap())
            .unwrap();
    let commit = journal["commit"].as_str().unwrap();
    let branch_lock = repo.git_dir().join("refs/heads/main.lock");
    std::fs::write(repo.git_dir().join("HEAD.lock"), commit).unwrap();
    std::fs::write(&branch_lock, commit).unwrap();

    let tasks = repo.json(&["task", "list"]);
    assert_eq!(tasks["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(repo.commit_count(), count + 1);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]).trim(), commit);
    assert!(!repo.git_dir().join("HEAD.lock").exists());
    assert!(!branch_lock.exists());
    repo.ok(&["task", "add", "after"]);
    repo.assert_fsck();
}
