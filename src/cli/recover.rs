//! `orc recover`: the briefing for an agent starting cold, as Markdown or JSON.

use clap::{Args, ValueEnum};

use super::Output;
use crate::error::Result;
use crate::service::{Orc, RECOVER_LIMIT};

/// Below this many commits read `recover` shows no progress counter.
const PROGRESS_THRESHOLD: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Report changes after this commit, or at or after this date, instead of since
    /// the last session.
    #[arg(long, value_name = "COMMIT|DATE")]
    pub since: Option<String>,
    /// markdown (default) or json (same as --json).
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
    /// Entries per list (tasks, changes, decisions, files); the briefing says how many
    /// more there are.
    #[arg(long, default_value_t = RECOVER_LIMIT, conflicts_with = "all")]
    pub limit: usize,
    /// Show every entry of every list.
    #[arg(long)]
    pub all: bool,
}

pub fn run(orc: &Orc, a: RecoverArgs, out: &mut Output) -> Result<()> {
    let limit = if a.all { usize::MAX } else { a.limit };
    let mut bar = super::progress::Progress::new("reading history (commits)", PROGRESS_THRESHOLD);
    let briefing = orc.recover_with_progress(a.since.as_deref(), limit, &mut |read| {
        bar.update(read, None)
    })?;
    drop(bar);
    out.emit_or_json(a.format == Format::Json, None, &briefing, |out| {
        out.line(crate::render::briefing(&briefing).trim_end())
    });
    Ok(())
}
