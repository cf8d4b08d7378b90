//! Claims across worktrees and clones: racing `orc start` and `orc next --claim` from
//! several processes, leases on a fixed clock, a claim left by a killed process, the
//! parent/synthesis loop, an unreachable claims remote, and `orc ready`'s filters.
//!
//! `ORC_TEST_CLAIM_ROUNDS` sets the number of racing rounds (default 6 for worktrees
//! and 4 for clones, which go through a remote, halved for the reftable variants, to keep
//! the suite fast; CI runs 20).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use serde_json::Value;

use crate::harness::{Repo, Shape, add, plan};

const T0: &str = "2026-01-15T10:00:00Z";
const T1H: &str = "2026-01-15T11:00:00Z";
const T3H: &str = "2026-01-15T13:00:00Z";
const T5H: &str = "2026-01-15T15:00:00Z";
const T8H: &str = "2026-01-15T18:00:00Z";

fn rounds(default: usize) -> usize {
    std::env::var("ORC_TEST_CLAIM_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Adds a linked worktree on its own branch next to the repository.
fn worktree(repo: &Repo, name: &str) -> PathBuf {
    let wt = repo.sibling(name);
    repo.git(&["worktree", "add", "-q", "-b", name, wt.to_str().unwrap()]);
    wt
}

fn spawn(repo: &Repo, dir: &Path, args: &[&str]) -> Child {
    repo.orc_in(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("orc starts")
}

/// Runs orc in `dir` at time `now`.
fn orc_at(repo: &Repo, dir: &Path, now: &str, args: &[&str]) -> Output {
    repo.orc_at(dir, now, None, args)
}

fn ok_at(repo: &Repo, dir: &Path, now: &str, args: &[&str]) -> String {
    repo.ok_at(dir, now, None, args)
}

fn json_at(repo: &Repo, dir: &Path, now: &str, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok_at(repo, dir, now, &args)).unwrap()
}

/// Fails with exit code 1; returns stderr.
fn fails_at(repo: &Repo, dir: &Path, now: &str, args: &[&str]) -> String {
    let out = orc_at(repo, dir, now, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "orc {args:?} should fail:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn commits(repo: &Repo, dir: &Path) -> usize {
    repo.git_in(dir, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap()
}

/// Task ids that have a claim ref (shared by all worktrees).
fn claim_refs(repo: &Repo, dir: &Path) -> Vec<String> {
    repo.git_in(
        dir,
        &["for-each-ref", "--format=%(refname)", "refs/orc/claims/"],
    )
    .lines()
    .map(|l| l.trim_start_matches("refs/orc/claims/").to_owned())
    .collect()
}

/// Task ids with a claim on `remote` (asked with `git ls-remote`).
fn remote_claims(repo: &Repo, dir: &Path, remote: &str) -> BTreeSet<String> {
    repo.git_in(dir, &["ls-remote", remote, "refs/orc/claims/*"])
        .lines()
        .filter_map(|l| l.split('\t').nth(1))
        .map(|r| r.trim_start_matches("refs/orc/claims/").to_owned())
        .collect()
}

fn assert_fsck(repo: &Repo, dir: &Path) {
    let out = repo
        .git_cmd(dir, &["fsck", "--strict", "--no-dangling"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fsck in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn task_field(repo: &Repo, dir: &Path, id: &str, field: &str) -> Value {
    json_at(repo, dir, T0, &["task", "show", id])["task"][field].clone()
}

#[test]
fn worktrees_racing_start_have_exactly_one_winner() {
    racing_start(Shape::Sha1Files, 6);
}

/// The same race where refs live in reftable: each claim is a `git update-ref` with the
/// old value, and git's lock on the table stack decides.
#[test]
fn worktrees_racing_start_in_a_reftable_repository_have_exactly_one_winner() {
    if Shape::Reftable.available() {
        racing_start(Shape::Reftable, 3);
    }
}

/// `default_rounds` unless `ORC_TEST_CLAIM_ROUNDS` says otherwise.
fn racing_start(shape: Shape, default_rounds: usize) {
    let repo = Repo::init_shaped(shape);
    let rounds = rounds(default_rounds);
    let tasks: Vec<String> = (0..rounds)
        .map(|i| add(&repo, &[&format!("contested task {i}")]))
        .collect();
    let agents = 4;
    let wts: Vec<PathBuf> = (0..agents)
        .map(|k| worktree(&repo, &format!("agent{k}")))
        .collect();
    let mut wins = vec![0; agents];
    for task in &tasks {
        let before: Vec<usize> = wts.iter().map(|w| commits(&repo, w)).collect();
        let children: Vec<Child> = wts
            .iter()
            .enumerate()
            .map(|(k, wt)| spawn(&repo, wt, &["start", task, "--agent", &format!("agent{k}")]))
            .collect();
        let outs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let winners: Vec<usize> = (0..agents).filter(|k| outs[*k].status.success()).collect();
        assert_eq!(
            winners.len(),
            1,
            "{task}: exit codes {:?}",
            outs.iter().map(|o| o.status.code()).collect::<Vec<_>>()
        );
        let w = winners[0];
        wins[w] += 1;
        for (k, out) in outs.iter().enumerate().filter(|(k, _)| *k != w) {
            assert_eq!(out.status.code(), Some(1));
            let err = String::from_utf8_lossy(&out.stderr);
            let winner = format!("{task} is claimed by agent{w} (worktree ");
            assert!(
                err.contains(&winner)
                    && err.contains(wts[w].to_str().unwrap())
                    && err.contains(&format!("branch agent{w}, since {}", crate::harness::NOW)),
                "loser agent{k}: {err}"
            );
            assert!(out.stdout.is_empty());
        }
        for (k, wt) in wts.iter().enumerate() {
            let grew = usize::from(k == w);
            assert_eq!(commits(&repo, wt), before[k] + grew, "agent{k} on {task}");
        }
        assert_eq!(task_field(&repo, &wts[w], task, "status"), "in_progress");
    }
    // Every round left exactly one claim, seen from every worktree.
    for wt in &wts {
        assert_eq!(claim_refs(&repo, wt).len(), rounds);
        assert_eq!(repo.git_in(wt, &["status", "--porcelain"]), "");
        assert_fsck(&repo, wt);
    }
    assert_eq!(wins.iter().sum::<usize>(), rounds);
}

/// Clones `origin` into `name` next to the repository.
fn clone(repo: &Repo, origin: &Path, name: &str) -> PathBuf {
    let dir = repo.sibling(name);
    repo.git(&[
        "clone",
        "-q",
        origin.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    dir
}

/// A repository with `tasks` ready subtasks and `[claims] remote = "origin"`, pushed to
/// a bare `origin`; returns the origin and the subtask ids.
fn shared_project(repo: &Repo, tasks: usize) -> (PathBuf, Vec<String>) {
    let mut config = repo.read(".orchestrator/config.toml");
    config.push_str("\n[claims]\nremote = \"origin\"\n");
    repo.write(".orchestrator/config.toml", &config);
    repo.git(&["commit", "-qam", "claims through origin"]);
    let subtasks: Vec<String> = (0..tasks)
        .map(|i| format!("implementer:Part {i}"))
        .collect();
    let subtasks: Vec<&str> = subtasks.iter().map(String::as_str).collect();
    let (_, ids) = plan(repo, "Shared work", &subtasks);
    let origin = repo.sibling("origin.git");
    repo.git(&[
        "init",
        "-q",
        "--bare",
        "-b",
        "main",
        origin.to_str().unwrap(),
    ]);
    repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "main"]);
    (origin, ids)
}

#[test]
fn clones_racing_next_claim_through_a_remote_never_share_a_task() {
    racing_next_claim(Shape::Sha1Files, 4);
}

/// The same race with the first clone's refs in reftable (the claims a fetch brings in
/// are read from there too).
#[test]
fn clones_racing_next_claim_with_a_reftable_clone_never_share_a_task() {
    if Shape::Reftable.available() {
        racing_next_claim(Shape::Reftable, 2);
    }
}

/// `default_rounds` unless `ORC_TEST_CLAIM_ROUNDS` says otherwise.
fn racing_next_claim(shape: Shape, default_rounds: usize) {
    let repo = Repo::init_shaped(shape);
    let rounds = rounds(default_rounds);
    let (origin, ids) = shared_project(&repo, 3 * rounds + 2);
    let clones = [
        repo.root.clone(),
        clone(&repo, &origin, "machine-b"),
        clone(&repo, &origin, "machine-c"),
    ];
    let mut claimed: Vec<(usize, String)> = Vec::new();
    for round in 0..rounds {
        let children: Vec<Child> = clones
            .iter()
            .enumerate()
            .map(|(k, dir)| {
                spawn(
                    &repo,
                    dir,
                    &["next", "--claim", "--json", "--agent", &format!("m{k}")],
                )
            })
            .collect();
        let mut this_round = Vec::new();
        for (k, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}, clone {k}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let id = v["started"]["task"]["id"].as_str().unwrap().to_owned();
            assert_eq!(v["started"]["task"]["assignee"], format!("m{k}"));
            this_round.push(id.clone());
            claimed.push((k, id));
        }
        let distinct: BTreeSet<&String> = claimed.iter().map(|(_, id)| id).collect();
        assert_eq!(
            distinct.len(),
            claimed.len(),
            "a task was claimed twice: {claimed:?}"
        );
        // The remote holds every claim of the round.
        let on_remote = remote_claims(&repo, &repo.root, "origin");
        for id in &this_round {
            assert!(
                on_remote.contains(id),
                "{id} not on the remote: {on_remote:?}"
            );
        }
    }
    assert_eq!(
        remote_claims(&repo, &repo.root, "origin").len(),
        claimed.len()
    );
    // After a fetch, every clone sees the others' claims as live and not its own.
    let v = json_at(&repo, &clones[1], T0, &["claims", "--agent", "m1"]);
    let seen: Vec<(String, bool, bool)> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["task"].as_str().unwrap().to_owned(),
                c["live"].as_bool().unwrap(),
                c["mine"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen.len(), claimed.len(), "{v}");
    for (k, id) in &claimed {
        let (_, live, mine) = seen.iter().find(|(t, _, _)| t == id).unwrap();
        assert!(*live);
        assert_eq!(*mine, *k == 1, "{id} claimed by clone {k}");
    }
    // Finishing and giving up release the claims on the remote too.
    let (k, finished) = claimed.last().unwrap().clone();
    ok_at(
        &repo,
        &clones[k],
        T0,
        &["done", &finished, "--summary", "done"],
    );
    let (k2, given_up) = claimed[claimed.len() - 2].clone();
    ok_at(
        &repo,
        &clones[k2],
        T0,
        &["task", "status", &given_up, "pending"],
    );
    let left = remote_claims(&repo, &repo.root, "origin");
    assert!(
        !left.contains(&finished) && !left.contains(&given_up),
        "{left:?}"
    );
    assert_eq!(left.len(), claimed.len() - 2);
    // A released task is free again: the next claim in another clone may take it.
    let unclaimed: BTreeSet<&String> = ids
        .iter()
        .filter(|i| !claimed.iter().any(|(_, c)| c == *i) || **i == given_up)
        .collect();
    let other = (k2 + 1) % 3;
    let v = json_at(&repo, &clones[other], T0, &["next", "--claim"]);
    let got = v["started"]["task"]["id"].as_str().unwrap();
    assert!(unclaimed.contains(&got.to_owned()), "{got}");
    for dir in &clones {
        assert_eq!(repo.git_in(dir, &["status", "--porcelain"]), "");
        assert_fsck(&repo, dir);
    }
}

#[test]
fn leases_expire_renew_and_takeovers_restart_the_clock() {
    let repo = Repo::init();
    let task = add(&repo, &["Long job"]);
    let w1 = worktree(&repo, "w1");
    let w2 = worktree(&repo, "w2");
    ok_at(&repo, &w1, T0, &["start", &task, "--agent", "alice"]);
    // Live: refused, naming the holder and the lease.
    let err = fails_at(&repo, &w2, T1H, &["start", &task, "--agent", "bob"]);
    assert!(
        err.contains("claimed by alice (worktree ")
            && err.contains("since 2026-01-15T10:00:00Z, lease until 2026-01-15T14:00:00Z"),
        "{err}"
    );
    // A command of the holder on the task renews the lease (4 hours by default).
    ok_at(
        &repo,
        &w1,
        T3H,
        &["task", "note", &task, "halfway", "--agent", "alice"],
    );
    let err = fails_at(&repo, &w2, T5H, &["start", &task, "--agent", "bob"]);
    assert!(err.contains("lease until 2026-01-15T17:00:00Z"), "{err}");
    // Once expired, anyone may take it without --force; scan lists it first.
    let scan = json_at(&repo, &w2, T8H, &["maintenance", "scan"]);
    let expired = scan["scan"]["expired_claims"].as_array().unwrap();
    assert_eq!(expired.len(), 1, "{scan}");
    assert_eq!(expired[0]["task"], task.as_str());
    assert_eq!(expired[0]["agent"], "alice");
    let v = json_at(&repo, &w2, T8H, &["start", &task, "--agent", "bob"]);
    assert_eq!(v["task"]["assignee"], "bob");
    assert_eq!(v["task"]["started"], T8H);
    let note = v["task"]["notes"].as_array().unwrap().last().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        note.starts_with("taken over from alice (worktree "),
        "{note}"
    );
    let claims = json_at(&repo, &w1, T8H, &["claims"]);
    assert_eq!(claims["claims"][0]["agent"], "bob");
    assert!(
        claims["claims"][0]["displaced"]
            .as_str()
            .unwrap()
            .starts_with("alice"),
        "{claims}"
    );

    // --force takes a live claim over and resets `started` to the takeover time.
    let other = add(&repo, &["Other job"]);
    ok_at(
        &repo,
        &repo.root,
        T0,
        &["start", &other, "--agent", "carol"],
    );
    let v = json_at(
        &repo,
        &repo.root,
        T1H,
        &["start", &other, "--agent", "dave", "--force"],
    );
    assert_eq!(v["task"]["started"], T1H);
    let note = v["task"]["notes"][0]["text"].as_str().unwrap();
    assert!(
        note.starts_with("taken over from carol (worktree "),
        "{note}"
    );
    // In one work tree too, an expired claim lets another agent take the task
    // without --force.
    let third = add(&repo, &["Third job"]);
    ok_at(
        &repo,
        &repo.root,
        T0,
        &["start", &third, "--agent", "carol"],
    );
    let err = fails_at(
        &repo,
        &repo.root,
        T1H,
        &["start", &third, "--agent", "erin"],
    );
    assert!(err.contains("in progress for carol"), "{err}");
    let v = json_at(
        &repo,
        &repo.root,
        T5H,
        &["start", &third, "--agent", "erin"],
    );
    assert_eq!(v["task"]["assignee"], "erin");
    // With the clock restarted, a stale scan an hour later finds nothing.
    let scan = json_at(&repo, &repo.root, T3H, &["maintenance", "scan"]);
    assert_eq!(scan["scan"]["stale"].as_array().unwrap().len(), 0, "{scan}");
    assert_fsck(&repo, &repo.root);
}

#[test]
fn a_claim_left_by_a_killed_process_expires_and_is_taken() {
    let repo = Repo::init();
    let task = add(&repo, &["Fragile job"]);
    let w1 = worktree(&repo, "w1");
    let w2 = worktree(&repo, "w2");
    let before = commits(&repo, &w1);
    // Killed (SIGKILL) after taking the claim, before committing the task file.
    let out = repo
        .orc_in(&w1, &["start", &task, "--agent", "alice"])
        .env("ORC_TEST_CRASH_AT", "before-lock")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(claim_refs(&repo, &w1), std::slice::from_ref(&task));
    assert_eq!(commits(&repo, &w1), before);
    // Until the lease runs out the claim holds.
    let err = fails_at(&repo, &w2, T1H, &["start", &task, "--agent", "bob"]);
    assert!(err.contains("claimed by alice"), "{err}");
    let v = json_at(&repo, &w2, T5H, &["start", &task, "--agent", "bob"]);
    assert_eq!(v["task"]["assignee"], "bob");
    assert_eq!(v["task"]["status"], "in_progress");
    // The killed process's work tree is consistent again and its task still pending.
    assert_eq!(task_field(&repo, &w1, &task, "status"), "pending");
    assert_eq!(repo.git_in(&w1, &["status", "--porcelain"]), "");
    assert_fsck(&repo, &w1);
}

#[test]
fn the_loop_closes_on_parents_through_synthesis() {
    let repo = Repo::init();
    let (parent, subs) = plan(
        &repo,
        "Feature",
        &[
            "tester:Write the tests",
            "implementer:Build it",
            "documenter:Document it",
        ],
    );
    // The parent cannot be completed by `done`, even when forced into progress.
    ok_at(&repo, &repo.root, T0, &["start", &parent, "--force"]);
    let err = fails_at(&repo, &repo.root, T0, &["done", &parent, "--summary", "x"]);
    assert!(
        err.contains("has subtasks") && err.contains("orc synthesize"),
        "{err}"
    );
    ok_at(
        &repo,
        &repo.root,
        T0,
        &["task", "status", &parent, "pending"],
    );
    // `orc next` offers the subtasks in plan order (not id order) and claims them.
    for (i, sub) in subs.iter().enumerate() {
        let v = json_at(&repo, &repo.root, T0, &["next", "--claim"]);
        assert_eq!(v["started"]["task"]["id"], sub.as_str(), "step {i}");
        let out = ok_at(
            &repo,
            &repo.root,
            T0,
            &["done", sub, "--summary", "finished"],
        );
        if i + 1 == subs.len() {
            assert!(
                out.contains(&format!(
                    "all subtasks of {parent} are done: run `orc synthesize {parent}`"
                )),
                "{out}"
            );
            assert!(!out.contains("next: orc start"), "{out}");
        }
    }
    // Nothing to start: `next` says the parent waits for synthesis, exit code 3.
    let out = orc_at(&repo, &repo.root, T0, &["next"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ready to synthesize") && text.contains(&parent),
        "{text}"
    );
    assert_eq!(repo.json(&["ready"])["tasks"], serde_json::json!([]));
    let err = fails_at(&repo, &repo.root, T0, &["start", &parent]);
    assert!(err.contains(&format!("orc synthesize {parent}")), "{err}");
    ok_at(&repo, &repo.root, T0, &["synthesize", &parent]);
    assert_eq!(
        task_field(&repo, &repo.root, &parent, "status"),
        "completed"
    );
    let out = orc_at(&repo, &repo.root, T0, &["next"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(claim_refs(&repo, &repo.root).is_empty());
}

#[test]
fn an_unreachable_claims_remote_claims_nothing_and_local_opts_out() {
    let repo = Repo::init();
    let task = add(&repo, &["Offline job"]);
    let before = commits(&repo, &repo.root);
    let missing = repo.sibling("gone.git");
    let err = fails_at(
        &repo,
        &repo.root,
        T0,
        &["start", &task, "--claims-remote", missing.to_str().unwrap()],
    );
    assert!(
        err.contains("could not publish the claim on") && err.contains("nothing was changed"),
        "{err}"
    );
    assert!(err.contains("--local"), "{err}");
    assert_eq!(commits(&repo, &repo.root), before);
    assert!(claim_refs(&repo, &repo.root).is_empty());
    assert_eq!(repo.status_porcelain(), "");
    // --local claims in this clone only.
    ok_at(
        &repo,
        &repo.root,
        T0,
        &[
            "start",
            &task,
            "--claims-remote",
            missing.to_str().unwrap(),
            "--local",
        ],
    );
    assert_eq!(claim_refs(&repo, &repo.root), [task]);
    assert_eq!(commits(&repo, &repo.root), before + 1);
}

#[test]
fn ready_filters_by_role_stream_claims_and_count() {
    let repo = Repo::init();
    let a = add(&repo, &["A", "--role", "tester", "--stream", "api"]);
    let b = add(
        &repo,
        &[
            "B",
            "--role",
            "tester",
            "--stream",
            "ui",
            "--priority",
            "high",
        ],
    );
    let c = add(
        &repo,
        &[
            "C",
            "--role",
            "implementer",
            "--stream",
            "api",
            "--priority",
            "low",
        ],
    );
    let ids = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["ready"];
        full.extend_from_slice(args);
        repo.json(&full)["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&["--role", "tester"]), [b.clone(), a.clone()]);
    assert_eq!(ids(&["--stream", "api"]), [a.clone(), c.clone()]);
    assert_eq!(ids(&["--limit", "1"]), std::slice::from_ref(&b));
    // A claim from another worktree hides the task from --unclaimed.
    let wt = worktree(&repo, "other");
    ok_at(&repo, &wt, T0, &["start", &a, "--agent", "eve"]);
    assert_eq!(
        ids(&["--stream", "api", "--unclaimed"]),
        std::slice::from_ref(&c)
    );
    assert_eq!(ids(&["--stream", "api"]), [a.clone(), c.clone()]);
    // `orc next` skips it too and names the holder when nothing else is left.
    let out = orc_at(
        &repo,
        &repo.root,
        T0,
        &["next", "--role", "tester", "--stream", "api"],
    );
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&a) && text.contains("eve (worktree "),
        "{text}"
    );
}

#[test]
fn a_task_finished_on_another_branch_is_not_offered_again() {
    let repo = Repo::init();
    let (_, subs) = plan(
        &repo,
        "Two parts",
        &["implementer:First", "implementer:Second"],
    );
    let w1 = worktree(&repo, "w1");
    let w2 = worktree(&repo, "w2");
    let v = json_at(&repo, &w1, T0, &["next", "--claim", "--agent", "a1"]);
    assert_eq!(v["started"]["task"]["id"], subs[0].as_str());
    ok_at(
        &repo,
        &w1,
        T1H,
        &["done", &subs[0], "--summary", "first done", "--agent", "a1"],
    );
    // The claim is given back, but w2's branch has not merged w1: the task is pending
    // there, yet finished on w1, so `next` goes on to the second one.
    assert!(claim_refs(&repo, &w2).is_empty());
    let v = json_at(&repo, &w2, T1H, &["next", "--claim", "--agent", "a2"]);
    assert_eq!(v["started"]["task"]["id"], subs[1].as_str());
    let out = orc_at(&repo, &repo.root, T1H, &["next"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(subs[0].as_str()) && text.contains("completed on w1"),
        "{text}"
    );
}

/// Claims are refs that git itself sees, whatever the repository's shape (reftable
/// included): `git for-each-ref` lists them, `git push` carries them to a remote, orc reads
/// back its own and the remote's, and releasing one deletes the ref.
fn claims_are_refs_git_lists_and_pushes(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    let a = add(&repo, &["Parser"]);
    let b = add(&repo, &["Lexer"]);
    repo.ok(&["start", &a, "--agent", "one"]);
    assert_eq!(claim_refs(&repo, &repo.root), vec![a.clone()]);

    // A remote on the file system: the claim refs push as any ref does.
    let remote = repo.sibling("claims.git");
    let mut init = vec!["init", "-q", "--bare"];
    if shape == Shape::Sha256 {
        init.push("--object-format=sha256");
    }
    init.push(remote.to_str().unwrap());
    repo.git(&init);
    let remote = remote.to_str().unwrap();
    repo.git(&["push", "-q", remote, "refs/orc/claims/*:refs/orc/claims/*"]);
    assert_eq!(
        remote_claims(&repo, &repo.root, remote),
        BTreeSet::from([a.clone()])
    );

    // Through that remote as the claims remote: orc pushes, fetches and reads it back.
    repo.git(&["remote", "add", "claims", remote]);
    let mut config = repo.read(".orchestrator/config.toml");
    config.push_str("\n[claims]\nremote = \"claims\"\n");
    repo.write(".orchestrator/config.toml", &config);
    repo.git(&["commit", "-qam", "claims through a remote"]);
    repo.ok(&["start", &b, "--agent", "one"]);
    let mut both_ids = vec![a.clone(), b.clone()];
    both_ids.sort();
    assert_eq!(claim_refs(&repo, &repo.root), both_ids);
    assert_eq!(
        remote_claims(&repo, &repo.root, "claims"),
        BTreeSet::from([a.clone(), b.clone()])
    );
    let v = json_at(&repo, &repo.root, T0, &["claims", "--agent", "one"]);
    let seen: Vec<(String, Value)> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["task"].as_str().unwrap().to_owned(), c["seen"].clone()))
        .collect();
    let both = serde_json::json!(["local", "claims"]);
    let mut expected = vec![(a.clone(), both.clone()), (b.clone(), both)];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(seen, expected, "{v}");

    // Releasing deletes the ref here and on the remote.
    repo.ok(&["task", "status", &b, "pending", "--agent", "one"]);
    assert_eq!(claim_refs(&repo, &repo.root), vec![a.clone()]);
    assert_eq!(
        remote_claims(&repo, &repo.root, "claims"),
        BTreeSet::from([a.clone()])
    );
    assert_eq!(repo.status_porcelain(), "");
    assert_fsck(&repo, &repo.root);
}

crate::for_each_shape!(claims_are_refs_git_lists_and_pushes);
