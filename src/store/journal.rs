//! The commit journal: what a committing orc process still has to do after moving HEAD.
//!
//! Written before the branch moves, removed after the work tree and index are updated.
//! An orc process killed in between leaves it behind; the next orc process (which holds
//! the repository lock, so the writer is certainly gone) finishes the job: it removes the
//! dead process's `index.lock` and, if HEAD is the journal's commit, writes the files and
//! index entries. Before the branch moved, nothing was visible, so nothing is redone.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::commit::{Blobs, update_index};
use super::{Store, fsutil};
use crate::error::{Error, Result};

#[derive(Serialize, Deserialize)]
struct Journal {
    commit: String,
    /// Inode of the `index.lock` the writer held, to recognise it as the writer's own.
    index_lock_ino: Option<u64>,
    files: Vec<(String, Option<String>)>,
}

fn path(store: &Store) -> PathBuf {
    store.local_dir().join("journal.json")
}

pub(super) fn write(
    store: &Store,
    commit: ObjectId,
    index_lock: &Path,
    blobs: &Blobs,
) -> Result<()> {
    let journal = Journal {
        commit: commit.to_string(),
        index_lock_ino: fs::metadata(index_lock).ok().map(|m| m.ino()),
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
    if let Ok(entries) = fs::read_dir(store.local_dir().join("tmp")) {
        for e in entries.flatten() {
            let _ = fs::remove_file(e.path());
        }
    }
    let Ok(bytes) = fs::read(path(store)) else {
        return Ok(());
    };
    let Ok(journal) = serde_json::from_slice::<Journal>(&bytes) else {
        clear(store);
        return Ok(());
    };
    let repo = &store.repo;
    let index_lock = repo.index_path().with_extension("lock");
    if let (Some(ino), Ok(meta)) = (journal.index_lock_ino, fs::metadata(&index_lock))
        && meta.ino() == ino
    {
        fs::remove_file(&index_lock).map_err(|e| Error::io(&index_lock, e))?;
    }
    let head = repo.head_id().ok().map(|id| id.detach().to_string());
    if head.as_deref() == Some(journal.commit.as_str()) {
        let mut blobs: Blobs = Vec::new();
        for (rel, id) in &journal.files {
            let id = id
                .as_deref()
                .map(|h| ObjectId::from_hex(h.as_bytes()))
                .transpose()
                .map_err(Error::git)?;
            let target = store.abs(rel);
            match id {
                Some(id) => {
                    let blob = repo.find_object(id).map_err(Error::git)?;
                    fsutil::write_atomic(
                        &target,
                        &blob.data,
                        Some(&store.local_dir().join("tmp")),
                    )?;
                }
                None => fsutil::remove(&target)?,
            }
            blobs.push((rel.clone(), id));
        }
        let lock = gix::lock::File::acquire_to_update_resource(
            repo.index_path(),
            gix::lock::acquire::Fail::AfterDurationWithBackoff(Duration::from_secs(10)),
            None,
            0,
        )
        .map_err(Error::git)?;
        update_index(store, &blobs, lock)?;
    }
    clear(store);
    Ok(())
}
