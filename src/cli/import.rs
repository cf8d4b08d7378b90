//! `orc import <source>`: bring tasks from beads, Backlog.md, Task Master and the Python
//! MCP Task Orchestrator into `.orchestrator/`, in one commit (docs/import.md).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Output;
use crate::error::{Error, Result};
use crate::format::import::ImportSource;
use crate::render::count;
use crate::service::{ImportAction, ImportRequest, Orc};

/// Bring tasks from another tool into orc, in one commit.
///
/// Each record becomes an orc task (titles, descriptions, statuses, priorities, parents
/// and dependencies mapped; see docs/import.md). orc keeps a map per source in
/// `.orchestrator/imports/<source>.toml`, so importing again updates the tasks it
/// created, and a source that did not change changes nothing. The report counts what
/// was created, updated and unchanged, and what had no equivalent in orc.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import beads issues from its JSONL export (`.beads/issues.jsonl`).
    Beads(SourceArgs),
    /// Import Backlog.md tasks from its `backlog/` folder (`tasks/` and `completed/`).
    Backlog(SourceArgs),
    /// Import Task Master tasks from `.taskmaster/tasks/tasks.json`, every tag (tags other
    /// than `master` become streams).
    Taskmaster(SourceArgs),
    /// Import the Python MCP Task Orchestrator's tasks, subtasks, results and artifacts
    /// from its SQLite database (`.task_orchestrator/task_orchestrator.db`).
    TaskOrchestrator(SourceArgs),
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The file or folder to read (default: the tool's usual place, in the current
    /// directory or at the repository root).
    pub path: Option<PathBuf>,
    /// Report what would be imported; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(orc: &Orc, cmd: ImportCommand, out: &mut Output) -> Result<()> {
    let (source, args) = match cmd {
        ImportCommand::Beads(a) => (ImportSource::Beads, a),
        ImportCommand::Backlog(a) => (ImportSource::Backlog, a),
        ImportCommand::Taskmaster(a) => (ImportSource::Taskmaster, a),
        ImportCommand::TaskOrchestrator(a) => (ImportSource::TaskOrchestrator, a),
    };
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let outcome = orc.import(ImportRequest {
        source,
        path: args.path,
        cwd,
        dry_run: args.dry_run,
    })?;
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        let r = &outcome.value;
        let verb = if r.dry_run {
            "would import"
        } else {
            "imported"
        };
        out.line(format!(
            "{verb} {} from {}: {} created, {} updated, {} unchanged{}",
            count(r.tasks.len(), "task"),
            r.path,
            r.created,
            r.updated,
            r.unchanged,
            if r.skipped > 0 {
                format!(", {} skipped (no longer in orc)", r.skipped)
            } else {
                String::new()
            }
        ));
        for e in r
            .tasks
            .iter()
            .filter(|e| e.action != ImportAction::Unchanged)
        {
            out.row(format!(
                "  {:<9} {:<22} {:<18} {}",
                e.action.as_str(),
                e.task.as_str(),
                e.source_id,
                e.title
            ));
        }
        if !r.dropped.is_empty() {
            out.line("no equivalent in orc (records):");
            for (what, n) in &r.dropped.0 {
                out.line(format!("  {n:>4}  {what}"));
            }
        }
        if r.created + r.updated == 0 && !r.dry_run {
            out.line("nothing to change; no commit");
        } else if !r.dry_run {
            out.line(format!("map: {}", r.map));
        }
    });
    Ok(())
}
