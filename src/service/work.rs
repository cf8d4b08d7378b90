//! Doing the work: `orc start` (claim a task and brief the specialist), `orc done`
//! (record the result and artifacts), `orc block` and `orc reopen`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::claims::Taken;
use super::roles::Role;
use super::tasks::{transition, write_task};
use super::{Orc, Outcome, Progress, State, TaskSummary, short_title};
use crate::error::{Error, Field, Reason, Result};
use crate::model::{Artifact, NextAction, Status, Task, TaskId};

/// The parent's goal, as shown to a specialist.
#[derive(Debug, Clone, Serialize)]
pub struct GoalContext {
    pub id: TaskId,
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub progress: Progress,
}

/// A finished dependency: what it produced.
#[derive(Debug, Clone, Serialize)]
pub struct DependencyResult {
    pub id: TaskId,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
}

/// Everything a specialist needs to do one task: the brief printed by `orc start`.
#[derive(Debug, Clone, Serialize)]
pub struct WorkContext {
    pub task: Task,
    /// The role's prompt, when the task has a role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The goal of the parent task, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<GoalContext>,
    /// Results of the tasks this one depends on.
    pub dependencies: Vec<DependencyResult>,
    /// Decision records related to the task.
    pub decisions: Vec<super::DecisionSummary>,
    /// Tasks waiting for this one.
    pub dependents: Vec<TaskSummary>,
    /// What to hand back, and how (Markdown).
    pub expected_output: String,
    /// True when this call moved the task to in_progress (false when it already was).
    pub claimed: bool,
    /// Unacknowledged messages for this agent (`orc msg inbox`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<super::MailSummary>,
    /// The vocabulary the Markdown is worded in.
    #[serde(skip)]
    pub words: &'static dyn super::actions::Words,
}

/// The note recorded when a claim replaced someone else's: whose, and why it could.
pub(super) fn takeover_note(taken: &Taken, assignee: Option<&str>) -> String {
    match (&taken.displaced, assignee) {
        (Some(c), _) => format!("taken over from {}", c.describe()),
        (None, Some(a)) => format!("taken over from {a}"),
        (None, None) => "taken over from an unnamed agent".to_owned(),
    }
}

/// What `orc done` stores.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub summary: String,
    /// Full detail of the work (Markdown).
    pub detail: Option<String>,
    /// Paths of produced files, relative to `base` (or absolute inside the repository).
    pub artifacts: Vec<String>,
    /// Directory relative artifact paths start from; the repository root when `None`.
    pub base: Option<PathBuf>,
    /// `continue`/`complete` complete the task; `needs_revision` and `blocked` record the
    /// result but leave the task in that status.
    pub next_action: Option<NextAction>,
}

/// What `orc done` did and what comes next.
#[derive(Debug, Clone, Serialize)]
pub struct CompletionReport {
    pub task: Task,
    /// Progress of the parent after this change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Progress>,
    /// Tasks that could not start before and can now.
    pub newly_ready: Vec<TaskSummary>,
    /// The task `orc next` would offer now (same order, claims of others left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<TaskSummary>,
    /// Set when every subtask of the parent is done: run `orc synthesize` on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synthesize: Option<TaskId>,
}

/// What `orc reopen` and `orc block` changed.
#[derive(Debug, Clone, Serialize)]
pub struct StatusChange {
    pub task: Task,
    /// Other tasks whose status changed with it (completed parents reopened).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_changed: Vec<TaskSummary>,
    /// Tasks that were ready or running and now wait for this one again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting_again: Vec<TaskSummary>,
}

impl State {
    /// The brief for `task` (without the claim flag).
    pub(super) fn work_context(
        &self,
        orc: &Orc,
        task: &Task,
        claimed: bool,
    ) -> Result<WorkContext> {
        let role = task
            .role
            .as_deref()
            .map(|r| orc.role_in(self, r))
            .transpose()?;
        let goal = task
            .parent
            .as_ref()
            .and_then(|p| self.tasks.get(p))
            .map(|p| GoalContext {
                id: p.id.clone(),
                title: p.title.clone(),
                description: p.description.clone(),
                progress: self.progress(p),
            });
        let dependencies = task
            .depends_on
            .iter()
            .filter_map(|d| self.tasks.get(d))
            .map(|d| DependencyResult {
                id: d.id.clone(),
                title: d.title.clone(),
                role: d.role.clone(),
                status: d.status,
                result: d.result.clone(),
                detail: d.detail.clone(),
                artifacts: d.artifacts.clone(),
            })
            .collect();
        let mut dependents: Vec<&Task> = self
            .task_values()
            .filter(|t| t.depends_on.contains(&task.id))
            .collect();
        dependents.sort_by(super::views::by_urgency);
        Ok(WorkContext {
            task: task.clone(),
            role,
            goal,
            dependencies,
            decisions: orc.decisions_for_lineage(task, self)?,
            dependents: dependents.into_iter().map(TaskSummary::from).collect(),
            expected_output: orc.ctx.words.expected_output(&task.id),
            claimed,
            mail: orc.mail_summary(self, task.role.as_deref()),
            words: orc.ctx.words,
        })
    }

    fn ready_ids(&self) -> BTreeSet<TaskId> {
        self.ready_tasks()
            .into_iter()
            .map(|t| t.id.clone())
            .collect()
    }

    /// The tasks depending on `id` that are in progress or ready: those a reopened `id`
    /// sends back to waiting.
    fn started_or_ready_dependents(&self, id: &TaskId) -> Vec<TaskId> {
        self.task_values()
            .filter(|t| t.depends_on.contains(id))
            .filter(|t| t.status == Status::InProgress || self.is_ready(t))
            .map(|t| t.id.clone())
            .collect()
    }
}

impl Orc {
    /// The specialist's brief for a task, as [`Orc::start`] returns it, without claiming
    /// or changing anything (`claimed` is false). Works for a task in any status, so a
    /// resuming agent can read the brief of its task in progress.
    pub fn brief(&self, id: &str) -> Result<WorkContext> {
        let state = self.state()?;
        let id = state.resolve(id)?;
        state.work_context(self, state.task(&id)?, false)
    }

    /// Claims a task (in_progress, assignee = this agent) and returns the specialist's
    /// brief. Refuses unfinished dependencies, a task someone else holds (in progress
    /// for another agent, or claimed from another worktree or clone with a live lease)
    /// unless `force`, a parent with open subtasks (unless `force`) and a parent whose
    /// subtasks are all done (that one is synthesized, not started). Starting a task this
    /// agent already has in progress changes nothing, renews the claim and returns the
    /// brief again.
    pub fn start(&self, id: &str, force: bool) -> Result<Outcome<WorkContext>> {
        let mut reassigned = None;
        let early = || self.claim_early(id, force);
        let mut outcome = self.mutate_after(early, |state| {
            let id = state.resolve(id)?;
            let mut task = state.task(&id)?.clone();
            if task.status == Status::InProgress {
                if !self.take_over(state, &id, &mut task, force)? {
                    let context = state.work_context(self, &task, false)?;
                    return Ok((crate::store::Change::new(""), context));
                }
            } else {
                reassigned = self.begin_work(state, &id, &mut task, force)?;
            }
            state.tasks.insert(id.clone(), Box::new(task.clone()));
            let mut change = self.change(
                format!("start {id} \"{}\"", short_title(&task.title)),
                "task.start",
                Some(&id),
            );
            write_task(&mut change, &task);
            let context = state.work_context(self, &task, true)?;
            Ok((change, context))
        })?;
        outcome.notices.extend(reassigned);
        self.remember_current_task(Some(&outcome.value.task.id))?;
        Ok(outcome)
    }

    /// Takes `task`, already in progress, for this agent: its own task only renews the
    /// claim (false: nothing else changes); someone else's is taken with `force` or once
    /// their claim ran out, and the task notes the takeover.
    fn take_over(&self, state: &State, id: &TaskId, task: &mut Task, force: bool) -> Result<bool> {
        let agent = self.ctx.agent.clone();
        let owner = task.assignee.clone();
        if owner == agent {
            let taken = self.take_claim(&state.config, id, force)?;
            if taken.displaced.is_none() {
                return Ok(false);
            }
            task.add_note(takeover_note(&taken, None), agent.clone(), self.now());
        } else {
            // Someone else's task: taken only with force, or once their claim ran out.
            let expired = self.claim_expired(id)? == Some(true);
            if !force && !expired {
                return Err(Error::Claimed {
                    id: id.clone(),
                    owner: owner.unwrap_or_else(|| "someone else".into()),
                });
            }
            let taken = self.take_claim(&state.config, id, force)?;
            task.add_note(
                takeover_note(&taken, owner.as_deref()),
                agent.clone(),
                self.now(),
            );
        }
        task.assignee = agent;
        // The takeover starts the clock again: a stale scan counts from here.
        task.started = Some(self.now());
        task.updated = self.now();
        Ok(true)
    }

    /// Moves `task` (not in progress) to in_progress for this agent and claims it; returns
    /// the note saying whom the task was assigned to before, when that was someone else.
    fn begin_work(
        &self,
        state: &mut State,
        id: &TaskId,
        task: &mut Task,
        force: bool,
    ) -> Result<Option<String>> {
        let agent = self.ctx.agent.clone();
        let kids: Vec<&Task> = state.children(id).collect();
        let open: Vec<TaskId> = kids
            .iter()
            .filter(|c| c.status.is_open())
            .map(|c| c.id.clone())
            .collect();
        if !open.is_empty() && !force {
            return Err(Reason::OpenSubtasks {
                id: id.clone(),
                open,
            }
            .into());
        }
        if open.is_empty() && kids.iter().any(|c| c.status == Status::Completed) {
            return Err(Reason::SubtasksDone { id: id.clone() }.into());
        }
        transition(state, task, Status::InProgress, self.now())?;
        let taken = self.take_claim(&state.config, id, force)?;
        if taken.displaced.is_some() {
            task.add_note(takeover_note(&taken, None), agent.clone(), self.now());
        }
        // Whoever starts a task works on it: an earlier assignee (say, the author of
        // work sent back for revision) is replaced, and the task says so.
        let previous = task.assignee.clone();
        task.assignee = agent.clone();
        let Some(previous) = previous.filter(|p| Some(p) != agent.as_ref()) else {
            return Ok(None);
        };
        let text = format!(
            "started by {}; it was assigned to {previous}",
            agent.as_deref().unwrap_or("an agent without a name")
        );
        task.add_note(text.clone(), agent, self.now());
        Ok(Some(text))
    }

    /// Records the result of a task in progress: summary, detail and artifacts (each with
    /// its SHA-256), and completes it unless the next action says otherwise.
    pub fn done(&self, id: &str, done: Completion) -> Result<Outcome<CompletionReport>> {
        let summary = done.summary.trim().to_owned();
        if summary.is_empty() {
            return Err(Reason::EmptyText {
                field: Field::Summary,
            }
            .into());
        }
        let base = done
            .base
            .clone()
            .unwrap_or_else(|| self.store.workdir().to_path_buf());
        self.mutate(|state| {
            let id = state.resolve(id)?;
            let mut task = state.task(&id)?.clone();
            if task.status != Status::InProgress {
                return Err(Reason::NotInProgress {
                    id,
                    status: task.status,
                }
                .into());
            }
            let artifacts = self.artifacts_of(&base, &done.artifacts)?;
            let before = state.ready_ids();
            let to = status_after(done.next_action.unwrap_or(NextAction::Continue));
            if to == Status::Completed && state.children(&id).any(|c| c.status != Status::Cancelled)
            {
                return Err(Reason::ResultIsSynthesis { id }.into());
            }
            transition(state, &mut task, to, self.now())?;
            self.record_result(&mut task, &done, &summary, artifacts);
            state.tasks.insert(id.clone(), Box::new(task.clone()));
            let report = self.completion_report(state, task, &before)?;
            let (verb, op) = match to {
                Status::Completed => ("complete", "task.complete"),
                Status::NeedsRevision => ("needs revision:", "task.needs_revision"),
                _ => ("block", "task.block"),
            };
            let mut change = self.change(
                format!("{verb} {id} \"{}\"", short_title(&report.task.title)),
                op,
                Some(&id),
            );
            write_task(&mut change, &report.task);
            Ok((change, report))
        })
    }

    /// The artifacts `inputs` name (relative to `base`), each with its SHA-256 and size;
    /// a path named twice is recorded once. Refuses a file that does not exist.
    fn artifacts_of(&self, base: &Path, inputs: &[String]) -> Result<Vec<Artifact>> {
        let mut artifacts: Vec<Artifact> = Vec::new();
        for input in inputs {
            let rel = self.store.confine(base, input)?;
            let digest = super::files::digest_named(&self.store, &rel)?.ok_or_else(|| {
                Reason::MissingArtifact {
                    input: input.clone(),
                    path: rel.clone(),
                    base: base.to_path_buf(),
                }
            })?;
            artifacts.retain(|a| a.path != rel);
            artifacts.push(Artifact {
                path: rel,
                sha256: digest.sha256,
                size: digest.size,
            });
        }
        Ok(artifacts)
    }

    /// Writes the result of `done` into `task` (moved to its new status already); a task
    /// left open notes why.
    fn record_result(
        &self,
        task: &mut Task,
        done: &Completion,
        summary: &str,
        artifacts: Vec<Artifact>,
    ) {
        task.result = Some(summary.to_owned());
        task.detail = done
            .detail
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        task.artifacts = artifacts;
        task.next_action = done.next_action;
        let to = task.status;
        if to != Status::Completed {
            task.add_note(
                format!("{to}: {summary}"),
                self.ctx.agent.clone(),
                self.now(),
            );
        }
    }

    /// What comes after `task`'s result was recorded in `state`: the tasks ready since
    /// (`before` were ready already), the parent's progress, the next task, a synthesis due.
    fn completion_report(
        &self,
        state: &State,
        task: Task,
        before: &BTreeSet<TaskId>,
    ) -> Result<CompletionReport> {
        let newly_ready: Vec<TaskSummary> = state
            .ready_tasks()
            .into_iter()
            .filter(|t| !before.contains(&t.id))
            .map(TaskSummary::from)
            .collect();
        let parent = task.parent.as_ref().and_then(|p| state.tasks.get(p));
        let progress = parent.map(|p| state.progress(p));
        let claims = self.known_claims(&state.config, false)?;
        let next = self
            .next_in_order(state, &super::ReadyFilter::default(), &claims)
            .first()
            .map(|t| TaskSummary::from(*t));
        let synthesize = match (&progress, parent) {
            (Some(p), Some(parent))
                if p.total > 0 && p.done == p.total && parent.status.is_open() =>
            {
                Some(parent.id.clone())
            }
            _ => None,
        };
        Ok(CompletionReport {
            task,
            parent: progress,
            newly_ready,
            next,
            synthesize,
        })
    }
    /// Blocks a task with a reason (recorded as a note).
    pub fn block(&self, id: &str, reason: &str) -> Result<Outcome<StatusChange>> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(Reason::EmptyText {
                field: Field::BlockReason,
            }
            .into());
        }
        self.mutate(|state| {
            let id = state.resolve(id)?;
            let mut task = state.task(&id)?.clone();
            transition(state, &mut task, Status::Blocked, self.now())?;
            task.add_note(
                format!("blocked: {reason}"),
                self.ctx.agent.clone(),
                self.now(),
            );
            state.tasks.insert(id.clone(), Box::new(task.clone()));
            let mut change = self.change(
                format!("block {id} \"{}\"", short_title(&task.title)),
                "task.block",
                Some(&id),
            );
            write_task(&mut change, &task);
            Ok((
                change,
                StatusChange {
                    task,
                    also_changed: Vec::new(),
                    waiting_again: Vec::new(),
                },
            ))
        })
    }

    /// Opens a blocked, completed, cancelled or needs-revision task again: back to
    /// pending, or with `needs_revision` to needs_revision (e.g. after a review). A
    /// completed parent above it is reopened too, so no completed task has open work.
    pub fn reopen(
        &self,
        id: &str,
        reason: Option<&str>,
        needs_revision: bool,
    ) -> Result<Outcome<StatusChange>> {
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        self.mutate(|state| {
            let id = state.resolve(id)?;
            let mut task = state.task(&id)?.clone();
            let to = reopen_target(&task, needs_revision)?;
            let was_completed = task.status == Status::Completed;
            transition(state, &mut task, to, self.now())?;
            if to == Status::Pending {
                task.assignee = None;
            }
            let text = match &reason {
                Some(r) => format!("reopened as {to}: {r}"),
                None => format!("reopened as {to}"),
            };
            task.add_note(text, self.ctx.agent.clone(), self.now());
            let dependents_before = if was_completed {
                state.started_or_ready_dependents(&id)
            } else {
                Vec::new()
            };
            state.tasks.insert(id.clone(), Box::new(task.clone()));
            let mut change = self.change(
                format!("reopen {id} as {to} \"{}\"", short_title(&task.title)),
                "task.reopen",
                Some(&id),
            );
            write_task(&mut change, &task);
            let also = self.reopen_completed_parents(state, &task, &mut change);
            let waiting_again = dependents_before
                .iter()
                .filter_map(|d| state.tasks.get(d))
                .map(|t| TaskSummary::from(&**t))
                .collect();
            Ok((
                change,
                StatusChange {
                    task,
                    also_changed: also.iter().map(TaskSummary::from).collect(),
                    waiting_again,
                },
            ))
        })
    }

    /// Reopens (as pending) every completed task above `task`, the reopened subtask, and
    /// writes them into `change`; returns them.
    fn reopen_completed_parents(
        &self,
        state: &mut State,
        task: &Task,
        change: &mut crate::store::Change,
    ) -> Vec<Task> {
        let id = &task.id;
        let mut also = Vec::new();
        let mut cur = task.parent.clone();
        while let Some(p) = cur {
            let Some(parent) = state.tasks.get(&p).cloned() else {
                break;
            };
            cur = parent.parent.clone();
            if parent.status != Status::Completed || also.iter().any(|t: &Task| t.id == p) {
                continue;
            }
            let mut parent = parent;
            parent.set_status(Status::Pending, self.now());
            parent.add_note(
                format!("reopened because subtask {id} was reopened"),
                self.ctx.agent.clone(),
                self.now(),
            );
            write_task(change, &parent);
            state.tasks.insert(p.clone(), parent.clone());
            also.push(*parent);
        }
        also
    }
}

/// The status `orc reopen` moves `task` to: pending, or needs_revision with
/// `needs_revision`; refused for a task in progress (unless sent back) or already there.
fn reopen_target(task: &Task, needs_revision: bool) -> Result<Status> {
    let id = &task.id;
    let to = if needs_revision {
        Status::NeedsRevision
    } else {
        Status::Pending
    };
    if task.status == Status::InProgress && !needs_revision {
        return Err(Reason::StillInProgress { id: id.clone() }.into());
    }
    if task.status == to {
        return Err(Error::invalid(format!("{id} is already {to}")));
    }
    Ok(to)
}

/// The status `orc done` leaves a task in for its next action.
fn status_after(action: NextAction) -> Status {
    match action {
        NextAction::Continue | NextAction::Complete => Status::Completed,
        NextAction::NeedsRevision => Status::NeedsRevision,
        NextAction::Blocked => Status::Blocked,
    }
}
