//! `orc synthesize`: combine the subtasks' results and artifacts into the parent's result.

use serde::Serialize;

use super::tasks::write_task;
use super::{Orc, Outcome, Progress, State, TaskSummary, short_title};
use crate::error::{Reason, Result};
use crate::model::{Artifact, Status, Task, TaskId};

/// The combined result of a parent task.
#[derive(Debug, Clone, Serialize)]
pub struct Synthesis {
    pub parent: TaskId,
    pub title: String,
    pub progress: Progress,
    /// True when every subtask (not counting cancelled ones) is completed; only then is
    /// the parent completed and the synthesis stored in it.
    pub complete: bool,
    /// Subtasks still open, most urgent first.
    pub open: Vec<TaskSummary>,
    /// The report (Markdown): stored as the parent's detail when complete.
    pub markdown: String,
    /// All artifacts of the completed subtasks, first occurrence of each path.
    pub artifacts: Vec<Artifact>,
}

impl Orc {
    /// Combines the results of `parent`'s subtasks. Completes the parent and stores the
    /// report when all of them are done; otherwise writes nothing and lists what is open.
    pub fn synthesize(&self, parent: &str) -> Result<Outcome<Synthesis>> {
        self.mutate(|state| {
            let id = state.resolve(parent)?;
            let (synthesis, updated) = self.synthesis_of(state, &id)?;
            let Some(task) = updated else {
                return Ok((crate::store::Change::new(""), synthesis));
            };
            let mut change = self.change(
                format!("synthesize {id} \"{}\"", short_title(&task.title)),
                "task.synthesize",
                Some(&id),
            );
            write_task(&mut change, &task);
            state.tasks.insert(id, Box::new(task));
            Ok((change, synthesis))
        })
    }

    /// Synthesizes every open parent whose subtasks are all done (a parent whose last
    /// open subtask is itself completed by this is included), in one commit. Returns the
    /// syntheses that changed something, in the order they were made.
    pub fn synthesize_ready(&self) -> Result<Outcome<Vec<Synthesis>>> {
        self.mutate(|state| {
            let mut made: Vec<(Synthesis, Task)> = Vec::new();
            loop {
                let candidates: Vec<TaskId> = state
                    .status_report()
                    .parents
                    .into_iter()
                    .filter(|p| p.total > 0 && p.done == p.total)
                    .map(|p| p.id)
                    .collect();
                let mut progressed = false;
                for id in candidates {
                    if let (synthesis, Some(task)) = self.synthesis_of(state, &id)? {
                        state.tasks.insert(id, Box::new(task.clone()));
                        made.push((synthesis, task));
                        progressed = true;
                    }
                }
                if !progressed {
                    break;
                }
            }
            if made.is_empty() {
                return Ok((crate::store::Change::new(""), Vec::new()));
            }
            let summary = match made.as_slice() {
                [(_, t)] => format!("synthesize {} \"{}\"", t.id, short_title(&t.title)),
                many => format!("synthesize {} parent tasks", many.len()),
            };
            let mut change = self.change(summary, "task.synthesize", None);
            for (_, task) in &made {
                change = change.trailer("Orc-Task", task.id.to_string());
                write_task(&mut change, task);
            }
            Ok((change, made.into_iter().map(|(s, _)| s).collect()))
        })
    }

    /// The synthesis of `id`'s subtasks, and the parent as it should be stored when the
    /// synthesis completes it or changes its stored report (`None`: nothing to write).
    fn synthesis_of(&self, state: &State, id: &TaskId) -> Result<(Synthesis, Option<Task>)> {
        let id = id.clone();
        let task = state.task(&id)?.clone();
        let mut children: Vec<&Task> = state.children(&id).collect();
        if children.is_empty() {
            return Err(Reason::NoSubtasks { id }.into());
        }
        if task.status == Status::Cancelled {
            return Err(Reason::ParentCancelled { id }.into());
        }
        children.sort_by(|a, b| {
            (a.completed.is_none(), a.completed, a.created, &a.id).cmp(&(
                b.completed.is_none(),
                b.completed,
                b.created,
                &b.id,
            ))
        });
        let subtasks = Subtasks::of(&children);
        let progress = state.progress(&task);
        let complete = subtasks.open.is_empty() && !subtasks.done.is_empty();
        let artifacts = merged_artifacts(&subtasks.done);
        let markdown = synthesis_markdown(&task, &progress, &subtasks, &artifacts, complete);

        let synthesis = Synthesis {
            parent: id.clone(),
            title: task.title.clone(),
            progress,
            complete,
            open: subtasks
                .open
                .iter()
                .map(|t| TaskSummary::from(*t))
                .collect(),
            markdown: markdown.clone(),
            artifacts: artifacts.clone(),
        };
        if !complete {
            return Ok((synthesis, None));
        }
        let parent = self.synthesized_parent(task, &subtasks.done, markdown, artifacts);
        Ok((synthesis, parent))
    }

    /// The parent completed with the synthesis as its report; `None` when that changes
    /// nothing.
    fn synthesized_parent(
        &self,
        mut task: Task,
        done: &[&Task],
        markdown: String,
        artifacts: Vec<Artifact>,
    ) -> Option<Task> {
        let result = format!(
            "Completed {}: {}.",
            crate::render::count(done.len(), "subtask"),
            done.iter()
                .map(|c| c.title.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        let before = task.clone();
        task.result = Some(result);
        task.detail = Some(markdown);
        task.artifacts = artifacts;
        if task.status != Status::Completed {
            task.set_status(Status::Completed, self.now());
            task.add_note(
                format!("synthesized from {} subtasks", done.len()),
                self.ctx.agent.clone(),
                self.now(),
            );
        }
        if task == before {
            return None;
        }
        task.updated = self.now();
        Some(task)
    }
}

/// A parent's subtasks by outcome.
struct Subtasks<'a> {
    /// Most urgent first.
    open: Vec<&'a Task>,
    done: Vec<&'a Task>,
    cancelled: Vec<&'a Task>,
}

impl<'a> Subtasks<'a> {
    /// Groups `children` (in completion order), keeping that order within each group
    /// except for the open ones.
    fn of(children: &[&'a Task]) -> Self {
        let mut open: Vec<&Task> = children
            .iter()
            .copied()
            .filter(|c| c.status.is_open())
            .collect();
        open.sort_by(super::views::by_urgency);
        let with = |status: Status| -> Vec<&'a Task> {
            children
                .iter()
                .copied()
                .filter(|c| c.status == status)
                .collect()
        };
        Subtasks {
            open,
            done: with(Status::Completed),
            cancelled: with(Status::Cancelled),
        }
    }
}

/// The artifacts of the completed subtasks, the first of each path.
fn merged_artifacts(done: &[&Task]) -> Vec<Artifact> {
    let mut artifacts: Vec<Artifact> = Vec::new();
    for c in done {
        for a in &c.artifacts {
            if !artifacts.iter().any(|x| x.path == a.path) {
                artifacts.push(a.clone());
            }
        }
    }
    artifacts
}

/// The synthesis report: state, goal, each result, what is still open or cancelled, and
/// every artifact.
fn synthesis_markdown(
    task: &Task,
    progress: &Progress,
    subtasks: &Subtasks<'_>,
    artifacts: &[Artifact],
    complete: bool,
) -> String {
    let Subtasks {
        open,
        done,
        cancelled,
    } = subtasks;
    let mut md = String::new();
    md.push_str(&format!("# {}: {}\n\n", task.id, task.title));
    if complete {
        md.push_str(&format!(
            "All {} subtasks are completed{}.\n\n",
            done.len(),
            if cancelled.is_empty() {
                String::new()
            } else {
                format!(" ({} cancelled)", cancelled.len())
            }
        ));
    } else {
        md.push_str(&format!(
            "**Not complete:** {} of {} subtasks done; {} still open.\n\n",
            progress.done,
            progress.total,
            open.len()
        ));
    }
    if !task.description.is_empty() {
        md.push_str("## Goal\n\n");
        md.push_str(task.description.trim_end());
        md.push_str("\n\n");
    }
    push_results(&mut md, done);
    if !open.is_empty() {
        md.push_str("## Still open\n\n");
        for c in open {
            md.push_str(&format!(
                "- {} [{}]{} {}\n",
                c.id,
                c.status,
                role_suffix(c),
                c.title
            ));
        }
        md.push('\n');
    }
    if !cancelled.is_empty() {
        md.push_str("## Cancelled\n\n");
        for c in cancelled {
            md.push_str(&format!("- {} {}\n", c.id, c.title));
        }
        md.push('\n');
    }
    if !artifacts.is_empty() {
        md.push_str("## All artifacts\n\n");
        for a in artifacts {
            md.push_str(&format!(
                "- `{}` ({} bytes, sha256 {})\n",
                a.path, a.size, a.sha256
            ));
        }
        md.push('\n');
    }
    md.trim_end().to_owned() + "\n"
}

/// The "Results" section: each completed subtask's summary and artifacts.
fn push_results(md: &mut String, done: &[&Task]) {
    md.push_str("## Results\n\n");
    if done.is_empty() {
        md.push_str("No subtask is completed yet.\n\n");
    }
    for c in done {
        md.push_str(&format!("### {}: {}{}\n\n", c.id, c.title, role_suffix(c)));
        md.push_str(
            c.result
                .as_deref()
                .unwrap_or("(no summary recorded)")
                .trim_end(),
        );
        md.push_str("\n\n");
        if !c.artifacts.is_empty() {
            let paths: Vec<String> = c
                .artifacts
                .iter()
                .map(|a| format!("`{}`", a.path))
                .collect();
            md.push_str(&format!("Artifacts: {}\n\n", paths.join(", ")));
        }
    }
}

/// " (role)" for a task with a role, else nothing.
fn role_suffix(t: &Task) -> String {
    t.role
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default()
}
