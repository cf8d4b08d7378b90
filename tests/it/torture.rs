//! Concurrency torture: 8 orc processes making mixed mutations on one clone while a
//! person makes ordinary `git commit`s of other files → nothing lost, history linear.
//!
//! Each of the 8 workers runs `ORC_TORTURE_OPS` mutations in a row (default 10; the
//! full size is 100: `ORC_TORTURE_OPS=100 cargo test --test it torture`; `.ci/run` uses
//! 25), cycling through `task add`, `task status`, `task note`, `decision new`,
//! `files record` and `plan`. Meanwhile one more thread runs `git add` + `git commit` of
//! files outside `.orchestrator/`, retrying like a user when git finds orc's
//! `index.lock` (orc holds it for the few milliseconds of its commit) or finds that orc
//! moved HEAD while it was committing (see docs/commit-model.md, Concurrency).

use std::collections::BTreeSet;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::harness::{Repo, Shape, add, task_file};

const WORKERS: usize = 8;
/// The mutations each worker cycles through, in order.
const OPS: [&str; 6] = ["add", "note", "status", "decision", "files", "plan"];

fn ops_per_worker() -> usize {
    std::env::var("ORC_TORTURE_OPS")
        .ok()
        .map(|v| v.parse().expect("ORC_TORTURE_OPS is a number"))
        .unwrap_or(10)
}

/// How many of the first `n` operations are `op`.
fn count(n: usize, op: &str) -> usize {
    let k = OPS.iter().position(|o| *o == op).expect("known op");
    (0..n).filter(|i| i % OPS.len() == k).count()
}

fn check_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One worker: `n` mutations on its own task, files and titles.
fn worker(repo: &Repo, w: usize, own: &str, n: usize) {
    let mut in_progress = false;
    for i in 0..n {
        let args: Vec<String> = match OPS[i % OPS.len()] {
            "add" => vec!["task".into(), "add".into(), format!("w{w} task {i}")],
            "note" => vec![
                "task".into(),
                "note".into(),
                own.into(),
                format!("w{w} note {i}"),
            ],
            "status" => {
                in_progress = !in_progress;
                let to = if in_progress {
                    "in_progress"
                } else {
                    "pending"
                };
                vec!["task".into(), "status".into(), own.into(), to.into()]
            }
            "decision" => vec![
                "decision".into(),
                "new".into(),
                format!("w{w} decision {i}"),
                "--task".into(),
                own.into(),
            ],
            "files" => {
                let rel = format!("work/w{w}/f{i}.txt");
                repo.write(&rel, &format!("worker {w} file {i}\n"));
                vec![
                    "files".into(),
                    "record".into(),
                    rel,
                    "--task".into(),
                    own.into(),
                ]
            }
            "plan" => vec![
                "plan".into(),
                format!("w{w} plan {i}"),
                "--subtask".into(),
                format!("implementer:w{w} build {i}"),
                "--subtask".into(),
                format!("tester:w{w} test {i}"),
            ],
            _ => unreachable!(),
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = repo.orc_cmd(&args).output().expect("orc runs");
        check_ok(&out, &format!("worker {w}: orc {args:?}"));
    }
}

/// Runs git until it succeeds, retrying like a user when git finds a lock or finds that
/// HEAD moved under it (`git commit` reads HEAD before it takes `index.lock` and releases
/// the lock before it moves HEAD, so an orc commit in between makes git's own
/// compare-and-swap refuse: "cannot lock ref 'HEAD': is at X but expected Y").
fn git_retrying(repo: &Repo, args: &[&str]) {
    for _ in 0..2000 {
        let out = repo.git_cmd(&repo.root, args).output().expect("git runs");
        if out.status.success() {
            return;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(".lock") || err.contains("cannot lock ref 'HEAD'"),
            "git {args:?} failed for another reason than a lock:\n{err}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("git {args:?} kept finding a lock for several seconds");
}

/// Ordinary `git add` + `git commit` of files outside `.orchestrator/` until `stop`;
/// returns how many were committed (at least one, even if the workers finish first).
fn committer(repo: &Repo, stop: &AtomicBool) -> usize {
    let mut k = 0;
    while k == 0 || !stop.load(Ordering::SeqCst) {
        let rel = format!("user/u{k}.txt");
        repo.write(&rel, &format!("user commit {k}\n"));
        git_retrying(repo, &["add", &rel]);
        git_retrying(repo, &["commit", "-q", "-m", &format!("user commit {k}")]);
        k += 1;
    }
    k
}

#[test]
fn eight_processes_and_a_git_user_lose_nothing() {
    let n = ops_per_worker();
    let repo = Repo::init();
    let owns: Vec<String> = (0..WORKERS)
        .map(|w| add(&repo, &[&format!("worker {w}")]))
        .collect();
    let base_commits = repo.commit_count();

    let stop = AtomicBool::new(false);
    let user_commits = std::thread::scope(|s| {
        let user = s.spawn(|| committer(&repo, &stop));
        let workers: Vec<_> = owns
            .iter()
            .enumerate()
            .map(|(w, own)| {
                let repo = &repo;
                s.spawn(move || worker(repo, w, own, n))
            })
            .collect();
        for h in workers {
            h.join().expect("worker finished");
        }
        stop.store(true, Ordering::SeqCst);
        user.join().expect("committer finished")
    });

    // `git commit` reads the index before it locks it, so a user commit racing orc can
    // commit an index without orc's latest files; the next orc commit restores them.
    let last = add(&repo, &["after the race"]);

    // One commit per mutation and per user commit, on one linear history.
    assert_eq!(
        repo.commit_count(),
        base_commits + WORKERS * n + user_commits + 1
    );
    assert_eq!(
        repo.git(&["rev-list", "--min-parents=2", "--count", "HEAD"])
            .trim(),
        "0",
        "no merge commits"
    );
    repo.assert_fsck();
    assert!(repo.ok(&["check"]).starts_with("ok:"));

    // Every racing git commit is there, with its file.
    let log = repo.git(&["log", "--format=%s"]);
    let tree = repo.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    for k in 0..user_commits {
        assert!(
            log.contains(&format!("user commit {k}\n")),
            "user commit {k}"
        );
        assert!(tree.contains(&format!("user/u{k}.txt\n")), "user/u{k}.txt");
    }

    // Tasks: the workers' own, every add, and a parent plus two subtasks per plan.
    let tasks = repo.json(&["task", "list"]);
    let tasks = tasks["tasks"].as_array().unwrap();
    assert_eq!(
        tasks.len(),
        WORKERS * (1 + count(n, "add") + 3 * count(n, "plan")) + 1
    );
    assert!(tasks.iter().any(|t| t["id"] == last.as_str()));
    let titles: BTreeSet<&str> = tasks.iter().map(|t| t["title"].as_str().unwrap()).collect();
    for (w, own_id) in owns.iter().enumerate() {
        for i in 0..n {
            match OPS[i % OPS.len()] {
                "add" => assert!(titles.contains(format!("w{w} task {i}").as_str())),
                "plan" => {
                    for t in [
                        format!("w{w} plan {i}"),
                        format!("w{w} build {i}"),
                        format!("w{w} test {i}"),
                    ] {
                        assert!(titles.contains(t.as_str()), "{t}");
                    }
                }
                _ => {}
            }
        }
        // Notes in order, and the status the toggles end on.
        let own = tasks.iter().find(|t| t["id"] == own_id.as_str()).unwrap();
        let notes: Vec<&str> = own["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = (0..n)
            .filter(|i| OPS[i % OPS.len()] == "note")
            .map(|i| format!("w{w} note {i}"))
            .collect();
        assert_eq!(notes, expected, "notes of worker {w}");
        let status = if count(n, "status") % 2 == 1 {
            "in_progress"
        } else {
            "pending"
        };
        assert_eq!(own["status"], status, "worker {w}");
    }

    // Decisions numbered 1..=D without a gap or a collision, each title once.
    let decisions = repo.json(&["decision", "list"]);
    let decisions = decisions["decisions"].as_array().unwrap();
    let d = WORKERS * count(n, "decision");
    let numbers: Vec<u64> = decisions
        .iter()
        .map(|d| d["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=d as u64).collect::<Vec<_>>());
    let files = std::fs::read_dir(repo.root.join(".orchestrator/decisions"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("md".as_ref()))
        .count();
    assert_eq!(files, d, "one file per decision");
    let decision_titles: BTreeSet<&str> = decisions
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(decision_titles.len(), d);

    // Every recorded file operation, and the disk still matches each record.
    let log = repo.json(&["files", "log"]);
    let paths: BTreeSet<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), WORKERS * count(n, "files"));
    for w in 0..WORKERS {
        for i in (0..n).filter(|i| OPS[i % OPS.len()] == "files") {
            assert!(paths.contains(format!("work/w{w}/f{i}.txt").as_str()));
        }
    }
    repo.ok(&["files", "verify"]);

    // Nothing orc wrote is left uncommitted (or reverted by a user commit); only the
    // recorded, untracked work files remain.
    let status = repo.status_porcelain();
    assert!(
        status.lines().all(|l| l.starts_with("?? work/")),
        "unexpected work tree state:\n{status}\n{}",
        repo.git(&["diff"])
    );
    repo.assert_no_temp_files();
}

/// The race above made deterministic: a `git commit` of an index that lacks orc's latest
/// files (as when git read the index just before orc updated it).
fn a_git_commit_of_a_stale_index_is_undone_by_the_next_orc_commit(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    let dropped = add(&repo, &["dropped"]);
    let reverted = add(&repo, &["reverted"]);
    let edited = add(&repo, &["edited by hand"]);
    let path = |id: &str| task_file(id);
    let old_blob = repo.git(&["rev-parse", &format!("HEAD:{}", path(&reverted))]);
    repo.ok(&["task", "note", &reverted, "kept"]);

    // The stale index: one file missing, one at its version before orc's last commit.
    repo.git(&["rm", "-q", "--cached", &path(&dropped)]);
    let cacheinfo = format!("100644,{},{}", old_blob.trim(), path(&reverted));
    repo.git(&["update-index", "--cacheinfo", &cacheinfo]);
    repo.write("user.txt", "user\n");
    repo.git(&["add", "user.txt"]);
    repo.git(&["commit", "-q", "-m", "user commit of a stale index"]);
    // A change the user made on disk and committed is theirs, and stays.
    let text = repo
        .read(&path(&edited))
        .replace("edited by hand", "renamed by hand");
    repo.write(&path(&edited), &text);
    repo.git(&["add", &path(&edited)]);
    repo.git(&["commit", "-q", "-m", "user edits a task"]);
    let status = repo.status_porcelain();
    assert!(
        status.contains(&format!("?? {}", path(&dropped))),
        "{status}"
    );
    assert!(
        status.contains(&format!(" M {}", path(&reverted))),
        "{status}"
    );

    add(&repo, &["next"]);
    let message = repo.git(&["log", "-1", "--format=%B"]);
    let mut restored: Vec<&str> = message
        .lines()
        .filter_map(|l| l.strip_prefix("Orc-Restored: "))
        .collect();
    restored.sort();
    let mut expected = [path(&dropped), path(&reverted)];
    expected.sort();
    assert_eq!(restored, expected);
    assert_eq!(
        repo.status_porcelain(),
        "",
        "HEAD, index and work tree agree"
    );
    let shown = repo.json(&["task", "show", &reverted]);
    assert_eq!(shown["task"]["notes"][0]["text"], "kept");
    assert_eq!(
        repo.json(&["task", "show", &edited])["task"]["title"],
        "renamed by hand"
    );
    repo.assert_fsck();
}

crate::for_each_shape!(a_git_commit_of_a_stale_index_is_undone_by_the_next_orc_commit,);
