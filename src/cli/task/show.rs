//! `orc task show`: one task with its notes, subtasks and dependencies; its rendering
//! is also what `orc show` prints for a task.

use crate::cli::Output;
use crate::error::Result;
use crate::service::{Orc, TaskView};

pub fn run(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let view = orc.task_show(id)?;
    out.emit(None, &view, |out| {
        render_view(&view, out);
    });
    Ok(())
}

/// The whole view: the task's fields, then its text, links and notes.
pub fn render_view(view: &TaskView, out: &mut Output) {
    fields(view, out);
    sections(view, out);
}

/// `label:    value` lines, one per field that has a value.
fn fields(view: &TaskView, out: &mut Output) {
    let t = &view.task;
    out.line(format!("{}  {}", t.id, t.title));
    out.line(format!(
        "status:    {}{}",
        t.status,
        if view.ready { " (ready)" } else { "" }
    ));
    out.line(format!("priority:  {}", t.priority));
    if view.archived {
        out.line("archived:  yes (read-only, in .orchestrator/archive/tasks/)");
    }
    let opt = |label: &str, v: Option<String>, out: &mut Output| {
        if let Some(v) = v {
            out.line(format!("{label:<10} {v}"));
        }
    };
    opt("role:", t.role.clone(), out);
    opt("parent:", t.parent.as_ref().map(|p| p.to_string()), out);
    opt("stream:", t.stream.clone(), out);
    opt(
        "labels:",
        (!t.labels.is_empty()).then(|| t.labels.join(", ")),
        out,
    );
    opt("estimate:", t.estimate.clone(), out);
    opt("assignee:", t.assignee.clone(), out);
    out.line(format!("created:   {}", t.created));
    out.line(format!("updated:   {}", t.updated));
    opt("started:", t.started.map(|s| s.to_string()), out);
    opt("completed:", t.completed.map(|s| s.to_string()), out);
    opt("next:", t.next_action.map(|n| n.to_string()), out);
    if !t.depends_on.is_empty() {
        out.line(format!(
            "depends:   {}",
            view.dependency_labels().join(", ")
        ));
    }
}

/// The description, result, artifacts, subtasks, dependents, decisions and notes.
fn sections(view: &TaskView, out: &mut Output) {
    let t = &view.task;
    if !t.description.is_empty() {
        out.line("");
        out.line(&t.description);
    }
    if let Some(r) = &t.result {
        out.line("");
        out.line("Result:");
        out.line(format!("  {r}"));
    }
    if !t.artifacts.is_empty() {
        out.line("");
        out.line("Artifacts:");
        for a in &t.artifacts {
            out.line(format!(
                "  {}  ({} bytes, sha256 {})",
                a.path,
                a.size,
                crate::render::short_id(&a.sha256)
            ));
        }
    }
    for (label, list) in [
        ("Subtasks:", &view.children),
        ("Needed by:", &view.dependents),
    ] {
        if !list.is_empty() {
            out.line("");
            out.line(label);
            for c in list {
                out.line(format!(
                    "  {:<22} {:<14} {}",
                    c.id.as_str(),
                    c.status.as_str(),
                    c.title
                ));
            }
        }
    }
    if !view.decisions.is_empty() {
        out.line("");
        out.line("Decisions:");
        for d in &view.decisions {
            out.line(format!("  {}", crate::cli::render::decision_line(d)));
        }
    }
    if !t.notes.is_empty() {
        out.line("");
        out.line("Notes:");
        for n in &t.notes {
            out.line(format!("  {}", crate::render::note(n)));
        }
    }
}
