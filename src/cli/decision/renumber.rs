//! `orc decision renumber`: give duplicate decision numbers (from merged branches) new ones.

use crate::cli::Output;
use crate::error::Result;
use crate::model::number_str;
use crate::service::Orc;

pub fn run(orc: &Orc, out: &mut Output) -> Result<()> {
    let outcome = orc.decision_renumber()?;
    out.commit_note(&outcome);
    out.emit(Some("renumbered"), &outcome.value, |out| {
        if outcome.value.is_empty() {
            out.line("no duplicate decision numbers; nothing changed");
        } else {
            for r in &outcome.value {
                out.line(format!(
                    "{} -> {}  {}  ({})",
                    number_str(r.old_number),
                    number_str(r.new_number),
                    r.title,
                    r.new_path
                ));
            }
        }
    });
    Ok(())
}
