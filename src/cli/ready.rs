//! `orc ready`: pending tasks whose dependencies are all completed.

use clap::Args;

use super::Output;
use super::next::FilterArgs;
use super::render::summary_line;
use crate::error::Result;
use crate::service::{Orc, ReadyFilter};

#[derive(Debug, Args)]
pub struct ReadyArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Leave out tasks someone else holds a live claim on (asks the claims remote, if
    /// one is configured).
    #[arg(long)]
    pub unclaimed: bool,
    /// At most this many tasks.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

pub fn run(orc: &Orc, a: ReadyArgs, out: &mut Output) -> Result<()> {
    let filter = ReadyFilter {
        unclaimed: a.unclaimed,
        limit: a.limit,
        ..a.filter.filter()
    };
    let ready = orc.ready_filtered(&filter)?;
    out.emit(Some("tasks"), &ready, |out| {
        if ready.is_empty() {
            out.line("nothing is ready");
        } else {
            for t in &ready {
                out.row(summary_line(t).trim_start());
            }
        }
    });
    Ok(())
}
