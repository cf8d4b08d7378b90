//! Reading history: walk commits from HEAD newest first, parse `Orc-*` trailers, compare
//! a path between a commit and its parent. Walks stop as early as the caller allows, and
//! never below the commits that added `.orchestrator/`: no orc data is older than them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;

use gix::ObjectId;
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;
use jiff::Timestamp;

use super::cache::{read_cache, write_cache};
use super::{ORC_DIR, Store};
use crate::error::{Error, Result};

/// Commits a walk reads before it looks for orc's boundary: queries that stop early
/// (`orc log -n 50`, the briefing since the last session) never need it.
const PLAIN_COMMITS: usize = 256;

/// How a walk treats the commits older than orc's adoption (`ORC_HISTORY_BOUNDARY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BoundaryMode {
    /// Read [`PLAIN_COMMITS`] commits, then skip the ancestors of the commits that added
    /// `.orchestrator/` (the default).
    Lazy,
    /// Skip them from the first commit on.
    Eager,
    /// Read every commit (`off`): a full walk, as a check or for a history where
    /// `.orchestrator/` was deleted and added again, whose older orc commits are otherwise
    /// skipped.
    Off,
}

/// Whether a full walk was asked for (`ORC_HISTORY_BOUNDARY=off`): then history caches
/// are neither read nor written, and every answer is worked out from the commits.
pub(super) fn full_walk_requested() -> bool {
    BoundaryMode::from_env() == BoundaryMode::Off
}

impl BoundaryMode {
    fn from_env() -> BoundaryMode {
        match std::env::var("ORC_HISTORY_BOUNDARY")
            .as_deref()
            .map(str::trim)
        {
            Ok("off") => BoundaryMode::Off,
            Ok("eager") => BoundaryMode::Eager,
            _ => BoundaryMode::Lazy,
        }
    }
}

/// A commit id as the history caches store it.
pub(super) type RawId = [u8; 20];

/// What the history cache knows of one commit: whether its tree has `.orchestrator/`, and
/// its parents. Both follow from the commit id (it names the content), so entries never go
/// stale; only a shallow clone's grafted parents differ, hence the cache's stamp.
type Fact = (bool, Vec<RawId>);

/// The history cache (`<git-dir>/orc/cache/history`): the shallow commits it was made
/// with, and the facts of the commits the last boundary search looked at.
type HistoryCache = (Vec<RawId>, Vec<(RawId, bool, Vec<RawId>)>);

pub(super) fn raw(id: &gix::oid) -> Option<RawId> {
    id.as_bytes().try_into().ok()
}

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
    ObjectId::from_hex(hex.as_bytes())
        .map_err(|e| Error::git_while(format!("bad object id {hex}"), e))
}

impl Store {
    /// HEAD's commit id, `None` on an unborn branch.
    pub fn head_commit(&self) -> Result<Option<String>> {
        Ok(super::refs::read(self, "HEAD")?.map(|id| id.to_string()))
    }

    /// How many commits HEAD reaches (0 on an unborn branch). Walks the whole history:
    /// for reproducible runs (`ORC_SEED`), not for hot paths.
    pub fn head_depth(&self) -> Result<usize> {
        let Some(head) = super::refs::head(self)?.id else {
            return Ok(0);
        };
        let walk = self.repo.rev_walk([head]).all().map_err(Error::git)?;
        Ok(walk.filter(Result::is_ok).count())
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
    /// for each until it breaks, `since` is reached, or history ends. Once more than a few
    /// hundred commits were read, the ancestors of the commits that added `.orchestrator/`
    /// are skipped (see [`Store::orc_boundary`]): they cannot carry orc data, and in a
    /// project that adopted orc late they are nearly all of its history.
    pub fn walk_history(
        &self,
        since: Option<&Since>,
        mut visit: impl FnMut(&CommitInfo) -> ControlFlow<()>,
    ) -> Result<WalkEnd> {
        let mut end = WalkEnd::default();
        let Some(head) = super::refs::head(self)?.id else {
            return Ok(end);
        };
        let since_hidden = match since {
            Some(Since::Commit(c)) => Some(parse_id(c)?),
            _ => None,
        };
        match self.walk_from(head, since, since_hidden, &mut end, &mut visit) {
            Err(problem) => end.problem = Some(problem),
            // The caller stopped the walk.
            Ok(_) if end.stopped => {}
            Ok(reached_shallow) => {
                if since.is_some() && !reached_shallow {
                    end.stopped = true;
                }
                end.shallow = reached_shallow && !end.stopped;
            }
        }
        Ok(end)
    }

    /// The walk of [`Store::walk_history`] from `head`, counting in `end` the commits read
    /// and setting `end.stopped` when `visit` breaks. Returns whether a shallow boundary was
    /// reached, or why history could not be read.
    fn walk_from(
        &self,
        head: ObjectId,
        since: Option<&Since>,
        since_hidden: Option<ObjectId>,
        end: &mut WalkEnd,
        visit: &mut impl FnMut(&CommitInfo) -> ControlFlow<()>,
    ) -> std::result::Result<bool, String> {
        let shallow = self.shallow_commits();
        let plain_budget = self.plain_budget(since_hidden);
        let mut reached_shallow = false;
        // The commits visited before the boundary was looked for: a bounded walk skips them.
        let mut visited: HashSet<ObjectId> = HashSet::new();
        let mut hidden: Vec<ObjectId> = since_hidden.into_iter().collect();
        let mut bounded = false;
        // Commits below the boundary are not read, so a shallow boundary down there goes
        // unseen: it is reported as a full walk reaching it would report it.
        let below_shallow = since.is_none() && !shallow.is_empty();
        if plain_budget == 0 {
            bounded = true;
            reached_shallow |= self.add_boundary(head, &mut hidden) && below_shallow;
        }
        let mut walk = self.start_walk(head, since, &hidden)?;
        while let Some(info) = walk.next() {
            let id = info
                .map_err(|e| format!("could not read a commit: {e}"))?
                .id;
            if !bounded && visited.len() >= plain_budget {
                // Enough read to be worth knowing where orc's history begins.
                bounded = true;
                if self.add_boundary(head, &mut hidden) {
                    walk = self.start_walk(head, since, &hidden)?;
                    reached_shallow |= below_shallow;
                    continue;
                }
            }
            if bounded && visited.contains(&id) {
                continue;
            }
            let commit = self
                .commit_info(id)
                .map_err(|e| format!("could not read commit {id}: {e}"))?;
            if let Some(Since::Time(t)) = since
                && commit.time < *t
            {
                continue;
            }
            end.scanned += 1;
            if !bounded {
                visited.insert(id);
            }
            if shallow.contains(&id) {
                reached_shallow = true;
            }
            if visit(&commit).is_break() {
                end.stopped = true;
                return Ok(reached_shallow);
            }
        }
        Ok(reached_shallow)
    }

    /// The commits at which this shallow clone's history is cut off (none when it is not
    /// shallow).
    fn shallow_commits(&self) -> HashSet<ObjectId> {
        self.repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|c| c.iter().copied().collect())
            .unwrap_or_default()
    }

    /// How many commits a walk reads before it looks for the boundary of orc's history
    /// (see [`BoundaryMode`]).
    fn plain_budget(&self, since_hidden: Option<ObjectId>) -> usize {
        match BoundaryMode::from_env() {
            // Hiding a `since` commit older than orc would have the walk paint its whole
            // ancestry before the first commit: bound such a walk from the start.
            BoundaryMode::Lazy if since_hidden.is_some_and(|s| !self.has_orc_dir(s)) => 0,
            BoundaryMode::Lazy => PLAIN_COMMITS,
            BoundaryMode::Eager => 0,
            BoundaryMode::Off => usize::MAX,
        }
    }

    /// Adds to `hidden` the parents of the commits that added `.orchestrator/` below
    /// `head`; whether there are any (none: no boundary is known, or orc's history starts
    /// at a root commit). A `since` commit in `hidden` that is older than orc is dropped:
    /// the boundary hides it already, and hiding it too would have the walk paint its
    /// whole ancestry before the first commit.
    fn add_boundary(&self, head: ObjectId, hidden: &mut Vec<ObjectId>) -> bool {
        // Only an optimisation: a boundary that cannot be found (a tree missing from a
        // partial clone, say) leaves the walk reading everything, as before.
        let Some(tips) = self
            .orc_boundary(head)
            .ok()
            .flatten()
            .filter(|t| !t.is_empty())
        else {
            return false;
        };
        hidden.retain(|s| self.is_after_boundary(head, *s, &tips));
        hidden.extend(tips);
        true
    }

    /// Whether `commit`'s tree has `.orchestrator/` (`false` when it cannot be read).
    fn has_orc_dir(&self, commit: ObjectId) -> bool {
        let graph = self.repo.commit_graph_if_enabled().ok().flatten();
        matches!(
            self.commit_fact(commit, graph.as_ref()),
            Ok(Some((true, _)))
        )
    }

    /// Whether `commit` is one a walk from `head` bounded by `tips` reads: its tree has
    /// `.orchestrator/`, or the bounded walk meets it (a commit of a branch forked before
    /// orc was adopted). Otherwise it is older than orc.
    fn is_after_boundary(&self, head: ObjectId, commit: ObjectId, tips: &[ObjectId]) -> bool {
        if self.has_orc_dir(commit) {
            return true;
        }
        match self.start_walk(head, None, tips) {
            Ok(walk) => walk
                .map_while(|info| info.ok())
                .any(|info| info.id == commit),
            // Kept: a walk that cannot start says so itself.
            Err(_) => true,
        }
    }

    /// A walk from `head`, newest first, that does not cross `hidden` (nor return it or
    /// its ancestors); the error says why it could not start.
    fn start_walk(
        &self,
        head: ObjectId,
        since: Option<&Since>,
        hidden: &[ObjectId],
    ) -> std::result::Result<gix::revision::Walk<'_>, String> {
        let mut platform = self.repo.rev_walk([head]);
        platform = match since {
            Some(Since::Time(t)) => platform.sorting(Sorting::ByCommitTimeCutoff {
                order: CommitTimeOrder::NewestFirst,
                seconds: t.as_second(),
            }),
            _ => platform.sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst)),
        };
        if !hidden.is_empty() {
            platform = platform.with_hidden(hidden.iter().copied());
        }
        platform
            .all()
            .map_err(|e| format!("could not start reading history: {e}"))
    }

    /// Where orc's history begins below `head`: the parents of each commit that added
    /// `.orchestrator/` (it is in the commit's tree and in none of its parents'), found by
    /// following only commits whose tree has it. Several after merging clones that were
    /// initialised independently. Commits of branches forked before and merged after are
    /// not their ancestors, so walks still read them.
    ///
    /// `None` when no boundary can be trusted — `head` lacks `.orchestrator/`, a parent is
    /// missing (a shallow clone cut into orc's history), or objects are replaced
    /// (`refs/replace/`) — and walks read everything, as before.
    ///
    /// What each commit looked like is kept in the history cache, so that the next search
    /// decodes only the commits made since.
    fn orc_boundary(&self, head: ObjectId) -> Result<Option<Vec<ObjectId>>> {
        if self.has_replacements() || self.repo.object_hash() != gix::hash::Kind::Sha1 {
            return Ok(None);
        }
        let cache_path = self.local_dir().join("cache").join("history");
        let shallow = self.shallow_stamp();
        let cached: HashMap<RawId, Fact> = match read_cache::<HistoryCache>(&cache_path) {
            Some((stamp, entries)) if stamp == shallow => entries
                .into_iter()
                .map(|(id, has, parents)| (id, (has, parents)))
                .collect(),
            _ => HashMap::new(),
        };
        let graph = self.repo.commit_graph_if_enabled().ok().flatten();
        let mut facts: HashMap<RawId, Fact> = HashMap::new();
        let mut computed = false;
        // The fact of one commit: from the cache, else from the commit-graph and the
        // commit's root tree. `None` when the commit is not in this repository.
        let mut fact = |id: RawId| -> Result<Option<Fact>> {
            if let Some(f) = facts.get(&id) {
                return Ok(Some(f.clone()));
            }
            let f = match cached.get(&id) {
                Some(f) => f.clone(),
                None => {
                    match self.commit_fact(ObjectId::from_bytes_or_panic(&id), graph.as_ref())? {
                        Some(f) => {
                            computed = true;
                            f
                        }
                        None => return Ok(None),
                    }
                }
            };
            facts.insert(id, f.clone());
            Ok(Some(f))
        };
        let Some(head_raw) = raw(&head) else {
            return Ok(None);
        };
        match fact(head_raw)? {
            Some((true, _)) => {}
            _ => return Ok(None),
        }
        let mut tips: Vec<ObjectId> = Vec::new();
        let mut seen: HashSet<RawId> = HashSet::from([head_raw]);
        let mut stack = vec![head_raw];
        while let Some(c) = stack.pop() {
            let (_, parents) = fact(c)?.expect("only present commits are stacked");
            let mut any_has = false;
            for p in &parents {
                match fact(*p)? {
                    None => return Ok(None),
                    Some((true, _)) => {
                        any_has = true;
                        if seen.insert(*p) {
                            stack.push(*p);
                        }
                    }
                    Some((false, _)) => {}
                }
            }
            if !any_has {
                tips.extend(parents.iter().map(|p| ObjectId::from_bytes_or_panic(p)));
            }
        }
        // Rewritten when something was learned or forgotten (history rewritten, or
        // commits no longer reachable): the cache holds what this search looked at.
        if computed || facts.len() != cached.len() {
            let mut entries: Vec<(RawId, bool, Vec<RawId>)> = facts
                .into_iter()
                .map(|(id, (has, parents))| (id, has, parents))
                .collect();
            entries.sort_unstable_by_key(|e| e.0);
            write_cache(&cache_path, &(shallow, entries));
        }
        tips.sort();
        tips.dedup();
        Ok(Some(tips))
    }

    /// Whether `id`'s tree has `.orchestrator/`, and its parents; `None` when the commit
    /// is missing. Parents and root tree come from the commit-graph when it has the commit.
    fn commit_fact(
        &self,
        id: ObjectId,
        graph: Option<&gix::commitgraph::Graph>,
    ) -> Result<Option<Fact>> {
        let from_graph = graph.and_then(|g| {
            let c = g.commit_by_id(id)?;
            let parents: std::result::Result<Vec<RawId>, ()> = c
                .iter_parents()
                .map(|p| p.ok().and_then(|p| raw(g.id_at(p))).ok_or(()))
                .collect();
            Some((parents.ok()?, c.root_tree_id().to_owned()))
        });
        let (parents, tree) = match from_graph {
            Some(pt) => pt,
            None => {
                let Ok(commit) = self.repo.find_commit(id) else {
                    return Ok(None);
                };
                let parents = commit.parent_ids().filter_map(|p| raw(&p)).collect();
                (parents, commit.tree_id().map_err(Error::git)?.detach())
            }
        };
        let tree = self.repo.find_tree(tree).map_err(Error::git)?;
        let has = tree.find_entry(ORC_DIR).is_some_and(|e| e.mode().is_tree());
        Ok(Some((has, parents)))
    }

    /// The shallow commits of this clone, sorted: what the history caches were made with.
    pub(super) fn shallow_stamp(&self) -> Vec<RawId> {
        let mut shallow: Vec<RawId> = self
            .repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|c| c.iter().filter_map(|id| raw(id)).collect())
            .unwrap_or_default();
        shallow.sort_unstable();
        shallow
    }

    /// Whether objects are replaced (`refs/replace/`): walks then see other parents than
    /// the commits record.
    pub(super) fn has_replacements(&self) -> bool {
        super::refs::list(self, "refs/replace/").is_ok_and(|refs| !refs.is_empty())
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

    /// The commits whose content others have already seen: the current branch's upstream
    /// (`branch.<name>.remote` and `.merge`, as `git pull` uses them) when it is set and
    /// fetched; otherwise, when HEAD is a merge, the sides it merged in (HEAD's parents
    /// after the first) that came from elsewhere: reachable from a remote-tracking branch
    /// or from what was last fetched (`FETCH_HEAD`).
    pub fn published_commits(&self) -> Result<Vec<String>> {
        if let Some(branch) = self.branch()
            && let Some(remote) = self.config_string(&format!("branch.{branch}.remote"))
            && let Some(merge) = self.config_string(&format!("branch.{branch}.merge"))
        {
            let tracking = match remote.as_str() {
                "." => merge.clone(),
                _ => format!(
                    "refs/remotes/{remote}/{}",
                    merge.strip_prefix("refs/heads/").unwrap_or(&merge)
                ),
            };
            if let Ok(id) = self.resolve_commit(&tracking) {
                return Ok(vec![id]);
            }
        }
        let Some(head) = self.head_commit()? else {
            return Ok(Vec::new());
        };
        let commit = self
            .repo
            .find_commit(parse_id(&head)?)
            .map_err(Error::git)?;
        let merged: Vec<ObjectId> = commit.parent_ids().skip(1).map(|p| p.detach()).collect();
        if merged.is_empty() {
            return Ok(Vec::new());
        }
        let mut tips: Vec<ObjectId> = super::refs::list(self, "refs/remotes/")?
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        if let Ok(id) = self.resolve_commit("FETCH_HEAD") {
            tips.push(parse_id(&id)?);
        }
        let reachable = |p: ObjectId| {
            tips.iter().any(|t| {
                *t == p
                    || self
                        .repo
                        .merge_base(p, *t)
                        .is_ok_and(|b| b.map(|b| b.detach()) == Some(p))
            })
        };
        Ok(merged
            .into_iter()
            .filter(|p| reachable(*p))
            .map(|p| p.to_string())
            .collect())
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

    /// `git replace` refs are seen in both ref backends, so that history walks do not
    /// trust a boundary found through replaced objects.
    #[test]
    fn replacements_are_seen_in_both_backends() {
        use crate::store::testgit::ok as git;
        for format in ["files", "reftable"] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            let ref_format = format!("--ref-format={format}");
            git(dir, &["init", "-q", "-b", "main", &ref_format]);
            git(dir, &["commit", "-q", "--allow-empty", "-m", "one"]);
            git(dir, &["commit", "-q", "--allow-empty", "-m", "two"]);
            assert!(
                !Store::discover(dir).unwrap().has_replacements(),
                "{format}"
            );
            git(dir, &["replace", "HEAD", "HEAD~1"]);
            assert!(Store::discover(dir).unwrap().has_replacements(), "{format}");
        }
    }
}
