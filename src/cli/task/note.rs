//! `orc task note`: append a timestamped note to a task.

use super::mutated;
use crate::cli::{Output, read_text};
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, id: &str, text: String, out: &mut Output) -> Result<()> {
    let text = if text == "-" { read_text("-")? } else { text };
    let outcome = orc.task_note(id, &text)?;
    mutated(out, "noted on", &outcome.value, &outcome);
    Ok(())
}
