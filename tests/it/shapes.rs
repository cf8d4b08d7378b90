//! What differs between repository shapes beyond the core tests that run in each
//! (`for_each_shape!`): missing objects of a partial clone, sparse checkouts that leave
//! `.orchestrator/` out, revisions in a reftable repository.

use crate::harness::{Repo, Shape, add, task_file};

/// How many `git fetch` processes ran, from a trace2 event file.
fn fetches(trace: &std::path::Path) -> usize {
    std::fs::read_to_string(trace)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(r#""event":"cmd_name""#) && l.contains(r#""name":"fetch""#))
        .count()
}

/// Blobs `git rev-list` reports missing from the clone.
fn missing(repo: &Repo) -> Vec<String> {
    repo.git(&["rev-list", "--objects", "--missing=print", "HEAD"])
        .lines()
        .filter_map(|l| l.strip_prefix('?').map(str::to_owned))
        .collect()
}

#[test]
fn a_partial_clone_fetches_a_history_in_one_batch_and_says_what_is_missing_offline() {
    if !Shape::PartialClone.available() {
        return;
    }
    let origin = Repo::init();
    let a = add(&origin, &["versioned"]);
    for i in 0..4 {
        origin.ok(&["task", "note", &a, &format!("note {i}")]);
    }
    let b = add(&origin, &["other"]);
    origin.ok(&["task", "note", &b, "one"]);
    origin.ok(&["task", "note", &b, "two"]);
    let clone = origin.blobless_clone("clone");
    let before = missing(&clone);
    assert!(before.len() >= 6, "old versions are not here: {before:?}");

    let trace = clone.sibling("trace.json");
    let out = clone
        .orc_cmd(&["show", &a, "--history", "--json"])
        .env("GIT_TRACE2_EVENT", &trace)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(history["versions"].as_array().unwrap().len(), 5);
    assert_eq!(history["history"]["complete"], true, "{history}");
    assert_eq!(fetches(&trace), 1, "one fetch for the whole history");
    let path = task_file(&a);
    let log = clone.git(&["log", "--format=%H", "--", &path]);
    let after = missing(&clone);
    for commit in log.lines() {
        let blob = clone.git(&["rev-parse", &format!("{commit}:{path}")]);
        assert!(!after.contains(&blob.trim().to_owned()), "{blob} fetched");
    }
    // Asked again, nothing is missing: no fetch.
    std::fs::remove_file(&trace).unwrap();
    let again = clone
        .orc_cmd(&["show", &a, "--history"])
        .env("GIT_TRACE2_EVENT", &trace)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(fetches(&trace), 0);

    // Offline: the missing objects are named, with how to get them; nothing half-done.
    std::fs::rename(&origin.root, origin.sibling("gone")).unwrap();
    let err = clone.fails(&["show", &b, "--history"]);
    assert!(err.contains("partial clone"), "{err}");
    let still_missing = missing(&clone);
    assert!(
        still_missing.iter().any(|id| err.contains(id.as_str())),
        "names a missing object: {err}"
    );
    assert!(err.contains("git fetch origin"), "{err}");
    // Mutations need no missing object.
    clone.ok(&["task", "note", &b, "offline"]);
    clone.ok(&["task", "add", "offline task"]);
    assert_eq!(clone.status_porcelain(), "");
    assert_eq!(
        clone
            .git(&["log", "-1", "--format=%(trailers:key=Orc-Op,valueonly)"])
            .trim(),
        "task.add"
    );
}

/// `.orchestrator/` committed but outside the cone: orc says so and how to include it,
/// and `orc init` does not start a second state.
fn outside_the_cone(sparse_index: bool) {
    let repo = Repo::init();
    let id = add(&repo, &["kept"]);
    repo.write("src/main.rs", "fn main() {}\n");
    repo.git(&["add", "src/main.rs"]);
    repo.git(&["commit", "-qm", "code"]);
    let mut set = vec!["sparse-checkout", "set", "--cone"];
    if sparse_index {
        set.push("--sparse-index");
    }
    set.push("src");
    repo.git(&set);
    assert!(!repo.root.join(".orchestrator").exists());
    let commits = repo.commit_count();

    for args in [&["status"][..], &["task", "list"], &["init"]] {
        let err = repo.fails(args);
        assert!(
            err.contains(".orchestrator/) is committed but outside this sparse checkout"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("git sparse-checkout add .orchestrator"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("orc init"), "{args:?}: {err}");
    }
    let json = repo.run(&["status", "--json"]);
    let err: serde_json::Value = serde_json::from_slice(&json.stdout)
        .or_else(|_| serde_json::from_slice(&json.stderr))
        .unwrap();
    assert_eq!(err["error"]["code"], "outside_sparse_checkout", "{err}");
    assert_eq!(repo.commit_count(), commits, "init committed nothing");
    assert!(!repo.root.join(".orchestrator").exists(), "nothing written");

    repo.git(&["sparse-checkout", "add", ".orchestrator"]);
    let tasks = repo.json(&["task", "list"]);
    assert_eq!(tasks["tasks"][0]["id"], id.as_str());
    repo.ok(&["task", "note", &id, "back in the cone"]);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn orc_state_outside_a_sparse_checkout_is_named_with_the_way_to_include_it() {
    outside_the_cone(false);
}

#[test]
fn orc_state_outside_a_sparse_index_is_named_with_the_way_to_include_it() {
    outside_the_cone(true);
}

/// Revisions given to `--since` resolve through git where gix cannot read the refs.
#[test]
fn revisions_resolve_in_a_reftable_repository() {
    if !Shape::Reftable.available() {
        return;
    }
    let repo = Repo::init_shaped(Shape::Reftable);
    add(&repo, &["one"]);
    repo.git(&["tag", "v1"]);
    add(&repo, &["two"]);
    add(&repo, &["three"]);
    for since in ["HEAD~1", "v1", "main~2"] {
        let log = repo.json(&["log", "--since", since]);
        let want = if since == "HEAD~1" { 1 } else { 2 };
        assert_eq!(log["entries"].as_array().unwrap().len(), want, "{since}");
    }
    let err = repo.fails(&["log", "--since", "no-such-branch"]);
    assert!(err.contains("neither a commit nor a date"), "{err}");
    assert_eq!(
        repo.git(&["rev-parse", "--show-ref-format"]).trim(),
        "reftable"
    );
}

/// A repository orc cannot open is named as one, with what it uses; it is not "not a
/// repository" (which would suggest `git init`).
#[test]
fn a_repository_of_an_unknown_format_is_not_called_no_repository() {
    for (key, value, expected) in [
        (
            "extensions.objectFormat",
            "sha512",
            r#"orc cannot open this git repository: Repository configuration could not be loaded: Invalid configuration value, input="sha512", key="extensions.objectFormat""#,
        ),
        (
            "extensions.refStorage",
            "tables",
            r#"extensions.refStorage is "tables", a ref backend orc does not know"#,
        ),
    ] {
        let repo = Repo::new();
        repo.git(&["config", "core.repositoryFormatVersion", "1"]);
        repo.git(&["config", key, value]);
        let err = repo.fails(&["status"]);
        assert!(err.contains(expected), "{key}: {err}");
        assert!(!err.contains("git init"), "{key}: {err}");
        assert!(err.contains("hint: orc supports"), "{key}: {err}");
    }
}
