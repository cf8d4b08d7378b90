//! Work streams: tasks grouped by their `stream` field, in execution order.

use serde::Serialize;

use super::{Orc, State, StreamCount, TaskSummary};
use crate::error::{Error, Result};
use crate::model::{Status, Task, TaskId};

/// An open task of a stream at its place in the execution order.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StreamTask {
    /// 1-based place in the order.
    pub position: usize,
    #[serde(flatten)]
    pub task: TaskSummary,
    /// Pending with every dependency completed.
    pub ready: bool,
    /// Unfinished dependencies (in any stream).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting_for: Vec<TaskId>,
}

/// One stream: its counts, its open tasks in order, and what is done.
#[derive(Debug, Clone, Serialize)]
pub struct StreamView {
    #[serde(flatten)]
    pub counts: StreamCount,
    pub tasks: Vec<StreamTask>,
    pub completed_tasks: Vec<TaskSummary>,
}

impl State {
    /// The open tasks of `stream` in execution order: a task comes after the open tasks
    /// of the stream it depends on (and a parent after its open subtasks); among the
    /// tasks that may come next, in-progress work first, then priority, age and id.
    pub fn stream_order(&self, stream: &str) -> Vec<StreamTask> {
        let mut remaining: Vec<&Task> = self
            .tasks
            .values()
            .filter(|t| t.stream.as_deref() == Some(stream) && t.status.is_open())
            .collect();
        let key = |t: &&Task| {
            (
                t.status != Status::InProgress,
                t.priority,
                t.created,
                t.id.clone(),
            )
        };
        remaining.sort_by_key(key);
        let mut placed: Vec<&Task> = Vec::with_capacity(remaining.len());
        while !remaining.is_empty() {
            let blocks = |t: &Task, other: &Task| {
                t.depends_on.contains(&other.id) || other.parent.as_ref() == Some(&t.id)
            };
            let pick = remaining
                .iter()
                .position(|t| !remaining.iter().any(|o| o.id != t.id && blocks(t, o)))
                // A cycle (refused on write, possible after hand edits): take the most urgent.
                .unwrap_or(0);
            placed.push(remaining.remove(pick));
        }
        placed
            .into_iter()
            .enumerate()
            .map(|(i, t)| StreamTask {
                position: i + 1,
                task: TaskSummary::from(t),
                ready: self.is_ready(t),
                waiting_for: self.unfinished_dependencies(t),
            })
            .collect()
    }

    /// Counts of every stream, by name.
    pub fn stream_counts(&self) -> Vec<StreamCount> {
        self.status_report().streams
    }
}

impl Orc {
    /// Every stream with its counts.
    pub fn streams(&self) -> Result<Vec<StreamCount>> {
        Ok(self.state()?.stream_counts())
    }

    /// One stream in execution order.
    pub fn stream(&self, name: &str) -> Result<StreamView> {
        let state = self.state()?;
        let name = name.trim();
        let counts = state
            .stream_counts()
            .into_iter()
            .find(|s| s.stream == name)
            .ok_or_else(|| {
                let known: Vec<String> = state
                    .stream_counts()
                    .into_iter()
                    .map(|s| s.stream)
                    .collect();
                Error::invalid_with_hint(
                    format!("no task is in stream {name:?}"),
                    if known.is_empty() {
                        "no stream exists yet; give tasks a stream with --stream NAME".to_owned()
                    } else {
                        format!("known streams: {}", known.join(", "))
                    },
                )
            })?;
        let mut completed: Vec<&Task> = state
            .tasks
            .values()
            .filter(|t| t.stream.as_deref() == Some(name) && t.status == Status::Completed)
            .collect();
        completed.sort_by_key(|t| (t.completed, t.id.clone()));
        Ok(StreamView {
            tasks: state.stream_order(name),
            completed_tasks: completed.into_iter().map(TaskSummary::from).collect(),
            counts,
        })
    }
}
