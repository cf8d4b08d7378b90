//! Read-only views: one task with its surroundings, the status overview, ready work.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{FastMap, Orc, State};
use crate::error::{Error, Result};
use crate::model::{Priority, Status, Task, TaskId};

/// The headline fields of a task, for lists.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TaskSummary {
    pub id: TaskId,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<TaskId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The latest note, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_note: Option<String>,
}

impl From<&Task> for TaskSummary {
    fn from(t: &Task) -> Self {
        TaskSummary {
            id: t.id.clone(),
            title: t.title.clone(),
            status: t.status,
            priority: t.priority,
            role: t.role.clone(),
            stream: t.stream.clone(),
            labels: t.labels.clone(),
            parent: t.parent.clone(),
            assignee: t.assignee.clone(),
            latest_note: t.latest_note().map(|n| n.text.clone()),
        }
    }
}

/// One task with its subtasks and dependency relations.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub task: Task,
    pub children: Vec<TaskSummary>,
    /// Tasks that depend on this one.
    pub dependents: Vec<TaskSummary>,
    /// Dependencies that are not completed yet.
    pub waiting_for: Vec<TaskId>,
    pub ready: bool,
    /// True for a task read from `.orchestrator/archive/` (read-only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// Decisions recorded for this task.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<super::DecisionSummary>,
}

impl TaskView {
    /// The task's dependencies for display, unfinished ones marked `(not done)`.
    pub fn dependency_labels(&self) -> Vec<String> {
        self.task
            .depends_on
            .iter()
            .map(|d| {
                if self.waiting_for.contains(d) {
                    format!("{d} (not done)")
                } else {
                    d.to_string()
                }
            })
            .collect()
    }
}

/// Done/total of a parent task's direct subtasks.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub id: TaskId,
    pub title: String,
    pub status: Status,
    pub done: usize,
    pub total: usize,
    pub percent: u32,
}

/// Task counts of one work stream.
#[derive(Debug, Clone, Serialize)]
pub struct StreamCount {
    pub stream: String,
    pub total: usize,
    pub open: usize,
    pub completed: usize,
}

/// A file under `.orchestrator/` that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct UnreadableFile {
    pub path: String,
    pub error: String,
}

impl UnreadableFile {
    pub fn new(path: &str, error: &crate::format::FormatError) -> Self {
        UnreadableFile {
            path: path.to_owned(),
            error: if error.is_conflict_markers() {
                error.at_path(path)
            } else {
                error.to_string()
            },
        }
    }
}

/// The overview printed by `orc status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub total: usize,
    /// Count per status; every status is present, zero or not.
    pub by_status: BTreeMap<Status, usize>,
    pub streams: Vec<StreamCount>,
    pub parents: Vec<Progress>,
    pub in_progress: Vec<TaskSummary>,
    pub ready: Vec<TaskSummary>,
    pub blocked: Vec<TaskSummary>,
    pub needs_revision: Vec<TaskSummary>,
    pub unreadable: Vec<UnreadableFile>,
    /// Files under `.orchestrator/` that differ from HEAD: written but not committed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncommitted: Vec<String>,
    /// Open tasks of each stream in execution order.
    pub stream_queues: Vec<StreamQueue>,
    /// Lists cut to the requested length, with their full length: `"ready": 1234`,
    /// `"stream_queues.docs": 80`. Empty when nothing was cut.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub truncated: BTreeMap<String, usize>,
}

/// The open tasks of one stream in execution order.
#[derive(Debug, Clone, Serialize)]
pub struct StreamQueue {
    pub stream: String,
    pub tasks: Vec<super::StreamTask>,
}

/// Orders tasks for execution: priority first, then age, then the order of the plan
/// that created them (the subtasks of one plan share their creation time), then id.
pub fn by_urgency(a: &&Task, b: &&Task) -> std::cmp::Ordering {
    let key = |t: &'_ Task| (t.priority, t.created, t.plan_order.unwrap_or(u32::MAX));
    key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
}

fn progress_of(parent: &Task, kids: &[&Task]) -> Progress {
    let counted: Vec<&&Task> = kids
        .iter()
        .filter(|t| t.status != Status::Cancelled)
        .collect();
    let done = counted
        .iter()
        .filter(|t| t.status == Status::Completed)
        .count();
    let total = counted.len();
    Progress {
        id: parent.id.clone(),
        title: parent.title.clone(),
        status: parent.status,
        done,
        total,
        percent: (done * 100).checked_div(total).unwrap_or(0) as u32,
    }
}

impl State {
    /// Subtasks of every parent, built in one pass.
    pub fn child_index(&self) -> FastMap<&TaskId, Vec<&Task>> {
        let mut index: FastMap<&TaskId, Vec<&Task>> = FastMap::default();
        for t in self.task_values() {
            if let Some(p) = &t.parent {
                index.entry(p).or_default().push(t);
            }
        }
        index
    }

    /// Pending tasks whose dependencies are completed and that have no open subtasks,
    /// most urgent first. A parent whose subtasks are done is not among them: it is
    /// ready to synthesize (`orc synthesize`), not to start.
    pub fn ready_tasks(&self) -> Vec<&Task> {
        self.ready_tasks_with(&self.child_index())
    }

    /// [`State::ready_tasks`] with a prebuilt [`State::child_index`].
    pub fn ready_tasks_with(&self, children: &FastMap<&TaskId, Vec<&Task>>) -> Vec<&Task> {
        let mut ready: Vec<&Task> = self
            .task_values()
            .filter(|t| self.is_ready_with(t, children))
            .collect();
        ready.sort_by(by_urgency);
        ready
    }

    /// [`State::is_ready`] with a prebuilt [`State::child_index`], for use in loops.
    pub fn is_ready_with(&self, task: &Task, children: &FastMap<&TaskId, Vec<&Task>>) -> bool {
        task.status == Status::Pending
            && self.dependencies_done(task)
            && children
                .get(&task.id)
                .is_none_or(|kids| kids.iter().all(|c| c.status == Status::Cancelled))
    }

    /// Progress of a parent's direct subtasks (cancelled subtasks do not count).
    pub fn progress(&self, parent: &Task) -> Progress {
        let kids: Vec<&Task> = self.children(&parent.id).collect();
        progress_of(parent, &kids)
    }

    pub fn status_report(&self) -> StatusReport {
        self.status(usize::MAX)
    }

    /// The status report with every list cut to `limit` entries; the full lengths of the
    /// cut lists go to `truncated`. Only the entries shown are built, so an overview of
    /// 10,000 tasks stays cheap.
    pub fn status(&self, limit: usize) -> StatusReport {
        let mut truncated = BTreeMap::new();
        let mut cut = |name: String, total: usize| {
            if total > limit {
                truncated.insert(name, total);
            }
        };
        let Tally {
            by_status,
            streams,
            has_children,
        } = self.tally();
        let mut list = |name: &str, mut tasks: Vec<&Task>| -> Vec<TaskSummary> {
            cut(name.to_owned(), tasks.len());
            tasks.sort_by(by_urgency);
            tasks
                .into_iter()
                .take(limit)
                .map(TaskSummary::from)
                .collect()
        };
        let with = |status: Status| self.task_values().filter(move |t| t.status == status);
        let in_progress = list("in_progress", with(Status::InProgress).collect());
        let blocked = list("blocked", with(Status::Blocked).collect());
        let needs_revision = list("needs_revision", with(Status::NeedsRevision).collect());
        let children = self.child_index();
        let ready = list("ready", self.ready_tasks_with(&children));
        let open_parents: Vec<&Task> = has_children
            .keys()
            .filter_map(|id| self.tasks.get(*id))
            .map(|t| &**t)
            .filter(|t| t.status.is_open())
            .collect();
        cut("parents".into(), open_parents.len());
        let parents = open_parents
            .into_iter()
            .take(limit)
            .map(|t| progress_of(t, children.get(&t.id).map_or(&[][..], |v| &v[..])))
            .collect();
        let stream_queues = self.stream_queues(&streams, &children, limit, &mut cut);
        StatusReport {
            truncated,
            stream_queues,
            total: self.tasks.len(),
            by_status,
            streams: streams.into_values().collect(),
            parents,
            in_progress,
            ready,
            blocked,
            needs_revision,
            unreadable: self
                .unreadable
                .iter()
                .map(|u| UnreadableFile::new(&u.path, &u.error))
                .collect(),
            uncommitted: Vec::new(),
        }
    }

    /// One pass over the tasks: counts by status and by stream, and the parents.
    fn tally(&self) -> Tally<'_> {
        let mut by_status: BTreeMap<Status, usize> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        let mut streams: BTreeMap<&str, StreamCount> = BTreeMap::new();
        let mut has_children: BTreeMap<&TaskId, ()> = BTreeMap::new();
        for t in self.task_values() {
            *by_status.entry(t.status).or_default() += 1;
            if let Some(p) = &t.parent {
                has_children.insert(p, ());
            }
            if let Some(s) = &t.stream {
                let e = streams.entry(s).or_insert_with(|| StreamCount {
                    stream: s.clone(),
                    total: 0,
                    open: 0,
                    completed: 0,
                });
                e.total += 1;
                if t.status == Status::Completed {
                    e.completed += 1;
                } else if t.status.is_open() {
                    e.open += 1;
                }
            }
        }
        Tally {
            by_status,
            streams,
            has_children,
        }
    }

    /// The open tasks of each stream in the order they are to be worked on, cut to
    /// `limit` (`cut` records the full lengths).
    fn stream_queues(
        &self,
        streams: &BTreeMap<&str, StreamCount>,
        children: &FastMap<&TaskId, Vec<&Task>>,
        limit: usize,
        cut: &mut impl FnMut(String, usize),
    ) -> Vec<StreamQueue> {
        let mut open_by_stream: FastMap<&str, Vec<&Task>> = FastMap::default();
        for t in self.task_values().filter(|t| t.status.is_open()) {
            if let Some(s) = &t.stream {
                open_by_stream.entry(s).or_default().push(t);
            }
        }
        streams
            .iter()
            .map(|(s, count)| {
                cut(format!("stream_queues.{s}"), count.open);
                let open = open_by_stream.remove(s).unwrap_or_default();
                StreamQueue {
                    stream: (*s).to_owned(),
                    tasks: self.order_stream(open, children, limit),
                }
            })
            .collect()
    }

    pub fn task_view(&self, id: &TaskId) -> Result<TaskView> {
        let task = self.task(id)?.clone();
        let mut children: Vec<&Task> = self.children(id).collect();
        children.sort_by(by_urgency);
        let dependents = self
            .task_values()
            .filter(|t| t.depends_on.contains(id))
            .map(TaskSummary::from)
            .collect();
        Ok(TaskView {
            waiting_for: self.unfinished_dependencies(&task),
            ready: self.is_ready(&task),
            archived: false,
            children: children.into_iter().map(TaskSummary::from).collect(),
            dependents,
            task,
            decisions: Vec::new(),
        })
    }
}

impl Orc {
    /// One task with its surroundings; falls back to the archive for tasks that
    /// `orc maintenance archive` moved there.
    pub fn task_show(&self, id: &str) -> Result<TaskView> {
        let state = self.state()?;
        let mut view = match state.resolve(id) {
            Ok(id) => state.task_view(&id)?,
            Err(Error::UnknownTask(input)) => {
                let archive = State {
                    config: state.config.clone(),
                    tasks: self.archived_tasks()?,
                    ..State::default()
                };
                let id = archive.resolve(id).map_err(|e| match e {
                    Error::UnknownTask(_) => Error::UnknownTask(input),
                    other => other,
                })?;
                let mut view = archive.task_view(&id)?;
                view.archived = true;
                view
            }
            Err(e) => return Err(e),
        };
        view.decisions = self.decisions_for_task(&view.task.id)?;
        Ok(view)
    }

    /// Files under `.orchestrator/` that differ from HEAD: written but not committed.
    pub fn uncommitted(&self) -> Result<Vec<String>> {
        self.store.uncommitted_orc_files()
    }

    /// The `orc status` overview: counts, progress, in-progress and ready work, and the
    /// uncommitted files, with every list cut to `limit` entries.
    pub fn status(&self, limit: usize) -> Result<StatusReport> {
        let mut report = self.state()?.status(limit);
        report.uncommitted = self.uncommitted()?;
        Ok(report)
    }

    pub fn ready(&self) -> Result<Vec<TaskSummary>> {
        let state = self.state()?;
        Ok(state
            .ready_tasks()
            .into_iter()
            .map(TaskSummary::from)
            .collect())
    }
}

/// What one pass over the tasks counts for the status report.
struct Tally<'a> {
    by_status: BTreeMap<Status, usize>,
    streams: BTreeMap<&'a str, StreamCount>,
    /// The tasks that have subtasks.
    has_children: BTreeMap<&'a TaskId, ()>,
}
