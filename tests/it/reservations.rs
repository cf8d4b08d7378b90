//! File reservations: overlapping exclusive reservations raced from worktrees and from
//! clones through a file-system remote (exactly one wins), the pre-commit guard on a
//! fixed clock (blocks, then allows after release or expiry, with its override), and
//! `orc done`/`block` giving a task's reservations back.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use serde_json::Value;

use crate::harness::{Repo, add};

const T0: &str = "2026-01-15T10:00:00Z";
const T1H: &str = "2026-01-15T11:00:00Z";
const T3H: &str = "2026-01-15T13:00:00Z";

fn orc_at(repo: &Repo, dir: &Path, now: &str, agent: &str, args: &[&str]) -> Output {
    repo.orc_at(dir, now, Some(agent), args)
}

fn ok_at(repo: &Repo, dir: &Path, now: &str, agent: &str, args: &[&str]) -> String {
    repo.ok_at(dir, now, Some(agent), args)
}

fn worktree(repo: &Repo, name: &str) -> PathBuf {
    let wt = repo.sibling(name);
    repo.git(&["worktree", "add", "-q", "-b", name, wt.to_str().unwrap()]);
    wt
}

/// Starts `orc reserve` in every dir at once, each as its own agent; returns the outputs.
fn race(repo: &Repo, dirs: &[PathBuf], pattern: &str) -> Vec<Output> {
    let children: Vec<Child> = dirs
        .iter()
        .enumerate()
        .map(|(k, d)| {
            repo.orc_in(d, &["reserve", pattern, "--exclusive", "--for", "2h"])
                .env("ORC_NOW", T0)
                .env("ORC_AGENT", format!("agent{k}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("orc starts")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn assert_one_winner(outs: &[Output], round: &str) -> usize {
    let winners: Vec<usize> = (0..outs.len())
        .filter(|k| outs[*k].status.success())
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{round}: {:?}",
        outs.iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect::<Vec<_>>()
    );
    let w = winners[0];
    for (k, out) in outs.iter().enumerate().filter(|(k, _)| *k != w) {
        assert_eq!(out.status.code(), Some(1), "{round}: agent{k}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("reserved exclusively by agent{w} (worktree "))
                && err.contains("until 2026-01-15T12:00:00Z"),
            "{round}: agent{k}: {err}"
        );
    }
    w
}

fn live(repo: &Repo, dir: &Path, now: &str) -> Vec<Value> {
    let v: Value =
        serde_json::from_str(&ok_at(repo, dir, now, "x", &["reservations", "--json"])).unwrap();
    v["reservations"].as_array().unwrap().clone()
}

#[test]
fn overlapping_exclusive_reservations_raced_from_worktrees_have_exactly_one_winner() {
    let repo = Repo::init();
    let dirs: Vec<PathBuf> = (0..3).map(|k| worktree(&repo, &format!("wt{k}"))).collect();
    for (round, pattern) in ["src/parser.rs", "docs", "lib/*.rs"].iter().enumerate() {
        let outs = race(&repo, &dirs, pattern);
        let w = assert_one_winner(&outs, pattern);
        let held = live(&repo, &repo.root, T0);
        assert_eq!(held.len(), round + 1, "{held:?}");
        let this = held
            .iter()
            .find(|r| r["patterns"][0] == *pattern)
            .expect("the winner's reservation");
        assert_eq!(this["agent"], format!("agent{w}"));
        // Overlapping, not equal: refused too.
        let out = orc_at(
            &repo,
            &dirs[(w + 1) % 3],
            T0,
            "other",
            &["reserve", &format!("{pattern}/x")],
        );
        if *pattern != "src/parser.rs" {
            assert_eq!(out.status.code(), Some(1), "{pattern}/x");
        }
    }
    // Disjoint paths are no conflict; shared reservations do not exclude each other.
    ok_at(&repo, &dirs[0], T0, "a", &["reserve", "README.md"]);
    ok_at(&repo, &dirs[1], T0, "b", &["reserve", "README.md"]);
    // Nothing reached a branch.
    assert_eq!(repo.status_porcelain(), "");
    assert!(
        repo.git(&["log", "--all", "--format=%s", "--", "."])
            .lines()
            .all(|l| !l.contains("reservations"))
    );
}

#[test]
fn clones_racing_through_a_remote_have_exactly_one_winner_and_see_each_other() {
    let repo = Repo::init();
    let mut config = repo.read(".orchestrator/config.toml");
    config.push_str("\n[claims]\nremote = \"origin\"\n");
    repo.write(".orchestrator/config.toml", &config);
    repo.git(&["commit", "-qam", "claims through origin"]);
    let origin = repo.sibling("origin.git");
    let o = origin.to_str().unwrap();
    repo.git(&["init", "-q", "--bare", "-b", "main", o]);
    repo.git(&["remote", "add", "origin", o]);
    repo.git(&["push", "-q", "origin", "main"]);
    let mut dirs = vec![repo.root.clone()];
    for name in ["b", "c"] {
        let d = repo.sibling(name);
        repo.git(&["clone", "-q", o, d.to_str().unwrap()]);
        dirs.push(d);
    }
    let outs = race(&repo, &dirs, "src");
    let w = assert_one_winner(&outs, "clones");
    for d in &dirs {
        let held = live(&repo, d, T0);
        assert_eq!(held.len(), 1, "{}: {held:?}", d.display());
        assert_eq!(held[0]["agent"], format!("agent{w}"));
    }
    ok_at(&repo, &dirs[w], T0, &format!("agent{w}"), &["release"]);
    assert!(
        repo.git(&["ls-remote", "origin", "refs/orc/reservations/*"])
            .is_empty()
    );
    assert!(live(&repo, &dirs[(w + 1) % 3], T0).is_empty());
}

fn commit_in(repo: &Repo, dir: &Path, now: &str, extra_env: &[(&str, &str)]) -> Output {
    let mut cmd = repo.git_cmd(dir, &["commit", "-qm", "change a.rs"]);
    cmd.env("ORC_NOW", now).env("ORC_AGENT", "alice");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_pre_commit_guard_blocks_reserved_files_until_release_or_expiry() {
    let repo = Repo::init();
    ok_at(
        &repo,
        &repo.root,
        T0,
        "x",
        &["hooks", "install", "--pre-commit"],
    );
    let wt = worktree(&repo, "alice");
    ok_at(
        &repo,
        &repo.root,
        T0,
        "bob",
        &["reserve", "src/a.rs", "--exclusive", "--for", "2h"],
    );
    std::fs::create_dir_all(wt.join("src")).unwrap();
    std::fs::write(wt.join("src/a.rs"), "fn main() {}\n").unwrap();
    repo.git_in(&wt, &["add", "src/a.rs"]);
    let head = repo.git_in(&wt, &["rev-parse", "HEAD"]);

    let out = commit_in(&repo, &wt, T1H, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("src/a.rs: reserved by bob (worktree "),
        "{err}"
    );
    assert!(err.contains("ORC_IGNORE_RESERVATIONS=1"), "{err}");
    assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        repo.git_in(&wt, &["status", "--porcelain"]),
        "A  src/a.rs\n",
        "still staged"
    );

    // The holder's own worktree may commit it; after the lease ends anyone may.
    let out = commit_in(&repo, &wt, T3H, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Again, then released: allowed.
    std::fs::write(wt.join("src/a.rs"), "fn main() { }\n").unwrap();
    repo.git_in(&wt, &["add", "src/a.rs"]);
    ok_at(
        &repo,
        &repo.root,
        T3H,
        "bob",
        &["reserve", "src", "--exclusive"],
    );
    assert!(!commit_in(&repo, &wt, T3H, &[]).status.success());
    // The documented override.
    let out = commit_in(&repo, &wt, T3H, &[("ORC_IGNORE_RESERVATIONS", "1")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(wt.join("src/a.rs"), "fn main() {  }\n").unwrap();
    repo.git_in(&wt, &["add", "src/a.rs"]);
    ok_at(&repo, &repo.root, T3H, "bob", &["release", "src"]);
    let out = commit_in(&repo, &wt, T3H, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn done_and_block_give_back_the_task_reservations() {
    let repo = Repo::init();
    let a = add(&repo, &["first"]);
    let b = add(&repo, &["second"]);
    for (id, pattern) in [(&a, "src/a.rs"), (&b, "src/b.rs")] {
        ok_at(&repo, &repo.root, T0, "alice", &["start", id]);
        ok_at(
            &repo,
            &repo.root,
            T0,
            "alice",
            &["reserve", pattern, "--task", id, "--exclusive"],
        );
    }
    ok_at(&repo, &repo.root, T0, "alice", &["reserve", "README.md"]);
    assert_eq!(live(&repo, &repo.root, T0).len(), 3);
    ok_at(
        &repo,
        &repo.root,
        T0,
        "alice",
        &["done", &a, "--summary", "ok"],
    );
    let left: Vec<Value> = live(&repo, &repo.root, T0);
    assert_eq!(left.len(), 2, "{left:?}");
    ok_at(
        &repo,
        &repo.root,
        T0,
        "alice",
        &["block", &b, "--reason", "wait"],
    );
    let left = live(&repo, &repo.root, T0);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["patterns"], serde_json::json!(["README.md"]));
    // Bad input changes nothing.
    let out = orc_at(&repo, &repo.root, T0, "alice", &["reserve", "../outside"]);
    assert_eq!(out.status.code(), Some(1));
    let out = orc_at(
        &repo,
        &repo.root,
        T0,
        "alice",
        &["reserve", "x", "--for", "soon"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(live(&repo, &repo.root, T0).len(), 1);
}

#[test]
fn start_reserve_takes_the_recorded_files_or_starts_nothing() {
    let repo = Repo::init();
    let a = add(&repo, &["first"]);
    let b = add(&repo, &["second"]);
    repo.write("src/a.rs", "fn a() {}\n");
    repo.git(&["add", "src/a.rs"]);
    repo.git(&["commit", "-qm", "a.rs"]);
    for (id, content) in [(&a, "fn a() { 1 }\n"), (&b, "fn a() { 2 }\n")] {
        repo.write("src/a.rs", content);
        ok_at(
            &repo,
            &repo.root,
            T0,
            "x",
            &["files", "record", "src/a.rs", "--task", id],
        );
    }
    repo.git(&["commit", "-qam", "a.rs again"]);
    let wt = worktree(&repo, "bob");
    let out = orc_at(&repo, &repo.root, T0, "alice", &["start", &a, "--reserve"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("reserved exclusively: src/a.rs"));
    let held = live(&repo, &repo.root, T0);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["task"], a.as_str());

    // bob's task names the same file: refused, and not started.
    let out = orc_at(&repo, &wt, T0, "bob", &["start", &b, "--reserve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("src/a.rs overlaps src/a.rs, reserved exclusively by alice"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&ok_at(
        &repo,
        &wt,
        T0,
        "bob",
        &["task", "show", &b, "--json"],
    ))
    .unwrap();
    assert_eq!(v["task"]["status"], "pending");
    assert_eq!(live(&repo, &repo.root, T0).len(), 1);
}
