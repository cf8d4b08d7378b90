//! `orc task rm [--recursive]`: delete a task (and its subtasks).

use crate::cli::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, recursive: bool, out: &mut Output) -> Result<()> {
    let outcome = orc.task_rm(id, recursive)?;
    out.commit_note(&outcome);
    out.emit(Some("removed"), &outcome.value, |out| {
        for id in &outcome.value {
            out.line(format!("removed {id}"));
        }
    });
    Ok(())
}
