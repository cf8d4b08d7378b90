//! `orc decision …`: architectural decision records. Each verb lives in its own file
//! (`new.rs`, `list.rs`, `show.rs`, `search.rs`, `accept.rs`, `reject.rs`,
//! `deprecate.rs`, `supersede.rs`, `renumber.rs`); here are the subcommand enum, the
//! dispatch and the status change that accept, reject and deprecate share.

mod accept;
mod deprecate;
mod list;
mod new;
mod reject;
mod renumber;
mod search;
mod show;
mod supersede;

pub(super) use show::render;

use clap::Subcommand;

use super::Output;
use crate::error::Result;
use crate::model::{DecisionStatus, number_str};
use crate::service::Orc;

#[derive(Debug, Subcommand)]
pub enum DecisionCommand {
    /// Record a new decision (status `proposed` unless --status says otherwise).
    ///
    /// Give the sections as options, or write them in $EDITOR with --edit, or read a
    /// Markdown file with --from (front matter optional).
    New(new::NewArgs),
    /// List decisions, optionally filtered.
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Show one decision: its fields and its text.
    Show {
        /// Decision number: 7, 0007 or ADR-7.
        number: String,
    },
    /// Find decisions whose title, tags or text contain every word of QUERY, best first.
    Search {
        /// Words to look for (all must match, in any order; case-insensitive).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
    /// Mark a proposed decision as accepted.
    Accept {
        /// Decision number (`7`, `0007` or `ADR-7`).
        number: String,
    },
    /// Mark a proposed decision as rejected.
    Reject {
        /// Decision number (`7`, `0007` or `ADR-7`).
        number: String,
    },
    /// Mark an accepted decision as deprecated (no longer in force, not replaced).
    Deprecate {
        /// Decision number (`7`, `0007` or `ADR-7`).
        number: String,
    },
    /// Mark decision N as superseded by decision M; both files change in one commit.
    Supersede {
        /// The decision that is replaced (`7`, `0007` or `ADR-7`).
        number: String,
        /// The decision that replaces it.
        #[arg(long, value_name = "M")]
        by: String,
    },
    /// Give duplicate numbers (two branches each added the same number) the next free
    /// numbers and update the links between decisions.
    Renumber,
}

pub fn run(orc: &Orc, cmd: DecisionCommand, out: &mut Output) -> Result<()> {
    match cmd {
        DecisionCommand::New(a) => new::run(orc, a, out),
        DecisionCommand::List(a) => list::run(orc, a, out),
        DecisionCommand::Show { number } => show::run(orc, &number, out),
        DecisionCommand::Search { query } => search::run(orc, &query, out),
        DecisionCommand::Accept { number } => accept::run(orc, &number, out),
        DecisionCommand::Reject { number } => reject::run(orc, &number, out),
        DecisionCommand::Deprecate { number } => deprecate::run(orc, &number, out),
        DecisionCommand::Supersede { number, by } => supersede::run(orc, &number, &by, out),
        DecisionCommand::Renumber => renumber::run(orc, out),
    }
}

fn set_status(orc: &Orc, number: &str, to: DecisionStatus, out: &mut Output) -> Result<()> {
    let outcome = orc.decision_set_status(number, to)?;
    out.commit_note(&outcome);
    out.emit(None, &outcome.value, |out| {
        let d = &outcome.value.decision;
        out.line(format!(
            "decision {} \"{}\" is {}",
            number_str(d.number),
            d.title,
            d.status
        ));
    });
    Ok(())
}
