//! `orc task …`: add, list, show, edit, note, status, rm.

use clap::{Args, Subcommand};

use super::{Output, read_text};
use crate::error::{Error, Result};
use crate::format::{self, EditedTask};
use crate::model::{Priority, Status, Task};
use crate::service::{FileChange, NewTask, Orc, TaskEdit, TaskFilter, TaskView};

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Create a task and print its id.
    Add(AddArgs),
    /// List tasks, optionally filtered.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Show one task with its notes, subtasks and dependencies.
    Show {
        /// Task id or a unique prefix of it.
        id: String,
    },
    /// Change fields of a task. Pass an empty string to clear an optional field.
    Edit(EditArgs),
    /// Append a timestamped note to a task.
    Note {
        /// Task id or a unique prefix of it.
        id: String,
        /// The note text (`-` reads it from standard input).
        text: String,
    },
    /// Move a task to another status.
    ///
    /// The status machine: pending -> in_progress | blocked | cancelled;
    /// in_progress -> completed | blocked | needs_revision | pending | cancelled;
    /// blocked -> pending | in_progress | cancelled;
    /// needs_revision -> in_progress | pending | blocked | cancelled;
    /// completed -> needs_revision | pending; cancelled -> pending.
    Status {
        /// Task id or a unique prefix of it.
        id: String,
        /// pending, in_progress, blocked, needs_revision, completed or cancelled.
        status: Status,
        /// Why; recorded as a note.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Delete a task (and with --recursive its subtasks).
    #[command(alias = "remove")]
    Rm {
        /// Task id or a unique prefix of it.
        id: String,
        /// Also delete every subtask below it.
        #[arg(long, short)]
        recursive: bool,
    },
    /// Commits linked to a task by an `Orc-Task` trailer (see `orc hooks install`) and
    /// the files each changed, newest first. Derived from git history.
    Commits {
        /// Task id or a unique prefix of it (a removed task by its full id).
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// One-line title.
    #[arg(required_unless_present = "editor")]
    pub title: Option<String>,
    /// What the task is about (Markdown).
    #[arg(long, short, default_value = "")]
    pub description: String,
    /// Read the description from a file (`-` for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "description")]
    pub description_file: Option<String>,
    /// Write the title and description in $VISUAL or $EDITOR (a given title and
    /// description are the starting text). Saving it unchanged, or with an empty title,
    /// aborts without writing anything.
    #[arg(long)]
    pub editor: bool,
    /// Specialist role: architect, implementer, tester, documenter, reviewer,
    /// researcher, debugger or a custom role from config.toml.
    #[arg(long, short)]
    pub role: Option<String>,
    /// Parent task id (makes this a subtask).
    #[arg(long, short)]
    pub parent: Option<String>,
    /// critical, high, medium (default), low, or 0-3.
    #[arg(long)]
    pub priority: Option<Priority>,
    /// A task that must be completed first (repeatable).
    #[arg(long = "depends-on", value_name = "ID")]
    pub depends_on: Vec<String>,
    /// Work stream name, e.g. "docs" or "testing".
    #[arg(long, short)]
    pub stream: Option<String>,
    /// A label such as "bug" or "ui" (repeatable, or comma-separated).
    #[arg(long, short, value_name = "LABEL", value_delimiter = ',')]
    pub label: Vec<String>,
    /// Free-form effort estimate, e.g. "2h".
    #[arg(long)]
    pub estimate: Option<String>,
    /// Who works on it.
    #[arg(long)]
    pub assignee: Option<String>,
}

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

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Task id or a unique prefix of it.
    pub id: String,
    /// New one-line title.
    #[arg(long)]
    pub title: Option<String>,
    /// New description (replaces the old one).
    #[arg(long, short)]
    pub description: Option<String>,
    /// Read the new description from a file (`-` for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "description")]
    pub description_file: Option<String>,
    /// Edit the title and description, and write a new note, in $VISUAL or $EDITOR.
    /// Saving it unchanged aborts without writing anything.
    #[arg(long)]
    pub editor: bool,
    /// New role; "" removes it.
    #[arg(long, short)]
    pub role: Option<String>,
    /// New parent task; "" makes it a top-level task.
    #[arg(long, short)]
    pub parent: Option<String>,
    /// critical, high, medium, low, or 0-3.
    #[arg(long)]
    pub priority: Option<Priority>,
    /// New work stream; "" removes it.
    #[arg(long, short)]
    pub stream: Option<String>,
    /// New effort estimate; "" removes it.
    #[arg(long)]
    pub estimate: Option<String>,
    /// New assignee; "" removes it.
    #[arg(long)]
    pub assignee: Option<String>,
    /// Add a dependency (repeatable).
    #[arg(long = "add-dep", value_name = "ID")]
    pub add_dep: Vec<String>,
    /// Remove a dependency (repeatable).
    #[arg(long = "remove-dep", value_name = "ID")]
    pub remove_dep: Vec<String>,
    /// Add a label (repeatable, or comma-separated).
    #[arg(long, short, value_name = "LABEL", value_delimiter = ',')]
    pub label: Vec<String>,
    /// Remove a label (repeatable, or comma-separated).
    #[arg(long, value_name = "LABEL", value_delimiter = ',')]
    pub unlabel: Vec<String>,
}

pub fn run(orc: &Orc, cmd: TaskCommand, out: &mut Output) -> Result<()> {
    match cmd {
        TaskCommand::Add(a) => {
            let mut title = a.title.unwrap_or_default();
            let mut description = match &a.description_file {
                Some(f) => read_text(f)?,
                None => a.description,
            };
            if a.editor {
                let edited = edit_task_text(orc, "New task", &title, &description, &[], false)?;
                title = edited.title;
                description = edited.description;
            }
            let outcome = orc.add_task(NewTask {
                title,
                description,
                role: a.role,
                parent: a.parent,
                priority: a.priority,
                depends_on: a.depends_on,
                stream: a.stream,
                labels: a.label,
                estimate: a.estimate,
                assignee: a.assignee,
            })?;
            out.commit_note(&outcome);
            if out.json {
                out.json(Some("task"), &outcome.value);
            } else {
                out.line(outcome.value.id.as_str());
            }
        }
        TaskCommand::List(a) => {
            // Borrowed from the loaded state: printing a long list copies no task.
            let state = orc.state()?;
            let tasks = state.matching(&TaskFilter {
                status: a.status,
                role: a.role,
                parent: a.parent,
                stream: a.stream,
                labels: a.label,
            })?;
            if out.json {
                out.json(Some("tasks"), &tasks);
            } else if a.tree {
                render_tree(&tasks, out);
            } else {
                for t in &tasks {
                    out.row(task_line(t, 0));
                }
            }
        }
        TaskCommand::Commits { id } => {
            let commits = orc.linked_commits(&id)?;
            if out.json {
                out.json(Some("commits"), &commits);
            } else if commits.is_empty() {
                out.line("no commits are linked to this task");
            } else {
                for c in &commits {
                    out.line(format!("{} {} {}", &c.commit[..12], c.time, c.summary));
                    for f in &c.files {
                        let mark = match f.change {
                            FileChange::Added => "A",
                            FileChange::Modified => "M",
                            FileChange::Deleted => "D",
                        };
                        out.line(format!("  {mark} {}", f.path));
                    }
                }
            }
        }
        TaskCommand::Show { id } => {
            let view = orc.show_task(&id)?;
            if out.json {
                out.json(None, &view);
            } else {
                render_view(&view, out);
            }
        }
        TaskCommand::Edit(a) => {
            let mut title = a.title;
            let mut description = match &a.description_file {
                Some(f) => Some(read_text(f)?),
                None => a.description,
            };
            let mut note = None;
            if a.editor {
                let task = orc.show_task(&a.id)?.task;
                let notes: Vec<String> = task
                    .notes
                    .iter()
                    .map(|n| match &n.author {
                        Some(a) => format!("{} {a}: {}", n.at, n.text),
                        None => format!("{}: {}", n.at, n.text),
                    })
                    .collect();
                let edited = edit_task_text(
                    orc,
                    &format!("Editing {}", task.id),
                    title.as_deref().unwrap_or(&task.title),
                    description.as_deref().unwrap_or(&task.description),
                    &notes,
                    true,
                )?;
                title = (edited.title != task.title).then_some(edited.title);
                description =
                    (edited.description != task.description).then_some(edited.description);
                note = Some(edited.note).filter(|n| !n.is_empty());
            }
            let outcome = orc.edit_task(
                &a.id,
                TaskEdit {
                    title,
                    description,
                    role: a.role,
                    parent: a.parent,
                    priority: a.priority,
                    stream: a.stream,
                    estimate: a.estimate,
                    assignee: a.assignee,
                    add_depends_on: a.add_dep,
                    remove_depends_on: a.remove_dep,
                    add_labels: a.label,
                    remove_labels: a.unlabel,
                    note,
                },
            )?;
            mutated(out, "edited", &outcome.value, &outcome);
        }
        TaskCommand::Note { id, text } => {
            let text = if text == "-" { read_text("-")? } else { text };
            let outcome = orc.add_note(&id, &text)?;
            mutated(out, "noted on", &outcome.value, &outcome);
        }
        TaskCommand::Status { id, status, reason } => {
            let outcome = orc.set_status(&id, status, reason.as_deref())?;
            out.commit_note(&outcome);
            let t = &outcome.value;
            if out.json {
                out.json(Some("task"), t);
            } else {
                out.line(format!("{} -> {} \"{}\"", t.id, t.status, t.title));
            }
        }
        TaskCommand::Rm { id, recursive } => {
            let outcome = orc.remove_task(&id, recursive)?;
            out.commit_note(&outcome);
            if out.json {
                out.json(Some("removed"), &outcome.value);
            } else {
                for id in &outcome.value {
                    out.line(format!("removed {id}"));
                }
            }
        }
    }
    Ok(())
}

/// Prints the result of a mutation of one task.
pub(super) fn mutated<T>(
    out: &mut Output,
    verb: &str,
    task: &Task,
    outcome: &crate::service::Outcome<T>,
) {
    out.commit_note(outcome);
    if out.json {
        out.json(Some("task"), task);
    } else {
        out.line(format!(
            "{verb} {} \"{}\" [{}]",
            task.id, task.title, task.status
        ));
    }
}

/// `id  status  priority  role  title  [stream]  {labels}` on one line.
pub(super) fn task_line(t: &Task, depth: usize) -> String {
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

pub(super) fn render_view(view: &TaskView, out: &mut Output) {
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
                &a.sha256[..12.min(a.sha256.len())]
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
            out.line(format!("  {}", super::decision::summary_line(d)));
        }
    }
    if !t.notes.is_empty() {
        out.line("");
        out.line("Notes:");
        for n in &t.notes {
            let who = n
                .author
                .as_ref()
                .map(|a| format!(" {a}"))
                .unwrap_or_default();
            out.line(format!("  {}{who}: {}", n.at, n.text));
        }
    }
}

/// Lets the user write a task's title and description (and a note) in their editor.
/// The buffer lives in `<git-dir>/ORC_TASK_EDITMSG`: removed when it was used or left
/// unchanged, kept when it does not parse so nothing typed is lost.
fn edit_task_text(
    orc: &Orc,
    heading: &str,
    title: &str,
    description: &str,
    notes: &[String],
    with_note: bool,
) -> Result<EditedTask> {
    let path = orc.store().git_dir().join("ORC_TASK_EDITMSG");
    let template = format::task_edit_template(heading, title, description, notes, with_note);
    std::fs::write(&path, &template).map_err(|e| Error::io(&path, e))?;
    let text = super::editor::edit_file(&path)?;
    if text == template || text.trim().is_empty() {
        let _ = std::fs::remove_file(&path);
        return Err(Error::invalid(format!(
            "the text was saved {}; nothing was written",
            if text == template {
                "unchanged"
            } else {
                "empty"
            }
        )));
    }
    let edited = format::task_edit_from_text(&text).map_err(|e| {
        Error::invalid_with_hint(
            format!("{}: {e}", path.display()),
            format!(
                "your text is kept in {}; fix it there, then copy it into the editor of the next command",
                path.display()
            ),
        )
    })?;
    let _ = std::fs::remove_file(&path);
    if edited.title.is_empty() {
        return Err(Error::invalid("the title is empty; nothing was written"));
    }
    Ok(edited)
}
