//! `orc recover`: the briefing for an agent starting cold, as Markdown or JSON.

use clap::{Args, ValueEnum};

use super::Output;
use crate::error::Result;
use crate::model::number_str;
use crate::service::{Briefing, Orc, SessionInfo, TaskBrief};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Report changes after this commit, or at or after this date, instead of since
    /// the last session.
    #[arg(long, value_name = "COMMIT|DATE")]
    pub since: Option<String>,
    /// markdown (default) or json (same as --json).
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
}

pub fn run(orc: &Orc, a: RecoverArgs, out: &mut Output) -> Result<()> {
    let briefing = orc.recover(a.since.as_deref())?;
    if out.json || a.format == Format::Json {
        out.json(None, &briefing);
    } else {
        out.line(markdown(&briefing).trim_end());
    }
    Ok(())
}

fn short(id: &str) -> &str {
    &id[..12.min(id.len())]
}

fn task_line(t: &TaskBrief) -> String {
    let mut facts = vec![t.priority.as_str().to_owned()];
    if let Some(r) = &t.role {
        facts.push(r.clone());
    }
    if let Some(a) = &t.assignee {
        facts.push(format!("assignee {a}"));
    }
    if let Some(p) = &t.parent {
        facts.push(format!("subtask of {p}"));
    }
    if !t.decisions.is_empty() {
        let ds: Vec<String> = t.decisions.iter().map(|n| number_str(*n)).collect();
        facts.push(format!("decisions {}", ds.join(", ")));
    }
    let mut line = format!("- `{}` {} ({})", t.id, t.title, facts.join(", "));
    if let Some(n) = &t.latest_note {
        let who = n
            .author
            .as_deref()
            .map(|a| format!(", {a}"))
            .unwrap_or_default();
        line.push_str(&format!(
            "\n  - latest note ({}{who}): {}",
            n.at,
            n.text.trim()
        ));
    }
    line
}

/// `` `session_x` "name": agent `a`, started T, ended T `` — one session in a sentence.
fn session_line(sess: &SessionInfo) -> String {
    let mut facts = Vec::new();
    if let Some(a) = &sess.agent {
        facts.push(format!("agent `{a}`"));
    }
    if let Some(t) = sess.started {
        facts.push(format!("started {t}"));
    }
    match sess.ended {
        Some(t) => facts.push(format!("ended {t}")),
        None => facts.push("never ended".to_owned()),
    }
    let name = sess
        .name
        .as_deref()
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    format!("`{}`{name}: {}", sess.id, facts.join(", "))
}

fn quote(push: &mut impl FnMut(&str), text: &str) {
    for l in text.lines() {
        push(format!("> {l}").trim_end());
    }
}

/// The briefing as Markdown, meant to be pasted into an agent's context.
pub fn markdown(b: &Briefing) -> String {
    let mut s = String::new();
    let mut push = |line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    push("# Recovery briefing");
    push("");
    push(&format!(
        "Branch `{}` at `{}`, generated {}.",
        b.branch.as_deref().unwrap_or("(detached)"),
        b.head.as_deref().map(short).unwrap_or("(no commits)"),
        b.generated
    ));
    push("");
    push("## Last session");
    push("");
    match &b.last_session {
        None => push("No session is recorded."),
        Some(sess) => {
            push(&format!("{}.", session_line(sess)));
            push("");
            match &sess.handoff {
                Some(h) => {
                    push("Handoff note:");
                    push("");
                    quote(&mut push, h);
                }
                None => push("It left no handoff note."),
            }
            if let Some(prev) = &b.previous_handoff {
                push("");
                push(&format!(
                    "The latest handoff note is from {}:",
                    session_line(prev)
                ));
                push("");
                quote(&mut push, prev.handoff.as_deref().unwrap_or_default());
            }
        }
    }
    push("");
    push(&format!("## What changed {}", b.since.description));
    push("");
    if b.changes.is_empty() && b.outside_changes.is_empty() {
        push("Nothing.");
    }
    for c in &b.changes {
        push(&format!(
            "- {} `{}` {}: {}",
            c.time,
            short(&c.commit),
            c.op,
            c.summary
        ));
    }
    if !b.outside_changes.is_empty() {
        push("");
        push("Commits made outside orc that touched files recorded for open tasks:");
        push("");
        for c in &b.outside_changes {
            let tasks: Vec<&str> = c.tasks.iter().map(|t| t.as_str()).collect();
            push(&format!(
                "- {} `{}` by {}: {} ({}; task {})",
                c.time,
                short(&c.commit),
                c.author,
                c.summary,
                c.paths.join(", "),
                tasks.join(", ")
            ));
        }
    }
    for (title, list) in [
        ("In progress", &b.in_progress),
        ("Ready to start", &b.ready),
        ("Blocked or needing revision", &b.stuck),
    ] {
        push("");
        push(&format!("## {title}"));
        push("");
        if list.is_empty() {
            push("None.");
        }
        for t in list {
            push(&task_line(t));
        }
    }
    push("");
    push("## Decisions of open tasks");
    push("");
    if b.decisions.is_empty() {
        push("None.");
    }
    for d in &b.decisions {
        push(&format!(
            "- {} {}: {}{}",
            number_str(d.number),
            d.status,
            d.title,
            d.task
                .as_ref()
                .map(|t| format!(" (`{t}`)"))
                .unwrap_or_default()
        ));
    }
    push("");
    push("## Recorded files that no longer match the disk");
    push("");
    if b.unverified_files.is_empty() {
        push("None.");
    }
    for r in &b.unverified_files {
        push(&format!(
            "- {} `{}` ({} by `{}` at {})",
            r.state.as_str(),
            r.path,
            r.op,
            r.task,
            r.at
        ));
    }
    push("");
    push("## Suggested next actions");
    push("");
    for (i, a) in b.next_actions.iter().enumerate() {
        push(&format!("{}. {a}", i + 1));
    }
    push("");
    push("## History read");
    push("");
    let mut line = format!(
        "{} commit{} read",
        b.history.commits_read,
        if b.history.commits_read == 1 { "" } else { "s" }
    );
    match b.history.note() {
        Some(n) => line.push_str(&format!("; {n}.")),
        None => line.push('.'),
    }
    push(&line);
    if !b.unreadable.is_empty() {
        push("");
        push("Files that could not be read:");
        push("");
        for u in &b.unreadable {
            push(&format!("- `{}`: {}", u.path, u.error));
        }
    }
    s
}
