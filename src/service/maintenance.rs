//! `orc maintenance`: find stale, orphaned and broken tasks, reset or block stale work,
//! and move old completed task trees to `.orchestrator/archive/`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::tasks::write_task;
use super::{Orc, Outcome, Problem, Progress, State, TaskSummary};
use crate::error::{Error, Result};
use crate::format;
use crate::model::{Status, Task, TaskId};
use crate::store::Change;

/// Where archived task files live (same format as `.orchestrator/tasks/`).
pub const ARCHIVE_TASKS_DIR: &str = ".orchestrator/archive/tasks";

pub fn archived_task_path(id: &TaskId) -> String {
    format!("{ARCHIVE_TASKS_DIR}/{id}.toml")
}

/// An in-progress task nobody has touched for too long.
#[derive(Debug, Clone, Serialize)]
pub struct StaleTask {
    #[serde(flatten)]
    pub task: TaskSummary,
    /// When it went in progress (or was last updated, for hand-made files).
    pub since: Timestamp,
    pub hours: i64,
}

/// An open subtask whose parent is missing or closed.
#[derive(Debug, Clone, Serialize)]
pub struct Orphan {
    #[serde(flatten)]
    pub task: TaskSummary,
    pub reason: String,
}

/// A dependency on a task that does not exist.
#[derive(Debug, Clone, Serialize)]
pub struct BrokenReference {
    pub task: TaskId,
    pub missing: TaskId,
}

/// What `orc maintenance scan` found. Changes nothing.
#[derive(Debug, Clone, Serialize)]
pub struct MaintenanceScan {
    pub stale_after_hours: u64,
    pub stale: Vec<StaleTask>,
    pub orphans: Vec<Orphan>,
    pub broken_references: Vec<BrokenReference>,
    /// Open parents whose subtasks are all done: run `orc synthesize` on them.
    pub ready_to_synthesize: Vec<Progress>,
    /// Completed task trees `orc maintenance archive` would move now.
    pub archivable: Vec<TaskSummary>,
    /// Claims whose lease ran out (anyone may take those tasks); the claims remote's as
    /// of the last `orc claims`, `orc next` or claim.
    pub expired_claims: Vec<super::ClaimView>,
    /// Everything `orc check` reports.
    pub problems: Vec<Problem>,
}

impl MaintenanceScan {
    pub fn is_clean(&self) -> bool {
        self.stale.is_empty()
            && self.orphans.is_empty()
            && self.broken_references.is_empty()
            && self.problems.is_empty()
    }
}

/// What to do with stale tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaleAction {
    /// Back to pending, unassigned, so anyone can start it again.
    Reset,
    /// Blocked, with a note, so someone looks at it.
    Block,
}

/// What `orc maintenance cleanup` changed (or would change with `--dry-run`).
#[derive(Debug, Clone, Serialize)]
pub struct CleanupReport {
    pub action: StaleAction,
    pub dry_run: bool,
    pub changed: Vec<StaleTask>,
}

/// One task tree moved to the archive.
#[derive(Debug, Clone, Serialize)]
pub struct ArchivedTree {
    pub root: TaskSummary,
    /// Every task of the tree, root first.
    pub tasks: Vec<TaskId>,
    /// When the last task of the tree was completed.
    pub finished: Timestamp,
}

/// A completed tree that was old enough but stayed.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveSkip {
    pub root: TaskId,
    pub reason: String,
}

/// What `orc maintenance archive` moved (or would move with `--dry-run`).
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveReport {
    pub older_than_days: u64,
    pub dry_run: bool,
    pub archived: Vec<ArchivedTree>,
    pub skipped: Vec<ArchiveSkip>,
}

impl State {
    /// In-progress tasks started more than `hours` before `now`, longest-running first.
    pub fn stale_tasks(&self, now: Timestamp, hours: u64) -> Vec<StaleTask> {
        let mut out: Vec<StaleTask> = self
            .task_values()
            .filter(|t| t.status == Status::InProgress)
            .filter_map(|t| {
                let since = t.started.unwrap_or(t.updated);
                let secs = now.as_second() - since.as_second();
                (secs > hours as i64 * 3600).then(|| StaleTask {
                    task: TaskSummary::from(t),
                    since,
                    hours: secs / 3600,
                })
            })
            .collect();
        out.sort_by(|a, b| (a.since, &a.task.id).cmp(&(b.since, &b.task.id)));
        out
    }

    /// Completed root trees whose last completion is older than `days` before `now`,
    /// and the ones kept back because open work outside them depends on them.
    fn archive_candidates(
        &self,
        now: Timestamp,
        days: u64,
    ) -> (Vec<ArchivedTree>, Vec<ArchiveSkip>) {
        let cutoff = now.as_second() - days as i64 * 86_400;
        let mut trees = Vec::new();
        let mut skipped = Vec::new();
        for root in self.task_values().filter(|t| t.parent.is_none()) {
            if root.status != Status::Completed {
                continue;
            }
            let mut ids = vec![root.id.clone()];
            ids.extend(self.descendants(&root.id));
            let tasks: Vec<&Task> = ids
                .iter()
                .filter_map(|i| self.tasks.get(i))
                .map(|t| &**t)
                .collect();
            if tasks.iter().any(|t| t.status.is_open()) {
                continue;
            }
            let finished = tasks
                .iter()
                .map(|t| t.completed.unwrap_or(t.updated))
                .max()
                .expect("a tree has its root");
            if finished.as_second() > cutoff {
                continue;
            }
            let needed: Vec<&TaskId> = self
                .task_values()
                .filter(|t| !ids.contains(&t.id))
                .filter(|t| t.depends_on.iter().any(|d| ids.contains(d)))
                .map(|t| &t.id)
                .collect();
            if !needed.is_empty() {
                skipped.push(ArchiveSkip {
                    root: root.id.clone(),
                    reason: format!(
                        "still depended on by {}",
                        needed
                            .iter()
                            .map(|i| i.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                continue;
            }
            trees.push(ArchivedTree {
                root: TaskSummary::from(root),
                tasks: ids,
                finished,
            });
        }
        (trees, skipped)
    }
}

impl Orc {
    /// Finds stale and orphaned tasks, broken references and file problems.
    pub fn maintenance_scan(&self) -> Result<MaintenanceScan> {
        let state = self.state()?;
        let hours = state.config.stale_after_hours;
        let mut orphans = Vec::new();
        let mut broken = Vec::new();
        for t in state.task_values() {
            if let Some(p) = &t.parent
                && t.status.is_open()
            {
                let reason = match state.tasks.get(p) {
                    None if state.is_known(p) => None,
                    None => Some(format!("parent {p} does not exist")),
                    Some(parent) if !parent.status.is_open() => Some(format!(
                        "parent {p} is {} but this subtask is {}",
                        parent.status, t.status
                    )),
                    Some(_) => None,
                };
                if let Some(reason) = reason {
                    orphans.push(Orphan {
                        task: TaskSummary::from(t),
                        reason,
                    });
                }
            }
            for d in &t.depends_on {
                if !state.is_known(d) {
                    broken.push(BrokenReference {
                        task: t.id.clone(),
                        missing: d.clone(),
                    });
                }
            }
        }
        let ready_to_synthesize = state
            .status_report()
            .parents
            .into_iter()
            .filter(|p| p.total > 0 && p.done == p.total)
            .collect();
        let (trees, _) = state.archive_candidates(self.now(), state.config.archive_after_days);
        Ok(MaintenanceScan {
            stale_after_hours: hours,
            stale: state.stale_tasks(self.now(), hours),
            orphans,
            broken_references: broken,
            ready_to_synthesize,
            archivable: trees.into_iter().map(|t| t.root).collect(),
            expired_claims: self.expired_claims(&state)?,
            problems: self.check_state(&state)?.problems,
        })
    }

    /// Resets or blocks every stale task, in one commit. `dry_run` changes nothing.
    pub fn maintenance_cleanup(
        &self,
        action: StaleAction,
        dry_run: bool,
    ) -> Result<Outcome<CleanupReport>> {
        self.mutate(|state| {
            let hours = state.config.stale_after_hours;
            let stale = state.stale_tasks(self.now(), hours);
            let report = CleanupReport {
                action,
                dry_run,
                changed: stale.clone(),
            };
            if dry_run || stale.is_empty() {
                return Ok((Change::new(""), report));
            }
            let verb = match action {
                StaleAction::Reset => "reset",
                StaleAction::Block => "block",
            };
            let mut change = self.change(
                format!("{verb} {}", crate::render::count(stale.len(), "stale task")),
                "maintenance.cleanup",
                None,
            );
            for s in &stale {
                let mut task = state.task(&s.task.id)?.clone();
                let why = format!(
                    "stale: in progress since {} ({} hours, limit {hours})",
                    s.since, s.hours
                );
                match action {
                    StaleAction::Reset => {
                        task.set_status(Status::Pending, self.now());
                        task.assignee = None;
                        task.add_note(
                            format!("reset to pending; {why}"),
                            self.ctx.agent.clone(),
                            self.now(),
                        );
                    }
                    StaleAction::Block => {
                        task.set_status(Status::Blocked, self.now());
                        task.add_note(
                            format!("blocked: {why}"),
                            self.ctx.agent.clone(),
                            self.now(),
                        );
                    }
                }
                write_task(&mut change, &task);
                change = change.trailer("Orc-Task", task.id.to_string());
                state.tasks.insert(task.id.clone(), Box::new(task));
            }
            Ok((change, report))
        })
    }

    /// Moves completed task trees whose last task finished more than `older_than_days`
    /// (default: `archive_after_days` from config) ago to the archive, in one commit.
    /// `progress(done, total)` is called as task files are moved.
    pub fn maintenance_archive(
        &self,
        older_than_days: Option<u64>,
        dry_run: bool,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Outcome<ArchiveReport>> {
        self.mutate(|state| {
            let days = older_than_days.unwrap_or(state.config.archive_after_days);
            let (trees, skipped) = state.archive_candidates(self.now(), days);
            let report = ArchiveReport {
                older_than_days: days,
                dry_run,
                archived: trees,
                skipped,
            };
            if dry_run || report.archived.is_empty() {
                return Ok((Change::new(""), report));
            }
            let count: usize = report.archived.iter().map(|t| t.tasks.len()).sum();
            let mut change = self.change(
                format!(
                    "archive {} ({})",
                    crate::render::count(report.archived.len(), "task tree"),
                    crate::render::count(count, "task")
                ),
                "maintenance.archive",
                None,
            );
            let mut moved = 0;
            for tree in &report.archived {
                change = change.trailer("Orc-Task", tree.root.id.to_string());
                for id in &tree.tasks {
                    moved += 1;
                    progress(moved, count);
                    let from = state.task_file(id);
                    let text = self.store.read(&from)?.ok_or_else(|| {
                        Error::invalid(format!("{from} disappeared while archiving"))
                    })?;
                    change.delete(from);
                    change.write(archived_task_path(id), text);
                    state.tasks.remove(id);
                }
            }
            Ok((change, report))
        })
    }

    /// Ids of the archived tasks, from the file names only (nothing is parsed).
    pub(super) fn archived_ids(&self) -> Result<std::collections::BTreeSet<TaskId>> {
        Ok(self
            .store
            .list(ARCHIVE_TASKS_DIR, ".toml")?
            .iter()
            .filter_map(|p| {
                let name = p.rsplit('/').next()?.strip_suffix(".toml")?;
                TaskId::parse(name).ok()
            })
            .collect())
    }

    /// The archived tasks (read-only); unreadable archive files are skipped.
    pub fn archived_tasks(&self) -> Result<BTreeMap<TaskId, Box<Task>>> {
        let mut out = BTreeMap::new();
        for path in self.store.list(ARCHIVE_TASKS_DIR, ".toml")? {
            let Some(text) = self.store.read(&path)? else {
                continue;
            };
            if let Ok(t) = format::task_from_toml(&text) {
                out.insert(t.id.clone(), Box::new(t));
            }
        }
        Ok(out)
    }
}
