//! Reading history: walk commits from HEAD newest first, parse `Orc-*` trailers, compare
//! a path between a commit and its parent. Walks stop as early as the caller allows.

use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;

use gix::ObjectId;
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;
use jiff::Timestamp;

use super::Store;
use crate::error::{Error, Result};

/// How a commit changed a file, relative to its first parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    Added,
    Modified,
    Deleted,
}

/// One commit as history readers need it. Ids are full hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub parents: Vec<String>,
    /// Committer time.
    pub time: Timestamp,
    pub author: String,
    /// First line of the message.
    pub summary: String,
    pub message: String,
    /// `Key: value` lines of the last paragraph, in order.
    pub trailers: Vec<(String, String)>,
}

impl CommitInfo {
    /// The first value of a trailer (case-insensitive key).
    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub fn short_id(&self) -> &str {
        &self.id[..12.min(self.id.len())]
    }
}

/// Where a walk starts counting from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// Commits after this one (full hex id), like `git log ID..HEAD`.
    Commit(String),
    /// Commits made at or after this time.
    Time(Timestamp),
}

/// How a history walk ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkEnd {
    /// Commits read.
    pub scanned: usize,
    /// The caller stopped the walk (or `since` was reached) before history ran out.
    pub stopped: bool,
    /// The walk reached the boundary of a shallow clone: older commits are not here.
    pub shallow: bool,
    /// A commit or object that could not be read; the walk ended there.
    pub problem: Option<String>,
}

/// Parses the trailer block of a commit message: the last paragraph, when every line of
/// it is `Token: value` (token of letters, digits and `-`).
pub fn parse_trailers(message: &str) -> Vec<(String, String)> {
    let message = message.trim_end();
    let Some((_, last)) = message.rsplit_once("\n\n") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in last.lines() {
        let Some((key, value)) = line.split_once(':') else {
            return Vec::new();
        };
        let key = key.trim_end();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Vec::new();
        }
        out.push((key.to_owned(), value.trim().to_owned()));
    }
    out
}

fn parse_id(hex: &str) -> Result<ObjectId> {
    ObjectId::from_hex(hex.as_bytes()).map_err(|e| Error::git(format!("bad object id {hex}: {e}")))
}

impl Store {
    /// HEAD's commit id, `None` on an unborn branch.
    pub fn head_commit(&self) -> Result<Option<String>> {
        Ok(super::refs::read(self, "HEAD")?.map(|id| id.to_string()))
    }

    /// Resolves a revision (`HEAD~2`, a branch, a tag, a full or abbreviated id) to a
    /// commit id.
    pub fn resolve_commit(&self, spec: &str) -> Result<String> {
        let unknown = || {
            Error::invalid_with_hint(
                format!("{spec:?} is neither a commit nor a date"),
                "give a commit (id, branch, tag, HEAD~3) or a date like 2026-01-31",
            )
        };
        if self.refs == super::refs::Backend::Reftable {
            return match super::refs::rev_parse(self, spec.trim())? {
                Some(id) => Ok(id.to_string()),
                None => Err(unknown()),
            };
        }
        let id = self
            .repo
            .rev_parse_single(spec.trim())
            .map_err(|_| unknown())?;
        let commit = id
            .object()
            .map_err(Error::git)?
            .peel_to_commit()
            .map_err(|_| Error::invalid(format!("{spec:?} does not name a commit")))?;
        Ok(commit.id.to_string())
    }

    /// Whether this clone is shallow (history is cut off at some commits).
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow().unwrap_or(false)
    }

    /// Walks commits reachable from HEAD, newest first by committer time, calling `visit`
    /// for each until it breaks, `since` is reached, or history ends.
    pub fn walk_history(
        &self,
        since: Option<&Since>,
        mut visit: impl FnMut(&CommitInfo) -> ControlFlow<()>,
    ) -> Result<WalkEnd> {
        let mut end = WalkEnd::default();
        let Some(head) = super::refs::head(self)?.id else {
            return Ok(end);
        };
        let mut platform = self.repo.rev_walk([head]);
        platform = match since {
            Some(Since::Time(t)) => platform.sorting(Sorting::ByCommitTimeCutoff {
                order: CommitTimeOrder::NewestFirst,
                seconds: t.as_second(),
            }),
            _ => platform.sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst)),
        };
        if let Some(Since::Commit(c)) = since {
            platform = platform.with_hidden([parse_id(c)?]);
        }
        let shallow: HashSet<ObjectId> = self
            .repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|c| c.iter().copied().collect())
            .unwrap_or_default();
        let walk = match platform.all() {
            Ok(w) => w,
            Err(e) => {
                end.problem = Some(format!("could not start reading history: {e}"));
                return Ok(end);
            }
        };
        let mut reached_shallow = false;
        for info in walk {
            let info = match info {
                Ok(i) => i,
                Err(e) => {
                    end.problem = Some(format!("could not read a commit: {e}"));
                    return Ok(end);
                }
            };
            let id = info.id;
            let commit = match self.commit_info(id) {
                Ok(c) => c,
                Err(e) => {
                    end.problem = Some(format!("could not read commit {id}: {e}"));
                    return Ok(end);
                }
            };
            if let Some(Since::Time(t)) = since
                && commit.time < *t
            {
                continue;
            }
            end.scanned += 1;
            if shallow.contains(&id) {
                reached_shallow = true;
            }
            if visit(&commit).is_break() {
                end.stopped = true;
                return Ok(end);
            }
        }
        if since.is_some() && !reached_shallow {
            end.stopped = true;
        }
        end.shallow = reached_shallow && !end.stopped;
        Ok(end)
    }

    fn commit_info(&self, id: ObjectId) -> Result<CommitInfo> {
        let commit = self.repo.find_commit(id).map_err(Error::git)?;
        let message = commit.message_raw_sloppy().to_string();
        let time = commit.time().map_err(Error::git)?;
        let author = commit
            .author()
            .map(|a| a.name.to_string())
            .unwrap_or_default();
        Ok(CommitInfo {
            id: id.to_string(),
            parents: commit.parent_ids().map(|p| p.to_string()).collect(),
            time: Timestamp::from_second(time.seconds).unwrap_or(Timestamp::UNIX_EPOCH),
            author,
            summary: message.lines().next().unwrap_or("").trim().to_owned(),
            trailers: parse_trailers(&message),
            message,
        })
    }

    /// The blob id of `path` in `commit`'s tree (`None` when absent).
    pub fn blob_id_at(&self, commit: &str, path: &str) -> Result<Option<String>> {
        let tree = self
            .repo
            .find_commit(parse_id(commit)?)
            .map_err(Error::git)?
            .tree()
            .map_err(Error::git)?;
        let entry = tree.lookup_entry_by_path(path).map_err(Error::git)?;
        Ok(entry
            .filter(|e| e.mode().is_blob())
            .map(|e| e.object_id().to_string()))
    }

    /// The content of `path` in `commit` (`None` when absent); in a partial clone, fetched
    /// first if it is not here yet.
    pub fn read_at(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(blob) = self.blob_id_at(commit, path)? else {
            return Ok(None);
        };
        Ok(self.read_blobs(&[blob])?.pop())
    }

    /// The contents of blobs (full hex ids), in order. In a partial clone, the ones not
    /// here yet are fetched first, all with one `git fetch` (see [`Store::ensure_objects`]).
    pub fn read_blobs(&self, ids: &[String]) -> Result<Vec<Vec<u8>>> {
        let ids = ids
            .iter()
            .map(|id| parse_id(id))
            .collect::<Result<Vec<_>>>()?;
        self.ensure_objects(&ids)?;
        ids.into_iter()
            .map(|id| {
                let blob = self.repo.find_blob(id).map_err(Error::git)?;
                Ok(blob.data.clone())
            })
            .collect()
    }

    /// Whether `commit` changed `path` compared with its first parent (or, for a root
    /// commit, whether it added it). Parents missing from a shallow clone count as absent.
    pub fn commit_touches(&self, commit: &CommitInfo, path: &str) -> Result<bool> {
        let now = self.blob_id_at(&commit.id, path)?;
        let before = match commit.parents.first() {
            Some(p) => self.blob_id_at(p, path).unwrap_or(None),
            None => None,
        };
        Ok(now != before)
    }

    /// Paths of files that `commit` added, changed or removed compared with its first
    /// parent (everything, for a root commit; nothing when the parent is missing, as at
    /// the boundary of a shallow clone, since what changed cannot be known).
    pub fn changed_paths(&self, commit: &CommitInfo) -> Result<Vec<String>> {
        let mut paths: Vec<String> = self
            .commit_changes(commit)?
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        paths.dedup();
        Ok(paths)
    }

    /// Like [`Store::changed_paths`], with how each file changed. A path that changed
    /// between file and directory appears twice (deleted and added). Sorted by path.
    pub fn commit_changes(&self, commit: &CommitInfo) -> Result<Vec<(String, FileChange)>> {
        let tree_of = |id: &str| -> Result<ObjectId> {
            Ok(self
                .repo
                .find_commit(parse_id(id)?)
                .map_err(Error::git)?
                .tree_id()
                .map_err(Error::git)?
                .detach())
        };
        let new = tree_of(&commit.id)?;
        let old = match commit.parents.first() {
            Some(p) => match tree_of(p) {
                Ok(t) => Some(t),
                Err(_) => return Ok(Vec::new()),
            },
            None => None,
        };
        let mut out = Vec::new();
        self.diff_trees(old, Some(new), "", &mut out)?;
        out.sort();
        Ok(out)
    }

    /// Every file below `tree`, as `prefix` + path, with its blob id.
    pub(super) fn flatten(
        &self,
        tree: ObjectId,
        prefix: &str,
        out: &mut BTreeMap<String, ObjectId>,
    ) -> Result<()> {
        for (name, (is_tree, id)) in self.tree_entries(Some(tree))? {
            let path = format!("{prefix}{name}");
            if is_tree {
                self.flatten(id, &format!("{path}/"), out)?;
            } else {
                out.insert(path, id);
            }
        }
        Ok(())
    }

    pub(super) fn tree_entries(
        &self,
        id: Option<ObjectId>,
    ) -> Result<BTreeMap<String, (bool, ObjectId)>> {
        let mut out = BTreeMap::new();
        let Some(id) = id else { return Ok(out) };
        let tree = self.repo.find_tree(id).map_err(Error::git)?;
        for entry in tree.decode().map_err(Error::git)?.entries {
            out.insert(
                entry.filename.to_string(),
                (entry.mode.is_tree(), entry.oid.to_owned()),
            );
        }
        Ok(out)
    }

    fn diff_trees(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        out: &mut Vec<(String, FileChange)>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let (a, b) = (self.tree_entries(old)?, self.tree_entries(new)?);
        let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for name in names {
            let path = format!("{prefix}{name}");
            let (x, y) = (a.get(name), b.get(name));
            if x == y {
                continue;
            }
            let sub = |e: Option<&(bool, ObjectId)>| e.filter(|(t, _)| *t).map(|(_, id)| *id);
            let blob = |e: Option<&(bool, ObjectId)>| e.filter(|(t, _)| !*t).map(|(_, id)| *id);
            if sub(x).is_some() || sub(y).is_some() {
                self.diff_trees(sub(x), sub(y), &format!("{path}/"), out)?;
            }
            match (blob(x), blob(y)) {
                (Some(a), Some(b)) if a != b => out.push((path, FileChange::Modified)),
                (Some(_), None) => out.push((path, FileChange::Deleted)),
                (None, Some(_)) => out.push((path, FileChange::Added)),
                _ => {}
            }
        }
        Ok(())
    }

    /// For each path, how many commits of HEAD's first-parent chain have it, counting from
    /// HEAD until the first commit that lacks it: a larger number means it arrived on this
    /// branch earlier. Paths not in HEAD get 0.
    pub fn arrival_depth(&self, paths: &[String]) -> Result<BTreeMap<String, usize>> {
        let mut out: BTreeMap<String, usize> = paths.iter().map(|p| (p.clone(), 0)).collect();
        let Some(mut cur) = self.head_commit()? else {
            return Ok(out);
        };
        let mut open: Vec<String> = paths.to_vec();
        let mut depth = 0;
        while !open.is_empty() {
            let mut still = Vec::new();
            for p in open {
                if self.blob_id_at(&cur, &p).unwrap_or(None).is_some() {
                    out.insert(p.clone(), depth + 1);
                    still.push(p);
                }
            }
            open = still;
            depth += 1;
            let commit = match self.repo.find_commit(parse_id(&cur)?) {
                Ok(c) => c,
                Err(_) => break,
            };
            match commit.parent_ids().next() {
                Some(p) if self.repo.find_commit(p.detach()).is_ok() => cur = p.to_string(),
                _ => break,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_come_from_the_last_paragraph() {
        let t = parse_trailers("orc: add x\n\nOrc-Op: task.add\nOrc-Task: task_1\n");
        assert_eq!(
            t,
            vec![
                ("Orc-Op".to_owned(), "task.add".to_owned()),
                ("Orc-Task".to_owned(), "task_1".to_owned())
            ]
        );
        assert!(parse_trailers("Orc-Op: x").is_empty());
        assert!(parse_trailers("fix\n\nThis is: prose with spaces in key\n").is_empty());
        assert!(parse_trailers("fix\n\nsome words\nOrc-Op: x\n").is_empty());
    }
}
