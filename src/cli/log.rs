//! `orc log`: orchestration history from commits.

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::service::{LogFilter, Orc};

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only commits for this task.
    #[arg(long, short)]
    pub task: Option<String>,
    /// Only this operation, e.g. `task.complete`, or a group such as `task` or `decision`.
    #[arg(long)]
    pub op: Option<String>,
    /// At most N entries.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
    /// Only commits after this commit, or at or after this date (2026-01-31).
    #[arg(long, value_name = "COMMIT|DATE")]
    pub since: Option<String>,
}

pub fn run(orc: &Orc, a: LogArgs, out: &mut Output) -> Result<()> {
    let report = orc.log(&LogFilter {
        task: a.task,
        op: a.op,
        limit: a.limit,
        since: a.since,
    })?;
    out.emit(None, &report, |out| {
        if report.entries.is_empty() {
            out.line("no orc commits");
        }
        for e in &report.entries {
            out.line(crate::render::log_line(e, crate::render::Style::Padded));
        }
        if let Some(note) = report.history.note() {
            say!("note: {note}");
        }
    });
    Ok(())
}
