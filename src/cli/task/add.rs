//! `orc task add`: create a task and print its id.

use clap::Args;

use super::edit_task_text;
use crate::cli::{Output, read_text};
use crate::error::Result;
use crate::model::Priority;
use crate::service::{NewTask, Orc};

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

pub fn run(orc: &Orc, a: AddArgs, out: &mut Output) -> Result<()> {
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
    let outcome = orc.task_add(NewTask {
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
    out.emit(Some("task"), &outcome.value, |out| {
        out.line(outcome.value.id.as_str());
    });
    Ok(())
}
