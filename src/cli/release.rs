//! `orc release [PATTERN…]`: give back this agent's reservations.

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::service::Orc;

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Patterns as given to `orc reserve`; none: every reservation of this agent in this
    /// work tree.
    #[arg(value_name = "PATTERN")]
    pub patterns: Vec<String>,
}

pub fn run(orc: &Orc, a: ReleaseArgs, out: &mut Output) -> Result<()> {
    let report = orc.release(&a.patterns)?;
    if out.json {
        out.json(None, &report);
        return Ok(());
    }
    let left: usize = report.reservations.iter().filter(|v| v.mine).count();
    out.line(if a.patterns.is_empty() {
        "released every reservation of this agent here".to_owned()
    } else {
        format!(
            "released {}; {left} reservation{} of this agent left",
            a.patterns.join(" "),
            if left == 1 { "" } else { "s" }
        )
    });
    Ok(())
}
