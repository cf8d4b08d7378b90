//! Work streams: tasks grouped by their `stream` field, in execution order.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{FastMap, Orc, State, StreamCount, TaskSummary};
use crate::error::{Error, Reason, Result};
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
        self.stream_order_with(stream, &self.child_index(), usize::MAX)
    }

    /// The first `limit` tasks of [`State::stream_order`], with a prebuilt child index. A
    /// topological order (Kahn) that always takes the most urgent task no remaining task
    /// holds back: linear in the stream's tasks and their links, not quadratic.
    pub fn stream_order_with(
        &self,
        stream: &str,
        children: &FastMap<&TaskId, Vec<&Task>>,
        limit: usize,
    ) -> Vec<StreamTask> {
        let tasks: Vec<&Task> = self
            .task_values()
            .filter(|t| t.stream.as_deref() == Some(stream) && t.status.is_open())
            .collect();
        self.order_stream(tasks, children, limit)
    }

    /// [`State::stream_order_with`] for the open tasks of one stream, already gathered.
    pub(super) fn order_stream(
        &self,
        mut tasks: Vec<&Task>,
        children: &FastMap<&TaskId, Vec<&Task>>,
        limit: usize,
    ) -> Vec<StreamTask> {
        let key = |t: &Task| (t.status != Status::InProgress, t.priority, t.created);
        tasks.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id)));
        let n = tasks.len();
        let rank: FastMap<&TaskId, usize> =
            tasks.iter().enumerate().map(|(i, t)| (&t.id, i)).collect();
        // `before[i]` lists the tasks that task i holds back; `waiting[j]` counts j's holders.
        let mut before: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut waiting = vec![0usize; n];
        for (j, t) in tasks.iter().enumerate() {
            // A dependency comes before its dependent, a subtask before its parent.
            let holders = t.depends_on.iter().filter_map(|d| rank.get(d).copied());
            for i in holders.filter(|&i| i != j) {
                before[i].push(j);
                waiting[j] += 1;
            }
            if let Some(&p) = t.parent.as_ref().and_then(|p| rank.get(p))
                && p != j
            {
                before[j].push(p);
                waiting[p] += 1;
            }
        }
        let mut free: BTreeSet<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
        let mut placed = vec![false; n];
        let mut order = Vec::with_capacity(n);
        while order.len() < n.min(limit) {
            let next = match free.pop_first() {
                Some(i) => i,
                // A cycle (refused on write, possible after hand edits): take the most urgent.
                None => (0..n)
                    .find(|&i| !placed[i])
                    .expect("an unplaced task remains"),
            };
            if placed[next] {
                continue;
            }
            placed[next] = true;
            order.push(next);
            for &j in &before[next] {
                waiting[j] = waiting[j].saturating_sub(1);
                if waiting[j] == 0 && !placed[j] {
                    free.insert(j);
                }
            }
        }
        order
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(i, t)| {
                let t = tasks[t];
                StreamTask {
                    position: i + 1,
                    task: TaskSummary::from(t),
                    ready: self.is_ready_with(t, children),
                    waiting_for: self.unfinished_dependencies(t),
                }
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
                Error::from(Reason::UnknownStream {
                    name: name.to_owned(),
                    known,
                })
            })?;
        let mut completed: Vec<&Task> = state
            .task_values()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Priority;

    fn task(id: &str, priority: Priority, deps: &[&str], parent: Option<&str>) -> Task {
        let mut t = Task::new(
            TaskId::parse(id).unwrap(),
            id.to_owned(),
            "2026-01-01T00:00:00Z".parse().unwrap(),
        );
        t.stream = Some("s".into());
        t.priority = priority;
        t.depends_on = deps.iter().map(|d| TaskId::parse(d).unwrap()).collect();
        t.parent = parent.map(|p| TaskId::parse(p).unwrap());
        t
    }

    fn order(tasks: Vec<Task>) -> Vec<String> {
        let state = State {
            tasks: tasks
                .into_iter()
                .map(|t| (t.id.clone(), Box::new(t)))
                .collect(),
            ..State::default()
        };
        state
            .stream_order("s")
            .into_iter()
            .map(|s| s.task.id.to_string())
            .collect()
    }

    #[test]
    fn urgency_first_but_never_before_what_holds_a_task_back() {
        let got = order(vec![
            task("t_a", Priority::Low, &[], None),
            task("t_b", Priority::Critical, &["t_c"], None),
            task("t_c", Priority::Medium, &[], None),
            task("t_p", Priority::Critical, &[], None),
            task("t_k", Priority::Low, &[], Some("t_p")),
            task("t_d", Priority::High, &[], None),
        ]);
        // The most urgent task that nothing holds back goes next: t_d (high) before
        // t_c (medium), which frees the critical t_b; the parent t_p waits for its
        // subtask t_k; ties go by age, then id.
        assert_eq!(got, ["t_d", "t_c", "t_b", "t_a", "t_k", "t_p"]);
    }

    #[test]
    fn in_progress_leads_and_cycles_do_not_hang() {
        let mut busy = task("t_z", Priority::Low, &[], None);
        busy.status = Status::InProgress;
        let got = order(vec![
            task("t_x", Priority::High, &["t_y"], None),
            task("t_y", Priority::High, &["t_x"], None),
            busy,
        ]);
        assert_eq!(got, ["t_z", "t_x", "t_y"]);
    }
}
