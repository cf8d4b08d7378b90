//! Reading the other tools' files from disk; their text formats live in `format::import`.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::format::FormatError;
use crate::format::import::{ImportSet, backlog, beads, taskmaster};

/// The largest source file orc reads: far above any real task list.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

pub(super) fn beads(path: &Path) -> Result<ImportSet> {
    let text = text(path)?;
    beads::from_jsonl(&path.display().to_string(), &text).map_err(|e| bad(path, e))
}

pub(super) fn taskmaster(path: &Path) -> Result<ImportSet> {
    let text = text(path)?;
    taskmaster::from_json(&text).map_err(|e| bad(path, e))
}

/// Backlog.md's folder: `tasks/` and `completed/`; drafts and archived tasks are counted,
/// not imported. Also accepts the project folder that holds `backlog/`.
pub(super) fn backlog(dir: &Path) -> Result<ImportSet> {
    let dir = if dir.join("tasks").is_dir() || !dir.join("backlog").is_dir() {
        dir.to_path_buf()
    } else {
        dir.join("backlog")
    };
    if !dir.join("tasks").is_dir() && !dir.join("completed").is_dir() {
        return Err(Error::invalid_with_hint(
            format!(
                "{} holds no tasks/ folder; it is not a Backlog.md folder; nothing was imported",
                dir.display()
            ),
            "name the backlog/ folder that Backlog.md created (`backlog init`)",
        ));
    }
    let mut set = ImportSet::default();
    for (sub, completed) in [("tasks", false), ("completed", true)] {
        for file in markdown_files(&dir.join(sub))? {
            let text = text(&file)?;
            let name = file.display().to_string();
            backlog::task_from_markdown(&name, &text, completed, &mut set)
                .map_err(|e| bad(&file, e))?;
        }
    }
    for (sub, what) in [
        ("drafts", "drafts (not imported)"),
        ("archive/tasks", "archived tasks (not imported)"),
    ] {
        for _ in markdown_files(&dir.join(sub))? {
            set.dropped.add(what);
        }
    }
    let mut seen = std::collections::HashMap::new();
    for t in &set.tasks {
        if let Some(first) = seen.insert(t.source_id.clone(), t.location.clone()) {
            return Err(Error::invalid_with_hint(
                format!(
                    "task id {} is in both {first} and {}; nothing was imported",
                    t.source_id, t.location
                ),
                "give one of them another id (`backlog doctor` repairs duplicate ids)",
            ));
        }
    }
    Ok(set)
}

/// The `.md` files directly in `dir`, sorted; none when it does not exist.
fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|x| x == "md") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// A source file's text: UTF-8, at most [`MAX_BYTES`].
pub(super) fn text(path: &Path) -> Result<String> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    if f.metadata().map_err(|e| Error::io(path, e))?.is_dir() {
        return Err(Error::invalid_with_hint(
            format!(
                "{} is a folder, not a file; nothing was imported",
                path.display()
            ),
            "name the file to import",
        ));
    }
    let mut bytes = Vec::new();
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Error::invalid(format!(
            "{} is over {} MB; nothing was imported",
            path.display(),
            MAX_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        bad(
            path,
            FormatError {
                line: Some(line),
                column: None,
                message: "not valid UTF-8 text".into(),
            },
        )
    })
}

pub(super) fn bad(path: &Path, source: FormatError) -> Error {
    Error::ImportSource {
        path: path.to_path_buf(),
        source,
    }
}
