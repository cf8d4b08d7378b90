//! `orc task rm [--recursive]`: delete a task (and its subtasks).

use crate::cli::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, recursive: bool, out: &mut Output) -> Result<()> {
    let outcome = orc.task_rm(id, recursive)?;
    out.commit_note(&outcome);
    if out.json {
        out.json(Some("removed"), &outcome.value);
    } else {
        for id in &outcome.value {
            out.line(format!("removed {id}"));
        }
    }
    Ok(())
}
