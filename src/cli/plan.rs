//! `orc plan`: a parent task and its subtasks in one commit.

use crate::render::Style;
use std::path::Path;

use clap::Args;

use super::{Output, read_text};
use crate::error::{Error, Result};
use crate::format::{PlanSyntax, plan_from_text};
use crate::model::{DepRef, PlanSpec, Priority, SubtaskSpec};
use crate::service::Orc;

/// Plan a task into specialist subtasks, all created in one commit.
///
/// Quick form: `orc plan "Add login" --subtask architect:"Design the flow"
/// --subtask implementer:"Build it" --in-order` (--in-order: each subtask waits for
/// the one before it). For other dependencies, nesting, priorities and
/// estimates use a plan file (`--from plan.toml`, JSON also accepted, `-` reads stdin):
///
///   title = "Add login"
///   stream = "auth"
///   [[subtasks]]
///   key = "design"
///   title = "Design the token flow"
///   role = "architect"
///   [[subtasks]]
///   title = "Implement it"
///   role = "implementer"
///   depends_on = ["design"]      # keys, titles, sibling positions (0, 1, ..) or task ids
///   priority = "high"
///   estimate = "3h"
///   [[subtasks.subtasks]]        # nested subtasks, any depth
///   title = "Parser"
///   role = "implementer"
///
/// The original orchestrator's names are accepted too (specialist_type, dependencies,
/// estimated_effort, task_id). Every problem in the plan is reported at once, with its
/// location (e.g. `subtasks[2].role`), and nothing is written until the plan is valid.
#[derive(Debug, Args)]
#[command(
    verbatim_doc_comment,
    about = "Plan a task into specialist subtasks, all created in one commit"
)]
pub struct PlanArgs {
    /// Title of the new parent task (overrides the plan file's title).
    pub title: Option<String>,
    /// The parent task's description: the goal every subtask serves.
    #[arg(long, short)]
    pub description: Option<String>,
    /// A subtask as ROLE:TITLE (repeatable), e.g. `tester:"Write the tests"`.
    #[arg(
        long = "subtask",
        short = 's',
        value_name = "ROLE:TITLE",
        conflicts_with = "from"
    )]
    pub subtasks: Vec<String>,
    /// Each --subtask depends on the one before it, so they become ready one after
    /// another (design, then build, then test).
    #[arg(long, requires = "subtasks")]
    pub in_order: bool,
    /// Read the plan from a TOML or JSON file (`-` for standard input; UTF-8, at most 10 MB).
    #[arg(long, value_name = "FILE")]
    pub from: Option<String>,
    /// Plan under this existing task instead of creating a new parent (nested planning).
    #[arg(long, short)]
    pub parent: Option<String>,
    /// Priority of the new parent task.
    #[arg(long)]
    pub priority: Option<Priority>,
    /// Work stream of the new parent; subtasks inherit it.
    #[arg(long)]
    pub stream: Option<String>,
}

pub fn run(orc: &Orc, a: PlanArgs, out: &mut Output) -> Result<()> {
    let (mut spec, problems, origin) = match &a.from {
        Some(file) => {
            let text = read_text(file)?;
            let syntax = match Path::new(file).extension().and_then(|e| e.to_str()) {
                Some("json") => PlanSyntax::Json,
                Some("toml") => PlanSyntax::Toml,
                _ => PlanSyntax::Detect,
            };
            let origin = if file == "-" { "<stdin>" } else { file };
            let (spec, problems) =
                plan_from_text(&text, syntax).map_err(|source| Error::Parse {
                    path: origin.into(),
                    source,
                })?;
            (spec, problems, Some(origin.to_owned()))
        }
        None => {
            if a.subtasks.is_empty() {
                return Err(Error::invalid_with_hint(
                    "a plan needs subtasks",
                    "add --subtask ROLE:TITLE (repeatable) or --from FILE",
                ));
            }
            let mut subtasks = Vec::new();
            for s in &a.subtasks {
                let (role, title) = s.split_once(':').ok_or_else(|| {
                    Error::invalid_with_hint(
                        format!("--subtask {s:?} has no role"),
                        "write it as ROLE:TITLE, e.g. --subtask tester:\"Write the tests\"",
                    )
                })?;
                let mut subtask = SubtaskSpec::new(role.trim(), title.trim());
                if a.in_order && !subtasks.is_empty() {
                    subtask.depends_on.push(DepRef::Index(subtasks.len() - 1));
                }
                subtasks.push(subtask);
            }
            let spec = PlanSpec {
                subtasks,
                ..PlanSpec::default()
            };
            (spec, Vec::new(), None)
        }
    };
    if let Some(t) = a.title {
        spec.title = t;
    }
    if let Some(d) = a.description {
        spec.description = d;
    }
    if a.parent.is_some() {
        spec.parent = a.parent;
    }
    if a.priority.is_some() {
        spec.priority = a.priority;
    }
    if a.stream.is_some() {
        spec.stream = a.stream;
    }
    let outcome = orc.plan_checked(spec, problems, origin.as_deref())?;
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        let r = &outcome.value;
        for line in crate::render::plan(r, Style::Padded) {
            out.line(line);
        }
        if let Some(first) = r.ready.first() {
            out.line(format!("next: orc start {}", first.id));
        }
    });
    Ok(())
}
