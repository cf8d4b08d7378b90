//! The only module that touches git (through gix) and the files under `.orchestrator/`.
//!
//! It locates the repository, reads files, writes them atomically, serialises orc
//! processes with a repository-wide lock and turns a set of file changes into one commit.

mod cache;
mod claims;
mod commit;
mod fsutil;
mod heal;
mod history;
mod housekeeping;
mod index_edit;
mod index_lock;
mod integration;
mod interrupt;
mod journal;
mod orc_changes;
mod paths;
mod promisor;
mod refs;
mod shared;
mod sign;
#[cfg(test)]
mod testgit;
mod worktree;

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

pub use cache::Parsed;
pub use claims::{CLAIMS_PREFIX, ClaimRef, PendingPush, Pushed, host_name};
pub use commit::{Applied, Change, Notice};
pub use history::{CommitInfo, FileChange, Since, WalkEnd, parse_trailers};
pub use integration::{
    hook_exists, line_merge, line_merge_texts, program_runs, read_file, remove_hook, rename_hook,
    write_file, write_hook,
};
pub use orc_changes::OrcChanges;
pub use paths::FileDigest;
pub use shared::{Lease, PushEdit, SharedRef};
pub use worktree::{WorkChange, WorkChangeKind};

use crate::error::{Error, Result};

/// Directory, relative to the work tree root, that holds all orc state.
pub const ORC_DIR: &str = ".orchestrator";

/// An open repository with a work tree.
pub struct Store {
    repo: gix::Repository,
    workdir: PathBuf,
    /// How HEAD and other refs are read and moved.
    refs: refs::Backend,
    /// `.orchestrator/` files as staged in the index, for a [`Store::staged`] view.
    staged: Option<std::collections::BTreeMap<String, Vec<u8>>>,
    /// What the last cached directory read found on disk, reused to compare the work
    /// tree with the index without a second `stat` per file.
    listed: cache::Listed,
}

/// Held while a mutation reads, changes and commits state; released on drop or process exit.
pub struct RepoLock {
    _file: fs::File,
}

/// An error and its causes, outermost first, joined by ": ".
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Store {
    /// Finds the repository that contains `start` (like `git` does).
    pub fn discover(start: &Path) -> Result<Store> {
        let mut repo = gix::discover(start).map_err(|e| {
            // A repository that is there but cannot be opened is not "no repository".
            match gix::discover::upwards(start) {
                Ok((found, _)) => Error::invalid_with_hint(
                    format!(
                        "{}: orc cannot open this git repository: {}",
                        found.as_ref().display(),
                        causes(&e)
                    ),
                    "orc supports the sha1 and sha256 object formats and the files and reftable ref backends; `git config --local --list` shows what this repository uses",
                ),
                Err(_) => Error::NotARepository {
                    path: start.to_path_buf(),
                },
            }
        })?;
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Err(Error::BareRepository {
                path: repo.path().to_path_buf(),
            });
        };
        // A small object cache helps reading trees when walking history; a large one
        // only costs memory in the long-running `orc mcp`.
        repo.object_cache_size_if_unset(512 * 1024);
        let refs = refs::Backend::of(&repo)?;
        Ok(Store {
            repo,
            workdir,
            refs,
            staged: None,
            listed: cache::Listed::default(),
        })
    }

    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// Absolute path of a repository-relative, `/`-separated path.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.workdir.join(rel)
    }

    /// The git directory of this work tree (`.git`, or the worktree's own for a linked one).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    pub fn orc_dir(&self) -> PathBuf {
        self.workdir.join(ORC_DIR)
    }

    /// Reads a file of the work tree (of the index for a [`Store::staged`] view); `None`
    /// when it does not exist.
    pub fn read(&self, rel: &str) -> Result<Option<String>> {
        let path = self.abs(rel);
        let bytes = match &self.staged {
            Some(files) => match files.get(rel) {
                Some(b) => Ok(b.clone()),
                None => return Ok(None),
            },
            None => fs::read(&path),
        };
        match bytes {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| Error::Io {
                path,
                source: std::io::Error::new(ErrorKind::InvalidData, "file is not valid UTF-8"),
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == ErrorKind::IsADirectory => Err(Error::NotAFile {
                path: PathBuf::from(rel),
            }),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Repository-relative paths of the files in `rel_dir` whose name ends with `ext`,
    /// sorted. A missing directory has no files.
    pub fn list(&self, rel_dir: &str, ext: &str) -> Result<Vec<String>> {
        if let Some(files) = &self.staged {
            let prefix = format!("{rel_dir}/");
            return Ok(files
                .keys()
                .filter(|p| {
                    p.strip_prefix(&prefix).is_some_and(|name| {
                        !name.contains('/') && name.ends_with(ext) && !name.starts_with('.')
                    })
                })
                .cloned()
                .collect());
        }
        let mut out: Vec<String> = self
            .entries(rel_dir)?
            .into_iter()
            .filter(|(name, _)| name.ends_with(ext))
            .map(|(name, _)| format!("{rel_dir}/{name}"))
            .collect();
        out.sort();
        Ok(out)
    }

    /// [`fsutil::read_entries`] of a work-tree directory; a missing one has none.
    fn entries(&self, rel_dir: &str) -> Result<Vec<(String, bool)>> {
        let dir = self.abs(rel_dir);
        match fsutil::read_entries(&dir) {
            Ok(entries) => Ok(entries),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::io(dir, e)),
        }
    }

    /// Like [`Store::list`], with the `*ext` files of `rel_dir`'s direct subdirectories
    /// too (`rel_dir/<sub>/<name>`), sorted by file name, then path: the layout of task
    /// files, which sit in one-character shard directories.
    pub fn list_nested(&self, rel_dir: &str, ext: &str) -> Result<Vec<String>> {
        let prefix = format!("{rel_dir}/");
        let wanted = |name: &str| name.ends_with(ext) && !name.starts_with('.');
        let mut out: Vec<String> = if let Some(files) = &self.staged {
            files
                .keys()
                .filter(|p| {
                    p.strip_prefix(&prefix).is_some_and(|rest| {
                        let (sub, name) = rest.split_once('/').unwrap_or(("", rest));
                        !sub.starts_with('.') && !name.contains('/') && wanted(name)
                    })
                })
                .cloned()
                .collect()
        } else {
            let mut out = Vec::new();
            for (name, is_dir) in self.entries(rel_dir)? {
                // A directory named like a file (`<id>.toml/`) is listed, for the
                // caller to report, not searched.
                if is_dir && (ext.is_empty() || !name.ends_with(ext)) {
                    out.extend(self.list(&format!("{prefix}{name}"), ext)?);
                } else if name.ends_with(ext) {
                    out.push(format!("{prefix}{name}"));
                }
            }
            out
        };
        out.sort_unstable_by(|a, b| cache::by_file_name(a, b));
        Ok(out)
    }

    /// Machine-local orc state of this clone or worktree (`<git-dir>/orc/`): never
    /// committed, not shared between worktrees (caches, the active session, the journal).
    pub fn local_dir(&self) -> PathBuf {
        self.repo.git_dir().join("orc")
    }

    /// Takes the repository-wide orc lock (`<git-common-dir>/orc.lock`), waiting for
    /// other orc processes. The OS releases it when the process ends, even on `kill -9`;
    /// the work of an orc process killed while committing is finished first.
    pub fn lock(&self) -> Result<RepoLock> {
        let (path, file) = self.lock_file()?;
        file.lock().map_err(|e| Error::io(&path, e))?;
        let lock = RepoLock { _file: file };
        journal::recover(self)?;
        Ok(lock)
    }

    fn lock_file(&self) -> Result<(PathBuf, fs::File)> {
        let path = self.repo.common_dir().join("orc.lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok((path, file))
    }

    /// Finishes the work of an orc process that was killed while committing, if any: a
    /// leftover journal means HEAD may be ahead of the work tree. Costs one `stat` when
    /// there is nothing to do. A journal whose writer is alive (it holds the repository
    /// lock, maybe waiting for git's index lock) is its own business: no waiting for it.
    pub fn recover_interrupted(&self) -> Result<()> {
        if journal::pending(self) {
            let (path, file) = self.lock_file()?;
            match file.try_lock() {
                Ok(()) => journal::recover(self)?,
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }
        Ok(())
    }

    /// The git operation in progress (merge, rebase, …), if any: orc does not commit then.
    pub fn operation_in_progress(&self) -> Option<String> {
        self.repo.state().map(|s| format!("{s:?}").to_lowercase())
    }

    /// The name of the branch HEAD points to, or `None` when detached.
    pub fn branch(&self) -> Option<String> {
        let branch = refs::head(self).ok()?.branch?;
        Some(
            branch
                .strip_prefix("refs/heads/")
                .map_or(branch.clone(), str::to_owned),
        )
    }

    /// Reads a file of the local state directory; `None` when it does not exist.
    pub fn read_local(&self, name: &str) -> Result<Option<String>> {
        let path = self.local_dir().join(name);
        match fsutil::read_optional(&path)? {
            Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| Error::Io {
                path,
                source: std::io::Error::new(ErrorKind::InvalidData, "file is not valid UTF-8"),
            }),
            None => Ok(None),
        }
    }

    /// Replaces a file of the local state directory atomically; `None` removes it.
    pub fn write_local(&self, name: &str, content: Option<&str>) -> Result<()> {
        let path = self.local_dir().join(name);
        match content {
            Some(text) => fsutil::write_atomic(&path, text.as_bytes(), None),
            None => fsutil::remove(&path),
        }
    }

    /// Applies `change` to the work tree and, when `commit` is true, records it as one commit.
    pub fn apply(&self, change: &Change, commit: bool) -> Result<Applied> {
        commit::apply(self, change, commit)
    }
}
