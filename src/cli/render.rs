//! Rendering shared by several CLI commands and shown only by the CLI: one line per task
//! in a list or a stream queue, one line per decision, and what a status change reports.
//! Reports the MCP server shows too are defined once in [`crate::render`].

use super::Output;
use crate::model::number_str;
use crate::service::{DecisionSummary, StatusChange, StreamTask, TaskSummary};

/// `  id  priority  role  title`, one task of a list.
pub fn summary_line(t: &TaskSummary) -> String {
    format!(
        "  {:<22} {:<8} {:<12} {}",
        t.id.as_str(),
        t.priority.as_str(),
        t.role.as_deref().unwrap_or("-"),
        t.title
    )
}

/// `ID "title" is now STATUS` for the task and every task that changed with it.
pub fn status_change(out: &mut Output, c: &StatusChange) {
    out.line(format!(
        "{} \"{}\" is now {}",
        c.task.id, c.task.title, c.task.status
    ));
    for t in &c.also_changed {
        out.line(format!("{} \"{}\" is now {}", t.id, t.title, t.status));
    }
    if !c.waiting_again.is_empty() {
        out.line("waiting for it again:");
        for t in &c.waiting_again {
            out.row(summary_line(t));
        }
    }
}

/// `  1. id  status  priority  role  title  (waiting for ...)`
pub fn queue_line(t: &StreamTask, indent: &str) -> String {
    let state = if t.ready {
        "ready".to_owned()
    } else {
        t.task.status.as_str().to_owned()
    };
    let waiting = if t.waiting_for.is_empty() {
        String::new()
    } else {
        format!(
            "  (waiting for {})",
            t.waiting_for
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "{indent}{:>2}. {:<22} {:<14} {:<8} {:<12} {}{waiting}",
        t.position,
        t.task.id.as_str(),
        state,
        t.task.priority.as_str(),
        t.task.role.as_deref().unwrap_or("-"),
        t.task.title
    )
}

/// `0003  accepted    2026-01-15  Title  [tags]`.
pub fn decision_line(d: &DecisionSummary) -> String {
    let tags = if d.tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", d.tags.join(", "))
    };
    format!(
        "{}  {:<10}  {}  {}{tags}",
        number_str(d.number),
        d.status.as_str(),
        d.date,
        d.title
    )
}
