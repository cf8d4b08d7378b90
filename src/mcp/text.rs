//! Compact text renderings of service results for the model to read. Every line costs
//! the agent context tokens, so this prints less than the CLI: no padding, no empty
//! fields.

use std::fmt::Write;

use crate::model::Task;
use crate::service::{StatusReport, TaskSummary, TaskView};

/// `id [status] priority role: title` for a task.
pub fn task_line(t: &Task) -> String {
    summary_line(&TaskSummary::from(t))
}

/// `id [status] priority role: title` for a summary.
pub fn summary_line(t: &TaskSummary) -> String {
    let mut s = format!("{} [{}] {}", t.id, t.status, t.priority);
    if let Some(role) = &t.role {
        write!(s, " {role}").expect("writing to a String cannot fail");
    }
    write!(s, ": {}", t.title).expect("writing to a String cannot fail");
    if let Some(stream) = &t.stream {
        write!(s, " (stream {stream})").expect("writing to a String cannot fail");
    }
    s
}

/// `<verb> id "title" [status]`: the first line of a mutation's reply.
pub fn mutated(verb: &str, t: &Task) -> String {
    format!("{verb} {} \"{}\" [{}]", t.id, t.title, t.status)
}

/// A list of tasks, one per line, or `empty` when there are none.
pub fn lines(items: impl IntoIterator<Item = String>, empty: &str) -> String {
    let v: Vec<String> = items.into_iter().collect();
    if v.is_empty() {
        empty.to_owned()
    } else {
        v.join("\n")
    }
}

/// One task with its relations, notes and results.
pub fn task_view(view: &TaskView) -> String {
    let t = &view.task;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("{} \"{}\"", t.id, t.title));
    let mut head = format!(
        "status: {}{} | priority: {}",
        t.status,
        if view.ready { " (ready)" } else { "" },
        t.priority
    );
    for (label, value) in [
        ("role", t.role.clone()),
        ("parent", t.parent.as_ref().map(ToString::to_string)),
        ("stream", t.stream.clone()),
        ("estimate", t.estimate.clone()),
        ("assignee", t.assignee.clone()),
        ("next", t.next_action.map(|n| n.as_str().to_owned())),
    ] {
        if let Some(v) = value {
            write!(head, " | {label}: {v}").expect("writing to a String cannot fail");
        }
    }
    line(head);
    if !t.depends_on.is_empty() {
        let deps: Vec<String> = t
            .depends_on
            .iter()
            .map(|d| {
                if view.waiting_for.contains(d) {
                    format!("{d} (not done)")
                } else {
                    d.to_string()
                }
            })
            .collect();
        line(format!("depends on: {}", deps.join(", ")));
    }
    if !t.description.is_empty() {
        line(String::new());
        line(t.description.clone());
    }
    if let Some(r) = &t.result {
        line(String::new());
        line(format!("result: {r}"));
    }
    if !t.artifacts.is_empty() {
        line("artifacts:".into());
        for a in &t.artifacts {
            line(format!("- {} ({} bytes)", a.path, a.size));
        }
    }
    for (label, list) in [
        ("subtasks", &view.children),
        ("needed by", &view.dependents),
    ] {
        if !list.is_empty() {
            line(format!("{label}:"));
            for c in list {
                line(format!("- {}", summary_line(c)));
            }
        }
    }
    if !t.notes.is_empty() {
        line("notes:".into());
        for n in &t.notes {
            let who = n
                .author
                .as_ref()
                .map(|a| format!(" {a}"))
                .unwrap_or_default();
            line(format!("- {}{who}: {}", n.at, n.text));
        }
    }
    out.trim_end().to_owned()
}

/// The status overview; `completed` is listed only when the caller asked for it.
pub fn status(report: &StatusReport, completed: Option<&[TaskSummary]>) -> String {
    let mut out = String::new();
    let counts: Vec<String> = report
        .by_status
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    write!(
        out,
        "{} tasks{}{}",
        report.total,
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    )
    .expect("writing to a String cannot fail");
    let mut section = |title: &str, rows: Vec<String>| {
        if !rows.is_empty() {
            write!(out, "\n\n{title}:\n{}", rows.join("\n"))
                .expect("writing to a String cannot fail");
        }
    };
    section(
        "progress",
        report
            .parents
            .iter()
            .map(|p| {
                format!(
                    "- {} {}% ({}/{}): {}",
                    p.id, p.percent, p.done, p.total, p.title
                )
            })
            .collect(),
    );
    section(
        "streams",
        report
            .streams
            .iter()
            .map(|s| {
                format!(
                    "- {}: {}/{} done, {} open",
                    s.stream, s.completed, s.total, s.open
                )
            })
            .collect(),
    );
    let rows = |list: &[TaskSummary]| {
        list.iter()
            .map(|t| format!("- {}", summary_line(t)))
            .collect()
    };
    section("in progress", rows(&report.in_progress));
    section("ready", rows(&report.ready));
    section("blocked", rows(&report.blocked));
    section("needs revision", rows(&report.needs_revision));
    if let Some(done) = completed {
        section("completed", rows(done));
    }
    section(
        "unreadable files (fix them, see `orc check`)",
        report
            .unreadable
            .iter()
            .map(|u| format!("- {}: {}", u.path, u.error))
            .collect(),
    );
    out
}
