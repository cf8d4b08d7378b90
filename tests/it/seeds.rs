//! Seeded ids (`ORC_SEED`): the same steps give the same ids on every run, and two
//! branches or two clones of one test never draw the same ones.

use crate::harness::{Repo, add};

#[test]
fn the_same_steps_give_the_same_ids() {
    let ids = || {
        let repo = Repo::init();
        [
            add(&repo, &["One"]),
            add(&repo, &["Two", "--role", "tester"]),
        ]
    };
    let first = ids();
    assert_eq!(first, ids());
    assert_ne!(
        first[0][first[0].len() - 8..],
        first[1][first[1].len() - 8..]
    );
}

#[test]
fn two_branches_at_the_same_depth_draw_different_ids_and_merge() {
    let repo = Repo::init();
    repo.git(&["branch", "feature"]);
    let on_main = add(&repo, &["On main"]);
    repo.git(&["checkout", "-q", "feature"]);
    let on_feature = add(&repo, &["On feature"]);
    assert_ne!(on_main, on_feature);
    // Detached at the same depth: different again.
    repo.git(&["checkout", "-q", "--detach", "main~1"]);
    let detached = add(&repo, &["Detached"]);
    assert_ne!(detached, on_main);
    assert_ne!(detached, on_feature);

    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-edit", "feature"]);
    let list = repo.json(&["task", "list"]);
    assert_eq!(list["tasks"].as_array().unwrap().len(), 2, "{list}");
    repo.ok(&["check"]);
}

#[test]
fn two_clones_of_a_test_draw_different_ids() {
    let repo = Repo::init();
    let top = repo.root.parent().unwrap();
    repo.git_in(top, &["clone", "-q", "repo", "clone"]);
    let clone = repo.sibling("clone");
    assert_eq!(repo.seed(&repo.root), "repo");
    assert_eq!(repo.seed(&clone.join("src")), "clone");

    let here = add(&repo, &["Here"]);
    let out = repo
        .orc_in(&clone, &["task", "add", "There"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let there = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_ne!(here, there, "same branch, same depth, different seeds");

    repo.git_in(&clone, &["pull", "-q", "--no-rebase", "--no-edit"]);
    let out = repo
        .orc_in(&clone, &["task", "list", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["tasks"].as_array().unwrap().len(), 2, "{list}");
}
