//! `orc decision list`: decisions, optionally filtered.

use clap::Args;

use crate::cli::Output;
use crate::cli::render::decision_line;
use crate::error::Result;
use crate::model::DecisionStatus;
use crate::service::{DecisionFilter, Orc};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only decisions in this status (repeatable).
    #[arg(long)]
    pub status: Vec<DecisionStatus>,
    /// Only decisions with this tag (repeatable: all must match).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only decisions made for this task.
    #[arg(long)]
    pub task: Option<String>,
}

pub fn run(orc: &Orc, a: ListArgs, out: &mut Output) -> Result<()> {
    let list = orc.decision_list(&DecisionFilter {
        status: a.status,
        tags: a.tags,
        task: a.task,
    })?;
    out.emit(None, &list, |out| {
        if list.decisions.is_empty() && list.unreadable.is_empty() {
            out.line("no decisions");
        }
        for d in &list.decisions {
            out.row(decision_line(d));
        }
        for u in &list.unreadable {
            say!("warning: {}: {} (run `orc check`)", u.path, u.error);
        }
    });
    Ok(())
}
