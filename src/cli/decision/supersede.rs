//! `orc decision supersede N --by M`.

use crate::cli::Output;
use crate::error::Result;
use crate::model::number_str;
use crate::service::Orc;

pub fn run(orc: &Orc, number: &str, by: &str, out: &mut Output) -> Result<()> {
    let outcome = orc.decision_supersede(number, by)?;
    out.commit_note(&outcome);
    out.emit(Some("decisions"), &outcome.value, |out| {
        if let [old, new] = outcome.value.as_slice() {
            out.line(format!(
                "decision {} \"{}\" is superseded by {} \"{}\"",
                number_str(old.decision.number),
                old.decision.title,
                number_str(new.decision.number),
                new.decision.title
            ));
        }
    });
    Ok(())
}
