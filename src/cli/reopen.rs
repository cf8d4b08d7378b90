//! `orc reopen`: open a closed task again.

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::service::Orc;

#[derive(Debug, Args)]
pub struct ReopenArgs {
    /// Task id or a unique prefix of it.
    pub id: String,
    /// Why; recorded as a note and shown to whoever starts the task next.
    #[arg(long)]
    pub reason: Option<String>,
    /// Send it back as needs_revision (e.g. after a review) instead of pending.
    #[arg(long)]
    pub needs_revision: bool,
}

pub fn run(orc: &Orc, a: ReopenArgs, out: &mut Output) -> Result<()> {
    let outcome = orc.reopen(&a.id, a.reason.as_deref(), a.needs_revision)?;
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        super::render::status_change(out, &outcome.value);
    });
    Ok(())
}
