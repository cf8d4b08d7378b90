//! Which files under `.orchestrator/` each commit changed, remembered in a cache
//! (`<git-dir>/orc/cache/history.paths`) so that a query about one task's or decision's
//! history reads each commit's trees once, not on every query. Not for other paths: the
//! cache stays as small as orc's own files.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::cache::{read_cache, write_cache};
use super::history::{CommitInfo, RawId, full_walk_requested, raw};
use super::{ORC_DIR, Store};
use crate::error::{Error, Result};

/// The version of [`OnDisk`]: bumped whenever what it holds changes shape or meaning. (The
/// cache files' common header adds the orc version that wrote it.)
const FORMAT: u32 = 1;

/// The content of `cache/history.paths`.
#[derive(Serialize, Deserialize)]
struct OnDisk {
    format: u32,
    /// The clone's shallow commits when the file was written: a commit at a shallow
    /// boundary "changed" every file it has, so a clone deepened since starts over.
    shallow: Vec<RawId>,
    /// Every path some commit below changed, each once.
    paths: Vec<String>,
    /// Per commit, sorted by id: the indices into `paths` of the files it changed.
    commits: Vec<(RawId, Vec<u32>)>,
    /// A checksum of everything above ([`checksum`]): a damaged file is not trusted.
    check: u64,
}

/// FNV-1a (64 bits) of the content, with lengths, so that no two contents run together.
fn checksum(
    format: u32,
    shallow: &[RawId],
    paths: &[String],
    commits: &[(RawId, Vec<u32>)],
) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&format.to_le_bytes());
    eat(&(shallow.len() as u64).to_le_bytes());
    for id in shallow {
        eat(id);
    }
    eat(&(paths.len() as u64).to_le_bytes());
    for p in paths {
        eat(&(p.len() as u64).to_le_bytes());
        eat(p.as_bytes());
    }
    eat(&(commits.len() as u64).to_le_bytes());
    for (id, list) in commits {
        eat(id);
        eat(&(list.len() as u64).to_le_bytes());
        for i in list {
            eat(&i.to_le_bytes());
        }
    }
    h
}

/// The cache as one query uses it.
struct Cache {
    file: PathBuf,
    shallow: Vec<RawId>,
    paths: Vec<String>,
    index: HashMap<String, u32>,
    commits: HashMap<RawId, Vec<u32>>,
    /// The commits this query asked about.
    used: HashSet<RawId>,
    /// Whether a commit was looked at that the cache did not have.
    learned: bool,
}

impl Cache {
    /// The cache file's content, when it is one this build wrote for this clone's shallow
    /// commits and it is intact; otherwise an empty cache (rebuilt as queries go).
    fn load(file: PathBuf, shallow: Vec<RawId>) -> Cache {
        let mut cache = Cache {
            file,
            shallow,
            paths: Vec::new(),
            index: HashMap::new(),
            commits: HashMap::new(),
            used: HashSet::new(),
            learned: false,
        };
        let Some(disk) = read_cache::<OnDisk>(&cache.file) else {
            return cache;
        };
        let intact = disk.format == FORMAT
            && disk.shallow == cache.shallow
            && disk.check == checksum(disk.format, &disk.shallow, &disk.paths, &disk.commits)
            && disk
                .commits
                .iter()
                .all(|(_, list)| list.iter().all(|i| (*i as usize) < disk.paths.len()));
        if !intact {
            return cache;
        }
        cache.index = disk
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();
        if cache.index.len() != disk.paths.len() {
            // A path listed twice: not a file this code wrote.
            cache.index.clear();
            return cache;
        }
        cache.paths = disk.paths;
        cache.commits = disk.commits.into_iter().collect();
        cache
    }

    fn intern(&mut self, path: String) -> u32 {
        if let Some(i) = self.index.get(&path) {
            return *i;
        }
        let i = self.paths.len() as u32;
        self.paths.push(path.clone());
        self.index.insert(path, i);
        i
    }

    /// Writes what is worth keeping: after a query that saw all of history (`complete`),
    /// the commits it asked about (so commits no longer reachable — rewritten, reset —
    /// are dropped); otherwise everything known. Nothing when nothing changed.
    fn save(self, complete: bool) {
        let keep = |id: &RawId| !complete || self.used.contains(id);
        if !self.learned && self.commits.keys().all(keep) {
            return;
        }
        let mut commits: Vec<(RawId, Vec<u32>)> = self
            .commits
            .iter()
            .filter(|(id, _)| keep(id))
            .map(|(id, list)| (*id, list.clone()))
            .collect();
        commits.sort_unstable_by_key(|(id, _)| *id);
        // Only the paths still referred to, renumbered in order of first use.
        let mut renumber: HashMap<u32, u32> = HashMap::new();
        let mut paths: Vec<String> = Vec::new();
        for (_, list) in &mut commits {
            for i in list.iter_mut() {
                *i = *renumber.entry(*i).or_insert_with(|| {
                    paths.push(self.paths[*i as usize].clone());
                    (paths.len() - 1) as u32
                });
            }
        }
        let check = checksum(FORMAT, &self.shallow, &paths, &commits);
        write_cache(
            &self.file,
            &OnDisk {
                format: FORMAT,
                shallow: self.shallow,
                paths,
                commits,
                check,
            },
        );
    }
}

/// Answers "did this commit change that orc file?" for one history query, from the cache
/// where it can; [`OrcChanges::save`] keeps what was learned.
pub struct OrcChanges<'a> {
    store: &'a Store,
    /// `None`: every answer is worked out afresh by looking the path up in the commit and
    /// its parents — the check that `ORC_HISTORY_BOUNDARY=off` asks for, and what is done
    /// where commit ids do not tell the parents (replaced objects) or are not SHA-1.
    cache: Option<Cache>,
    trees: Trees,
}

/// An entry of a tree: its mode and object.
type Entry = (gix::objs::tree::EntryMode, ObjectId);

/// The entries of a tree by name (the first, if a name repeats).
type Entries = HashMap<Vec<u8>, Entry>;

/// The trees decoded for the last commits looked into: in a walk newest first, a parent's
/// trees are the next commit's.
#[derive(Default)]
struct Trees {
    /// The `.orchestrator/` trees of the parents of the commit looked into last.
    orc: Vec<(String, Option<ObjectId>)>,
    decoded: HashMap<ObjectId, Rc<Entries>>,
}

impl Trees {
    /// How many decoded trees are kept at most (a commit needs a few per parent).
    const KEEP: usize = 64;

    fn entries(&mut self, store: &Store, id: Option<ObjectId>) -> Result<Rc<Entries>> {
        let Some(id) = id else {
            return Ok(Rc::default());
        };
        if let Some(e) = self.decoded.get(&id) {
            return Ok(Rc::clone(e));
        }
        let tree = store.repo.find_tree(id).map_err(Error::git)?;
        let mut out = Entries::new();
        for e in tree.decode().map_err(Error::git)?.entries {
            out.entry(e.filename.to_vec())
                .or_insert((e.mode, e.oid.to_owned()));
        }
        if self.decoded.len() >= Self::KEEP {
            self.decoded.clear();
        }
        let out = Rc::new(out);
        self.decoded.insert(id, Rc::clone(&out));
        Ok(out)
    }
}

impl Store {
    /// A fresh [`OrcChanges`] for one history query.
    pub fn orc_changes(&self) -> OrcChanges<'_> {
        let cacheable = !full_walk_requested()
            && self.repo.object_hash() == gix::hash::Kind::Sha1
            && !self.has_replacements();
        let cache = cacheable.then(|| {
            let file = self.local_dir().join("cache").join("history.paths");
            Cache::load(file, self.shallow_stamp())
        });
        OrcChanges {
            store: self,
            cache,
            trees: Trees::default(),
        }
    }

    /// The blob (not a symlink, tree or submodule) at `path` in `commit`; `None` when
    /// there is none or the commit is missing.
    fn blob_or_none(&self, commit: &str, path: &str) -> Option<String> {
        self.blob_id_at(commit, path).unwrap_or(None)
    }

    /// The tree `.orchestrator/` has in `commit` (`None` when it has none); an error when
    /// the commit cannot be read.
    fn orc_tree(&self, commit: &str) -> Result<Option<ObjectId>> {
        let id = ObjectId::from_hex(commit.as_bytes())
            .map_err(|e| Error::git_while(format!("bad object id {commit}"), e))?;
        let tree = self
            .repo
            .find_commit(id)
            .map_err(Error::git)?
            .tree()
            .map_err(Error::git)?;
        Ok(tree
            .find_entry(ORC_DIR)
            .filter(|e| e.mode().is_tree())
            .map(|e| e.object_id()))
    }

    /// The paths below `prefix` whose blob differs between the trees `old` and `new`
    /// (a path that is no blob on one side counts as absent there).
    fn blob_diff(
        &self,
        trees: &mut Trees,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        out: &mut BTreeSet<String>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let (a, b) = (trees.entries(self, old)?, trees.entries(self, new)?);
        let names: BTreeSet<&Vec<u8>> = a.keys().chain(b.keys()).collect();
        for name in names {
            let (x, y) = (a.get(name), b.get(name));
            if x == y {
                continue;
            }
            let path = format!("{prefix}{}", String::from_utf8_lossy(name));
            let tree = |e: Option<&Entry>| e.filter(|(m, _)| m.is_tree()).map(|(_, id)| *id);
            let blob = |e: Option<&Entry>| e.filter(|(m, _)| m.is_blob()).map(|(_, id)| *id);
            if tree(x).is_some() || tree(y).is_some() {
                self.blob_diff(trees, tree(x), tree(y), &format!("{path}/"), out)?;
            }
            if blob(x) != blob(y) {
                out.insert(path);
            }
        }
        Ok(())
    }

    /// The files under `.orchestrator/` whose blob in `commit` differs from the blob in
    /// every parent (for a root commit: the files it has). A parent missing from a shallow
    /// clone counts as having none.
    ///
    /// `trees` holds what was read for the commits looked into last, and gets what is read
    /// for this one: a walk newest first mostly meets a commit right after its child.
    fn orc_paths_changed(
        &self,
        commit: &CommitInfo,
        trees: &mut Trees,
    ) -> Result<BTreeSet<String>> {
        let prefix = format!("{ORC_DIR}/");
        let now = match trees.orc.iter().find(|(id, _)| *id == commit.id) {
            Some((_, tree)) => *tree,
            None => self.orc_tree(&commit.id)?,
        };
        trees.orc.clear();
        let mut common: Option<BTreeSet<String>> = None;
        for p in &commit.parents {
            let before = self.orc_tree(p);
            if let Ok(tree) = &before {
                trees.orc.push((p.clone(), *tree));
            }
            let before = before.unwrap_or(None);
            let mut changed = BTreeSet::new();
            self.blob_diff(trees, before, now, &prefix, &mut changed)?;
            common = Some(match common {
                None => changed,
                Some(c) => c.intersection(&changed).cloned().collect(),
            });
            if common.as_ref().is_some_and(BTreeSet::is_empty) {
                break;
            }
        }
        match common {
            Some(c) => Ok(c),
            None => {
                let mut all = BTreeSet::new();
                self.blob_diff(trees, None, now, &prefix, &mut all)?;
                Ok(all)
            }
        }
    }
}

impl OrcChanges<'_> {
    /// Whether `commit` changed the file at `path` (below `.orchestrator/`): its blob
    /// there differs from the one in each parent — for a merge, from every side — or,
    /// in a root commit, it is there at all.
    pub fn touches(&mut self, commit: &CommitInfo, path: &str) -> Result<bool> {
        let store = self.store;
        let Some(cache) = self.cache.as_mut() else {
            let now = store.blob_id_at(&commit.id, path)?;
            if commit.parents.is_empty() {
                return Ok(now.is_some());
            }
            return Ok(commit
                .parents
                .iter()
                .all(|p| store.blob_or_none(p, path) != now));
        };
        let Some(id) = ObjectId::from_hex(commit.id.as_bytes())
            .ok()
            .and_then(|id| raw(&id))
        else {
            return Err(Error::git(format!("bad object id {}", commit.id)));
        };
        if !cache.commits.contains_key(&id) {
            let changed = store.orc_paths_changed(commit, &mut self.trees)?;
            let list: Vec<u32> = changed.into_iter().map(|p| cache.intern(p)).collect();
            cache.commits.insert(id, list);
            cache.learned = true;
        }
        cache.used.insert(id);
        let list = &cache.commits[&id];
        Ok(cache.index.get(path).is_some_and(|i| list.contains(i)))
    }

    /// Keeps what this query learned for the next one. `complete`: the query asked about
    /// every commit of orc's history, so the ones it did not ask about are gone.
    pub fn save(self, complete: bool) {
        if let Some(cache) = self.cache {
            cache.save(complete);
        }
    }
}
