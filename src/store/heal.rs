//! Restores orc files that a concurrent `git commit` reverted.
//!
//! `git commit` reads the index before it takes `index.lock`. Orc writes its index entries
//! before it moves HEAD, so a `git commit` that sees orc's commit also sees its entries;
//! but one that read the index just before orc's commit and locks it just after writes
//! back an index without orc's latest entries, and a tool that reads the index before
//! HEAD may commit it. Orc remembers its last commit; before the next one it looks at the
//! commits made since by others, and every `.orchestrator/` file that such a commit
//! changed while the work tree still holds the version before it is written again, in the
//! new commit, with an `Orc-Restored` trailer; and the index entries of its last commit
//! that HEAD and the work tree still hold are set again ([`index_entries`]).
//!
//! A commit that also changed the work tree (a pull, a revert, an edit committed by hand)
//! is left alone: only a change that exists in git but not on disk is undone.

use std::collections::BTreeMap;

use gix::ObjectId;

use super::{ORC_DIR, Store, fsutil, parse_trailers};
use crate::error::{Error, Result};

/// Name of the file in `<git-dir>/orc/` holding the id of orc's last commit.
const LAST_COMMIT: &str = "last-commit";
/// How many commits since orc's last one are examined; beyond, history was rewritten or
/// much happened elsewhere, and nothing is restored.
const MAX_WALK: usize = 64;

/// Records `commit` as orc's last commit in this work tree. Best effort: without it, the
/// next commit only skips the check.
pub(super) fn remember(store: &Store, commit: ObjectId) {
    let _ = fsutil::write_atomic(
        &store.local_dir().join(LAST_COMMIT),
        commit.to_string().as_bytes(),
        None,
    );
}

/// The `.orchestrator/` files that the commits between orc's last commit and `head` (the
/// parent of the commit orc is about to make) reverted in git while the work tree kept
/// orc's version, with that version's content.
pub(super) fn lost_files(store: &Store, head: ObjectId) -> Result<Vec<(String, Vec<u8>)>> {
    let repo = &store.repo;
    let Some(last) = last_commit(store) else {
        return Ok(Vec::new());
    };
    if head == last {
        return Ok(Vec::new());
    }
    // HEAD's first-parent chain back to orc's last commit, newest first.
    let mut since = Vec::new();
    let mut cur = head;
    loop {
        if cur == last {
            break;
        }
        if since.len() == MAX_WALK {
            return Ok(Vec::new());
        }
        let Ok(commit) = repo.find_commit(cur) else {
            return Ok(Vec::new());
        };
        let Some(parent) = commit.parent_ids().next().map(|p| p.detach()) else {
            return Ok(Vec::new());
        };
        since.push((cur, parent));
        cur = parent;
    }

    // What orc had before each foreign commit changed it, oldest commit last so that the
    // earliest version wins (a second foreign commit may build on the first).
    let mut before: BTreeMap<String, ObjectId> = BTreeMap::new();
    for (id, parent) in since {
        let commit = repo.find_commit(id).map_err(Error::git)?;
        let message = commit.message_raw_sloppy().to_string();
        if parse_trailers(&message)
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("Orc-Op"))
        {
            continue;
        }
        let old = orc_subtree(store, parent)?;
        let new = orc_subtree(store, id)?;
        if old == new {
            continue;
        }
        let mut changes = Vec::new();
        diff(store, old, new, &format!("{ORC_DIR}/"), &mut changes)?;
        for (path, old_blob) in changes {
            if let Some(blob) = old_blob {
                before.insert(path, blob);
            }
        }
    }

    let head_tree = repo
        .find_commit(head)
        .map_err(Error::git)?
        .tree()
        .map_err(Error::git)?;
    let mut lost = Vec::new();
    for (path, orc_blob) in before {
        let Some(bytes) = fsutil::read_optional(&store.abs(&path)).unwrap_or(None) else {
            continue;
        };
        let disk = gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &bytes)
            .map_err(Error::git)?;
        let in_head = head_tree
            .lookup_entry_by_path(&path)
            .map_err(Error::git)?
            .filter(|e| e.mode().is_blob())
            .map(|e| e.object_id());
        if disk == orc_blob && in_head != Some(disk) {
            lost.push((path, bytes));
        }
    }
    Ok(lost)
}

/// The `.orchestrator/` paths orc's last commit changed that `head` and the work tree
/// still agree on, with their blob in `head` (`None`: neither has the file).
///
/// git's own race, the one `git add` can lose to as well: a `git commit` without paths
/// that read the index just before orc's commit and takes `index.lock` just after writes
/// back the index it read, without orc's entries, then fails its compare-and-swap on
/// `HEAD`. `HEAD` and the work tree have orc's files, the index has the old entries. Orc
/// sets these entries again with its next change: that repairs such an index and is a
/// no-op otherwise (the commit's tree does not change).
pub(super) fn index_entries(
    store: &Store,
    head: ObjectId,
) -> Result<Vec<(String, Option<ObjectId>)>> {
    let repo = &store.repo;
    let Some(last) = last_commit(store) else {
        return Ok(Vec::new());
    };
    let Ok(commit) = repo.find_commit(last) else {
        return Ok(Vec::new());
    };
    let parent = commit.parent_ids().next().map(|p| p.detach());
    let old = match parent {
        Some(p) => orc_subtree(store, p)?,
        None => None,
    };
    let new = orc_subtree(store, last)?;
    let mut changes = Vec::new();
    diff(store, old, new, &format!("{ORC_DIR}/"), &mut changes)?;
    let head_tree = repo
        .find_commit(head)
        .map_err(Error::git)?
        .tree()
        .map_err(Error::git)?;
    let mut entries = Vec::new();
    for (path, _) in changes {
        let in_head = head_tree
            .lookup_entry_by_path(&path)
            .map_err(Error::git)?
            .map(|e| (e.mode().kind(), e.object_id()));
        let on_disk = fsutil::read_optional(&store.abs(&path))
            .unwrap_or(None)
            .map(|bytes| {
                gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &bytes)
                    .map_err(Error::git)
            })
            .transpose()?;
        match (in_head, on_disk) {
            (Some((gix::objs::tree::EntryKind::Blob, id)), Some(disk)) if id == disk => {
                entries.push((path, Some(id)));
            }
            (None, None) => entries.push((path, None)),
            _ => {}
        }
    }
    Ok(entries)
}

/// Orc's last commit in this work tree, as [`remember`] recorded it.
fn last_commit(store: &Store) -> Option<ObjectId> {
    std::fs::read_to_string(store.local_dir().join(LAST_COMMIT))
        .ok()
        .and_then(|s| ObjectId::from_hex(s.trim().as_bytes()).ok())
}

/// The id of the `.orchestrator` tree in `commit`, if any.
fn orc_subtree(store: &Store, commit: ObjectId) -> Result<Option<ObjectId>> {
    let tree = store
        .repo
        .find_commit(commit)
        .map_err(Error::git)?
        .tree()
        .map_err(Error::git)?;
    Ok(tree
        .lookup_entry_by_path(ORC_DIR)
        .map_err(Error::git)?
        .filter(|e| e.mode().is_tree())
        .map(|e| e.object_id()))
}

/// Files that differ between two trees, with their blob in `old` (`None` when added).
fn diff(
    store: &Store,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    prefix: &str,
    out: &mut Vec<(String, Option<ObjectId>)>,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let (a, b) = (store.tree_entries(old)?, store.tree_entries(new)?);
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        let (x, y) = (a.get(name), b.get(name));
        if x == y {
            continue;
        }
        let path = format!("{prefix}{name}");
        let sub = |e: Option<&(bool, ObjectId)>| e.filter(|(t, _)| *t).map(|(_, id)| *id);
        let blob = |e: Option<&(bool, ObjectId)>| e.filter(|(t, _)| !*t).map(|(_, id)| *id);
        if sub(x).is_some() || sub(y).is_some() {
            diff(store, sub(x), sub(y), &format!("{path}/"), out)?;
        }
        if blob(x).is_some() || blob(y).is_some() {
            out.push((path, blob(x)));
        }
    }
    Ok(())
}
