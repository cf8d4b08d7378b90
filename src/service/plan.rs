//! `orc plan`: a parent task and its subtasks (to any depth) created in one commit,
//! after every part of the plan has been validated.

use std::collections::BTreeMap;

use serde::Serialize;

use super::tasks::{fresh_id, validate_role, validate_title, write_task};
use super::{Orc, Outcome, State, TaskSummary, short_title};
use crate::error::{Error, Result};
use crate::model::{DepRef, PlanProblem, PlanSpec, Status, SubtaskSpec, Task, TaskId};

/// One subtask created by a plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedTask {
    #[serde(flatten)]
    pub task: TaskSummary,
    /// 1 for the parent's direct subtasks, 2 for theirs, ...
    pub depth: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<TaskId>,
}

/// What `orc plan` created.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub parent: TaskSummary,
    /// False when the plan went under an existing task (`--parent`).
    pub parent_created: bool,
    /// The new subtasks in plan order (depth first).
    pub subtasks: Vec<PlannedTask>,
    /// Tasks of this plan that can start now, most urgent first.
    pub ready: Vec<TaskSummary>,
}

/// A subtask of the plan with its place in the tree.
struct Node<'a> {
    spec: &'a SubtaskSpec,
    location: String,
    /// Index of the parent node, `None` for the plan's direct subtasks.
    parent: Option<usize>,
    /// Indices of the sibling nodes (including this one), in order.
    siblings: Vec<usize>,
    depth: usize,
}

fn flatten<'a>(
    specs: &'a [SubtaskSpec],
    base: &str,
    parent: Option<usize>,
    depth: usize,
    nodes: &mut Vec<Node<'a>>,
) {
    // Reserve the indices of this level first so siblings know each other.
    let first = nodes.len();
    let siblings: Vec<usize> = (first..first + specs.len()).collect();
    for (i, spec) in specs.iter().enumerate() {
        nodes.push(Node {
            spec,
            location: format!("{base}[{i}]"),
            parent,
            siblings: siblings.clone(),
            depth,
        });
    }
    for (i, spec) in specs.iter().enumerate() {
        let loc = format!("{base}[{i}].subtasks");
        flatten(&spec.subtasks, &loc, Some(first + i), depth + 1, nodes);
    }
}

/// A resolved dependency: another node of the plan or an existing task.
#[derive(Clone, PartialEq)]
enum Target {
    Node(usize),
    Existing(TaskId),
}

impl Orc {
    /// Creates the plan in one commit, or reports every problem and writes nothing.
    pub fn plan(&self, spec: PlanSpec) -> Result<Outcome<PlanReport>> {
        self.plan_checked(spec, Vec::new(), None)
    }

    /// Like [`Orc::plan`], adding `problems` already found while reading the plan (e.g.
    /// by [`crate::format::plan_from_text`]) to the report; `origin` names the file.
    pub fn plan_checked(
        &self,
        spec: PlanSpec,
        problems: Vec<PlanProblem>,
        origin: Option<&str>,
    ) -> Result<Outcome<PlanReport>> {
        self.mutate(|state| {
            let mut problems = problems;
            let built = match build_plan(self, state, &spec, &mut problems) {
                Some(b) if problems.is_empty() => b,
                _ => {
                    return Err(Error::PlanInvalid {
                        origin: origin.map(str::to_owned),
                        problems,
                    });
                }
            };
            let BuiltPlan {
                parent,
                parent_created,
                subtasks: built,
            } = built;
            for t in built
                .iter()
                .map(|s| &s.task)
                .chain(parent_created.then_some(&parent))
            {
                state.tasks.insert(t.id.clone(), Box::new(t.clone()));
            }
            if let Some(cycle) = state.find_dependency_cycle() {
                return Err(Error::DependencyCycle { cycle });
            }
            let summary = plan_summary(&parent, parent_created, built.len());
            let mut change = self.change(summary, "task.plan", Some(&parent.id));
            if parent_created {
                write_task(&mut change, &parent);
            }
            for s in &built {
                write_task(&mut change, &s.task);
            }
            let planned: Vec<&TaskId> = built.iter().map(|s| &s.task.id).collect();
            let ready = state
                .ready_tasks()
                .into_iter()
                .filter(|t| planned.contains(&&t.id))
                .map(TaskSummary::from)
                .collect();
            let subtasks = built
                .into_iter()
                .map(|s| PlannedTask {
                    task: TaskSummary::from(&s.task),
                    depth: s.depth,
                    key: s.key,
                    depends_on: s.task.depends_on,
                })
                .collect();
            Ok((
                change,
                PlanReport {
                    parent: TaskSummary::from(&parent),
                    parent_created,
                    subtasks,
                    ready,
                },
            ))
        })
    }
}

/// The commit summary of a plan of `n` subtasks.
fn plan_summary(parent: &Task, parent_created: bool, n: usize) -> String {
    let subtasks = crate::render::count(n, "subtask");
    if parent_created {
        format!(
            "plan {} \"{}\" ({subtasks})",
            parent.id,
            short_title(&parent.title),
        )
    } else {
        format!(
            "plan {subtasks} under {} \"{}\"",
            parent.id,
            short_title(&parent.title)
        )
    }
}

/// A validated plan, ready to be written.
struct BuiltPlan {
    parent: Task,
    /// False when the plan goes under an existing task.
    parent_created: bool,
    /// The new subtasks in plan order (depth first).
    subtasks: Vec<BuiltSubtask>,
}

/// One new subtask of a [`BuiltPlan`].
struct BuiltSubtask {
    task: Task,
    depth: usize,
    key: Option<String>,
}

/// What validating the subtasks found: one entry per node, in node order.
struct CheckedNodes {
    titles: Vec<String>,
    roles: Vec<Option<String>>,
    targets: Vec<Vec<Target>>,
}

/// Validates the plan against the state, collecting problems; builds the tasks when it can.
fn build_plan(
    orc: &Orc,
    state: &State,
    spec: &PlanSpec,
    problems: &mut Vec<PlanProblem>,
) -> Option<BuiltPlan> {
    let now = orc.now();
    let existing_parent = existing_parent(state, spec, problems);
    let new_parent = if spec.parent.is_none() {
        new_parent(state, spec, now, problems)
    } else {
        None
    };
    if spec.subtasks.is_empty() {
        problems.push(PlanProblem::new(
            "subtasks",
            "a plan needs at least one subtask",
        ));
    }

    let mut nodes = Vec::new();
    flatten(&spec.subtasks, "subtasks", None, 1, &mut nodes);
    let keys = unique_keys(&nodes, problems);
    let ancestors = existing_ancestors(state, existing_parent.as_ref());
    let checked = check_nodes(state, &nodes, &keys, &ancestors, problems);
    report_node_cycles(&nodes, &checked.targets, problems);

    if !problems.is_empty() {
        return None;
    }

    let (parent, parent_created) = match (existing_parent, new_parent) {
        (Some(p), _) => (p, false),
        (None, Some(p)) => (p, true),
        (None, None) => return None,
    };
    let ids = subtask_ids(state, &nodes, &checked.roles, &parent, problems)?;
    let subtasks = subtask_tasks(&nodes, &checked, &ids, &parent, now);
    Some(BuiltPlan {
        parent,
        parent_created,
        subtasks,
    })
}

/// The existing task named by `spec.parent`, if any, with the problems of planning under it.
fn existing_parent(
    state: &State,
    spec: &PlanSpec,
    problems: &mut Vec<PlanProblem>,
) -> Option<Task> {
    let p = spec.parent.as_deref()?;
    match state.resolve(p) {
        Ok(id) => {
            let task = state.task(&id).expect("resolved ids exist").clone();
            if !task.status.is_open() {
                problems.push(PlanProblem::new(
                    "parent",
                    format!(
                        "{id} is {}; reopen it before planning under it",
                        task.status
                    ),
                ));
            }
            if !spec.title.is_empty() {
                problems.push(PlanProblem::new(
                    "title",
                    format!(
                        "planning under the existing task {id} creates no new parent; drop the title"
                    ),
                ));
            }
            Some(task)
        }
        Err(e) => {
            problems.push(PlanProblem::new("parent", e.to_string()));
            None
        }
    }
}

/// The new parent task made from the plan's title, description, priority and stream.
fn new_parent(
    state: &State,
    spec: &PlanSpec,
    now: jiff::Timestamp,
    problems: &mut Vec<PlanProblem>,
) -> Option<Task> {
    match validate_title(&spec.title) {
        Ok(title) => match fresh_id(state, "task", &[]) {
            Ok(id) => {
                let mut t = Task::new(id, title, now);
                t.description = spec.description.trim().to_owned();
                t.priority = spec.priority.unwrap_or_default();
                t.stream = spec.stream.clone().filter(|s| !s.trim().is_empty());
                Some(t)
            }
            Err(e) => {
                problems.push(PlanProblem::new("", e.to_string()));
                None
            }
        },
        Err(e) => {
            let msg = if spec.title.trim().is_empty() {
                "the plan needs a title (the parent task's title)".to_owned()
            } else {
                e.to_string()
            };
            problems.push(PlanProblem::new("title", msg));
            None
        }
    }
}

/// The plan's keys and the node each names; a key used twice is a problem.
fn unique_keys<'a>(
    nodes: &[Node<'a>],
    problems: &mut Vec<PlanProblem>,
) -> BTreeMap<&'a str, usize> {
    let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(k) = n.spec.key.as_deref() {
            if let Some(first) = keys.get(k) {
                problems.push(PlanProblem::new(
                    format!("{}.key", n.location),
                    format!("key {k:?} is already used by {}", nodes[*first].location),
                ));
            } else {
                keys.insert(k, i);
            }
        }
    }
    keys
}

/// The existing ancestors of the plan: subtasks may not wait for them (deadlock).
fn existing_ancestors(state: &State, existing_parent: Option<&Task>) -> Vec<TaskId> {
    let mut ancestors: Vec<TaskId> = Vec::new();
    let mut cur = existing_parent.map(|p| p.id.clone());
    while let Some(id) = cur {
        if ancestors.contains(&id) {
            break;
        }
        cur = state.tasks.get(&id).and_then(|t| t.parent.clone());
        ancestors.push(id);
    }
    ancestors
}

/// Validates each subtask's title, role and dependencies, in plan order.
fn check_nodes(
    state: &State,
    nodes: &[Node<'_>],
    keys: &BTreeMap<&str, usize>,
    ancestors: &[TaskId],
    problems: &mut Vec<PlanProblem>,
) -> CheckedNodes {
    let mut checked = CheckedNodes {
        titles: Vec::with_capacity(nodes.len()),
        roles: Vec::with_capacity(nodes.len()),
        targets: Vec::with_capacity(nodes.len()),
    };
    for (i, n) in nodes.iter().enumerate() {
        checked.titles.push(subtask_title(n, problems));
        checked.roles.push(subtask_role(state, n, problems));
        let mut deps = Vec::new();
        for (j, dep) in n.spec.depends_on.iter().enumerate() {
            let dloc = format!("{}.depends_on[{j}]", n.location);
            let Some(target) = resolve_dependency(state, nodes, n, keys, dep, &dloc, problems)
            else {
                continue;
            };
            if !dependency_allowed(nodes, i, ancestors, &target, &dloc, problems) {
                continue;
            }
            if !deps.contains(&target) {
                deps.push(target);
            }
        }
        checked.targets.push(deps);
    }
    checked
}

/// The subtask's validated title (empty, with a problem, when invalid).
fn subtask_title(n: &Node<'_>, problems: &mut Vec<PlanProblem>) -> String {
    match validate_title(&n.spec.title) {
        Ok(t) => t,
        Err(e) => {
            let msg = if n.spec.title.trim().is_empty() {
                "missing; every subtask needs a title".to_owned()
            } else {
                e.to_string()
            };
            problems.push(PlanProblem::new(format!("{}.title", n.location), msg));
            String::new()
        }
    }
}

/// The subtask's validated role; leaves (subtasks without subtasks) must have one.
fn subtask_role(state: &State, n: &Node<'_>, problems: &mut Vec<PlanProblem>) -> Option<String> {
    let loc = &n.location;
    match n.spec.role.as_deref() {
        Some(r) => match validate_role(&state.config, r) {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(PlanProblem::new(format!("{loc}.role"), e.to_string()));
                None
            }
        },
        None if n.spec.subtasks.is_empty() => {
            problems.push(PlanProblem::new(
                format!("{loc}.role"),
                format!(
                    "missing; every subtask needs a specialist role: {}",
                    state.config.role_names().join(", ")
                ),
            ));
            None
        }
        None => None,
    }
}

/// What one `depends_on` entry of `n` names: a sibling by position, a node by key, an
/// existing task, or a node by number or unique title, in that order.
fn resolve_dependency(
    state: &State,
    nodes: &[Node<'_>],
    n: &Node<'_>,
    keys: &BTreeMap<&str, usize>,
    dep: &DepRef,
    dloc: &str,
    problems: &mut Vec<PlanProblem>,
) -> Option<Target> {
    match dep {
        DepRef::Index(k) => match n.siblings.get(*k) {
            Some(idx) => Some(Target::Node(*idx)),
            None => {
                problems.push(PlanProblem::new(
                    dloc,
                    format!(
                        "there is no subtask {k} at this level (positions 0 to {})",
                        n.siblings.len() - 1
                    ),
                ));
                None
            }
        },
        DepRef::Name(name) => match keys.get(name.as_str()) {
            Some(idx) => Some(Target::Node(*idx)),
            None => match state.resolve(name) {
                Ok(id) => Some(Target::Existing(id)),
                Err(_) => {
                    let by_number = name.parse::<usize>().ok().and_then(|k| n.siblings.get(k));
                    match by_number.copied().or_else(|| title_match(nodes, name)) {
                        Some(idx) => Some(Target::Node(idx)),
                        None => {
                            problems.push(PlanProblem::new(
                                dloc,
                                format!(
                                    "{name:?} is neither a key nor a unique title in this plan, nor an existing task"
                                ),
                            ));
                            None
                        }
                    }
                }
            },
        },
    }
}

/// False, with a problem, when node `i` may not wait for `target`: itself, or a task
/// that contains it (a parent finishes only after its subtasks).
fn dependency_allowed(
    nodes: &[Node<'_>],
    i: usize,
    ancestors: &[TaskId],
    target: &Target,
    dloc: &str,
    problems: &mut Vec<PlanProblem>,
) -> bool {
    match target {
        Target::Node(idx) if *idx == i => {
            problems.push(PlanProblem::new(dloc, "a subtask cannot depend on itself"));
            false
        }
        Target::Node(idx) if is_ancestor(nodes, *idx, i) => {
            problems.push(PlanProblem::new(
                dloc,
                format!(
                    "depends on {}, which contains it; a parent finishes only after its subtasks",
                    nodes[*idx].location
                ),
            ));
            false
        }
        Target::Existing(id) if ancestors.contains(id) => {
            problems.push(PlanProblem::new(
                dloc,
                format!(
                    "depends on {id}, which contains it; a parent finishes only after its subtasks"
                ),
            ));
            false
        }
        _ => true,
    }
}

/// Cycles among the plan's subtasks, each reported once.
fn report_node_cycles(
    nodes: &[Node<'_>],
    targets: &[Vec<Target>],
    problems: &mut Vec<PlanProblem>,
) {
    for cycle in node_cycles(targets) {
        let path: Vec<&str> = cycle.iter().map(|i| nodes[*i].location.as_str()).collect();
        problems.push(PlanProblem::new(
            format!("{}.depends_on", nodes[cycle[0]].location),
            format!("dependency cycle: {}", path.join(" -> ")),
        ));
    }
}

/// A fresh id for every subtask, prefixed by its role, distinct from each other and the parent.
fn subtask_ids(
    state: &State,
    nodes: &[Node<'_>],
    roles: &[Option<String>],
    parent: &Task,
    problems: &mut Vec<PlanProblem>,
) -> Option<Vec<TaskId>> {
    let mut ids: Vec<TaskId> = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let prefix = roles[i].as_deref().unwrap_or("task");
        let mut taken = ids.clone();
        taken.push(parent.id.clone());
        match fresh_id(state, prefix, &taken) {
            Ok(id) => ids.push(id),
            Err(e) => {
                problems.push(PlanProblem::new(&n.location, e.to_string()));
                return None;
            }
        }
    }
    Some(ids)
}

/// The new subtasks, each under its parent node (or the plan's parent), streams inherited.
fn subtask_tasks(
    nodes: &[Node<'_>],
    checked: &CheckedNodes,
    ids: &[TaskId],
    parent: &Task,
    now: jiff::Timestamp,
) -> Vec<BuiltSubtask> {
    let mut subtasks = Vec::with_capacity(nodes.len());
    let mut streams: Vec<Option<String>> = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let mut t = Task::new(ids[i].clone(), checked.titles[i].clone(), now);
        t.description = n.spec.description.trim().to_owned();
        t.role = checked.roles[i].clone();
        t.parent = Some(match n.parent {
            Some(p) => ids[p].clone(),
            None => parent.id.clone(),
        });
        t.priority = n.spec.priority.unwrap_or_default();
        t.plan_order = u32::try_from(i + 1).ok();
        t.estimate = n.spec.estimate.clone();
        let inherited = match n.parent {
            Some(p) => streams[p].clone(),
            None => parent.stream.clone(),
        };
        t.stream = n.spec.stream.clone().or(inherited);
        streams.push(t.stream.clone());
        t.depends_on = checked.targets[i]
            .iter()
            .map(|d| match d {
                Target::Node(k) => ids[*k].clone(),
                Target::Existing(id) => id.clone(),
            })
            .collect();
        debug_assert!(t.status == Status::Pending);
        subtasks.push(BuiltSubtask {
            task: t,
            depth: n.depth,
            key: n.spec.key.clone(),
        });
    }
    subtasks
}

/// The one subtask of the plan titled `name` (ignoring case and outer spaces): clients
/// of the Python original often name dependencies by title.
fn title_match(nodes: &[Node<'_>], name: &str) -> Option<usize> {
    let name = name.trim();
    let mut found = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.spec.title.trim().eq_ignore_ascii_case(name))
        .map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(i), None) => Some(i),
        _ => None,
    }
}

/// Whether node `a` is an ancestor of node `b` in the plan tree.
fn is_ancestor(nodes: &[Node<'_>], a: usize, b: usize) -> bool {
    let mut cur = nodes[b].parent;
    while let Some(p) = cur {
        if p == a {
            return true;
        }
        cur = nodes[p].parent;
    }
    false
}

/// Every elementary cycle found by a depth-first search over the plan's internal
/// dependencies, as closed paths of node indices; each cycle is reported once.
fn node_cycles(targets: &[Vec<Target>]) -> Vec<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    let mut marks = vec![Mark::New; targets.len()];
    let mut cycles = Vec::new();
    for start in 0..targets.len() {
        if marks[start] != Mark::New {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::Visiting;
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            let edges: Vec<usize> = targets[node]
                .iter()
                .filter_map(|t| match t {
                    Target::Node(k) => Some(*k),
                    Target::Existing(_) => None,
                })
                .collect();
            if *next < edges.len() {
                let dep = edges[*next];
                *next += 1;
                match marks[dep] {
                    Mark::Visiting => {
                        let pos = path.iter().position(|(n, _)| *n == dep).expect("on path");
                        let mut cycle: Vec<usize> = path[pos..].iter().map(|(n, _)| *n).collect();
                        cycle.push(dep);
                        cycles.push(cycle);
                    }
                    Mark::Done => {}
                    Mark::New => {
                        marks[dep] = Mark::Visiting;
                        path.push((dep, 0));
                    }
                }
            } else {
                marks[node] = Mark::Done;
                path.pop();
            }
        }
    }
    cycles
}
