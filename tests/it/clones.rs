//! Fresh clones and merges of every orc file: the merge driver registers itself where
//! `.gitattributes` names it, decisions merge by field, renumbering spares published
//! numbers, and conflict markers are named as such.

use std::path::{Path, PathBuf};

use crate::harness::{Repo, Shape, success};

fn orc_in(repo: &Repo, dir: &Path, now: &str, args: &[&str]) -> std::process::Output {
    repo.orc_in(dir, args).env("ORC_NOW", now).output().unwrap()
}

/// Runs orc in `dir`, asserts success, returns (stdout, stderr).
fn orc_ok(repo: &Repo, dir: &Path, now: &str, args: &[&str]) -> (String, String) {
    let out = orc_in(repo, dir, now, args);
    assert!(
        out.status.success(),
        "orc {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn git_ok(repo: &Repo, dir: &Path, args: &[&str]) -> String {
    repo.git_in(dir, args)
}

fn markers(repo: &Repo, dir: &Path) -> String {
    let out = repo
        .git_cmd(
            dir,
            &["grep", "-n", "-e", "^<<<<<<<", "-e", "^>>>>>>>", "--", "."],
        )
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// A project pushed to a bare remote, and a fresh clone of it.
fn origin_and_clone(repo: &Repo) -> (PathBuf, PathBuf) {
    origin_and_clone_with(repo, &[])
}

/// [`origin_and_clone`] with more options for `git clone` (`--ref-format=reftable`).
fn origin_and_clone_with(repo: &Repo, clone_options: &[&str]) -> (PathBuf, PathBuf) {
    let origin = repo.sibling("origin.git");
    let url = origin.to_str().unwrap();
    git_ok(
        repo,
        &repo.root,
        &["init", "-q", "--bare", "-b", "main", url],
    );
    git_ok(repo, &repo.root, &["remote", "add", "origin", url]);
    git_ok(repo, &repo.root, &["push", "-q", "-u", "origin", "main"]);
    let clone = repo.sibling("clone");
    let mut args = vec!["clone", "-q"];
    args.extend_from_slice(clone_options);
    args.extend([url, clone.to_str().unwrap()]);
    git_ok(repo, &repo.root, &args);
    (origin, clone)
}

#[test]
fn a_fresh_clone_registers_the_merge_driver_once_and_pulls_without_markers() {
    let repo = Repo::init();
    let id = crate::harness::add(&repo, &["Shared"]);
    let (_, clone) = origin_and_clone(&repo);
    let config = |dir: &Path| {
        repo.git_cmd(dir, &["config", "--local", "merge.orc.driver"])
            .output()
            .unwrap()
    };
    assert!(!config(&clone).status.success(), "git copies no config");

    let (_, err) = orc_ok(&repo, &clone, "2026-01-16T00:00:00Z", &["status"]);
    assert!(
        err.contains("registered orc's merge driver in this clone's git config"),
        "{err}"
    );
    assert!(config(&clone).status.success());
    let (_, err) = orc_ok(&repo, &clone, "2026-01-16T00:00:00Z", &["status"]);
    assert_eq!(err, "", "said once");

    // Both sides note the same task; the pull merges the notes.
    orc_ok(
        &repo,
        &repo.root,
        "2026-01-16T01:00:00Z",
        &["task", "note", &id, "from origin"],
    );
    git_ok(&repo, &repo.root, &["push", "-q"]);
    orc_ok(
        &repo,
        &clone,
        "2026-01-16T02:00:00Z",
        &["task", "note", &id, "from clone"],
    );
    git_ok(&repo, &clone, &["pull", "-q", "--no-rebase", "--no-edit"]);
    assert_eq!(markers(&repo, &clone), "");
    let (show, _) = orc_ok(
        &repo,
        &clone,
        "2026-01-16T03:00:00Z",
        &["task", "show", &id],
    );
    assert!(
        show.contains("from origin") && show.contains("from clone"),
        "{show}"
    );
}

#[test]
fn uninstall_keeps_the_driver_unregistered_until_install() {
    let repo = Repo::init();
    repo.ok(&["hooks", "uninstall"]);
    let out = repo.run(&["status"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let status = repo.json(&["hooks", "status"]);
    assert!(status.get("merge_driver").is_none(), "{status}");
    repo.ok(&["hooks", "install"]);
    let status = repo.json(&["hooks", "status"]);
    assert!(status.get("merge_driver").is_some(), "{status}");
}

#[test]
fn a_driver_whose_program_is_missing_is_reported_broken() {
    let repo = Repo::init();
    repo.git(&[
        "config",
        "merge.orc.driver",
        "'/nonexistent/orc' merge-driver %O %A %B %P",
    ]);
    let out = repo.run(&["hooks", "status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("merge driver: broken") && text.contains("/nonexistent/orc"),
        "{text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("orc's merge driver cannot run"), "{err}");
    let status = repo.json(&["hooks", "status"]);
    assert!(
        status["merge_driver_broken"]
            .as_str()
            .is_some_and(|s| s.contains("does not exist")),
        "{status}"
    );
    repo.ok(&["hooks", "install"]);
    let status = repo.json(&["hooks", "status"]);
    assert!(status.get("merge_driver_broken").is_none(), "{status}");
}

fn decision(repo: &Repo, dir: &Path, number: u64) -> serde_json::Value {
    let (out, _) = orc_ok(
        repo,
        dir,
        "2026-01-20T00:00:00Z",
        &["decision", "show", &number.to_string(), "--json"],
    );
    serde_json::from_str::<serde_json::Value>(&out).unwrap()["decision"].clone()
}

/// Two branches `a` and `b` from a repository with decisions 1 and 2, both accepted.
fn decisions_on_two_branches() -> Repo {
    let repo = Repo::init();
    for title in ["Use TOML", "Use YAML front matter"] {
        repo.ok(&["decision", "new", title, "--status", "accepted"]);
    }
    repo.git(&["branch", "a"]);
    repo.git(&["branch", "b"]);
    repo
}

fn merge(repo: &Repo, branch: &str) -> std::process::Output {
    repo.git_cmd(&repo.root, &["merge", "--no-edit", branch])
        .output()
        .unwrap()
}

#[test]
fn concurrent_deprecate_and_supersede_merge_without_markers() {
    let repo = decisions_on_two_branches();
    repo.git(&["checkout", "-q", "a"]);
    repo.ok(&["decision", "deprecate", "1"]);
    repo.git(&["checkout", "-q", "b"]);
    repo.ok(&["decision", "supersede", "1", "--by", "2"]);
    let out = merge(&repo, "a");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(markers(&repo, &repo.root), "");
    assert_eq!(repo.status_porcelain(), "");
    let d1 = decision(&repo, &repo.root, 1);
    assert_eq!(d1["status"], "superseded", "superseding is final: {d1}");
    assert_eq!(d1["superseded_by"], 2);
    assert_eq!(decision(&repo, &repo.root, 2)["supersedes"][0], 1);
    assert!(repo.ok(&["check"]).starts_with("ok:"));
    let list = repo.json(&["decision", "list"]);
    assert_eq!(list["decisions"].as_array().unwrap().len(), 2, "{list}");
}

#[test]
fn a_true_decision_conflict_is_recorded_in_the_file_not_as_markers() {
    let repo = Repo::init();
    repo.ok(&["decision", "new", "Use TOML"]);
    repo.git(&["branch", "a"]);
    repo.ok(&["decision", "accept", "1"]);
    repo.git(&["checkout", "-q", "a"]);
    repo.ok(&["decision", "reject", "1"]);
    let out = merge(&repo, "main");
    assert!(!out.status.success(), "git stops at a true conflict");
    assert_eq!(markers(&repo, &repo.root), "");
    let d1 = decision(&repo, &repo.root, 1);
    assert_eq!(d1["status"], "rejected", "ours is kept: {d1}");
    let body = d1["body"].as_str().unwrap();
    assert!(
        body.contains(
            "orc merge conflict on `status`: kept \"rejected\" (ours); the other side had \"accepted\" (theirs)"
        ),
        "{body}"
    );
}

#[test]
fn decision_bodies_merge_by_lines_and_front_matter_by_fields() {
    let repo = Repo::init();
    repo.ok(&[
        "decision",
        "new",
        "Use TOML",
        "--context",
        "alpha\n\nmiddle\n\nomega",
    ]);
    repo.git(&["branch", "a"]);
    let file = success(&mut repo.git_cmd(&repo.root, &["ls-files", ".orchestrator/decisions"]));
    let file = file.trim().to_owned();
    let text = repo.read(&file);
    repo.write(&file, &text.replace("alpha", "ALPHA"));
    repo.git(&["commit", "-qam", "edit body top"]);
    repo.ok(&["decision", "accept", "1"]);
    repo.git(&["checkout", "-q", "a"]);
    let text = repo.read(&file);
    repo.write(&file, &text.replace("omega", "OMEGA"));
    repo.git(&["commit", "-qam", "edit body bottom"]);
    let out = merge(&repo, "main");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d1 = decision(&repo, &repo.root, 1);
    assert_eq!(d1["status"], "accepted");
    let body = d1["body"].as_str().unwrap();
    assert!(body.contains("ALPHA") && body.contains("OMEGA"), "{body}");
}

fn decision_numbers(repo: &Repo, dir: &Path) -> Vec<(u64, String)> {
    let (out, _) = orc_ok(
        repo,
        dir,
        "2026-01-20T00:00:00Z",
        &["decision", "list", "--json"],
    );
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    list["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["number"].as_u64().unwrap(),
                d["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn renumber_moves_only_the_decision_nobody_has_seen() {
    renumber_after_pull(true, &[]);
}

#[test]
fn without_an_upstream_the_published_side_of_the_merge_keeps_its_numbers() {
    renumber_after_pull(false, &[]);
}

/// In a reftable clone the remote-tracking branches tell what is published too.
#[test]
fn without_an_upstream_a_reftable_clone_sees_the_published_side_in_its_remote_branches() {
    if Shape::Reftable.available() {
        renumber_after_pull(false, &["--ref-format=reftable"]);
    }
}

/// Two clones each add decision 0003; one pushes, the other pulls (with its upstream
/// set, or without one, naming the remote branch) and renumbers. Without an upstream,
/// only the remote-tracking branch shows what was published: what was last fetched
/// (`FETCH_HEAD`) is gone.
fn renumber_after_pull(upstream: bool, clone_options: &[&str]) {
    let repo = Repo::init();
    for title in ["First", "Second"] {
        repo.ok(&["decision", "new", title]);
    }
    let (_, clone) = origin_and_clone_with(&repo, clone_options);
    // The clone's decision is older, so date order alone would move the pushed one.
    orc_ok(
        &repo,
        &clone,
        "2026-01-16T00:00:00Z",
        &["decision", "new", "Local idea"],
    );
    orc_ok(
        &repo,
        &repo.root,
        "2026-01-17T00:00:00Z",
        &["decision", "new", "Pushed idea"],
    );
    git_ok(&repo, &repo.root, &["push", "-q"]);
    if upstream {
        git_ok(&repo, &clone, &["pull", "-q", "--no-rebase", "--no-edit"]);
    } else {
        git_ok(&repo, &clone, &["branch", "--unset-upstream"]);
        git_ok(
            &repo,
            &clone,
            &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
        );
        std::fs::remove_file(clone.join(".git/FETCH_HEAD")).unwrap();
    }
    let (out, _) = orc_ok(
        &repo,
        &clone,
        "2026-01-18T00:00:00Z",
        &["decision", "renumber"],
    );
    assert!(out.contains("Local idea"), "{out}");
    let numbers = decision_numbers(&repo, &clone);
    assert!(
        numbers.contains(&(3, "Pushed idea".into())) && numbers.contains(&(4, "Local idea".into())),
        "{numbers:?}"
    );
    // The published file is untouched by the renumbering commit.
    let changed = git_ok(
        &repo,
        &clone,
        &["show", "--format=", "--name-status", "HEAD"],
    );
    assert!(!changed.contains("pushed-idea"), "{changed}");
}
