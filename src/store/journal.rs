//! The commit journal: what a committing orc process is doing while it holds git's index
//! lock, and the token of that lock.
//!
//! Written before orc takes git's index lock, removed after the lock is released. Under
//! the lock orc writes the files, then the index, then moves HEAD. An orc process killed
//! in between leaves the journal behind; the next orc process (which holds the repository
//! lock, so the writer is certainly gone) finishes the job: it removes the dead process's
//! `index.lock` (recognised by the token, see [`super::index_lock`]; a lock without it
//! belongs to a live git process and stays). If the dead process held that lock and HEAD
//! is still the parent of the journal's commit, the files and the index may already show
//! the change: the files and index entries are written again and HEAD is moved to the
//! commit. If HEAD is the journal's commit, the files and index entries are written
//! again. Otherwise (the process died before it had the lock) nothing was visible and
//! nothing is done.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::commit::{Blobs, INDEX_LOCK_WAIT, move_head, read_index, update_index};
use super::index_lock::{self, IndexLock};
use super::{Store, fsutil, heal};
use crate::error::{Error, Result};

#[derive(Serialize, Deserialize)]
struct Journal {
    /// The commit HEAD is (or will be) once the work tree and index are finished.
    commit: String,
    /// The content of the `index.lock` the writer takes, to recognise it as the writer's.
    #[serde(default)]
    index_lock: Option<String>,
    /// `commit` is a new commit the writer moves HEAD to (not HEAD's commit already): only
    /// then can a reference lock holding it be the writer's.
    #[serde(default)]
    moves_head: bool,
    files: Vec<(String, Option<String>)>,
}

fn path(store: &Store) -> PathBuf {
    store.local_dir().join("journal.json")
}

pub(super) fn write(
    store: &Store,
    commit: ObjectId,
    moves_head: bool,
    index_lock: &str,
    blobs: &Blobs,
) -> Result<()> {
    let journal = Journal {
        commit: commit.to_string(),
        index_lock: Some(index_lock.to_owned()),
        moves_head,
        files: blobs
            .iter()
            .map(|(p, id)| (p.clone(), id.map(|id| id.to_string())))
            .collect(),
    };
    let bytes = serde_json::to_vec(&journal).expect("journal serialises");
    fsutil::write_atomic(&path(store), &bytes, None)
}

pub(super) fn pending(store: &Store) -> bool {
    path(store).exists()
}

pub(super) fn clear(store: &Store) {
    let _ = fsutil::remove(&path(store));
}

/// Finishes or discards the work of an orc process that died while committing, and
/// removes temporary files it left. Called with the repository lock held.
pub(super) fn recover(store: &Store) -> Result<()> {
    let journal = fs::read(path(store))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Journal>(&bytes).ok());
    // First the dead process's lock: its token is in the journal.
    let held = match journal.as_ref().and_then(|j| j.index_lock.as_deref()) {
        Some(token) => remove_dead_index_lock(store, token)?,
        None => false,
    };
    remove_temporary_files(store);
    let Some(journal) = journal else {
        clear(store);
        return Ok(());
    };
    if journal.moves_head {
        match store.refs {
            super::refs::Backend::Files => remove_ref_locks(store, &journal.commit),
            // git moves reftable refs for orc and removes its own locks: let a
            // `git update-ref` that outlived its orc process finish first.
            super::refs::Backend::Reftable => super::refs::settle(store, REFTABLE_SETTLE),
        }
    }
    let repo = &store.repo;
    let Ok(commit) = ObjectId::from_hex(journal.commit.as_bytes()) else {
        clear(store);
        return Ok(());
    };
    let head = super::refs::head(store).ok().and_then(|h| h.id);
    // The commit the dead process was about to make, when it held the lock (so files and
    // index may show it already) and HEAD has not moved since it built it.
    let unfinished = if held && journal.moves_head && head != Some(commit) {
        repo.find_commit(commit)
            .ok()
            .filter(|c| c.parent_ids().next().map(|p| p.detach()) == head)
    } else {
        None
    };
    if head == Some(commit) || unfinished.is_some() {
        let blobs = journal_blobs(&journal)?;
        finish(store, commit, head, unfinished.as_ref(), &blobs)?;
    }
    clear(store);
    Ok(())
}

/// Removes `index.lock` when it holds the dead process's `token`; says whether it did
/// (the dead process held the lock).
fn remove_dead_index_lock(store: &Store, token: &str) -> Result<bool> {
    let lock = index_lock::lock_path(store);
    if index_lock::is_ours(&lock, token) {
        fsutil::remove(&lock)?;
        return Ok(true);
    }
    Ok(false)
}

/// Removes what is left in orc's directory of temporary files. Best effort.
fn remove_temporary_files(store: &Store) {
    if let Ok(entries) = fs::read_dir(store.local_dir().join("tmp")) {
        for e in entries.flatten() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// The journal's files with their blob ids (`None`: deleted).
fn journal_blobs(journal: &Journal) -> Result<Blobs> {
    let mut blobs: Blobs = Vec::new();
    for (rel, id) in &journal.files {
        let id = id
            .as_deref()
            .map(|h| ObjectId::from_hex(h.as_bytes()))
            .transpose()
            .map_err(Error::git)?;
        blobs.push((rel.clone(), id));
    }
    Ok(blobs)
}

/// Does the dead process's change to `commit` again: its files and index entries and,
/// when it is `unfinished` (HEAD still at its parent `head`), the move of HEAD.
fn finish(
    store: &Store,
    commit: ObjectId,
    head: Option<ObjectId>,
    unfinished: Option<&gix::Commit<'_>>,
    blobs: &Blobs,
) -> Result<()> {
    // The lock first, announced in a journal of its own, so that this process can be
    // killed too; then the files, the index and, last, HEAD.
    let lock = IndexLock::acquire(store, INDEX_LOCK_WAIT, &|| false, |token| {
        write(store, commit, unfinished.is_some(), token, blobs)
    })?;
    for (rel, id) in blobs {
        let target = store.abs(rel);
        match id {
            Some(id) => {
                let blob = store.repo.find_object(*id).map_err(Error::git)?;
                fsutil::write_atomic(&target, &blob.data, Some(&store.local_dir().join("tmp")))?;
            }
            None => fsutil::remove(&target)?,
        }
    }
    let old = read_index(store)?;
    update_index(store, old.as_deref(), blobs, &lock)?;
    if let Some(c) = unfinished {
        let committer = c
            .committer()
            .map_err(Error::git)?
            .to_owned()
            .map_err(Error::git)?;
        let message = c.message_raw_sloppy().to_string();
        let summary = message.lines().next().unwrap_or_default();
        match move_head(store, head, commit, summary, &committer) {
            Ok(()) => heal::remember(store, commit),
            // Moved meanwhile by a process that does not take the index lock: the
            // change stays in the work tree and the index, for the user to see.
            Err(super::refs::UpdateError::Race) => {}
            Err(super::refs::UpdateError::Failed(e)) => return Err(e),
        }
    }
    drop(lock);
    Ok(())
}

/// How long recovery waits for a `git update-ref` left running by a killed orc process.
const REFTABLE_SETTLE: Duration = Duration::from_secs(2);

/// How long a reference lock without its whole content must stay so before the next orc
/// process takes it for the dead writer's: git fills its reference locks within
/// microseconds.
const PARTIAL_REF_LOCK_GRACE: Duration = Duration::from_millis(500);

/// Removes the locks of HEAD and of the branch it names that the dead process took while
/// moving them to `commit`. gix writes the new value, `commit` and a newline, into each
/// lock right after creating it; no other process knows that commit before HEAD names
/// it, so a lock holding the id (with or without the newline, which is a write of its
/// own) is the dead process's. A lock still empty or holding less than the id (the
/// process died between the writes) is taken for the dead writer's only when it stays
/// unchanged for [`PARTIAL_REF_LOCK_GRACE`].
fn remove_ref_locks(store: &Store, commit: &str) {
    let repo = &store.repo;
    let mut locks = vec![repo.git_dir().join("HEAD.lock")];
    if let Ok(Some(name)) = repo.head_name()
        && let Ok(name) = std::str::from_utf8(name.as_bstr())
    {
        locks.push(repo.common_dir().join(format!("{name}.lock")));
    }
    let ours = format!("{commit}\n");
    for lock in locks {
        let Ok(first) = fs::symlink_metadata(&lock) else {
            continue;
        };
        let is_ours = match fs::read(&lock) {
            Ok(bytes) if bytes == ours.as_bytes() || bytes == commit.as_bytes() => true,
            Ok(bytes) if ours.as_bytes().starts_with(&bytes) => stays_unchanged(&lock, &first),
            _ => false,
        };
        if is_ours {
            let _ = fsutil::remove(&lock);
        }
    }
}

/// Whether the file at `path` is still there, the same file with the same length and
/// modification time, after [`PARTIAL_REF_LOCK_GRACE`].
fn stays_unchanged(path: &std::path::Path, first: &fs::Metadata) -> bool {
    let start = std::time::Instant::now();
    loop {
        let Ok(now) = fs::symlink_metadata(path) else {
            return false;
        };
        if now.len() != first.len() || now.modified().ok() != first.modified().ok() {
            return false;
        }
        if start.elapsed() >= PARTIAL_REF_LOCK_GRACE {
            return same_file(first, &now);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.created().ok() == b.created().ok()
}
