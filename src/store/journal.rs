//! The commit journal: what a committing orc process still has to do after moving HEAD,
//! and the token of the `index.lock` it takes.
//!
//! Written before orc takes git's index lock, removed after the work tree and index are
//! updated and the lock released. An orc process killed in between leaves it behind; the
//! next orc process (which holds the repository lock, so the writer is certainly gone)
//! finishes the job: it removes the dead process's `index.lock` (recognised by the token,
//! see [`super::index_lock`]; a lock without it belongs to a live git process and stays)
//! and, if HEAD is the journal's commit, writes the files and index entries. Before the
//! branch moved, nothing was visible, so nothing is redone.

use std::fs;
use std::path::PathBuf;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::commit::{Blobs, INDEX_LOCK_WAIT, update_index};
use super::index_lock::{self, IndexLock};
use super::{Store, fsutil};
use crate::error::{Error, Result};

#[derive(Serialize, Deserialize)]
struct Journal {
    /// The commit HEAD is (or will be) once the work tree and index are finished.
    commit: String,
    /// The content of the `index.lock` the writer takes, to recognise it as the writer's.
    #[serde(default)]
    index_lock: Option<String>,
    files: Vec<(String, Option<String>)>,
}

fn path(store: &Store) -> PathBuf {
    store.local_dir().join("journal.json")
}

pub(super) fn write(store: &Store, commit: ObjectId, index_lock: &str, blobs: &Blobs) -> Result<()> {
    let journal = Journal {
        commit: commit.to_string(),
        index_lock: Some(index_lock.to_owned()),
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
    if let Some(token) = journal.as_ref().and_then(|j| j.index_lock.as_deref()) {
        let lock = index_lock::lock_path(store);
        if index_lock::is_ours(&lock, token) {
            fsutil::remove(&lock)?;
        }
    }
    if let Ok(entries) = fs::read_dir(store.local_dir().join("tmp")) {
        for e in entries.flatten() {
            let _ = fs::remove_file(e.path());
        }
    }
    let Some(journal) = journal else {
        clear(store);
        return Ok(());
    };
    let repo = &store.repo;
    let head = repo.head_id().ok().map(|id| id.detach());
    if head.is_some_and(|h| h.to_string() == journal.commit) {
        let head = head.expect("checked");
        let mut blobs: Blobs = Vec::new();
        for (rel, id) in &journal.files {
            let id = id
                .as_deref()
                .map(|h| ObjectId::from_hex(h.as_bytes()))
                .transpose()
                .map_err(Error::git)?;
            blobs.push((rel.clone(), id));
        }
        // The lock first, announced in a journal of its own, so that this process can be
        // killed too; then the files and the index.
        let lock = IndexLock::acquire(store, INDEX_LOCK_WAIT, |token| {
            write(store, head, token, &blobs)
        })?;
        for (rel, id) in &blobs {
            let target = store.abs(rel);
            match id {
                Some(id) => {
                    let blob = repo.find_object(*id).map_err(Error::git)?;
                    fsutil::write_atomic(
                        &target,
                        &blob.data,
                        Some(&store.local_dir().join("tmp")),
                    )?;
                }
                None => fsutil::remove(&target)?,
            }
        }
        update_index(store, &blobs, lock)?;
    }
    clear(store);
    Ok(())
}
