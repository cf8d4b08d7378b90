//! `orc task status`: move a task to another status.

use crate::cli::Output;
use crate::error::Result;
use crate::model::Status;
use crate::service::Orc;

pub fn run(
    orc: &Orc,
    id: &str,
    status: Status,
    reason: Option<&str>,
    out: &mut Output,
) -> Result<()> {
    let outcome = orc.task_status(id, status, reason)?;
    out.commit_note(&outcome);
    let t = &outcome.value;
    out.emit(Some("task"), t, |out| {
        out.line(format!("{} -> {} \"{}\"", t.id, t.status, t.title));
    });
    Ok(())
}
