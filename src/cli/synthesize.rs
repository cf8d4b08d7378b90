//! `orc synthesize`: combine the subtasks' results into the parent's.

use super::Output;
use crate::error::Result;
use crate::render::{count, plural};
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let outcome = orc.synthesize(id)?;
    out.commit_note(&outcome);
    let s = &outcome.value;
    out.emit(None, &outcome, |out| {
        out.line(s.markdown.trim_end());
        out.line("");
        if s.complete {
            out.line(format!("{} \"{}\" is completed", s.parent, s.title));
        } else {
            out.line(format!(
                "not completed: {} {} still open; nothing was written",
                count(s.open.len(), "subtask"),
                plural(s.open.len(), "is", "are")
            ));
        }
    });
    if !s.complete {
        out.exit_code = 1;
    }
    Ok(())
}
