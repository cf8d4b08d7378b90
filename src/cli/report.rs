//! `orc init`, `orc status`, `orc ready`, `orc check`.

use super::Output;
use crate::error::Result;
use crate::service::{Orc, TaskSummary};

pub fn init(orc: &Orc, example: bool, out: &mut Output) -> Result<()> {
    let outcome = if example {
        orc.init_example()?
    } else {
        orc.init()?
    };
    out.commit_note(&outcome);
    if out.json {
        out.json(None, &outcome);
    } else if example {
        let files = &outcome.value.example_files;
        if files.is_empty() {
            out.line("the example is already here; nothing changed");
        } else {
            match &outcome.commit {
                Some(c) => out.line(format!(
                    "initialised .orchestrator/ with the example project (commit {}):",
                    &c[..12]
                )),
                None => out.line("initialised .orchestrator/ with the example project:"),
            }
            for f in files {
                out.line(format!("  {f}"));
            }
            out.line("next: `orc status`, `orc recover`, `orc decision list`, `orc files verify`");
        }
    } else if outcome.value.created {
        match &outcome.commit {
            Some(c) => out.line(format!("initialised .orchestrator/ (commit {})", &c[..12])),
            None => out.line("initialised .orchestrator/"),
        }
    } else if !outcome.value.moved_tasks.is_empty() {
        let moved = &outcome.value.moved_tasks;
        match &outcome.commit {
            Some(c) => out.line(format!(
                "already initialised; moved {} task file(s) to where they belong (commit {}):",
                moved.len(),
                &c[..12]
            )),
            None => out.line(format!(
                "already initialised; moved {} task file(s) to where they belong:",
                moved.len()
            )),
        }
        for m in moved {
            out.line(format!("  {m}"));
        }
    } else if outcome.value.merge_driver_registered {
        out.line("already initialised; registered orc's merge driver in this clone's git config");
    } else {
        out.line("already initialised; nothing changed");
    }
    Ok(())
}

/// `  id  priority  role  title`, one task of a list.
pub(super) fn summary_line(t: &TaskSummary) -> String {
    format!(
        "  {:<22} {:<8} {:<12} {}",
        t.id.as_str(),
        t.priority.as_str(),
        t.role.as_deref().unwrap_or("-"),
        t.title
    )
}

pub fn status(orc: &Orc, limit: Option<usize>, out: &mut Output) -> Result<()> {
    let report = orc.status_overview(limit.unwrap_or(usize::MAX))?;
    let more = |name: &str, shown: usize, out: &mut Output, indent: &str| {
        if let Some(total) = report.truncated.get(name) {
            out.line(format!("{indent}… and {} more", total - shown));
        }
    };
    if out.json {
        out.json(None, &report);
        return Ok(());
    }
    let counts: Vec<String> = report
        .by_status
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    out.line(format!(
        "{} tasks{}{}",
        report.total,
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    ));
    if !report.streams.is_empty() {
        out.line("");
        out.line("Streams:");
        for s in &report.streams {
            out.line(format!(
                "  {:<20} {}/{} done, {} open",
                s.stream, s.completed, s.total, s.open
            ));
            if let Some(q) = report.stream_queues.iter().find(|q| q.stream == s.stream) {
                for t in &q.tasks {
                    out.line(super::stream::queue_line(t, "    "));
                }
                more(
                    &format!("stream_queues.{}", q.stream),
                    q.tasks.len(),
                    out,
                    "    ",
                );
            }
        }
    }
    if !report.parents.is_empty() {
        out.line("");
        out.line("Progress:");
        for p in &report.parents {
            out.row(format!(
                "  {:<22} {:>3}% ({}/{})  {}",
                p.id.as_str(),
                p.percent,
                p.done,
                p.total,
                p.title
            ));
        }
        more("parents", report.parents.len(), out, "  ");
    }
    for (label, name, list) in [
        ("In progress", "in_progress", &report.in_progress),
        ("Ready", "ready", &report.ready),
        ("Blocked", "blocked", &report.blocked),
        ("Needs revision", "needs_revision", &report.needs_revision),
    ] {
        if !list.is_empty() {
            out.line("");
            out.line(format!("{label}:"));
            for t in list {
                out.row(summary_line(t));
            }
            more(name, list.len(), out, "  ");
        }
    }
    if !report.uncommitted.is_empty() {
        out.line("");
        out.line("Not committed (written by orc or by hand, not in HEAD):");
        for path in &report.uncommitted {
            out.line(format!("  {path}"));
        }
    }
    if !report.unreadable.is_empty() {
        out.line("");
        out.line("Unreadable files (run `orc check`):");
        for u in &report.unreadable {
            out.line(format!("  {}: {}", u.path, u.error));
        }
    }
    Ok(())
}

pub fn check(orc: &Orc, out: &mut Output) -> Result<()> {
    let report = orc.check()?;
    if out.json {
        out.json(
            None,
            &serde_json::json!({
                "ok": report.ok(),
                "files_checked": report.files_checked,
                "problems": report.problems,
                "uncommitted": report.uncommitted,
            }),
        );
    } else {
        for p in &report.problems {
            let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
            out.line(format!("{}{line}: {}: {}", p.path, p.kind, p.message));
        }
        if report.ok() {
            out.line(format!(
                "ok: {} files checked, no problems",
                report.files_checked
            ));
        } else {
            out.line(format!(
                "{} problem(s) in {} files checked",
                report.problems.len(),
                report.files_checked
            ));
        }
        for path in &report.uncommitted {
            out.line(format!(
                "{path}: uncommitted: differs from HEAD (commit it, or discard the change with git)"
            ));
        }
    }
    if !report.ok() {
        out.exit_code = 1;
    }
    Ok(())
}
