//! Git-side state for hooks and the merge driver: the hooks directory, the repository's
//! local config, staged (index) content, and git's own line merge as a fallback.
//!
//! Policy (what to install, when to chain) lives in `service::hooks`; this file only
//! reads and writes what git owns.

use std::collections::BTreeMap;
use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use gix::bstr::ByteSlice;
use gix::index::entry::Stage;

use super::{Store, fsutil};
use crate::error::{Error, Result};

impl Store {
    /// The directory git runs hooks from: `core.hooksPath` (relative to the work tree
    /// root, `~/` expanded) or `hooks/` in the common git dir (shared by all worktrees).
    pub fn hooks_dir(&self) -> PathBuf {
        match self.config_string("core.hooksPath") {
            Some(p) if !p.trim().is_empty() => {
                let p = p.trim();
                if let Some(rest) = p.strip_prefix("~/")
                    && let Some(home) = std::env::var_os("HOME")
                {
                    return PathBuf::from(home).join(rest);
                }
                self.workdir().join(p)
            }
            _ => self.repo.common_dir().join("hooks"),
        }
    }

    /// Whether `path` lies inside the work tree (where git may track it), and not in the
    /// git directory.
    pub fn is_in_work_tree(&self, path: &std::path::Path) -> bool {
        let canon = |p: &std::path::Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let path = canon(path);
        path.starts_with(canon(self.workdir()))
            && !path.starts_with(canon(self.repo.common_dir()))
            && !path.starts_with(canon(self.git_dir()))
    }

    /// A value from git's configuration as it was when the repository was opened.
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo
            .config_snapshot()
            .string(key)
            .map(|v| v.to_str_lossy().into_owned())
    }

    /// The character that starts comment lines in commit messages (`core.commentChar`).
    pub fn comment_char(&self) -> char {
        match self.config_string("core.commentChar") {
            Some(c) if c != "auto" => c.chars().next().unwrap_or('#'),
            _ => '#',
        }
    }

    /// Sets a key in the repository's own config file (`.git/config`, shared by linked
    /// worktrees), through `git config`.
    pub fn set_local_config(&self, key: &str, value: &str) -> Result<()> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.workdir())
            .args(["config", "--local", key, value])
            .output()
            .map_err(|e| {
                Error::invalid_with_hint(
                    format!("could not run `git config`: {e}"),
                    "orc needs the git command line to change git's configuration",
                )
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::git(format!(
                "git config {key} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// Removes a whole section (e.g. `merge.orc`) from the repository's config; a
    /// missing section is fine.
    pub fn remove_local_section(&self, section: &str) -> Result<()> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.workdir())
            .args(["config", "--local", "--remove-section", section])
            .output()
            .map_err(|e| Error::git_while("could not run `git config`", e))?;
        // Exit 128 means "no such section": already the wanted state.
        if out.status.success() || out.status.code() == Some(128) {
            Ok(())
        } else {
            Err(Error::git(format!(
                "git config --remove-section {section} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// The index git will commit from: `GIT_INDEX_FILE` when git set it for a hook
    /// (`git commit -a` / `<paths>` use a temporary index), else this worktree's.
    fn commit_index(&self) -> Result<Option<gix::index::File>> {
        let path = std::env::var_os("GIT_INDEX_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.repo.index_path());
        if !path.exists() {
            return Ok(None);
        }
        gix::index::File::at(
            &path,
            self.repo.object_hash(),
            false,
            gix::index::decode::Options::default(),
        )
        .map(Some)
        .map_err(Error::git)
    }

    /// True when the index holds exactly HEAD's `.orchestrator/` files, i.e. the next
    /// commit does not change orc state. Compares ids only; reads no file content.
    pub fn staged_state_is_head(&self) -> Result<bool> {
        let prefix = format!("{}/", super::ORC_DIR);
        let mut staged = BTreeMap::new();
        if let Some(index) = self.commit_index()? {
            for entry in index.entries() {
                let rel = entry.path(&index).to_str_lossy();
                if rel.starts_with(&prefix) {
                    if entry.stage() != Stage::Unconflicted {
                        return Ok(false);
                    }
                    staged.insert(rel.into_owned(), entry.id);
                }
            }
        }
        let mut committed = BTreeMap::new();
        if let Some(id) = super::refs::head(self)?.id {
            let root = self
                .repo
                .find_commit(id)
                .map_err(Error::git)?
                .tree_id()
                .map_err(Error::git)?
                .detach();
            if let Some((true, sub)) = self.tree_entries(Some(root))?.get(super::ORC_DIR) {
                self.flatten(*sub, &prefix, &mut committed)?;
            }
        }
        Ok(staged == committed)
    }

    /// A read-only view of this repository whose [`Store::read`] and [`Store::list`]
    /// answer from the index (what the next commit will contain) for `.orchestrator/`.
    /// Honours `GIT_INDEX_FILE`, which git sets for hooks of `git commit -a` / `<paths>`.
    pub fn staged(&self) -> Result<Store> {
        let mut files = BTreeMap::new();
        if let Some(index) = self.commit_index()? {
            let prefix = format!("{}/", super::ORC_DIR);
            for entry in index.entries() {
                let rel = entry.path(&index).to_str_lossy();
                if !rel.starts_with(&prefix) || entry.stage() != Stage::Unconflicted {
                    continue;
                }
                let blob = self.repo.find_blob(entry.id).map_err(Error::git)?;
                files.insert(rel.into_owned(), blob.data.clone());
            }
        }
        Ok(Store {
            repo: self.repo.clone(),
            workdir: self.workdir.clone(),
            refs: self.refs,
            staged: Some(files),
            listed: Default::default(),
        })
    }

    /// The first bytes of a file, at most `max` (lossy UTF-8), from a single read: for
    /// cheap scans of many files. `None` when it does not exist.
    pub fn read_start(&self, rel: &str, max: usize) -> Result<Option<String>> {
        if let Some(files) = &self.staged {
            return Ok(files
                .get(rel)
                .map(|b| String::from_utf8_lossy(&b[..b.len().min(max)]).into_owned()));
        }
        let path = self.abs(rel);
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        // One read: a local regular file returns everything up to `max` at once, and a
        // probe does not need a second call to see the end of the file.
        let mut buf = vec![0u8; max];
        let len = loop {
            match file.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(path, e)),
            }
        };
        buf.truncate(len);
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    /// The full message of the commit HEAD points to; `None` on an unborn branch.
    pub fn head_message(&self) -> Result<Option<String>> {
        let Some(id) = super::refs::head(self)?.id else {
            return Ok(None);
        };
        let commit = self.repo.find_commit(id).map_err(Error::git)?;
        let raw = commit.message_raw().map_err(Error::git)?;
        Ok(Some(raw.to_str_lossy().into_owned()))
    }
}

/// A file git hands to orc or owns (a hook script, a commit message, a merge side);
/// `None` when it does not exist.
pub fn read_file(path: &Path) -> Result<Option<Vec<u8>>> {
    fsutil::read_optional(path)
}

/// Replaces such a file atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    fsutil::write_atomic(path, bytes, None)
}

/// Writes an executable hook script atomically.
pub fn write_hook(path: &Path, script: &str) -> Result<()> {
    fsutil::write_atomic(path, script.as_bytes(), None)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

pub fn rename_hook(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| Error::io(from, e))
}

pub fn remove_hook(path: &Path) -> Result<()> {
    fsutil::remove(path)
}

/// Whether `program` names something that can run: an executable file when it contains
/// a `/`, else an executable file in one of `PATH`'s directories.
pub fn program_runs(program: &str) -> bool {
    fn executable(p: &Path) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            fs::metadata(p).is_ok_and(|m| m.is_file())
        }
    }
    if program.is_empty() {
        return false;
    }
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| executable(&d.join(program))))
}

pub fn hook_exists(path: &Path) -> bool {
    match fs::symlink_metadata(path) {
        Ok(_) => true,
        Err(e) => e.kind() != ErrorKind::NotFound,
    }
}

/// git's line merge (`git merge-file`) of three texts: the merged text (with conflict
/// markers where the sides disagree) and whether it merged cleanly. The texts go through
/// temporary files beside `near` (a file in the directory git merges in), removed after.
pub fn line_merge_texts(
    near: &Path,
    [base, ours, theirs]: [&str; 3],
    label: &str,
) -> Result<(String, bool)> {
    let tmp = |side: &str| {
        let mut p = near.as_os_str().to_owned();
        p.push(format!(".orc-tmp-{side}"));
        PathBuf::from(p)
    };
    let paths = [tmp("base"), tmp("ours"), tmp("theirs")];
    let result = (|| {
        for (path, text) in paths.iter().zip([base, ours, theirs]) {
            fsutil::write_atomic(path, text.as_bytes(), None)?;
        }
        let clean = line_merge(&paths[0], &paths[1], &paths[2], label)?;
        let merged = fs::read(&paths[1]).map_err(|e| Error::io(&paths[1], e))?;
        Ok((String::from_utf8_lossy(&merged).into_owned(), clean))
    })();
    for path in &paths {
        let _ = fs::remove_file(path);
    }
    result
}

/// git's own line merge (`git merge-file`) of three files, written into `ours` with
/// conflict markers where the sides disagree. Returns true when it merged cleanly.
/// This is what git would have done without the merge driver.
pub fn line_merge(base: &Path, ours: &Path, theirs: &Path, label: &str) -> Result<bool> {
    let out = Command::new("git")
        .args(["merge-file", "-L"])
        .arg(format!("{label} (ours)"))
        .arg("-L")
        .arg(format!("{label} (base)"))
        .arg("-L")
        .arg(format!("{label} (theirs)"))
        .arg(ours)
        .arg(base)
        .arg(theirs)
        .output()
        .map_err(|e| {
            Error::invalid_with_hint(
                format!("could not run `git merge-file`: {e}"),
                "orc needs the git command line for a line merge",
            )
        })?;
    match out.status.code() {
        Some(0) => Ok(true),
        // A positive exit code is the number of conflicts; markers are in `ours`.
        Some(n) if (1..=127).contains(&n) => Ok(false),
        _ => Err(Error::git(format!(
            "git merge-file failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}
