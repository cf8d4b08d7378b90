//! `orc decision …`: architectural decision records.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Output;
use crate::error::{Error, Result};
use crate::model::{DecisionStatus, number_str};
use crate::service::{DecisionFilter, DecisionSummary, DecisionView, NewDecision, Orc};

#[derive(Debug, Subcommand)]
pub enum DecisionCommand {
    /// Record a new decision (status `proposed` unless --status says otherwise).
    ///
    /// Give the sections as options, or write them in $EDITOR with --edit, or read a
    /// Markdown file with --from (front matter optional).
    New(NewArgs),
    /// List decisions, optionally filtered.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Show one decision: its fields and its text.
    Show {
        /// Decision number: 7, 0007 or ADR-7.
        number: String,
    },
    /// Find decisions whose title, tags or text contain every word of QUERY, best first.
    Search {
        /// Words to look for (all must match, in any order; case-insensitive).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
    /// Mark a proposed decision as accepted.
    Accept {
        /// Decision number (`7`, `0007` or `ADR-7`).
        number: String,
    },
    /// Mark a proposed decision as rejected.
    Reject {
        /// Decision number (`7`, `0007` or `ADR-7`).
        number: String,
    },
    /// Mark an accepted decision as deprecated (no longer in force, not replaced).
    Deprecate {
        /// Decision number (`7`, `0007` or `ADR-7`).
        number: String,
    },
    /// Mark decision N as superseded by decision M; both files change in one commit.
    Supersede {
        /// The decision that is replaced (`7`, `0007` or `ADR-7`).
        number: String,
        /// The decision that replaces it.
        #[arg(long, value_name = "M")]
        by: String,
    },
    /// Give duplicate numbers (two branches each added the same number) the next free
    /// numbers and update the links between decisions.
    Renumber,
}

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

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only decisions in this status (repeatable).
    #[arg(long)]
    pub status: Vec<DecisionStatus>,
    /// Only decisions with this tag (repeatable: all must match).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only decisions made for this task.
    #[arg(long)]
    pub task: Option<String>,
}

pub fn run(orc: &Orc, cmd: DecisionCommand, out: &mut Output) -> Result<()> {
    match cmd {
        DecisionCommand::New(a) => new(orc, a, out),
        DecisionCommand::List(a) => {
            let list = orc.decision_list(&DecisionFilter {
                status: a.status,
                tags: a.tags,
                task: a.task,
            })?;
            if out.json {
                out.json(None, &list);
                return Ok(());
            }
            if list.decisions.is_empty() && list.unreadable.is_empty() {
                out.line("no decisions");
            }
            for d in &list.decisions {
                out.row(summary_line(d));
            }
            for u in &list.unreadable {
                say!("warning: {}: {} (run `orc check`)", u.path, u.error);
            }
            Ok(())
        }
        DecisionCommand::Show { number } => {
            let view = orc.decision_show(&number)?;
            if out.json {
                out.json(None, &view);
            } else {
                render(&view, out);
            }
            Ok(())
        }
        DecisionCommand::Search { query } => {
            let hits = orc.decision_search(&query.join(" "))?;
            if out.json {
                out.json(Some("results"), &hits);
                return Ok(());
            }
            if hits.is_empty() {
                out.line("no decision matches");
            }
            for h in &hits {
                out.row(summary_line(&h.decision));
                for l in &h.lines {
                    out.line(format!("    {}:{}: {}", h.decision.path, l.line, l.text));
                }
            }
            Ok(())
        }
        DecisionCommand::Accept { number } => status(orc, &number, DecisionStatus::Accepted, out),
        DecisionCommand::Reject { number } => status(orc, &number, DecisionStatus::Rejected, out),
        DecisionCommand::Deprecate { number } => {
            status(orc, &number, DecisionStatus::Deprecated, out)
        }
        DecisionCommand::Supersede { number, by } => {
            let outcome = orc.decision_supersede(&number, &by)?;
            out.commit_note(&outcome);
            if out.json {
                out.json(Some("decisions"), &outcome.value);
            } else if let [old, new] = outcome.value.as_slice() {
                out.line(format!(
                    "decision {} \"{}\" is superseded by {} \"{}\"",
                    number_str(old.decision.number),
                    old.decision.title,
                    number_str(new.decision.number),
                    new.decision.title
                ));
            }
            Ok(())
        }
        DecisionCommand::Renumber => {
            let outcome = orc.decision_renumber()?;
            out.commit_note(&outcome);
            if out.json {
                out.json(Some("renumbered"), &outcome.value);
            } else if outcome.value.is_empty() {
                out.line("no duplicate decision numbers; nothing changed");
            } else {
                for r in &outcome.value {
                    out.line(format!(
                        "{} -> {}  {}  ({})",
                        number_str(r.old_number),
                        number_str(r.new_number),
                        r.title,
                        r.new_path
                    ));
                }
            }
            Ok(())
        }
    }
}

fn new(orc: &Orc, a: NewArgs, out: &mut Output) -> Result<()> {
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
        let text = super::read_text(from)?;
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
    if out.json {
        out.json(None, &outcome.value);
    } else {
        let d = &outcome.value.decision;
        out.line(format!(
            "recorded decision {} \"{}\" ({}) in {}",
            number_str(d.number),
            d.title,
            d.status,
            outcome.value.path
        ));
    }
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
    let text = super::editor::edit_file(&path)?;
    if text.trim().is_empty() {
        return Err(Error::invalid(
            "the decision text is empty; nothing was recorded",
        ));
    }
    Ok(text)
}

fn status(orc: &Orc, number: &str, to: DecisionStatus, out: &mut Output) -> Result<()> {
    let outcome = orc.decision_set_status(number, to)?;
    out.commit_note(&outcome);
    if out.json {
        out.json(None, &outcome.value);
    } else {
        let d = &outcome.value.decision;
        out.line(format!(
            "decision {} \"{}\" is {}",
            number_str(d.number),
            d.title,
            d.status
        ));
    }
    Ok(())
}

/// `0003  accepted    2026-01-15  Title  [tags]`.
pub(super) fn summary_line(d: &DecisionSummary) -> String {
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

pub(super) fn render(view: &DecisionView, out: &mut Output) {
    let d = &view.decision;
    out.line(format!("{}  {}", number_str(d.number), d.title));
    out.line(format!("status:        {}", d.status));
    out.line(format!("date:          {}", d.date));
    let list = |label: &str, items: Vec<String>, out: &mut Output| {
        if !items.is_empty() {
            out.line(format!("{label:<14} {}", items.join(", ")));
        }
    };
    list("task:", d.task.iter().map(|t| t.to_string()).collect(), out);
    list("tags:", d.tags.clone(), out);
    list("deciders:", d.deciders.clone(), out);
    list("agent:", d.agent.iter().cloned().collect(), out);
    list(
        "supersedes:",
        d.supersedes.iter().map(|n| number_str(*n)).collect(),
        out,
    );
    list(
        "superseded by:",
        d.superseded_by.iter().map(|n| number_str(*n)).collect(),
        out,
    );
    list("files:", d.related_files.clone(), out);
    out.line(format!("file:          {}", view.path));
    if !d.body.trim().is_empty() {
        out.line("");
        out.line(d.body.trim_end());
    }
}
