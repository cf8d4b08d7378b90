//! `orc synthesize`: combine the subtasks' results into the parent's.

use super::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let outcome = orc.synthesize(id)?;
    out.commit_note(&outcome);
    let s = &outcome.value;
    if out.json {
        out.json(None, &outcome);
    } else {
        out.line(s.markdown.trim_end());
        out.line("");
        if s.complete {
            out.line(format!("{} \"{}\" is completed", s.parent, s.title));
        } else {
            out.line(format!(
                "not completed: {} subtask{} still open; nothing was written",
                s.open.len(),
                if s.open.len() == 1 { " is" } else { "s are" }
            ));
        }
    }
    if !s.complete {
        out.exit_code = 1;
    }
    Ok(())
}
