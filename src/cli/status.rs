//! `orc status`: counts, streams, progress and the lists of open work.

use super::Output;
use super::render::summary_line;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, limit: Option<usize>, out: &mut Output) -> Result<()> {
    let report = orc.status(limit.unwrap_or(usize::MAX))?;
    let more = |name: &str, shown: usize, out: &mut Output, indent: &str| {
        if let Some(total) = report.truncated.get(name) {
            out.line(format!("{indent}… and {} more", total - shown));
        }
    };
    out.emit(None, &report, |out| {
        out.line(crate::render::status_counts(&report));
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
                        out.line(super::render::queue_line(t, "    "));
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
    });
    Ok(())
}
