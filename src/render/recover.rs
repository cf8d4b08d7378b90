//! The recovery briefing (`orc recover`, the MCP recover tool and prompt): where things
//! stand after a crash or a long break.

use crate::model::number_str;
use crate::service::{Action, Briefing, SessionInfo, TaskBrief, Words};

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

/// "- … and N more", with how to see them when the face has a way.
fn more_line(more: usize, action: &Action, words: &dyn Words) -> String {
    match words.how(action) {
        Some(how) => format!("- … and {more} more: {how}"),
        None => format!("- … and {more} more"),
    }
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

/// The briefing as Markdown, meant to be pasted into an agent's context.
pub fn briefing(b: &Briefing) -> String {
    let mut s = String::new();
    let mut push = |line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    markdown_header(b, &mut push);
    markdown_last_session(b, &mut push);
    markdown_changes(b, &mut push);
    markdown_open_work(b, &mut push);
    markdown_decisions(b, &mut push);
    markdown_unverified(b, &mut push);
    markdown_next_actions(b, &mut push);
    markdown_history(b, &mut push);
    s
}

/// The title line, the branch and head, and the mail summary.
fn markdown_header(b: &Briefing, push: &mut dyn FnMut(&str)) {
    push("# Recovery briefing");
    push("");
    push(&format!(
        "Branch `{}` at `{}`, generated {}.",
        b.branch.as_deref().unwrap_or("(detached)"),
        b.head
            .as_deref()
            .map(super::short_id)
            .unwrap_or("(no commits)"),
        b.generated
    ));
    push("");
    if let Some(mail) = &b.mail {
        push(super::mail::summary(mail, b.words).trim_end());
        push("");
    }
}

/// The last session and its handoff note (or the latest one left).
fn markdown_last_session(b: &Briefing, mut push: &mut dyn FnMut(&str)) {
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
}

/// What changed since the starting point, in orc and outside it.
fn markdown_changes(b: &Briefing, push: &mut dyn FnMut(&str)) {
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
            super::short_id(&c.commit),
            c.op,
            c.summary
        ));
    }
    if let Some(more) = b.more("changes") {
        push(&more_line(more, &Action::ReadHistory, b.words));
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
                super::short_id(&c.commit),
                c.author,
                c.summary,
                c.paths.join(", "),
                tasks.join(", ")
            ));
        }
        if let Some(more) = b.more("outside_changes") {
            push(&format!("- … and {more} more"));
        }
    }
}

/// The open tasks: in progress, ready, stuck.
fn markdown_open_work(b: &Briefing, push: &mut dyn FnMut(&str)) {
    for (title, name, list) in [
        ("In progress", "in_progress", &b.in_progress),
        ("Ready to start", "ready", &b.ready),
        ("Blocked or needing revision", "stuck", &b.stuck),
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
        if let Some(more) = b.more(name) {
            push(&format!("- … and {more} more"));
        }
    }
}

/// The decisions that bind open work.
fn markdown_decisions(b: &Briefing, push: &mut dyn FnMut(&str)) {
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
    if let Some(more) = b.more("decisions") {
        push(&more_line(more, &Action::ListDecisions, b.words));
    }
}

/// The recorded files that no longer match the disk.
fn markdown_unverified(b: &Briefing, push: &mut dyn FnMut(&str)) {
    push("");
    push("## Recorded files that no longer match the disk");
    push("");
    if b.unverified_files.is_empty() {
        push("None.");
    }
    for r in &b.unverified_files {
        let origin = match r.op {
            Some(op) => format!("{op} by `{}` at {}", r.task, r.at),
            None => format!("artifact of `{}` at {}", r.task, r.at),
        };
        push(&format!("- {} `{}` ({origin})", r.state.as_str(), r.path));
    }
    if let Some(more) = b.more("unverified_files") {
        push(&more_line(more, &Action::VerifyFiles, b.words));
    }
}

/// The suggested next actions.
fn markdown_next_actions(b: &Briefing, push: &mut dyn FnMut(&str)) {
    push("");
    push("## Suggested next actions");
    push("");
    for (i, a) in b.next_actions.iter().enumerate() {
        push(&format!("{}. {a}", i + 1));
    }
}

/// How much history was read, and the files that could not be.
fn markdown_history(b: &Briefing, push: &mut dyn FnMut(&str)) {
    push("");
    push("## History read");
    push("");
    let mut line = format!("{} read", super::count(b.history.commits_read, "commit"));
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
}
