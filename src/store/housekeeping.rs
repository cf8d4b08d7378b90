//! git's automatic housekeeping after orc's commits, started as `git commit` starts it.
//!
//! `git commit` ends with `git maintenance run --auto`, which packs loose objects once
//! there are more than `gc.auto` of them. orc writes its commits itself, so it does the
//! same: after a commit, when git's own estimate of the loose objects (the files in
//! `objects/17/`, times 256) passes `gc.auto`, it starts `git maintenance run --auto` in
//! the background and does not wait for it. Nothing happens when `gc.auto` is 0,
//! `maintenance.auto` is false, or git cannot be started.

use std::process::{Command, Stdio};

use super::Store;

/// git's default `gc.auto`.
const DEFAULT_GC_AUTO: i64 = 6700;

/// Starts git's auto-maintenance in the background when the loose objects pass
/// `gc.auto`. Never fails and never waits.
pub(super) fn after_commit(store: &Store) {
    if !needs_maintenance(store) {
        return;
    }
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(store.workdir())
        .args(["maintenance", "run", "--auto", "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Out of the terminal's process group: Ctrl-C meant for orc does not reach it.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    if let Ok(mut child) = cmd.spawn() {
        // Reaped by a thread, so a long-running server leaves no zombie; a short-lived
        // command exits first and leaves the child to the system.
        let _ = std::thread::Builder::new()
            .name("git-maintenance".into())
            .spawn(move || child.wait());
    }
}

/// Whether git would find too many loose objects, estimated as git does.
fn needs_maintenance(store: &Store) -> bool {
    let config = store.repo.config_snapshot();
    if config.boolean("maintenance.auto") == Some(false) {
        return false;
    }
    let limit = config.integer("gc.auto").unwrap_or(DEFAULT_GC_AUTO);
    if limit <= 0 {
        return false;
    }
    let threshold = (limit as u64).div_ceil(256);
    let dir = store.repo.objects.store_ref().path().join("17");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let loose = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.as_encoded_bytes();
            name.len() == store.repo.object_hash().len_in_hex() - 2
                && name.iter().all(u8::is_ascii_hexdigit)
        })
        .count() as u64;
    loose > threshold
}
