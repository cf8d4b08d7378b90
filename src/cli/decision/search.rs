//! `orc decision search`: decisions whose text matches, with the matching lines.

use crate::cli::Output;
use crate::cli::render::decision_line;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, query: &[String], out: &mut Output) -> Result<()> {
    let hits = orc.decision_search(&query.join(" "))?;
    out.emit(Some("results"), &hits, |out| {
        if hits.is_empty() {
            out.line("no decision matches");
        }
        for h in &hits {
            out.row(decision_line(&h.decision));
            for l in &h.lines {
                out.line(format!("    {}:{}: {}", h.decision.path, l.line, l.text));
            }
        }
    });
    Ok(())
}
