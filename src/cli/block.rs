//! `orc block`: block a task, recording why.

use super::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, reason: &str, out: &mut Output) -> Result<()> {
    let outcome = orc.block(id, reason)?;
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        super::render::status_change(out, &outcome.value);
    });
    Ok(())
}
