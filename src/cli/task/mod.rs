//! `orc task …`: the subcommands, and what several of them share. Each verb lives in its
//! own file (`add.rs`, `list.rs`, `show.rs`, `edit.rs`, `note.rs`, `status.rs`, `rm.rs`,
//! `commits.rs`) with its arguments and a `run` function.

mod add;
mod commits;
mod edit;
mod list;
mod note;
mod rm;
mod show;
mod status;

pub(super) use show::render_view;

use clap::Subcommand;

use super::Output;
use crate::error::{Error, Result};
use crate::format::{self, EditedTask};
use crate::model::{Status, Task};
use crate::service::Orc;

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Create a task and print its id.
    Add(add::AddArgs),
    /// List tasks, optionally filtered.
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Show one task with its notes, subtasks and dependencies.
    Show {
        /// Task id or a unique prefix of it.
        id: String,
    },
    /// Change fields of a task. Pass an empty string to clear an optional field.
    Edit(edit::EditArgs),
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

pub fn run(orc: &Orc, cmd: TaskCommand, out: &mut Output) -> Result<()> {
    match cmd {
        TaskCommand::Add(a) => add::run(orc, a, out),
        TaskCommand::List(a) => list::run(orc, a, out),
        TaskCommand::Show { id } => show::run(orc, &id, out),
        TaskCommand::Edit(a) => edit::run(orc, a, out),
        TaskCommand::Note { id, text } => note::run(orc, &id, text, out),
        TaskCommand::Status { id, status, reason } => {
            status::run(orc, &id, status, reason.as_deref(), out)
        }
        TaskCommand::Rm { id, recursive } => rm::run(orc, &id, recursive, out),
        TaskCommand::Commits { id } => commits::run(orc, &id, out),
    }
}

/// Prints the result of a mutation of one task.
fn mutated<T>(out: &mut Output, verb: &str, task: &Task, outcome: &crate::service::Outcome<T>) {
    out.commit_note(outcome);
    out.emit(Some("task"), task, |out| {
        out.line(format!(
            "{verb} {} \"{}\" [{}]",
            task.id, task.title, task.status
        ));
    });
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
