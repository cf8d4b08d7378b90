//! `orc task edit`: change fields of a task, on the command line or in an editor.

use clap::Args;

use super::{edit_task_text, mutated};
use crate::cli::{Output, read_text};
use crate::error::Result;
use crate::model::Priority;
use crate::service::{Orc, TaskEdit};

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

pub fn run(orc: &Orc, a: EditArgs, out: &mut Output) -> Result<()> {
    let mut title = a.title;
    let mut description = match &a.description_file {
        Some(f) => Some(read_text(f)?),
        None => a.description,
    };
    let mut note = None;
    if a.editor {
        let task = orc.task_show(&a.id)?.task;
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
        description = (edited.description != task.description).then_some(edited.description);
        note = Some(edited.note).filter(|n| !n.is_empty());
    }
    let outcome = orc.task_edit(
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
    Ok(())
}
