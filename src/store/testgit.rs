//! The `git` command line for the store's unit tests, hermetic: no global or system
//! configuration, fixed author and committer.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `git args` in `dir`.
pub(crate) fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "a")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "c")
        .env("GIT_COMMITTER_EMAIL", "c@example.com")
        .output()
        .expect("git runs")
}

/// What `git args` printed, as is, whether it succeeded or not (a merge that stops at a
/// conflict, say).
pub(crate) fn stdout(dir: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&run(dir, args).stdout).into_owned()
}

/// What `git args` printed, trimmed; panics when it fails.
pub(crate) fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
