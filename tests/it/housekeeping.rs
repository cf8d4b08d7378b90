//! git's automatic housekeeping after orc's commits: past `gc.auto` loose objects orc
//! starts `git maintenance run --auto` in the background, as `git commit` does, and never
//! waits for it or fails because of it.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::Repo;

/// Files in `.git/objects/17/`: git's sample for its loose-object estimate.
fn loose_in_17(repo: &Repo) -> usize {
    std::fs::read_dir(repo.root.join(".git/objects/17")).map_or(0, |d| d.count())
}

fn packs(repo: &Repo) -> usize {
    std::fs::read_dir(repo.root.join(".git/objects/pack")).map_or(0, |d| {
        d.flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
            .count()
    })
}

/// A repository with many reachable loose objects (committed with housekeeping off).
fn many_loose_objects() -> Repo {
    let repo = Repo::init();
    repo.git(&["config", "gc.auto", "0"]);
    for i in 0..300 {
        repo.write(&format!("data/f{i}.txt"), &format!("content {i}\n"));
    }
    repo.git(&["add", "data"]);
    repo.git(&["commit", "-q", "-m", "many files"]);
    assert!(loose_in_17(&repo) >= 2, "the sample directory has objects");
    assert_eq!(packs(&repo), 0);
    repo
}

/// A `git` on PATH that logs its arguments and runs the real git.
fn logging_git(repo: &Repo) -> (std::ffi::OsString, std::path::PathBuf) {
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let dir = repo.sibling("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let log = repo.sibling("git.log");
    let script = dir.join("git");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.trim()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    (path, log)
}

fn poll(mut cond: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what}: timed out"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn maintenance_runs(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("maintenance run --auto"))
        .count()
}

#[test]
fn past_gc_auto_an_orc_commit_starts_git_maintenance_in_the_background() {
    let repo = many_loose_objects();
    let (path, log) = logging_git(&repo);

    // gc.auto = 0: housekeeping is off, as for git.
    let out = repo
        .orc_cmd(&["task", "add", "no housekeeping"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success());

    // gc.auto = 256: more than one object in objects/17 is too many.
    repo.git(&["config", "gc.auto", "256"]);
    let out = repo
        .orc_cmd(&["task", "add", "housekeeping"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    poll(|| maintenance_runs(&log) > 0, "git maintenance starts");
    assert_eq!(maintenance_runs(&log), 1, "only past gc.auto");

    // git packs the loose objects, in the background.
    poll(|| packs(&repo) > 0 && loose_in_17(&repo) <= 1, "git packs");
    poll(
        || !repo.root.join(".git/gc.pid").exists(),
        "git maintenance ends",
    );
    repo.assert_fsck();
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(
        repo.json(&["task", "list"])["tasks"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn without_git_on_path_orc_commits_all_the_same() {
    let repo = many_loose_objects();
    repo.git(&["config", "gc.auto", "256"]);
    let empty = repo.sibling("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = repo
        .orc_cmd(&["task", "add", "no git here"])
        .env("PATH", &empty)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let subject = repo.git(&["log", "-1", "--format=%s"]);
    assert!(subject.starts_with("orc: add task_"), "{subject}");
    assert!(subject.contains("no git here"), "{subject}");
}
