//! `orc files …`: record file operations, verify them against the disk, show who touched what.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Output;
use crate::error::Result;
use crate::model::FileOpKind;
use crate::render::count;
use crate::service::{Orc, RecordReport, RecordRequest, VerifyReport};

/// Below this many files `verify` shows no progress indicator.
const PROGRESS_THRESHOLD: usize = 200;

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Record what a task did to files: path, operation, SHA-256 and size after it.
    ///
    /// Without --op the operation is inferred: an existing file is a create (new to git
    /// and to earlier records) or a modify; a missing one is a delete. Directories are
    /// walked, honouring .gitignore. Without --task, the one task in progress is used.
    Record(RecordArgs),
    /// Re-read the disk and compare it with each path's latest record (a recorded
    /// operation, or an artifact of a completed task); exits 1 when anything is modified
    /// since, missing or unexpectedly present.
    Verify {
        /// Only the paths this task recorded or produced as artifacts.
        #[arg(long, short)]
        task: Option<String>,
        /// Print only the paths that fail.
        #[arg(long)]
        failed: bool,
    },
    /// Which tasks touched a path (or a directory, or everything), from manifests, the
    /// artifacts of tasks and commits with an `Orc-Task:` trailer; newest first.
    Log {
        /// Only this task's operations.
        #[arg(long, short)]
        task: Option<String>,
        /// A file or directory.
        path: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Files or directories, relative to the current directory.
    #[arg(required_unless_present = "changed", conflicts_with = "changed")]
    pub paths: Vec<PathBuf>,
    /// Record every file that differs from HEAD in the work tree (new, modified,
    /// deleted, renamed).
    #[arg(long)]
    pub changed: bool,
    /// The task the operations belong to.
    #[arg(long, short)]
    pub task: Option<String>,
    /// create, modify, delete or rename (default: inferred).
    #[arg(long, conflicts_with = "changed")]
    pub op: Option<FileOpKind>,
    /// The old path of a rename.
    #[arg(long, value_name = "OLD", conflicts_with = "changed")]
    pub from: Option<PathBuf>,
}

pub fn run(orc: &Orc, cmd: FilesCommand, cwd: &Path, out: &mut Output) -> Result<()> {
    match cmd {
        FilesCommand::Record(a) => {
            let outcome = if a.changed {
                orc.files_record_changed(a.task.as_deref())?
            } else {
                orc.files_record(RecordRequest {
                    paths: super::utf8_paths(a.paths)?,
                    task: a.task,
                    op: a.op,
                    from: super::utf8_paths(a.from.into_iter().collect())?.pop(),
                    cwd: cwd.to_path_buf(),
                })?
            };
            out.commit_note(&outcome);
            out.emit(None, &outcome, |out| {
                render_record(&outcome.value, a.changed, out);
            });
        }
        FilesCommand::Verify { task, failed } => {
            let mut bar = super::progress::Progress::new("verifying files", PROGRESS_THRESHOLD);
            let report = orc.files_verify(task.as_deref(), &mut |done, total| {
                bar.update(done, Some(total))
            })?;
            drop(bar);
            out.emit(None, &report, |out| {
                render_verify(&report, failed, out);
            });
            if !report.ok {
                out.exit_code = 1;
            }
        }
        FilesCommand::Log { task, path } => {
            let log = orc.files_log(task.as_deref(), path.as_deref(), cwd)?;
            out.emit(None, &log, |out| {
                if log.entries.is_empty() {
                    out.line("no recorded operations");
                }
                for e in &log.entries {
                    let what = match (e.op, &e.commit) {
                        (Some(op), _) => op.as_str(),
                        (None, Some(_)) => "commit",
                        (None, None) => e.source,
                    };
                    let mut line = format!(
                        "{}  {:<22} {:<7} {}",
                        e.at,
                        e.task.as_deref().unwrap_or("-"),
                        what,
                        e.path
                    );
                    if let Some(from) = &e.from {
                        line.push_str(&format!(" (from {from})"));
                    }
                    if let (Some(c), Some(s)) = (&e.commit, &e.summary) {
                        line.push_str(&format!("  {} {s}", crate::render::short_id(c)));
                    }
                    out.line(line);
                }
                if let Some(note) = &log.history_note {
                    say!("note: {note}");
                }
            });
        }
    }
    Ok(())
}

fn render_record(r: &RecordReport, changed: bool, out: &mut Output) {
    if r.recorded.is_empty() {
        if r.unchanged.is_empty() && changed {
            out.line("nothing differs from HEAD; nothing recorded");
        } else {
            out.line(format!(
                "already recorded for the current content; nothing recorded ({})",
                count(r.unchanged.len(), "file")
            ));
        }
        return;
    }
    out.line(format!(
        "recorded {} for {} in {}",
        count(r.recorded.len(), "operation"),
        r.task,
        r.manifest
    ));
    for op in &r.recorded {
        match &op.from {
            Some(from) => out.line(format!("  {:<7} {} (from {from})", op.op.as_str(), op.path)),
            None => out.line(format!("  {:<7} {}", op.op.as_str(), op.path)),
        }
    }
    if !r.unchanged.is_empty() {
        out.line(format!("already recorded: {}", r.unchanged.join(", ")));
    }
}

fn render_verify(r: &VerifyReport, failed_only: bool, out: &mut Output) {
    for u in &r.unreadable {
        out.line(format!("unreadable manifest {}: {}", u.path, u.error));
    }
    for res in &r.results {
        if failed_only && res.state.ok() {
            continue;
        }
        let why = match (&res.renamed_to, res.state.ok()) {
            (Some(to), _) => format!("  (renamed to {to} by {})", res.task),
            (None, false) => format!("  ({})", res.origin()),
            (None, true) => String::new(),
        };
        out.line(format!("{:<21} {}{why}", res.state.as_str(), res.path));
    }
    let s = &r.summary;
    out.line(format!(
        "{} checked: {} verified, {} modified since, {} missing, {} unexpectedly present",
        s.checked, s.verified, s.modified, s.missing, s.unexpectedly_present
    ));
}
