//! Atomic file replacement in the work tree, and reading directories.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` through a temporary file and a rename, so readers see the old
/// or the new content, never a mix. The temporary file goes to `tmp_dir` when given (so a
/// crash leaves nothing in the work tree) or next to `path`, which is also the fallback
/// when `tmp_dir` is on another file system.
pub fn write_atomic(path: &Path, bytes: &[u8], tmp_dir: Option<&Path>) -> Result<()> {
    let dir = path
        .parent()
        .expect("paths under the work tree have a parent");
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    if path.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::new(
                ErrorKind::IsADirectory,
                "expected a file, found a directory",
            ),
        ));
    }
    let name = path
        .file_name()
        .expect("file paths have a name")
        .to_string_lossy();
    let tmp_name = format!(".{name}.orc-tmp-{}", std::process::id());
    if let Some(tmp_dir) = tmp_dir
        && fs::create_dir_all(tmp_dir).is_ok()
    {
        match write_then_rename(&tmp_dir.join(&tmp_name), path, bytes) {
            Err(e) if e.kind() == ErrorKind::CrossesDevices => {}
            other => return other.map_err(|e| Error::io(path, e)),
        }
    }
    write_then_rename(&dir.join(&tmp_name), path, bytes).map_err(|e| Error::io(path, e))
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let result = (|| {
        let mut file = fs::File::create(tmp)?;
        file.write_all(bytes)?;
        file.flush()?;
        fs::rename(tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

/// Removes a file; a file that is already gone is fine.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Current content of a file, `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The entries of `dir` that are not hidden and have UTF-8 names, each with whether it is
/// a directory (from the directory entry, without following symlinks), unsorted. Every
/// listing of orc's directories goes through here, so they agree on what they skip.
pub fn read_entries(dir: &Path) -> std::io::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !name.starts_with('.') {
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            out.push((name, is_dir));
        }
    }
    Ok(out)
}
