//! Reading history: commits reachable from HEAD and the files each one changed.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::Store;
use crate::error::{Error, Result};

/// How a commit changed a file, relative to its first parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    Added,
    Modified,
    Deleted,
}

/// A commit and the files it changed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommitInfo {
    pub commit: String,
    pub summary: String,
    /// Committer time, seconds since the Unix epoch.
    pub time: i64,
    #[serde(skip)]
    pub message: String,
    pub files: Vec<(String, FileChange)>,
}

impl Store {
    /// Commits reachable from HEAD, newest first, whose message `keep` accepts, each
    /// with the files it changed relative to its first parent (all files for a root
    /// commit). Only accepted commits are diffed.
    pub fn commits_where(&self, mut keep: impl FnMut(&str) -> bool) -> Result<Vec<CommitInfo>> {
        let repo = &self.repo;
        let head = repo.head().map_err(Error::git)?;
        let Some(tip) = head.id() else {
            return Ok(Vec::new());
        };
        let walk = repo
            .rev_walk(Some(tip.detach()))
            .all()
            .map_err(Error::git)?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.map_err(Error::git)?;
            let commit = repo.find_commit(info.id).map_err(Error::git)?;
            let message = commit
                .message_raw()
                .map_err(Error::git)?
                .to_str_lossy()
                .into_owned();
            if !keep(&message) {
                continue;
            }
            let tree = commit.tree_id().map_err(Error::git)?.detach();
            let parent_tree = match commit.parent_ids().next() {
                Some(p) => Some(
                    repo.find_commit(p)
                        .map_err(Error::git)?
                        .tree_id()
                        .map_err(Error::git)?
                        .detach(),
                ),
                None => None,
            };
            let mut files = Vec::new();
            diff_trees(self, parent_tree, Some(tree), "", &mut files)?;
            let time = commit.time().map_err(Error::git)?.seconds;
            out.push(CommitInfo {
                commit: info.id.to_string(),
                summary: message.lines().next().unwrap_or("").to_owned(),
                time,
                message,
                files,
            });
        }
        Ok(out)
    }
}

/// Every file below `tree`, as `prefix` + path, with its blob id.
pub(super) fn flatten(
    store: &Store,
    tree: ObjectId,
    prefix: &str,
    out: &mut BTreeMap<String, ObjectId>,
) -> Result<()> {
    for (name, (id, is_tree)) in entries(store, Some(tree))? {
        let path = format!("{prefix}{name}");
        if is_tree {
            flatten(store, id, &format!("{path}/"), out)?;
        } else {
            out.insert(path, id);
        }
    }
    Ok(())
}

/// Entries of a tree by name: id and whether it is a tree.
pub(super) fn entries(
    store: &Store,
    tree: Option<ObjectId>,
) -> Result<BTreeMap<String, (ObjectId, bool)>> {
    let mut out = BTreeMap::new();
    let Some(id) = tree else {
        return Ok(out);
    };
    let tree = store.repo.find_tree(id).map_err(Error::git)?;
    for entry in tree.decode().map_err(Error::git)?.entries {
        out.insert(
            entry.filename.to_str_lossy().into_owned(),
            (entry.oid.to_owned(), entry.mode.is_tree()),
        );
    }
    Ok(out)
}

/// Appends the files that differ between two trees, descending only into subtrees
/// whose ids differ.
fn diff_trees(
    store: &Store,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    prefix: &str,
    out: &mut Vec<(String, FileChange)>,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let old = entries(store, old)?;
    let new = entries(store, new)?;
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let path = format!("{prefix}{name}");
        let sub = format!("{path}/");
        match (old.get(name), new.get(name)) {
            (Some(o), Some(n)) if o == n => {}
            (Some((o, true)), Some((n, true))) => diff_trees(store, Some(*o), Some(*n), &sub, out)?,
            (o, n) => {
                // Blob to blob is a modification; anything else is a removal and an addition.
                match (o, n) {
                    (Some((_, false)), Some((_, false))) => {
                        out.push((path, FileChange::Modified));
                    }
                    _ => {
                        if let Some((o, is_tree)) = o {
                            if *is_tree {
                                diff_trees(store, Some(*o), None, &sub, out)?;
                            } else {
                                out.push((path.clone(), FileChange::Deleted));
                            }
                        }
                        if let Some((n, is_tree)) = n {
                            if *is_tree {
                                diff_trees(store, None, Some(*n), &sub, out)?;
                            } else {
                                out.push((path, FileChange::Added));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
