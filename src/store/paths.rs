//! Paths given by users and agents, confined to the work tree, and content digests.

use std::io::{ErrorKind, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Store;
use crate::error::{Error, Result};

/// SHA-256 and size of a file's content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileDigest {
    pub sha256: String,
    pub size: u64,
}

fn refuse(input: &str, why: &str) -> Error {
    Error::invalid_with_hint(
        format!("path {input:?} {why}"),
        "give a path inside the repository, relative to its root or to the current directory",
    )
}

impl Store {
    /// Turns a user-supplied path (relative to `cwd`, or absolute) into a `/`-separated
    /// path relative to the work tree root. Refuses paths outside the work tree, `..`
    /// escapes, symlinks (in any component) that resolve outside it, anything inside
    /// `.git/`, NUL bytes and non-UTF-8 names. The path itself need not exist.
    pub fn confine(&self, cwd: &Path, input: &str) -> Result<String> {
        if input.is_empty() {
            return Err(refuse(input, "is empty"));
        }
        if input.contains('\0') {
            return Err(refuse(input, "contains a NUL byte"));
        }
        let root = self
            .workdir()
            .canonicalize()
            .map_err(|e| Error::io(self.workdir(), e))?;
        let joined = if Path::new(input).is_absolute() {
            PathBuf::from(input)
        } else {
            cwd.join(input)
        };
        // Resolve lexically first (the file may not exist), then through the file system
        // for the longest existing prefix, so that symlinks are followed.
        let mut lexical = PathBuf::new();
        for comp in joined.components() {
            match comp {
                Component::ParentDir => {
                    if !lexical.pop() {
                        return Err(refuse(input, "escapes the file system root"));
                    }
                }
                Component::CurDir => {}
                other => lexical.push(other),
            }
        }
        let mut existing = lexical.clone();
        let mut rest = Vec::new();
        let resolved = loop {
            match existing.canonicalize() {
                Ok(p) => break p,
                Err(e)
                    if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory =>
                {
                    if existing.is_symlink() {
                        return Err(refuse(input, "is a dangling symbolic link"));
                    }
                    match existing.file_name() {
                        Some(name) => rest.push(name.to_owned()),
                        None => return Err(refuse(input, "cannot be resolved")),
                    }
                    if !existing.pop() {
                        return Err(refuse(input, "cannot be resolved"));
                    }
                }
                Err(e) if e.raw_os_error() == Some(40) => {
                    return Err(refuse(input, "is a symbolic link loop"));
                }
                Err(e) => return Err(Error::io(existing, e)),
            }
        };
        let mut full = resolved;
        for name in rest.into_iter().rev() {
            full.push(name);
        }
        let rel = full
            .strip_prefix(&root)
            .map_err(|_| refuse(input, "is outside the repository"))?;
        let mut parts = Vec::new();
        for comp in rel.components() {
            let Component::Normal(name) = comp else {
                return Err(refuse(input, "cannot be resolved"));
            };
            let name = name
                .to_str()
                .ok_or_else(|| refuse(input, "is not valid UTF-8"))?;
            parts.push(name);
        }
        if parts.is_empty() {
            return Err(refuse(input, "is the repository root itself, not a file"));
        }
        if parts[0] == ".git" {
            return Err(refuse(input, "is inside .git/, which orc never records"));
        }
        Ok(parts.join("/"))
    }

    /// SHA-256 and size of a work-tree file; `None` when it does not exist. A directory
    /// is an `IsADirectory` error and a pipe, socket or device an `InvalidInput` one
    /// (opening a pipe would wait for a writer forever).
    pub fn digest(&self, rel: &str) -> Result<Option<FileDigest>> {
        digest_file(&self.abs(rel))
    }
}

/// [`Store::digest`] of the file at `path`.
pub(super) fn digest_file(path: &Path) -> Result<Option<FileDigest>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    if meta.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::new(
                ErrorKind::IsADirectory,
                "expected a file, found a directory",
            ),
        ));
    }
    if !meta.is_file() {
        return Err(Error::io(
            path,
            std::io::Error::new(
                ErrorKind::InvalidInput,
                "not a regular file (a pipe, socket or device)",
            ),
        ));
    }
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut hasher = Sha256::new();
    // Most recorded files are small: a buffer the size of the file (plus one byte to see
    // the end), at most 64 KiB, costs less to allocate than a fixed 64 KiB one.
    let mut buf = vec![0u8; meta.len().saturating_add(1).min(64 * 1024) as usize];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Some(FileDigest { sha256, size }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("r");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(&root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap();
        let store = Store::discover(&root).unwrap();
        (tmp, store)
    }

    #[test]
    fn confines_paths_to_the_work_tree() {
        let (tmp, s) = store();
        let root = s.workdir().to_path_buf();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "x").unwrap();
        assert_eq!(s.confine(&root, "src/a.rs").unwrap(), "src/a.rs");
        assert_eq!(s.confine(&root.join("src"), "a.rs").unwrap(), "src/a.rs");
        assert_eq!(
            s.confine(&root, "./src/../src/new.rs").unwrap(),
            "src/new.rs"
        );
        assert_eq!(
            s.confine(&root, root.join("src/a.rs").to_str().unwrap())
                .unwrap(),
            "src/a.rs"
        );
        for bad in ["../x", "/etc/passwd", ".git/config", "", "a\0b", "."] {
            assert!(s.confine(&root, bad).is_err(), "{bad:?} accepted");
        }
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let err = s.confine(&root, "link/secret").unwrap_err().to_string();
        assert!(err.contains("outside the repository"), "{err}");
        std::os::unix::fs::symlink(root.join("loop"), root.join("loop")).unwrap();
        assert!(s.confine(&root, "loop").is_err());
        std::os::unix::fs::symlink(root.join("src"), root.join("inside")).unwrap();
        assert_eq!(s.confine(&root, "inside/a.rs").unwrap(), "src/a.rs");
    }

    #[test]
    fn digests_content() {
        let (_tmp, s) = store();
        std::fs::write(s.abs("f"), "hello\n").unwrap();
        let d = s.digest("f").unwrap().unwrap();
        assert_eq!(d.size, 6);
        assert_eq!(
            d.sha256,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(s.digest("missing").unwrap(), None);
    }
}
