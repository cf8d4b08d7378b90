//! `orc start`: claim a task and print its brief.

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::service::Orc;

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Task id or a unique prefix of it.
    pub id: String,
    /// Take over a task in progress for another agent, or start a parent with open subtasks.
    #[arg(long)]
    pub force: bool,
    /// Also reserve, exclusively and for the task's lease, the files recorded for it
    /// (`orc files add`); nothing is started when someone else holds one of them.
    #[arg(long)]
    pub reserve: bool,
}

pub fn run(orc: &Orc, a: StartArgs, out: &mut Output) -> Result<()> {
    let outcome = if a.reserve {
        let (outcome, reserved) = orc.start_reserving(&a.id, a.force)?;
        if reserved.is_empty() {
            say!("note: no files are recorded for this task; nothing was reserved");
        } else {
            say!("note: reserved exclusively: {}", reserved.join(" "));
        }
        outcome
    } else {
        orc.start(&a.id, a.force)?
    };
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        out.line(crate::render::brief(&outcome.value).trim_end());
    });
    Ok(())
}
