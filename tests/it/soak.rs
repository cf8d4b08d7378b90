//! Many sequential mutations: one commit each, and orc's local state in `<git-dir>/orc/`
//! (parse cache, temporary files, journal) stays proportional to the tasks, not to the
//! number of commands run. `ORC_SOAK_OPS` sets the number of mutations (default 150;
//! `ORC_SOAK_OPS=1000 cargo test --test it soak` for a longer soak).

use std::path::Path;

use crate::harness::{Repo, add};

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let meta = e.metadata().unwrap();
        total += if meta.is_dir() {
            dir_size(&e.path())
        } else {
            meta.len()
        };
    }
    total
}

/// Files below `dir`, relative to it, sorted.
fn files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            files(&e.path(), &format!("{name}/"), out);
        } else {
            out.push(name);
        }
    }
    out.sort();
}

#[test]
fn hundreds_of_mutations_in_a_row_keep_local_state_bounded() {
    let ops: usize = std::env::var("ORC_SOAK_OPS")
        .ok()
        .map(|v| v.parse().expect("ORC_SOAK_OPS is a number"))
        .unwrap_or(150);
    let repo = Repo::init();
    let local = repo.root.join(".git/orc");
    let start = repo.commit_count();
    let mut tasks = Vec::new();
    let mut sizes = Vec::new();
    for i in 0..ops {
        if i % 3 == 0 {
            tasks.push(add(&repo, &[&format!("task {i}")]));
        } else {
            let id = &tasks[i % tasks.len()];
            repo.ok(&["task", "note", id, &format!("note {i}")]);
        }
        // Reads fill the parse cache; measure it at each quarter.
        if (i + 1) % (ops / 4).max(1) == 0 {
            repo.ok(&["status"]);
            sizes.push((tasks.len() as u64, dir_size(&local)));
        }
    }
    assert_eq!(repo.commit_count(), start + ops, "one commit per mutation");
    assert_eq!(repo.status_porcelain(), "", "everything committed");

    let mut names = Vec::new();
    files(&local, "", &mut names);
    // The parse cache exists once some task file has settled (two seconds unchanged),
    // which this run of a few seconds may or may not reach; nothing else may be there.
    assert!(
        names
            .iter()
            .all(|n| n == "cache/tasks" || n == "last-commit"),
        "nothing accumulates: {names:?}"
    );
    assert!(names.iter().any(|n| n == "last-commit"), "{names:?}");
    repo.assert_no_temp_files();
    // The cache holds one entry per settled task file: well under 1 KB per task here, and
    // never more than that however many commands ran.
    for (tasks, bytes) in sizes {
        assert!(
            bytes <= 1024 * tasks + 1024,
            "{bytes} bytes for {tasks} tasks"
        );
    }
}
