//! `orc reservations`: live file reservations of every worktree and clone.

use super::Output;
use crate::error::Result;
use crate::service::{Orc, ReservationsReport};

pub fn run(orc: &Orc, out: &mut Output) -> Result<()> {
    let report = orc.reservations()?;
    out.emit(None, &report, |out| {
        list(out, &report);
    });
    Ok(())
}

fn list(out: &mut Output, report: &ReservationsReport) {
    if report.reservations.is_empty() {
        out.line("no live reservations");
        return;
    }
    for v in &report.reservations {
        let r = &v.reservation;
        out.row(format!(
            "{}{} {}  {}",
            if r.exclusive {
                "exclusive"
            } else {
                "shared   "
            },
            if v.mine { " (mine)" } else { "" },
            r.patterns.join(" "),
            r.describe()
        ));
    }
}
