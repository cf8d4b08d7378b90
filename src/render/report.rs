//! Reports both faces show, each defined once: the status counts, what a plan created, one
//! orc commit of the log, one message, one note. The faces differ only in layout ([`Style`]) and in how they name
//! the next command or tool, which they add themselves.

use super::count;
use crate::model::Note;
use crate::service::{LogEntry, MessageView, PlanReport, StatusReport};

/// How a face lays a report out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// For people at a terminal (the CLI): columns padded to line up.
    Padded,
    /// For a model (MCP): no padding, every character costs context.
    Compact,
}

/// `5 tasks: 2 pending, 1 in_progress, 2 completed` (`1 task: 1 pending`).
pub fn status_counts(report: &StatusReport) -> String {
    let counts: Vec<String> = report
        .by_status
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    format!(
        "{}{}{}",
        count(report.total, "task"),
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    )
}

/// What a plan created: the heading, one line per subtask (indented by depth) and the
/// tasks ready now. The face adds how to start the first one.
pub fn plan(r: &PlanReport, style: Style) -> Vec<String> {
    let n = count(r.subtasks.len(), "subtask");
    let colon = if style == Style::Compact { ":" } else { "" };
    let mut out = vec![if r.parent_created {
        format!(
            "planned {} \"{}\" with {n}{colon}",
            r.parent.id, r.parent.title
        )
    } else {
        format!(
            "planned {n} under {} \"{}\"{colon}",
            r.parent.id, r.parent.title
        )
    }];
    for s in &r.subtasks {
        let ids: Vec<&str> = s.depends_on.iter().map(|d| d.as_str()).collect();
        let role = s.task.role.as_deref().unwrap_or("-");
        out.push(match style {
            Style::Padded => {
                let after = if ids.is_empty() {
                    String::new()
                } else {
                    format!("  (after {})", ids.join(", "))
                };
                format!(
                    "{indent}{:<22} {:<12} {}{after}",
                    s.task.id.as_str(),
                    role,
                    s.task.title,
                    indent = "  ".repeat(s.depth),
                )
            }
            Style::Compact => {
                let after = if ids.is_empty() {
                    String::new()
                } else {
                    format!(" (after {})", ids.join(", "))
                };
                format!(
                    "{}- {} {role}: {}{after}",
                    "  ".repeat(s.depth - 1),
                    s.task.id,
                    s.task.title
                )
            }
        });
    }
    if !r.ready.is_empty() {
        let ids: Vec<&str> = r.ready.iter().map(|t| t.id.as_str()).collect();
        out.push(format!("ready now: {}", ids.join(", ")));
    }
    out
}

/// One orc commit: `abcdef123456 time op task summary`.
pub fn log_line(e: &LogEntry, style: Style) -> String {
    let commit = super::short_id(&e.commit);
    let task = e.task.as_deref().unwrap_or("-");
    match style {
        Style::Padded => format!(
            "{commit}  {}  {:<18} {task:<22} {}",
            e.time, e.op, e.summary
        ),
        Style::Compact => format!("{commit} {} {} {task} {}", e.time, e.op, e.summary),
    }
}

/// One message of an inbox or a thread: a table row with the time sent for people, a
/// sentence for a model.
pub fn message_line(v: &MessageView, style: Style) -> String {
    let m = &v.message;
    let task = m
        .task
        .as_ref()
        .map(|t| format!(" [{t}]"))
        .unwrap_or_default();
    match style {
        Style::Padded => {
            let from = m.from.as_deref().unwrap_or("(unnamed)");
            let acked = if v.acked { "  (acknowledged)" } else { "" };
            format!(
                "{}  {}  {from} -> {}{task}  {}{acked}",
                m.id,
                m.sent.strftime("%Y-%m-%d %H:%M"),
                m.to,
                v.subject
            )
        }
        Style::Compact => {
            let from = m.from.as_deref().unwrap_or("an unnamed agent");
            let acked = if v.acked { " (acknowledged)" } else { "" };
            format!(
                "{} from {from} to {}{task}: {}{acked}",
                m.id, m.to, v.subject
            )
        }
    }
}

/// `2026-01-15T10:00:00Z alice: text`, one note of a task (each face adds its bullet).
pub fn note(n: &Note) -> String {
    let who = n
        .author
        .as_deref()
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    format!("{}{who}: {}", n.at, n.text)
}
