//! The Python MCP Task Orchestrator's SQLite database, read with the bundled SQLite
//! (read-only), and the artifact files it wrote beside it.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};

use super::read::bad;
use crate::error::{Error, Result};
use crate::format::FormatError;
use crate::format::import::task_orchestrator::{Breakdown, Subtask, from_rows, json_strings};
use crate::format::import::{Dropped, ImportSet};
use crate::model::Artifact;
use crate::store::Store;

/// Where the original keeps its database, relative to its project directory.
pub const TASK_ORCHESTRATOR_DB: &str = ".task_orchestrator/task_orchestrator.db";

/// The original's database in `dir`, when there is one.
pub fn find_task_orchestrator_db(dir: &Path) -> Option<PathBuf> {
    let db = dir.join(TASK_ORCHESTRATOR_DB);
    db.is_file().then_some(db)
}

/// Tables the original creates whose rows orc does not import (no tool of the original
/// writes most of them); a non-empty one is reported.
const NOT_IMPORTED: &[&str] = &[
    "architectural_decisions",
    "file_operations",
    "task_archives",
    "workspaces",
    "task_prerequisites",
];

pub(super) fn read(store: &Store, db: &Path) -> Result<ImportSet> {
    let sql = |e: rusqlite::Error| unreadable(db, e);
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let tables = table_names(&conn, db)?;
    let breakdowns = read_breakdowns(&conn).map_err(sql)?;
    let rows = read_subtasks(&conn).map_err(sql)?;
    let mut set = ImportSet::default();
    let project = project_dir(db);
    let artifacts_dir = db.parent().unwrap_or(Path::new(".")).join("artifacts");
    let mut subtasks = Vec::with_capacity(rows.len());
    for SubtaskRow {
        mut subtask,
        artifacts,
    } in rows
    {
        let listed = listed_artifacts(artifacts.as_deref(), &mut set.dropped);
        resolve_artifacts(
            store,
            &project,
            &artifacts_dir,
            &mut subtask,
            listed,
            &mut set.dropped,
        )?;
        subtasks.push(subtask);
    }
    from_rows(&breakdowns, &subtasks, &mut set);
    count_not_imported(&conn, &tables, &mut set.dropped).map_err(sql)?;
    Ok(set)
}

/// The error for a database SQLite cannot read as the original's.
fn unreadable(db: &Path, e: rusqlite::Error) -> Error {
    not_ours(
        db,
        format!("not a readable MCP Task Orchestrator database: {e}"),
    )
}

/// An import-source error about the database as a whole (no line or column).
fn not_ours(db: &Path, message: String) -> Error {
    bad(
        db,
        FormatError {
            line: None,
            column: None,
            message,
        },
    )
}

/// The database's table names, refused unless the two orc imports from are there.
fn table_names(conn: &Connection, db: &Path) -> Result<Vec<String>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| unreadable(db, e))?;
    for needed in ["task_breakdowns", "subtasks"] {
        if !tables.iter().any(|t| t == needed) {
            return Err(not_ours(
                db,
                format!("not an MCP Task Orchestrator database: it has no `{needed}` table"),
            ));
        }
    }
    Ok(tables)
}

/// Every row of `task_breakdowns`, oldest first.
fn read_breakdowns(conn: &Connection) -> rusqlite::Result<Vec<Breakdown>> {
    let mut s =
        conn.prepare("SELECT * FROM task_breakdowns ORDER BY created_at, parent_task_id")?;
    s.query_map([], |r| {
        Ok(Breakdown {
            parent_task_id: text(r, "parent_task_id").unwrap_or_default(),
            description: text(r, "description").unwrap_or_default(),
            complexity: text(r, "complexity"),
            context: text(r, "context"),
            created_at: text(r, "created_at"),
        })
    })?
    .collect()
}

/// A row of `subtasks`, with its `artifacts` column still unread.
struct SubtaskRow {
    subtask: Subtask,
    /// The JSON list of artifact paths, as stored.
    artifacts: Option<String>,
}

/// Every row of `subtasks`, oldest first.
fn read_subtasks(conn: &Connection) -> rusqlite::Result<Vec<SubtaskRow>> {
    let mut s = conn.prepare("SELECT * FROM subtasks ORDER BY created_at, rowid")?;
    s.query_map([], |r| {
        Ok(SubtaskRow {
            subtask: Subtask {
                task_id: text(r, "task_id").unwrap_or_default(),
                parent_task_id: text(r, "parent_task_id").unwrap_or_default(),
                title: text(r, "title").unwrap_or_default(),
                description: text(r, "description").unwrap_or_default(),
                specialist_type: text(r, "specialist_type").unwrap_or_default(),
                dependencies: text(r, "dependencies"),
                estimated_effort: text(r, "estimated_effort"),
                status: text(r, "status").unwrap_or_default(),
                results: text(r, "results"),
                created_at: text(r, "created_at"),
                completed_at: text(r, "completed_at"),
                artifacts: Vec::new(),
                detail: None,
            },
            artifacts: text(r, "artifacts"),
        })
    })?
    .collect()
}

/// Reports the non-empty tables orc does not import, with their row counts.
fn count_not_imported(
    conn: &Connection,
    tables: &[String],
    dropped: &mut Dropped,
) -> rusqlite::Result<()> {
    for table in NOT_IMPORTED {
        if !tables.iter().any(|t| t == table) {
            continue;
        }
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })?;
        dropped.add_count(format!("rows of {table} (not imported)"), n as usize);
    }
    Ok(())
}

/// The directory the original ran in: the one holding `.task_orchestrator/`.
fn project_dir(db: &Path) -> PathBuf {
    let dir = db.parent().unwrap_or(Path::new("."));
    match (dir.file_name(), dir.parent()) {
        (Some(name), Some(parent)) if name == ".task_orchestrator" => parent.to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// A column as text (numbers written out), `None` when it is NULL or absent.
fn text(row: &Row<'_>, name: &str) -> Option<String> {
    match row.get_ref(name).ok()? {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// The paths an `artifacts` column lists (a JSON list of strings; anything else is dropped).
fn listed_artifacts(json: Option<&str>, dropped: &mut Dropped) -> Vec<String> {
    json_strings(json).unwrap_or_else(|| {
        dropped.add("artifacts columns that are not a JSON list");
        Vec::new()
    })
}

/// What the listed artifacts of a subtask lead to on disk.
#[derive(Default)]
struct Found {
    /// Existing files, absolute, in the order met.
    files: Vec<PathBuf>,
    /// The "Detailed Work" sections of the mirrored copies.
    details: Vec<String>,
}

/// The artifact files of a subtask. The original records a path per completion in the
/// `artifacts` column; the Markdown it names is often missing, so the metadata file beside
/// it leads to the copy it did write (`mirrored/…`, whose "Detailed Work" becomes the
/// task's detail) and to the files the agent named (`file_paths`).
fn resolve_artifacts(
    store: &Store,
    project: &Path,
    artifacts_dir: &Path,
    sub: &mut Subtask,
    listed: Vec<String>,
    dropped: &mut Dropped,
) -> Result<()> {
    let mut found = Found::default();
    for p in listed {
        find_artifact(project, artifacts_dir, &p, &mut found, dropped);
    }
    for abs in found.files {
        record_artifact(store, project, &abs, sub, dropped)?;
    }
    if !found.details.is_empty() {
        sub.detail = Some(found.details.join("\n\n"));
    }
    Ok(())
}

/// Follows one listed artifact path: the file itself, or else its metadata file's leads.
fn find_artifact(
    project: &Path,
    artifacts_dir: &Path,
    listed: &str,
    found: &mut Found,
    dropped: &mut Dropped,
) {
    let abs = project.join(listed);
    if abs.is_file() {
        found.files.push(abs);
        return;
    }
    let meta = abs
        .file_stem()
        .and_then(|s| s.to_str())
        .map(|stem| abs.with_file_name(format!("{stem}_metadata.json")));
    let meta: Option<serde_json::Value> = meta
        .filter(|m| m.is_file())
        .and_then(|m| std::fs::read_to_string(m).ok())
        .and_then(|t| serde_json::from_str(&t).ok());
    let Some(meta) = meta else {
        dropped.add("artifact files that no longer exist");
        return;
    };
    if let Some(rel) = meta.get("relative_path").and_then(|v| v.as_str()) {
        let mirrored = artifacts_dir.join(rel);
        if let Ok(text) = std::fs::read_to_string(&mirrored) {
            if let Some(d) = detailed_work(&text) {
                found.details.push(d);
            }
            found.files.push(mirrored);
        } else {
            dropped.add("artifact files that no longer exist");
        }
    }
    for f in meta
        .get("file_paths")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
    {
        let abs = project.join(f);
        if abs.is_file() {
            found.files.push(abs);
        } else {
            dropped.add("referenced files that no longer exist");
        }
    }
}

/// Adds one found file to the subtask's artifacts (once), with its digest, when it lies
/// inside the repository and still exists.
fn record_artifact(
    store: &Store,
    project: &Path,
    abs: &Path,
    sub: &mut Subtask,
    dropped: &mut Dropped,
) -> Result<()> {
    let shown = abs.display().to_string();
    let Ok(rel) = store.confine(project, &shown) else {
        dropped.add("artifact files outside the repository");
        return Ok(());
    };
    let Some(digest) = super::super::files::digest_named(store, &rel)? else {
        dropped.add("artifact files that no longer exist");
        return Ok(());
    };
    if !sub.artifacts.iter().any(|a| a.path == rel) {
        sub.artifacts.push(Artifact {
            path: rel,
            sha256: digest.sha256,
            size: digest.size,
        });
    }
    Ok(())
}

/// The "Detailed Work" section of an artifact file the original wrote.
fn detailed_work(text: &str) -> Option<String> {
    let start = text.find("## Detailed Work\n")? + "## Detailed Work\n".len();
    let rest = &text[start..];
    let end = rest
        .find("\n---\n\n*This artifact was generated")
        .unwrap_or(rest.len());
    let d = rest[..end].trim();
    (!d.is_empty()).then(|| d.to_owned())
}
