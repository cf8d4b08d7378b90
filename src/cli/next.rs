//! `orc next [--claim]`: the one task to do now. The filter flags it shares with
//! `orc ready` are defined here.

use clap::Args;

use super::Output;
use super::render::summary_line;
use crate::error::Result;
use crate::render::count;
use crate::service::{NothingReady, Orc, ReadyFilter};

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
    pub(super) fn filter(self) -> ReadyFilter {
        ReadyFilter {
            role: self.role.map(|r| r.trim().to_ascii_lowercase()),
            stream: self.stream.map(|s| s.trim().to_owned()),
            ..ReadyFilter::default()
        }
    }
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

pub fn run(orc: &Orc, a: NextArgs, out: &mut Output) -> Result<()> {
    let report = orc.next(&a.filter.filter(), a.claim)?;
    if let Some(started) = &report.started {
        out.commit_note(started);
    }
    if report.nothing.is_some() {
        out.exit_code = NOTHING_READY;
    }
    out.emit(None, &report, |out| {
        for id in &report.lost_races {
            say!("note: {id} was claimed by someone else first; took the next task");
        }
        if let Some(started) = &report.started {
            out.line(crate::render::brief(&started.value).trim_end());
            return;
        }
        if let Some(t) = &report.task {
            out.row(summary_line(t).trim_start());
            out.line(format!("start it with `orc start {}`", t.id));
        }
        if let Some(mail) = &report.mail {
            out.line(format!(
                "{} (`orc msg inbox`):",
                count(mail.unread, "unread message")
            ));
            for m in &mail.newest {
                let from = m.from.as_deref().unwrap_or("an unnamed agent");
                out.row(format!("  {} from {from}: {}", m.id, m.subject));
            }
        }
        if report.task.is_some() {
            return;
        }
        if let Some(n) = &report.nothing {
            nothing_ready(out, n);
        }
    });
    Ok(())
}

/// Why nothing is ready: the message and every list of what stands in the way.
fn nothing_ready(out: &mut Output, n: &NothingReady) {
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
}
