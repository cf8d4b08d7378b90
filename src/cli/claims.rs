//! `orc claims`: live and expired claims, here and on the claims remote.

use super::Output;
use crate::error::Result;
use crate::service::Orc;

pub fn run(orc: &Orc, out: &mut Output) -> Result<()> {
    let report = orc.claims()?;
    out.emit(None, &report, |out| {
        if report.claims.is_empty() {
            out.line("no claims");
        }
        for c in &report.claims {
            let state = match (c.live, c.mine) {
                (true, true) => "yours",
                (true, false) => "live",
                (false, _) => "expired",
            };
            let status = c
                .status
                .map(|s| format!(" [{s}]"))
                .unwrap_or_else(|| " [not in this work tree]".to_owned());
            out.line(format!(
                "{:<22} {:<7} {}{status}  (seen: {})",
                c.claim.task.as_str(),
                state,
                c.claim.describe(),
                c.seen.join(", ")
            ));
        }
        if let Some(r) = &report.remote {
            out.line(format!("claims remote: {r}"));
        }
    });
    Ok(())
}
