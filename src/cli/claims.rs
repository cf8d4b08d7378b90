//! `orc next`, `orc ready` and `orc claims`: picking work and seeing who holds what.

use clap::Args;

use super::Output;
use super::report::summary_line;
use crate::error::Result;
use crate::service::{Orc, ReadyFilter};

/// Exit code of `orc next` when there is nothing to do (the reasons are printed).
pub const NOTHING_READY: i32 = 3;

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only tasks of this role.
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// Only tasks of this work stream.
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
}

impl FilterArgs {
    fn filter(self) -> ReadyFilter {
        ReadyFilter {
            role: self.role.map(|r| r.trim().to_ascii_lowercase()),
            stream: self.stream.map(|s| s.trim().to_owned()),
            ..ReadyFilter::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ReadyArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Leave out tasks someone else holds a live claim on (asks the claims remote, if
    /// one is configured).
    #[arg(long)]
    pub unclaimed: bool,
    /// At most this many tasks.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct NextArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Claim the task and print its brief, as `orc start` does; if someone else claims it
    /// first, take the next one.
    #[arg(long)]
    pub claim: bool,
}

pub fn ready(orc: &Orc, a: ReadyArgs, out: &mut Output) -> Result<()> {
    let filter = ReadyFilter {
        unclaimed: a.unclaimed,
        limit: a.limit,
        ..a.filter.filter()
    };
    let ready = orc.ready_filtered(&filter)?;
    if out.json {
        out.json(Some("tasks"), &ready);
    } else if ready.is_empty() {
        out.line("nothing is ready");
    } else {
        for t in &ready {
            out.row(summary_line(t).trim_start());
        }
    }
    Ok(())
}

pub fn next(orc: &Orc, a: NextArgs, out: &mut Output) -> Result<()> {
    let report = orc.next(&a.filter.filter(), a.claim)?;
    if let Some(started) = &report.started {
        out.commit_note(started);
    }
    if report.nothing.is_some() {
        out.exit_code = NOTHING_READY;
    }
    if out.json {
        out.json(None, &report);
        return Ok(());
    }
    for id in &report.lost_races {
        say!("note: {id} was claimed by someone else first; took the next task");
    }
    if let Some(started) = &report.started {
        out.line(started.value.markdown().trim_end());
        return Ok(());
    }
    if let Some(t) = &report.task {
        out.row(summary_line(t).trim_start());
        out.line(format!("start it with `orc start {}`", t.id));
    }
    if let Some(mail) = &report.mail {
        out.line(format!(
            "{} unread message{} (`orc msg inbox`):",
            mail.unread,
            if mail.unread == 1 { "" } else { "s" }
        ));
        for m in &mail.newest {
            let from = m.from.as_deref().unwrap_or("an unnamed agent");
            out.row(format!("  {} from {from}: {}", m.id, m.subject));
        }
    }
    if report.task.is_some() {
        return Ok(());
    }
    let Some(n) = &report.nothing else {
        return Ok(());
    };
    out.line(&n.message);
    if !n.claimed.is_empty() {
        out.line("claimed by others:");
        for c in &n.claimed {
            out.line(format!("  {:<22} {}", c.task.id.as_str(), c.holder));
        }
    }
    if !n.elsewhere.is_empty() {
        out.line("taken on other branches (merge them to see):");
        for e in &n.elsewhere {
            out.line(format!(
                "  {:<22} {} on {}",
                e.task.id.as_str(),
                e.there,
                e.branch
            ));
        }
    }
    if !n.reserved.is_empty() {
        out.line("assigned to other agents:");
        for t in &n.reserved {
            out.line(summary_line(t));
        }
    }
    if !n.to_synthesize.is_empty() {
        out.line("ready to synthesize (`orc synthesize ID`):");
        for p in &n.to_synthesize {
            out.line(format!(
                "  {:<22} {}/{} done  {}",
                p.id.as_str(),
                p.done,
                p.total,
                p.title
            ));
        }
    }
    if !n.waiting.is_empty() {
        out.line("waiting for dependencies:");
        for w in &n.waiting {
            out.line(format!(
                "  {:<22} waits for {}",
                w.task.id.as_str(),
                w.waiting_for
                    .iter()
                    .map(|d| d.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if !n.in_progress.is_empty() {
        out.line("in progress:");
        for t in &n.in_progress {
            out.line(summary_line(t));
        }
    }
    Ok(())
}

pub fn claims(orc: &Orc, out: &mut Output) -> Result<()> {
    let report = orc.claims()?;
    if out.json {
        out.json(None, &report);
        return Ok(());
    }
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
    Ok(())
}
