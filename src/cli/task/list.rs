//! `orc task list [--tree]`: tasks, optionally filtered.

use clap::Args;

use crate::cli::Output;
use crate::error::Result;
use crate::model::{Status, Task};
use crate::service::{Orc, TaskFilter};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tasks in this status (repeatable).
    #[arg(long)]
    pub status: Vec<Status>,
    /// Only tasks of this role.
    #[arg(long)]
    pub role: Option<String>,
    /// Only direct subtasks of this task.
    #[arg(long)]
    pub parent: Option<String>,
    /// Only tasks of this work stream.
    #[arg(long)]
    pub stream: Option<String>,
    /// Only tasks with this label (repeatable: tasks with all of them).
    #[arg(long, short, value_name = "LABEL", value_delimiter = ',')]
    pub label: Vec<String>,
    /// Indent subtasks under their parents.
    #[arg(long)]
    pub tree: bool,
}

pub fn run(orc: &Orc, a: ListArgs, out: &mut Output) -> Result<()> {
    // Borrowed from the loaded state: printing a long list copies no task.
    let state = orc.state()?;
    let tasks = state.matching(&TaskFilter {
        status: a.status,
        role: a.role,
        parent: a.parent,
        stream: a.stream,
        labels: a.label,
    })?;
    out.emit(Some("tasks"), &tasks, |out| {
        if a.tree {
            render_tree(&tasks, out);
        } else {
            for t in &tasks {
                out.row(task_line(t, 0));
            }
        }
    });
    Ok(())
}

/// `id  status  priority  role  title  [stream]  {labels}` on one line.
fn task_line(t: &Task, depth: usize) -> String {
    format!(
        "{indent}{id:<22} {status:<14} {prio:<8} {role:<12} {title}{stream}{labels}",
        indent = "  ".repeat(depth),
        id = t.id.as_str(),
        status = t.status.as_str(),
        prio = t.priority.as_str(),
        role = t.role.as_deref().unwrap_or("-"),
        title = t.title,
        stream = t
            .stream
            .as_ref()
            .map(|s| format!("  [{s}]"))
            .unwrap_or_default(),
        labels = if t.labels.is_empty() {
            String::new()
        } else {
            format!("  {{{}}}", t.labels.join(", "))
        },
    )
}

fn render_tree(tasks: &[&Task], out: &mut Output) {
    let ids: std::collections::BTreeSet<_> = tasks.iter().map(|t| &t.id).collect();
    fn walk(tasks: &[&Task], parent: &Task, depth: usize, out: &mut Output) {
        for child in tasks
            .iter()
            .filter(|t| t.parent.as_ref() == Some(&parent.id))
        {
            out.row(task_line(child, depth));
            if depth < 64 {
                walk(tasks, child, depth + 1, out);
            }
        }
    }
    for root in tasks
        .iter()
        .filter(|t| t.parent.as_ref().is_none_or(|p| !ids.contains(p)))
    {
        out.row(task_line(root, 0));
        walk(tasks, root, 1, out);
    }
}
