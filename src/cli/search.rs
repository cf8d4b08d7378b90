//! `orc search`: find tasks and decisions by their text.

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::model::Status;
use crate::service::{Orc, SearchScope};

/// Search task titles, descriptions, results and notes, and decisions, for every word
/// given (case-insensitive); best matches first, each with the matching text.
///
/// A word in a title counts most, then a result, a description and notes.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The words to find; every one must occur in a result.
    #[arg(required = true, value_name = "TEXT")]
    pub query: Vec<String>,
    /// Only tasks.
    #[arg(long, conflicts_with_all = ["decisions", "notes"])]
    pub tasks: bool,
    /// Only decisions.
    #[arg(long, conflicts_with_all = ["notes", "status"])]
    pub decisions: bool,
    /// Only the notes of tasks.
    #[arg(long)]
    pub notes: bool,
    /// Only tasks in this status (repeatable); leaves decisions out.
    #[arg(long)]
    pub status: Vec<Status>,
}

pub fn run(orc: &Orc, a: SearchArgs, out: &mut Output) -> Result<()> {
    let scope = if a.tasks {
        SearchScope::Tasks
    } else if a.decisions {
        SearchScope::Decisions
    } else if a.notes {
        SearchScope::Notes
    } else {
        SearchScope::All
    };
    let report = orc.search(&a.query.join(" "), scope, &a.status)?;
    out.emit(None, &report, |out| {
        if report.tasks.is_empty() && report.decisions.is_empty() {
            out.line(format!("nothing matches {:?}", report.query));
            return;
        }
        for t in &report.tasks {
            out.row(format!(
                "{:<22} {:<14} {}",
                t.id.as_str(),
                t.status.as_str(),
                t.title
            ));
            for m in &t.matches {
                let label = match &m.at {
                    Some(at) => format!("note {at}"),
                    None => m.field.to_owned(),
                };
                out.row(format!("    {label}: {}", m.text));
            }
        }
        for h in &report.decisions {
            out.row(super::render::decision_line(&h.decision));
            for l in &h.lines {
                out.row(format!("    {}:{}: {}", h.decision.path, l.line, l.text));
            }
        }
    });
    Ok(())
}
