//! `orc maintenance scan|cleanup|archive|validate`.

use clap::{Subcommand, ValueEnum};

use super::Output;
use crate::error::Result;
use crate::render::count;
use crate::service::{MaintenanceScan, Orc, StaleAction};

/// Below this many tasks `archive` shows no progress bar.
const PROGRESS_THRESHOLD: usize = 500;

#[derive(Debug, Subcommand)]
pub enum MaintenanceCommand {
    /// Report stale in-progress tasks (older than `stale_after_hours` in config.toml),
    /// orphaned subtasks, broken references, parents ready to synthesize, archivable
    /// trees, expired claims (anyone may take those tasks) and file problems. Changes
    /// nothing; exits 1 when something needs attention.
    Scan,
    /// Reset (to pending, unassigned) or block every stale task, in one commit.
    Cleanup {
        /// What to do with stale tasks.
        #[arg(long, value_enum, value_name = "ACTION")]
        stale: StaleArg,
        /// Show what would change without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Move completed task trees finished more than N days ago to
    /// `.orchestrator/archive/tasks/`, in one commit. `orc task show` still finds them.
    Archive {
        /// Age in days (default: `archive_after_days` in config.toml).
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u64>,
        /// Show what would move without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Validate every file (the same as `orc check`).
    Validate,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StaleArg {
    /// Back to pending and unassigned.
    Reset,
    /// Blocked, with a note.
    Block,
}

pub fn run(orc: &Orc, cmd: MaintenanceCommand, out: &mut Output) -> Result<()> {
    match cmd {
        MaintenanceCommand::Scan => scan(orc, out)?,
        MaintenanceCommand::Cleanup { stale, dry_run } => cleanup(orc, stale, dry_run, out)?,
        MaintenanceCommand::Archive {
            older_than,
            dry_run,
        } => archive(orc, older_than, dry_run, out)?,
        MaintenanceCommand::Validate => super::check::run(orc, out)?,
    }
    Ok(())
}

/// `orc maintenance scan`: what needs attention; exit code 1 when anything does.
fn scan(orc: &Orc, out: &mut Output) -> Result<()> {
    let scan = orc.maintenance_scan()?;
    if !scan.is_clean() {
        out.exit_code = 1;
    }
    out.emit(
        None,
        &serde_json::json!({ "clean": scan.is_clean(), "scan": scan }),
        |out| scan_text(out, &scan),
    );
    Ok(())
}

/// The scan for people: one section per kind of problem found.
fn scan_text(out: &mut Output, scan: &MaintenanceScan) {
    if scan.stale.is_empty() {
        out.line(format!(
            "stale: none (in progress longer than {} hours)",
            scan.stale_after_hours
        ));
    } else {
        out.line(format!(
            "stale (in progress longer than {} hours):",
            scan.stale_after_hours
        ));
        for s in &scan.stale {
            out.line(format!(
                "  {:<22} {:>4}h since {}  {}{}",
                s.task.id.as_str(),
                s.hours,
                s.since,
                s.task.title,
                s.task
                    .assignee
                    .as_deref()
                    .map(|a| format!(" [{a}]"))
                    .unwrap_or_default()
            ));
        }
    }
    if !scan.orphans.is_empty() {
        out.line("orphaned subtasks:");
        for o in &scan.orphans {
            out.line(format!("  {:<22} {}", o.task.id.as_str(), o.reason));
        }
    }
    if !scan.broken_references.is_empty() {
        out.line("broken references:");
        for b in &scan.broken_references {
            out.line(format!(
                "  {:<22} depends on {}, which does not exist",
                b.task.as_str(),
                b.missing
            ));
        }
    }
    if !scan.problems.is_empty() {
        out.line(format!(
            "file problems: {} (run `orc check` for details)",
            scan.problems.len()
        ));
    }
    if !scan.ready_to_synthesize.is_empty() {
        out.line("ready to synthesize:");
        for p in &scan.ready_to_synthesize {
            out.line(format!("  {:<22} {}", p.id.as_str(), p.title));
        }
    }
    if !scan.archivable.is_empty() {
        out.line("archivable (`orc maintenance archive`):");
        for t in &scan.archivable {
            out.line(format!("  {:<22} {}", t.id.as_str(), t.title));
        }
    }
    if !scan.expired_claims.is_empty() {
        out.line("expired claims (anyone may take these tasks):");
        for c in &scan.expired_claims {
            out.line(format!(
                "  {:<22} {}",
                c.claim.task.as_str(),
                c.claim.describe()
            ));
        }
    }
    if scan.is_clean() {
        out.line("ok: nothing needs attention");
    }
}

/// `orc maintenance cleanup`.
fn cleanup(orc: &Orc, stale: StaleArg, dry_run: bool, out: &mut Output) -> Result<()> {
    let action = match stale {
        StaleArg::Reset => StaleAction::Reset,
        StaleArg::Block => StaleAction::Block,
    };
    let outcome = orc.maintenance_cleanup(action, dry_run)?;
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        let r = &outcome.value;
        let verb = match (action, dry_run) {
            (StaleAction::Reset, false) => "reset to pending",
            (StaleAction::Block, false) => "blocked",
            (StaleAction::Reset, true) => "would reset to pending",
            (StaleAction::Block, true) => "would block",
        };
        if r.changed.is_empty() {
            out.line("no stale tasks; nothing changed");
        }
        for s in &r.changed {
            out.line(format!(
                "{verb}: {} \"{}\" (in progress for {}h)",
                s.task.id, s.task.title, s.hours
            ));
        }
    });
    Ok(())
}

/// `orc maintenance archive`.
fn archive(orc: &Orc, older_than: Option<u64>, dry_run: bool, out: &mut Output) -> Result<()> {
    let mut bar = super::progress::Progress::new("archiving tasks", PROGRESS_THRESHOLD);
    let outcome = orc.maintenance_archive(older_than, dry_run, &mut |done, total| {
        bar.update(done, Some(total))
    })?;
    drop(bar);
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        let r = &outcome.value;
        let verb = if dry_run { "would archive" } else { "archived" };
        if r.archived.is_empty() {
            out.line(format!(
                "nothing to archive (no completed task tree finished more than {} days ago)",
                r.older_than_days
            ));
        }
        for t in &r.archived {
            out.line(format!(
                "{verb} {} \"{}\" ({}, finished {})",
                t.root.id,
                t.root.title,
                count(t.tasks.len(), "task"),
                t.finished
            ));
        }
        for s in &r.skipped {
            out.line(format!("kept {}: {}", s.root, s.reason));
        }
    });
    Ok(())
}
