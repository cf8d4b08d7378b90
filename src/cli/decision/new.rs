//! `orc decision new`: record a decision from flags, a file or the editor.

use std::path::PathBuf;

use clap::Args;

use crate::cli::Output;
use crate::error::{Error, Result};
use crate::model::{DecisionStatus, number_str};
use crate::service::{NewDecision, Orc};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// One-line title (optional with --from when the file has one).
    pub title: Option<String>,
    /// The task this decision was made for.
    #[arg(long, short)]
    pub task: Option<String>,
    /// proposed (default), accepted, rejected or deprecated.
    #[arg(long)]
    pub status: Option<DecisionStatus>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Who decided (repeatable).
    #[arg(long = "decider", value_name = "NAME")]
    pub deciders: Vec<String>,
    /// A file or directory the decision is about (repeatable).
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<String>,
    /// The situation and the forces at play.
    #[arg(long)]
    pub context: Option<String>,
    /// What was decided, and why.
    #[arg(long)]
    pub decision: Option<String>,
    /// An option that was weighed and not chosen (repeatable).
    #[arg(long = "alternative", value_name = "TEXT")]
    pub alternatives: Vec<String>,
    /// What becomes easier or harder.
    #[arg(long)]
    pub consequences: Option<String>,
    /// Write the decision in $VISUAL or $EDITOR, starting from the filled template.
    #[arg(long, conflicts_with = "from")]
    pub edit: bool,
    /// Read the decision from a Markdown file (`-` for standard input; UTF-8, at most 10 MB).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

pub fn run(orc: &Orc, a: NewArgs, out: &mut Output) -> Result<()> {
    let spec = NewDecision {
        title: a.title.clone().unwrap_or_default(),
        task: a.task,
        status: a.status,
        tags: a.tags,
        deciders: a.deciders,
        related_files: a.files,
        context: a.context,
        decision: a.decision,
        alternatives: a.alternatives,
        consequences: a.consequences,
    };
    let outcome = if let Some(from) = &a.from {
        let text = crate::cli::read_text(from)?;
        orc.decision_new_from_text(&text, spec)?
    } else if a.edit {
        let text = edit(orc, &spec)?;
        orc.decision_new_from_text(&text, spec).map_err(|e| {
            Error::invalid_with_hint(
                e.to_string(),
                format!(
                    "your text is kept in {}; fix it and run `orc decision new --from {}`",
                    edit_path(orc).display(),
                    edit_path(orc).display()
                ),
            )
        })?
    } else {
        if a.title.is_none() {
            return Err(Error::invalid_with_hint(
                "a decision needs a title",
                "pass it as the first argument, or use --edit or --from FILE",
            ));
        }
        orc.decision_new(spec)?
    };
    out.commit_note(&outcome);
    out.emit(None, &outcome.value, |out| {
        let d = &outcome.value.decision;
        out.line(format!(
            "recorded decision {} \"{}\" ({}) in {}",
            number_str(d.number),
            d.title,
            d.status,
            outcome.value.path
        ));
    });
    Ok(())
}

fn edit_path(orc: &Orc) -> PathBuf {
    orc.store().git_dir().join("ORC_DECISION_EDITMSG")
}

/// Opens the filled template in the user's editor and returns what they saved.
fn edit(orc: &Orc, spec: &NewDecision) -> Result<String> {
    let path = edit_path(orc);
    let template = orc.decision_template(spec)?;
    std::fs::write(&path, &template).map_err(|e| Error::io(&path, e))?;
    let text = crate::cli::editor::edit_file(&path)?;
    if text.trim().is_empty() {
        return Err(Error::invalid(
            "the decision text is empty; nothing was recorded",
        ));
    }
    Ok(text)
}
