//! The work tree as git sees it: directory walks that honour `.gitignore`, and the files
//! that differ from HEAD (new, modified, deleted, renamed).

use std::collections::{BTreeMap, BTreeSet};
use std::io::ErrorKind;

use gix::bstr::{BString, ByteSlice};
use gix::index::entry::Mode;

use super::cache::FileKey;
use super::{ORC_DIR, Store};
use crate::error::{Error, Result};

/// How a file differs between HEAD and the work tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkChangeKind {
    Added,
    Modified,
    Deleted,
    Renamed,
}

/// One file that differs from HEAD. For `Renamed`, `from` is the path in HEAD whose
/// content now lives at `path` unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkChange {
    pub path: String,
    pub kind: WorkChangeKind,
    pub from: Option<String>,
}

/// The index's stat data says the file is as it was when staged (git's check, without
/// uid, gid and device).
// The index keeps 32 bits of each field.
#[allow(clippy::cast_possible_truncation)]
fn stat_matches(s: &gix::index::entry::Stat, k: &FileKey) -> bool {
    s.size == k.size as u32
        && s.ino == k.ino as u32
        && (s.mtime.secs, s.mtime.nsecs) == (k.mtime.0 as u32, k.mtime.1 as u32)
        && (s.ctime.secs, s.ctime.nsecs) == (k.ctime.0 as u32, k.ctime.1 as u32)
}

/// Hash containers for one call's lookups (keys come from the repository).
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

fn is_orc_path(rel: &str) -> bool {
    rel == ORC_DIR || rel.starts_with(&format!("{ORC_DIR}/"))
}

/// A file name orc cannot record: manifests hold UTF-8 paths.
fn non_utf8_name(rel: &[u8]) -> Error {
    Error::invalid_with_hint(
        format!(
            "{:?}: the file name is not valid UTF-8, so orc cannot record it; nothing was recorded",
            rel.as_bstr()
        ),
        "rename the file to a UTF-8 name, or ignore it in .gitignore or .git/info/exclude",
    )
}

/// What [`Store::walk_files`] does with one entry of the walk.
enum Step {
    /// Nothing; go on.
    Next,
    /// Go on, but not into this directory.
    SkipDir,
    /// Return this file.
    Take(String),
}

/// The [`Step`] for an entry whose repository-relative path `rel` is UTF-8: directories
/// git ignores (unless it tracks files in them) and `.git`/`.orchestrator` are not
/// entered; files are taken unless ignored and untracked.
fn walk_step(
    index: &gix::index::State,
    excludes: &mut gix::AttributeStack<'_>,
    entry: &walkdir::DirEntry,
    rel: String,
) -> Result<Step> {
    if rel.is_empty() {
        return Ok(Step::Next);
    }
    let name = entry.file_name();
    let is_dir = entry.file_type().is_dir();
    if is_dir {
        if name == ".git" || is_orc_path(&rel) {
            return Ok(Step::SkipDir);
        }
        let excluded = excludes
            .at_path(&rel, Some(Mode::DIR))
            .map_err(Error::git)?
            .is_excluded();
        let tracked_below = || {
            let prefix = format!("{rel}/");
            index
                .prefixed_entries(prefix.as_bytes().as_bstr())
                .is_some_and(|e| !e.is_empty())
        };
        if excluded && !tracked_below() {
            return Ok(Step::SkipDir);
        }
        return Ok(Step::Next);
    }
    if !entry.file_type().is_file() || name == ".git" || is_orc_path(&rel) {
        return Ok(Step::Next);
    }
    let excluded = excludes
        .at_path(&rel, Some(Mode::FILE))
        .map_err(Error::git)?
        .is_excluded();
    let tracked = || index.entry_by_path(rel.as_bytes().as_bstr()).is_some();
    if !excluded || tracked() {
        return Ok(Step::Take(rel));
    }
    Ok(Step::Next)
}

/// The [`Step`] for an entry whose path is not UTF-8.
fn non_utf8_step(
    excludes: &mut gix::AttributeStack<'_>,
    entry: &walkdir::DirEntry,
    rel_path: &std::path::Path,
) -> Result<Step> {
    // Not representable in a manifest: refuse rather than skip it silently,
    // unless git ignores it too.
    let (mode, is_dir) = match entry.file_type() {
        t if t.is_dir() => (Mode::DIR, true),
        t if t.is_file() => (Mode::FILE, false),
        _ => return Ok(Step::Next),
    };
    let excluded = excludes
        .at_path(rel_path, Some(mode))
        .map_err(Error::git)?
        .is_excluded();
    if excluded {
        return Ok(if is_dir { Step::SkipDir } else { Step::Next });
    }
    if is_dir {
        return Ok(Step::Next);
    }
    Err(non_utf8_name(rel_path.as_os_str().as_encoded_bytes()))
}

impl Store {
    /// Regular files below the repository-relative directory `rel_dir` (`""` for the
    /// whole work tree), sorted. Ignored files are left out unless git tracks them, like
    /// `git add` does; `.git/`, `.orchestrator/` and symbolic links are never returned. A
    /// file whose name is not UTF-8 is an error unless git ignores it.
    pub fn walk_files(&self, rel_dir: &str) -> Result<Vec<String>> {
        let index = self.repo.index_or_empty().map_err(Error::git)?;
        let mut excludes = self.excludes(&index)?;
        let root = self.abs(rel_dir);
        let mut out = Vec::new();
        let mut walk = walkdir::WalkDir::new(&root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walk.next() {
            let entry = entry.map_err(|e| {
                let path = e.path().map(|p| p.to_path_buf()).unwrap_or(root.clone());
                Error::io(path, e.into())
            })?;
            let Ok(rel_path) = entry.path().strip_prefix(&self.workdir) else {
                continue;
            };
            let step = match rel_path.to_str().map(|r| r.replace('\\', "/")) {
                Some(rel) => walk_step(&index, &mut excludes, &entry, rel)?,
                None => non_utf8_step(&mut excludes, &entry, rel_path)?,
            };
            match step {
                Step::Next => {}
                Step::SkipDir => walk.skip_current_dir(),
                Step::Take(rel) => out.push(rel),
            }
        }
        Ok(out)
    }

    /// git's ignore rules for the work tree, with `index` telling which directories
    /// hold rules of their own.
    fn excludes(&self, index: &gix::index::State) -> Result<gix::AttributeStack<'_>> {
        self.repo
            .excludes(
                index,
                None,
                gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped,
            )
            .map_err(Error::git)
    }

    /// Whether `.orchestrator/` is committed but left out of this sparse checkout: the
    /// index marks its entries (or, in a sparse index, the directory) skip-worktree.
    pub fn orc_dir_outside_sparse_checkout(&self) -> Result<bool> {
        let index = self.repo.index_or_empty().map_err(Error::git)?;
        let prefix = format!("{ORC_DIR}/");
        Ok(index
            .prefixed_entries(prefix.as_bytes().as_bstr())
            .is_some_and(|entries| {
                entries
                    .iter()
                    .any(|e| e.flags.contains(gix::index::entry::Flags::SKIP_WORKTREE))
            }))
    }

    /// The tree of HEAD's commit; the empty tree on an unborn branch.
    pub(super) fn head_tree_id(&self) -> Result<gix::ObjectId> {
        match super::refs::head(self)?.id {
            Some(id) => Ok(self
                .repo
                .find_commit(id)
                .map_err(Error::git)?
                .tree_id()
                .map_err(Error::git)?
                .detach()),
            None => Ok(gix::ObjectId::empty_tree(self.repo.object_hash())),
        }
    }

    /// Whether HEAD's tree has a file at `rel`.
    pub fn in_head(&self, rel: &str) -> Result<bool> {
        Ok(self.head_blob_id(rel)?.is_some())
    }

    fn head_blob_id(&self, rel: &str) -> Result<Option<gix::ObjectId>> {
        let tree = self
            .repo
            .find_tree(self.head_tree_id()?)
            .map_err(Error::git)?;
        let entry = tree.lookup_entry_by_path(rel).map_err(Error::git)?;
        Ok(entry.filter(|e| e.mode().is_blob()).map(|e| e.object_id()))
    }

    /// Files under `.orchestrator/` whose work-tree content is not what HEAD has, sorted:
    /// written without a commit (`--no-commit`, `commit = "off"`, during a merge), staged
    /// or not, deleted, and new files git does not track (unless ignored). Compares like
    /// `git status`: the index's ids with HEAD's tree, and the index's stat data with the
    /// disk, hashing only files whose stat differs or is racy. The statuses of the task
    /// files come from the state read just before ([`Store::load_dir_cached`]), so this
    /// costs no second `stat` per task.
    pub fn uncommitted_orc_files(&self) -> Result<Vec<String>> {
        let listed = self.listed.take();
        if !self.abs(ORC_DIR).is_dir() {
            return Ok(Vec::new());
        }
        let index = self.repo.index_or_empty().map_err(Error::git)?;
        let prefix = format!("{ORC_DIR}/");
        let entries = index
            .prefixed_entries(prefix.as_bytes().as_bstr())
            .unwrap_or(&[]);
        let head = self.head_orc_blobs(&prefix)?;
        let on_disk: FastMap<&str, FileKey> = listed
            .values()
            .flat_map(|d| d.files.iter().map(|(p, k)| (p.as_str(), *k)))
            .collect();
        let mut out = BTreeSet::new();
        let mut tracked: FastSet<&str> = FastSet::default();
        for e in entries {
            let Ok(path) = e.path(&index).to_str() else {
                continue;
            };
            let staged_as_head = e.stage_raw() == 0 && head.get(path) == Some(&e.id);
            if !staged_as_head || !self.same_on_disk(&index, e, path, on_disk.get(path))? {
                out.insert(path.to_owned());
            }
            tracked.insert(path);
        }
        // Deleted from the index (staged deletion) but in HEAD.
        out.extend(head.into_keys().filter(|p| !tracked.contains(p.as_str())));
        // New files: those the listing saw, and those in the other directories.
        let mut candidates: Vec<String> = on_disk
            .keys()
            .filter(|p| !tracked.contains(**p))
            .map(|p| (*p).to_owned())
            .collect();
        let covered: Vec<String> = listed.keys().map(|d| format!("{d}/")).collect();
        candidates.extend(self.untracked_orc_files(&covered, &tracked));
        if !candidates.is_empty() {
            let mut excludes = self.excludes(&index)?;
            for rel in candidates {
                let ignored = excludes
                    .at_path(&rel, Some(Mode::FILE))
                    .map_err(Error::git)?
                    .is_excluded();
                if !ignored {
                    out.insert(rel);
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Every blob below `.orchestrator/` in HEAD's tree, by path (`prefix` + name).
    fn head_orc_blobs(&self, prefix: &str) -> Result<FastMap<String, gix::ObjectId>> {
        let mut head: FastMap<String, gix::ObjectId> = FastMap::default();
        let head_tree = self
            .repo
            .find_tree(self.head_tree_id()?)
            .map_err(Error::git)?;
        if let Some(e) = head_tree
            .lookup_entry_by_path(ORC_DIR)
            .map_err(Error::git)?
            && e.mode().is_tree()
        {
            self.blobs_below(e.object_id(), prefix, &mut head)?;
        }
        Ok(head)
    }

    /// Whether the file at `path` holds what its index entry `e` says, like `git status`
    /// checks: by the status listed (`listed`) or read now, hashing the file only when
    /// the status differs or is racy.
    fn same_on_disk(
        &self,
        index: &gix::index::State,
        e: &gix::index::Entry,
        path: &str,
        listed: Option<&FileKey>,
    ) -> Result<bool> {
        let key = match listed {
            Some(key) => Some(*key),
            None => match std::fs::symlink_metadata(self.abs(path)) {
                Ok(m) if m.is_file() => Some(FileKey::of(&m)),
                Ok(_) => None,
                Err(e)
                    if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory =>
                {
                    None
                }
                Err(e) => return Err(Error::io(self.abs(path), e)),
            },
        };
        let options = gix::index::entry::stat::Options::default();
        Ok(match key {
            None => false,
            Some(key)
                if stat_matches(&e.stat, &key) && !e.stat.is_racy(index.timestamp(), options) =>
            {
                true
            }
            Some(_) => self.disk_blob_id(path)? == Some(e.id),
        })
    }

    /// Files below `.orchestrator/` that are not in `tracked`, outside the directories
    /// `covered` (each `dir/`), which the listing already saw.
    fn untracked_orc_files(&self, covered: &[String], tracked: &FastSet<&str>) -> Vec<String> {
        let mut found = Vec::new();
        let mut walk = walkdir::WalkDir::new(self.abs(ORC_DIR))
            .follow_links(false)
            .into_iter();
        while let Some(entry) = walk.next() {
            let Ok(entry) = entry else { continue };
            let Ok(rel) = entry.path().strip_prefix(&self.workdir) else {
                continue;
            };
            let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
                continue;
            };
            let dir_rel = format!("{rel}/");
            if entry.file_type().is_dir() {
                if covered.contains(&dir_rel) {
                    walk.skip_current_dir();
                }
                continue;
            }
            if entry.file_type().is_file() && !tracked.contains(rel.as_str()) {
                found.push(rel);
            }
        }
        found
    }

    /// Every blob below tree `id`, by path (`prefix` + name).
    fn blobs_below(
        &self,
        id: gix::ObjectId,
        prefix: &str,
        out: &mut FastMap<String, gix::ObjectId>,
    ) -> Result<()> {
        let tree = self.repo.find_tree(id).map_err(Error::git)?;
        for entry in tree.decode().map_err(Error::git)?.entries {
            let path = format!("{prefix}{}", entry.filename);
            if entry.mode.is_tree() {
                self.blobs_below(entry.oid.to_owned(), &format!("{path}/"), out)?;
            } else if entry.mode.is_blob() {
                out.insert(path, entry.oid.to_owned());
            }
        }
        Ok(())
    }

    /// The blob id of the file at `rel` as it is on disk; `None` when it is not a file.
    fn disk_blob_id(&self, rel: &str) -> Result<Option<gix::ObjectId>> {
        let abs = self.abs(rel);
        match std::fs::read(&abs) {
            Ok(bytes) => Ok(Some(
                gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, &bytes)
                    .map_err(Error::git)?,
            )),
            Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::IsADirectory => {
                Ok(None)
            }
            Err(e) => Err(Error::io(abs, e)),
        }
    }

    /// Files that differ between HEAD and the work tree, sorted by path: what `git add -A`
    /// would commit. Ignored files, `.orchestrator/`, symbolic links and submodules are left
    /// out. A deleted file whose exact content reappears under a new path is a rename. A
    /// file whose name is not UTF-8 is an error.
    pub fn changed_files(&self) -> Result<Vec<WorkChange>> {
        let head_tree_id = self.head_tree_id()?;
        let candidates = self.status_candidates(head_tree_id)?;
        let head_tree = self.repo.find_tree(head_tree_id).map_err(Error::git)?;
        let mut sides = Sides::default();
        for path in candidates {
            let head = head_tree
                .lookup_entry_by_path(&path)
                .map_err(Error::git)?
                .filter(|e| e.mode().is_blob())
                .map(|e| e.object_id());
            let disk = match self.file_blob_id(&path)? {
                OnDisk::File(id) => Some(id),
                OnDisk::Missing => None,
                OnDisk::Other => continue,
            };
            match (head, disk) {
                (Some(h), Some(d)) if h != d => sides.modified.push(path),
                (Some(_), Some(_)) | (None, None) => {}
                (Some(h), None) => {
                    sides.deleted.insert(path, h);
                }
                (None, Some(d)) => {
                    sides.added.insert(path, d);
                }
            }
        }
        Ok(sides.into_changes())
    }

    /// The paths `git status` reports, from both sides (HEAD vs index, index vs work
    /// tree), outside `.orchestrator/`: candidates the caller compares HEAD with the disk
    /// for.
    fn status_candidates(&self, head_tree_id: gix::ObjectId) -> Result<BTreeSet<String>> {
        let iter = self
            .repo
            .status(gix::progress::Discard)
            .map_err(Error::git)?
            .head_tree(head_tree_id)
            .untracked_files(gix::status::UntrackedFiles::Files)
            .index_worktree_rewrites(None)
            .index_worktree_submodules(gix::status::Submodule::Given {
                ignore: gix::submodule::config::Ignore::All,
                check_dirty: false,
            })
            .tree_index_track_renames(gix::status::tree_index::TrackRenames::Disabled)
            .into_iter(Vec::<BString>::new())
            .map_err(Error::git)?;
        // Candidates from both sides (HEAD vs index, index vs work tree); the final
        // verdict compares HEAD with the disk directly.
        let mut candidates = BTreeSet::new();
        for item in iter {
            let item = item.map_err(Error::git)?;
            let Ok(path) = item.location().to_str() else {
                return Err(non_utf8_name(item.location()));
            };
            if !is_orc_path(path) {
                candidates.insert(path.to_owned());
            }
        }
        Ok(candidates)
    }

    /// What is on disk at `rel`, with the blob id of a regular file's content.
    fn file_blob_id(&self, rel: &str) -> Result<OnDisk> {
        let abs = self.abs(rel);
        match std::fs::symlink_metadata(&abs) {
            Ok(m) if m.is_file() => {
                let bytes = std::fs::read(&abs).map_err(|e| Error::io(&abs, e))?;
                Ok(OnDisk::File(
                    gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, &bytes)
                        .map_err(Error::git)?,
                ))
            }
            Ok(_) => Ok(OnDisk::Other),
            Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory => {
                Ok(OnDisk::Missing)
            }
            Err(e) => Err(Error::io(abs, e)),
        }
    }
}

/// What is at a path in the work tree, for [`Store::changed_files`].
enum OnDisk {
    /// A regular file, with the blob id of its content.
    File(gix::ObjectId),
    /// Nothing.
    Missing,
    /// A symbolic link, a directory (a submodule) or anything else: not compared.
    Other,
}

/// The files that differ between HEAD and the disk, by side.
#[derive(Default)]
struct Sides {
    /// Only on disk, with the blob id of their content.
    added: BTreeMap<String, gix::ObjectId>,
    /// Only in HEAD, with their blob id there.
    deleted: BTreeMap<String, gix::ObjectId>,
    /// In both, with different content.
    modified: Vec<String>,
}

impl Sides {
    /// The changes sorted by path, an added file with the exact content of a deleted one
    /// being a rename of it.
    fn into_changes(self) -> Vec<WorkChange> {
        let Sides {
            added,
            mut deleted,
            modified,
        } = self;
        let mut out: Vec<WorkChange> = modified
            .into_iter()
            .map(|path| WorkChange {
                path,
                kind: WorkChangeKind::Modified,
                from: None,
            })
            .collect();
        for (path, id) in added {
            let source = deleted
                .iter()
                .find(|(_, old)| **old == id)
                .map(|(p, _)| p.clone());
            match source {
                Some(from) => {
                    deleted.remove(&from);
                    out.push(WorkChange {
                        path,
                        kind: WorkChangeKind::Renamed,
                        from: Some(from),
                    });
                }
                None => out.push(WorkChange {
                    path,
                    kind: WorkChangeKind::Added,
                    from: None,
                }),
            }
        }
        out.extend(deleted.into_keys().map(|path| WorkChange {
            path,
            kind: WorkChangeKind::Deleted,
            from: None,
        }));
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}
