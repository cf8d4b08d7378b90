//! `orc reserve`: leased file reservations, shared by every worktree and (with a claims
//! remote) every clone. `orc release` and `orc reservations` have their own files.

use clap::Args;
use jiff::SignedDuration;

use super::Output;
use crate::error::Result;
use crate::service::Orc;

#[derive(Debug, Args)]
pub struct ReserveArgs {
    /// Files, directories (everything under them) or globs (`*` and `?` within a path
    /// component, `**` across), relative to the repository root.
    #[arg(required = true, value_name = "PATTERN")]
    pub patterns: Vec<String>,
    /// The task the reservation is for: finishing, blocking or cancelling it gives the
    /// reservation back.
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,
    /// Nobody else may reserve overlapping paths, and the pre-commit hook refuses their
    /// commits of these files.
    #[arg(long)]
    pub exclusive: bool,
    /// How long the reservation lasts (`90m`, `2h`, `1d`); default: the claims lease
    /// (`[claims] lease_hours`).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub lease: Option<SignedDuration>,
}

pub fn run(orc: &Orc, a: ReserveArgs, out: &mut Output) -> Result<()> {
    let report = orc.reserve(&a.patterns, a.task.as_deref(), a.exclusive, a.lease)?;
    out.emit(None, &report, |out| {
        let mine = report
            .reservations
            .iter()
            .rev()
            .find(|v| v.mine)
            .expect("the reservation just taken is listed");
        out.line(format!(
            "reserved{} {} until {}",
            if mine.reservation.exclusive {
                " exclusively"
            } else {
                ""
            },
            mine.reservation.patterns.join(" "),
            mine.reservation.lease_until
        ));
    });
    Ok(())
}

/// `90m`, `2h`, `1d` (or a sum such as `1h30m`).
fn parse_duration(s: &str) -> std::result::Result<SignedDuration, String> {
    let bad = || format!("{s:?} is not a duration; use minutes, hours or days: 90m, 2h, 1d");
    let mut total = SignedDuration::ZERO;
    let mut number = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let unit = match c {
            'm' => SignedDuration::from_mins(n),
            'h' => SignedDuration::from_hours(n),
            'd' => SignedDuration::from_hours(n.checked_mul(24).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        total = total.checked_add(unit).ok_or_else(bad)?;
    }
    if !number.is_empty() || total.is_zero() {
        return Err(bad());
    }
    Ok(total)
}
