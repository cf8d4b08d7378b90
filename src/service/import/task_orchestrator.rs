//! The Python MCP Task Orchestrator's SQLite database, read with the bundled SQLite
//! (read-only), and the artifact files it wrote beside it.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};

use super::read::bad;
use crate::error::Result;
use crate::format::FormatError;
use crate::format::import::task_orchestrator::{Breakdown, Subtask, from_rows};
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
    let sql = |e: rusqlite::Error| {
        bad(
            db,
            FormatError {
                line: None,
                column: None,
                message: format!("not a readable MCP Task Orchestrator database: {e}"),
            },
        )
    };
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql)?;
    for needed in ["task_breakdowns", "subtasks"] {
        if !tables.iter().any(|t| t == needed) {
            return Err(bad(
                db,
                FormatError {
                    line: None,
                    column: None,
                    message: format!(
                        "not an MCP Task Orchestrator database: it has no `{needed}` table"
                    ),
                },
            ));
        }
    }
    let breakdowns: Vec<Breakdown> = conn
        .prepare("SELECT * FROM task_breakdowns ORDER BY created_at, parent_task_id")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(Breakdown {
                    parent_task_id: text(r, "parent_task_id").unwrap_or_default(),
                    description: text(r, "description").unwrap_or_default(),
                    complexity: text(r, "complexity"),
                    context: text(r, "context"),
                    created_at: text(r, "created_at"),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql)?;
    let mut rows: Vec<(Subtask, Option<String>)> = conn
        .prepare("SELECT * FROM subtasks ORDER BY created_at, rowid")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    Subtask {
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
                    text(r, "artifacts"),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql)?;
    let mut set = ImportSet::default();
    let project = project_dir(db);
    let artifacts_dir = db.parent().unwrap_or(Path::new(".")).join("artifacts");
    for (sub, json) in &mut rows {
        resolve_artifacts(
            store,
            &project,
            &artifacts_dir,
            sub,
            json.as_deref(),
            &mut set.dropped,
        )?;
    }
    let subtasks: Vec<Subtask> = rows.into_iter().map(|(s, _)| s).collect();
    from_rows(&breakdowns, &subtasks, &mut set);
    for table in NOT_IMPORTED {
        if !tables.iter().any(|t| t == table) {
            continue;
        }
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .map_err(sql)?;
        set.dropped
            .add_count(format!("rows of {table} (not imported)"), n as usize);
    }
    Ok(set)
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

/// The artifact files of a subtask. The original records a path per completion in the
/// `artifacts` column; the Markdown it names is often missing, so the metadata file beside
/// it leads to the copy it did write (`mirrored/…`, whose "Detailed Work" becomes the
/// task's detail) and to the files the agent named (`file_paths`).
fn resolve_artifacts(
    store: &Store,
    project: &Path,
    artifacts_dir: &Path,
    sub: &mut Subtask,
    json: Option<&str>,
    dropped: &mut Dropped,
) -> Result<()> {
    let listed: Vec<String> = match json.map(str::trim) {
        None | Some("") | Some("null") => Vec::new(),
        Some(j) => match serde_json::from_str::<Vec<serde_json::Value>>(j) {
            Ok(v) => v
                .into_iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect(),
            Err(_) => {
                dropped.add("artifacts columns that are not a JSON list");
                Vec::new()
            }
        },
    };
    let mut files: Vec<PathBuf> = Vec::new();
    let mut details: Vec<String> = Vec::new();
    for p in listed {
        let abs = project.join(&p);
        if abs.is_file() {
            files.push(abs);
            continue;
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
            continue;
        };
        if let Some(rel) = meta.get("relative_path").and_then(|v| v.as_str()) {
            let mirrored = artifacts_dir.join(rel);
            if let Ok(text) = std::fs::read_to_string(&mirrored) {
                if let Some(d) = detailed_work(&text) {
                    details.push(d);
                }
                files.push(mirrored);
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
                files.push(abs);
            } else {
                dropped.add("referenced files that no longer exist");
            }
        }
    }
    for abs in files {
        let shown = abs.display().to_string();
        let rel = match store.confine(project, &shown) {
            Ok(rel) => rel,
            Err(_) => {
                dropped.add("artifact files outside the repository");
                continue;
            }
        };
        let Some(digest) = super::super::files::digest_named(store, &rel)? else {
            dropped.add("artifact files that no longer exist");
            continue;
        };
        if !sub.artifacts.iter().any(|a| a.path == rel) {
            sub.artifacts.push(Artifact {
                path: rel,
                sha256: digest.sha256,
                size: digest.size,
            });
        }
    }
    if !details.is_empty() {
        sub.detail = Some(details.join("\n\n"));
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
