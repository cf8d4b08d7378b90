//! `orc release [PATTERN…]`: give back this agent's reservations.

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::render::count;
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
    out.emit(None, &report, |out| {
        let left: usize = report.reservations.iter().filter(|v| v.mine).count();
        out.line(if a.patterns.is_empty() {
            "released every reservation of this agent here".to_owned()
        } else {
            format!(
                "released {}; {} of this agent left",
                a.patterns.join(" "),
                count(left, "reservation")
            )
        });
    });
    Ok(())
}
