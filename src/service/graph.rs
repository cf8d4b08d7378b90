//! The graphs behind `orc graph` and the picture of `orc serve`: tasks with their
//! subtask and dependency edges, and decisions with their supersede and task links.
//!
//! Only nodes and edges; drawing them (Mermaid, DOT, SVG) is the face's business.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Orc, State};
use crate::error::{Error, Result};
use crate::model::{DecisionStatus, Priority, Status, TaskId};

/// Which tasks to draw.
#[derive(Debug, Clone, Default)]
pub struct GraphFilter {
    /// A task and its subtree.
    pub root: Option<String>,
    pub stream: Option<String>,
}

/// A task in the graph.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TaskNode {
    pub id: TaskId,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Outside the selection, drawn because a selected task depends on it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub outside: bool,
}

/// How two tasks are linked.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TaskEdgeKind {
    /// `from` is the parent of `to`.
    Subtask,
    /// `from` depends on `to` (`to` must be completed first).
    DependsOn,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskEdge {
    pub from: TaskId,
    pub to: TaskId,
    pub kind: TaskEdgeKind,
}

/// Tasks and their links, nodes in id order within plan order (parents before children).
#[derive(Debug, Clone, Serialize)]
pub struct TaskGraph {
    pub nodes: Vec<TaskNode>,
    pub edges: Vec<TaskEdge>,
}

/// A decision in the graph.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionNode {
    pub number: u32,
    pub title: String,
    pub status: DecisionStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
}

/// Decisions, which supersede which, and the tasks they were recorded for.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionGraph {
    pub decisions: Vec<DecisionNode>,
    pub supersedes: Vec<Supersedes>,
    /// The tasks decisions name, in id order.
    pub tasks: Vec<DecisionTask>,
}

/// The `new` decision supersedes the `old` one.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Supersedes {
    pub new: u32,
    pub old: u32,
}

/// A task a decision was recorded for.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionTask {
    pub id: TaskId,
    pub title: String,
}

impl State {
    /// The graph of the tasks `filter` selects; fails on an unknown root.
    pub fn task_graph(&self, filter: &GraphFilter) -> Result<TaskGraph> {
        let selected = self.graph_selection(filter)?;
        let mut outside = BTreeSet::new();
        let edges = self.graph_edges(&selected, &mut outside);
        let children = self.child_index();
        let node = |id: &TaskId, outside: bool| {
            let t = &self.tasks[id];
            TaskNode {
                id: id.clone(),
                title: t.title.clone(),
                status: t.status,
                priority: t.priority,
                ready: self.is_ready_with(t, &children),
                assignee: t.assignee.clone(),
                stream: t.stream.clone(),
                outside,
            }
        };
        let mut nodes: Vec<TaskNode> = self
            .drawing_order(&selected)
            .into_iter()
            .map(|id| node(id, false))
            .collect();
        nodes.extend(outside.iter().map(|id| node(id, true)));
        Ok(TaskGraph { nodes, edges })
    }

    /// The tasks under the filter's root (or all), in its stream if it names one.
    fn graph_selection(&self, filter: &GraphFilter) -> Result<BTreeSet<TaskId>> {
        let mut selected: BTreeSet<TaskId> = match &filter.root {
            Some(input) => {
                let root = self.resolve(input)?;
                let mut ids = self.descendants(&root);
                ids.push(root);
                ids.into_iter().collect()
            }
            None => self.tasks.keys().cloned().collect(),
        };
        if let Some(s) = &filter.stream {
            selected.retain(|id| self.tasks[id].stream.as_ref() == Some(s));
            if selected.is_empty() && filter.root.is_none() {
                return Err(Error::invalid_with_hint(
                    format!("no task is in stream {s:?}"),
                    "`orc stream list` shows the streams",
                ));
            }
        }
        Ok(selected)
    }

    /// The subtask and dependency edges of the selected tasks, sorted; dependencies on
    /// existing tasks outside the selection are added to `outside`.
    fn graph_edges(
        &self,
        selected: &BTreeSet<TaskId>,
        outside: &mut BTreeSet<TaskId>,
    ) -> Vec<TaskEdge> {
        let mut edges = Vec::new();
        for id in selected {
            let t = &self.tasks[id];
            if let Some(p) = &t.parent
                && selected.contains(p)
            {
                edges.push(TaskEdge {
                    from: p.clone(),
                    to: id.clone(),
                    kind: TaskEdgeKind::Subtask,
                });
            }
            for d in &t.depends_on {
                if !self.tasks.contains_key(d) {
                    continue;
                }
                if !selected.contains(d) {
                    outside.insert(d.clone());
                }
                edges.push(TaskEdge {
                    from: id.clone(),
                    to: d.clone(),
                    kind: TaskEdgeKind::DependsOn,
                });
            }
        }
        edges.sort();
        edges
    }

    /// Parents before their subtasks, so the drawing reads top-down in plan order; tasks
    /// in a parent cycle have no root and come last.
    fn drawing_order<'a>(&self, selected: &'a BTreeSet<TaskId>) -> Vec<&'a TaskId> {
        let mut by_parent: BTreeMap<Option<&TaskId>, Vec<&TaskId>> = BTreeMap::new();
        for id in selected {
            let parent = self.tasks[id]
                .parent
                .as_ref()
                .filter(|p| selected.contains(*p));
            by_parent.entry(parent).or_default().push(id);
        }
        for list in by_parent.values_mut() {
            list.sort_by_key(|id| {
                let t = &self.tasks[*id];
                (t.plan_order.unwrap_or(u32::MAX), t.created, (*id).clone())
            });
        }
        let mut order = Vec::new();
        let mut stack: Vec<&TaskId> = by_parent.get(&None).cloned().unwrap_or_default();
        stack.reverse();
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            order.push(id);
            if let Some(kids) = by_parent.get(&Some(id)) {
                stack.extend(kids.iter().rev());
            }
        }
        order.extend(selected.iter().filter(|id| !seen.contains(id)));
        order
    }
}

impl Orc {
    pub fn task_graph(&self, filter: &GraphFilter) -> Result<TaskGraph> {
        self.state()?.task_graph(filter)
    }

    /// Every decision with its supersede links and the tasks decisions name.
    pub fn decision_graph(&self) -> Result<DecisionGraph> {
        let decisions = self.decisions()?;
        let state = self.state()?;
        let mut nodes = Vec::new();
        let mut supersedes = BTreeSet::new();
        let mut tasks = BTreeMap::new();
        for f in &decisions.files {
            let d = &f.decision;
            nodes.push(DecisionNode {
                number: d.number,
                title: d.title.clone(),
                status: d.status,
                task: d.task.clone(),
            });
            for old in &d.supersedes {
                supersedes.insert((d.number, *old));
            }
            if let Some(new) = d.superseded_by {
                supersedes.insert((new, d.number));
            }
            if let Some(t) = &d.task {
                let title = state.tasks.get(t).map(|t| t.title.clone());
                tasks.insert(t.clone(), title.unwrap_or_default());
            }
        }
        let known: BTreeSet<u32> = nodes.iter().map(|n| n.number).collect();
        let supersedes = supersedes
            .into_iter()
            .filter(|(new, old)| known.contains(new) && known.contains(old))
            .map(|(new, old)| Supersedes { new, old })
            .collect();
        nodes.sort_by_key(|n| n.number);
        Ok(DecisionGraph {
            decisions: nodes,
            supersedes,
            tasks: tasks
                .into_iter()
                .map(|(id, title)| DecisionTask { id, title })
                .collect(),
        })
    }
}
