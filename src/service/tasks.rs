//! Task use cases: add, list, show, edit, note, change status, remove.

use super::partial::Tasks;
use super::{Orc, Outcome, State, short_title, task_path};
use crate::error::{Error, Field, Reason, Result};
use crate::format;
use crate::model::{Config, Priority, Status, Task, TaskId};
use crate::store::Change;

/// Fields of a task to create.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub role: Option<String>,
    pub parent: Option<String>,
    pub priority: Option<Priority>,
    pub depends_on: Vec<String>,
    pub stream: Option<String>,
    pub labels: Vec<String>,
    pub estimate: Option<String>,
    pub assignee: Option<String>,
}

/// Changes to an existing task; `None` leaves a field as it is, `Some("")` clears it.
#[derive(Debug, Clone, Default)]
pub struct TaskEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub role: Option<String>,
    pub parent: Option<String>,
    pub priority: Option<Priority>,
    pub stream: Option<String>,
    pub estimate: Option<String>,
    pub assignee: Option<String>,
    pub add_depends_on: Vec<String>,
    pub remove_depends_on: Vec<String>,
    pub add_labels: Vec<String>,
    /// Labels to remove; one the task does not have is an error.
    pub remove_labels: Vec<String>,
    /// A note to add in the same commit (`orc task edit --editor`).
    pub note: Option<String>,
}

/// Which tasks to list. Empty filter lists everything.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub status: Vec<Status>,
    pub role: Option<String>,
    pub parent: Option<String>,
    pub stream: Option<String>,
    /// Only tasks carrying every one of these labels.
    pub labels: Vec<String>,
}

/// Checks a title: one non-empty line of reasonable length.
pub(super) fn validate_title(title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(Error::invalid("a task needs a title; the title is empty"));
    }
    if t.contains(['\n', '\r']) {
        return Err(Reason::MultilineTitle.into());
    }
    if t.chars().count() > 500 {
        return Err(Reason::LongTitle {
            chars: t.chars().count(),
        }
        .into());
    }
    if t.contains('\0') {
        return Err(Error::invalid_with_hint(
            "the title contains a NUL byte",
            "remove it; a title is one line of text",
        ));
    }
    Ok(t.to_owned())
}

/// Checks a role name against the built-in and configured roles.
pub(super) fn validate_role(config: &Config, role: &str) -> Result<String> {
    let role = role.trim().to_ascii_lowercase();
    if config.has_role(&role) {
        Ok(role)
    } else {
        Err(Error::invalid_with_hint(
            format!(
                "unknown role {role:?}; known roles: {}",
                config.role_names().join(", ")
            ),
            "add custom roles under [[roles]] in .orchestrator/config.toml",
        ))
    }
}

/// Checks a label given on the command line or by a tool.
pub(super) fn validate_label(label: &str) -> Result<String> {
    crate::model::check_label(label).map_err(|e| {
        Error::invalid_with_hint(e, "a label is a short word or phrase such as `bug` or `ui`")
    })
}

/// Optional free-text field: trimmed, empty means unset.
fn optional(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A fresh id with `prefix` that no task has.
pub(super) fn fresh_id(tasks: &impl Tasks, prefix: &str, taken: &[TaskId]) -> Result<TaskId> {
    for _ in 0..100 {
        let random = super::random::u32()?;
        let id = TaskId::generate(prefix, random).map_err(|e| Error::invalid(e.to_string()))?;
        if !taken.contains(&id) && !tasks.contains(&id) {
            return Ok(id);
        }
    }
    Err(Error::invalid("could not find a free task id"))
}

/// Adds the serialised task to the change.
pub(super) fn write_task(change: &mut Change, task: &Task) {
    change.write(task_path(&task.id), format::task_to_toml(task));
}

/// Builds a task from `new`, validated against `state` (parent and dependencies must
/// exist, the role must be known). `taken` lists ids reserved in the same change.
pub(super) fn build_task(
    orc: &Orc,
    tasks: &mut impl Tasks,
    new: NewTask,
    taken: &[TaskId],
) -> Result<Task> {
    let title = validate_title(&new.title)?;
    let role = new
        .role
        .as_deref()
        .map(|r| validate_role(tasks.config(), r))
        .transpose()?;
    let parent = new
        .parent
        .as_deref()
        .map(|p| tasks.resolve(p))
        .transpose()?;
    let mut depends_on = Vec::new();
    for d in &new.depends_on {
        let id = tasks.resolve(d)?;
        if !depends_on.contains(&id) {
            depends_on.push(id);
        }
    }
    let id = fresh_id(tasks, role.as_deref().unwrap_or("task"), taken)?;
    let mut task = Task::new(id, title, orc.now());
    task.description = new.description.trim().to_owned();
    task.role = role;
    task.parent = parent;
    task.priority = new.priority.unwrap_or_default();
    task.depends_on = depends_on;
    task.stream = optional(new.stream);
    for l in &new.labels {
        task.add_label(validate_label(l)?);
    }
    task.estimate = optional(new.estimate);
    task.assignee = optional(new.assignee);
    Ok(task)
}

impl State {
    /// Tasks matching `filter`, in id order.
    pub fn matching(&self, filter: &TaskFilter) -> Result<Vec<&Task>> {
        let parent = filter
            .parent
            .as_deref()
            .map(|p| self.resolve(p))
            .transpose()?;
        Ok(self
            .task_values()
            .filter(|t| filter.status.is_empty() || filter.status.contains(&t.status))
            .filter(|t| {
                filter
                    .role
                    .as_ref()
                    .is_none_or(|r| t.role.as_ref() == Some(r))
            })
            .filter(|t| parent.as_ref().is_none_or(|p| t.parent.as_ref() == Some(p)))
            .filter(|t| {
                filter
                    .stream
                    .as_ref()
                    .is_none_or(|s| t.stream.as_ref() == Some(s))
            })
            .filter(|t| filter.labels.iter().all(|l| t.has_label(l.trim())))
            .collect())
    }
}

impl Orc {
    /// Creates one task and commits it.
    pub fn task_add(&self, new: NewTask) -> Result<Outcome<Task>> {
        self.mutate_partial(|tasks| {
            let task = build_task(self, tasks, new, &[])?;
            let mut change = self.change(
                format!("add {} \"{}\"", task.id, short_title(&task.title)),
                "task.add",
                Some(&task.id),
            );
            write_task(&mut change, &task);
            tasks.put(task.clone());
            Ok((change, task))
        })
    }

    /// Tasks matching `filter`, in id order.
    pub fn task_list(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        let state = self.state()?;
        Ok(state.matching(filter)?.into_iter().cloned().collect())
    }

    /// Changes fields of a task.
    pub fn task_edit(&self, id: &str, mut edit: TaskEdit) -> Result<Outcome<Task>> {
        let note = edit
            .note
            .take()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        self.mutate_partial(|tasks| {
            let Edited {
                id,
                before,
                mut task,
            } = edited(tasks, id, edit)?;
            if let Some(note) = note {
                task.add_note(note, self.ctx.agent.clone(), self.now());
            }
            if task == before {
                return Err(Reason::NothingToChange { id }.into());
            }
            self.put_edited(tasks, &mut task)?;
            let mut change = self.change(
                format!("edit {id} \"{}\"", short_title(&task.title)),
                "task.edit",
                Some(&id),
            );
            write_task(&mut change, &task);
            Ok((change, task))
        })
    }

    /// Changes fields and/or the status of a task in one commit: the edit is applied
    /// first, then the status change (so a dependency removed by the edit no longer
    /// holds the task back). With only fields or only a status it records the same
    /// commit as [`Orc::task_edit`] or [`Orc::task_status`].
    pub fn task_update(
        &self,
        id: &str,
        edit: TaskEdit,
        status: Option<Status>,
        reason: Option<&str>,
    ) -> Result<Outcome<Task>> {
        let outcome = self.mutate_partial(|tasks| {
            let Edited {
                id,
                before,
                mut task,
            } = edited(tasks, id, edit)?;
            let edited = task != before;
            if let Some(to) = status {
                self.move_task(tasks, &mut task, to, reason)?;
            } else if !edited {
                return Err(Reason::NothingToChange { id }.into());
            }
            self.put_edited(tasks, &mut task)?;
            let title = short_title(&task.title);
            let (summary, op) = match status {
                None => (format!("edit {id} \"{title}\""), "task.edit"),
                Some(to) if !edited => (format!("{id} -> {to} \"{title}\""), "task.status"),
                Some(to) => (format!("edit {id}, -> {to} \"{title}\""), "task.update"),
            };
            let mut change = self.change(summary, op, Some(&id));
            write_task(&mut change, &task);
            Ok((change, task))
        })?;
        if status == Some(Status::InProgress) {
            self.remember_current_task(Some(&outcome.value.id))?;
        }
        Ok(outcome)
    }

    /// Appends a timestamped note to a task.
    pub fn task_note(&self, id: &str, text: &str) -> Result<Outcome<Task>> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Reason::EmptyText { field: Field::Note }.into());
        }
        self.mutate_partial(|tasks| {
            let id = tasks.resolve(id)?;
            let mut task = tasks.get(&id)?.clone();
            task.add_note(text.to_owned(), self.ctx.agent.clone(), self.now());
            let mut change = self.change(
                format!(
                    "note on {id}: {}",
                    short_title(text.lines().next().unwrap_or(""))
                ),
                "task.note",
                Some(&id),
            );
            write_task(&mut change, &task);
            Ok((change, task))
        })
    }

    /// Moves a task to another status, following the status machine.
    pub fn task_status(&self, id: &str, to: Status, reason: Option<&str>) -> Result<Outcome<Task>> {
        let outcome = self.mutate_partial(|tasks| {
            let id = tasks.resolve(id)?;
            let mut task = tasks.get(&id)?.clone();
            self.move_task(tasks, &mut task, to, reason)?;
            let mut change = self.change(
                format!("{id} -> {to} \"{}\"", short_title(&task.title)),
                "task.status",
                Some(&id),
            );
            write_task(&mut change, &task);
            Ok((change, task))
        })?;
        if to == Status::InProgress {
            self.remember_current_task(Some(&outcome.value.id))?;
        }
        Ok(outcome)
    }

    /// Removes a task; with `recursive`, its subtasks too. Refuses when other tasks
    /// depend on a removed task.
    pub fn task_rm(&self, id: &str, recursive: bool) -> Result<Outcome<Vec<TaskId>>> {
        self.mutate(|state| {
            let id = state.resolve(id)?;
            let descendants = state.descendants(&id);
            if !descendants.is_empty() && !recursive {
                let children = state.children(&id).map(|t| t.id.clone()).collect();
                return Err(Error::HasChildren { id, children });
            }
            let mut removed = vec![id.clone()];
            removed.extend(descendants);
            let dependents: Vec<TaskId> = state
                .task_values()
                .filter(|t| !removed.contains(&t.id))
                .filter(|t| t.depends_on.iter().any(|d| removed.contains(d)))
                .map(|t| t.id.clone())
                .collect();
            if !dependents.is_empty() {
                return Err(Reason::HasDependents { id, dependents }.into());
            }
            let title = state.task(&id)?.title.clone();
            let summary = if removed.len() == 1 {
                format!("remove {id} \"{}\"", short_title(&title))
            } else {
                format!(
                    "remove {id} \"{}\" and {}",
                    short_title(&title),
                    crate::render::count(removed.len() - 1, "subtask")
                )
            };
            let mut change = self.change(summary, "task.remove", Some(&id));
            for r in &removed {
                change.delete(task_path(r));
            }
            Ok((change, removed))
        })
    }

    /// Moves `task` to `to` (see [`transition`]), takes its claim when it starts, and
    /// notes the reason given.
    fn move_task(
        &self,
        tasks: &mut impl Tasks,
        task: &mut Task,
        to: Status,
        reason: Option<&str>,
    ) -> Result<()> {
        transition(tasks, task, to, self.now())?;
        self.claim_for(tasks.config(), task)?;
        if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
            task.add_note(
                format!("{to}: {reason}"),
                self.ctx.agent.clone(),
                self.now(),
            );
        }
        Ok(())
    }

    /// Stamps an edited task, puts it in `tasks` and checks the graph it now forms.
    fn put_edited(&self, tasks: &mut impl Tasks, task: &mut Task) -> Result<()> {
        task.updated = self.now();
        tasks.put(task.clone());
        tasks.check_graph(&task.id)
    }

    /// Takes the claim on a task just moved to in_progress (nothing for other statuses),
    /// noting whose expired claim it replaced.
    fn claim_for(&self, config: &Config, task: &mut Task) -> Result<()> {
        if task.status != Status::InProgress {
            return Ok(());
        }
        let taken = self.take_claim(config, &task.id, false)?;
        if taken.displaced.is_some() {
            let note = super::work::takeover_note(&taken, None);
            task.add_note(note, self.ctx.agent.clone(), self.now());
        }
        if task.assignee.is_none() && self.ctx.agent.is_some() {
            task.assignee = self.ctx.agent.clone();
        }
        Ok(())
    }

    /// A commit description with the standard trailers.
    pub(super) fn change(&self, summary: String, op: &str, task: Option<&TaskId>) -> Change {
        let mut change = Change::new(format!("orc: {summary}")).trailer("Orc-Op", op);
        if let Some(task) = task {
            change = change.trailer("Orc-Task", task.to_string());
        }
        if let Some(session) = self.active_session_id() {
            change = change.trailer("Orc-Session", session.to_string());
        }
        change
    }
}

/// A task as it was and with an edit applied.
struct Edited {
    id: TaskId,
    before: Task,
    task: Task,
}

/// The task `id` names, before and after `edit`.
fn edited(tasks: &mut impl Tasks, id: &str, edit: TaskEdit) -> Result<Edited> {
    let id = tasks.resolve(id)?;
    let before = tasks.get(&id)?.clone();
    let mut task = before.clone();
    apply_edit(tasks, &mut task, edit)?;
    Ok(Edited { id, before, task })
}

/// Applies the fields of `edit` to `task`, validated against `state`.
fn apply_edit(tasks: &mut impl Tasks, task: &mut Task, edit: TaskEdit) -> Result<()> {
    if let Some(t) = edit.title {
        task.title = validate_title(&t)?;
    }
    if let Some(d) = edit.description {
        task.description = d.trim().to_owned();
    }
    if let Some(r) = edit.role {
        task.role = match r.trim() {
            "" => None,
            r => Some(validate_role(tasks.config(), r)?),
        };
    }
    if let Some(p) = edit.parent {
        task.parent = match p.trim() {
            "" => None,
            p => Some(tasks.resolve(p)?),
        };
    }
    if let Some(p) = edit.priority {
        task.priority = p;
    }
    if let Some(s) = edit.stream {
        task.stream = optional(Some(s));
    }
    if let Some(e) = edit.estimate {
        task.estimate = optional(Some(e));
    }
    if let Some(a) = edit.assignee {
        task.assignee = optional(Some(a));
    }
    for d in &edit.add_depends_on {
        let dep = tasks.resolve(d)?;
        if !task.depends_on.contains(&dep) {
            task.depends_on.push(dep);
        }
    }
    for d in &edit.remove_depends_on {
        let dep = tasks.resolve(d)?;
        task.depends_on.retain(|x| x != &dep);
    }
    for l in &edit.add_labels {
        task.add_label(validate_label(l)?);
    }
    for l in &edit.remove_labels {
        let l = l.trim();
        if !task.has_label(l) {
            return Err(Error::invalid_with_hint(
                format!("{} has no label {l:?}", task.id),
                if task.labels.is_empty() {
                    "it has no labels".to_owned()
                } else {
                    format!("its labels: {}", task.labels.join(", "))
                },
            ));
        }
        task.labels.retain(|x| x != l);
    }
    Ok(())
}

/// Applies a legal status change, or explains which ones are legal.
pub(super) fn transition(
    tasks: &mut impl Tasks,
    task: &mut Task,
    to: Status,
    now: jiff::Timestamp,
) -> Result<()> {
    if !task.status.can_move_to(to) {
        return Err(Error::IllegalTransition {
            id: task.id.clone(),
            from: task.status,
            to,
            legal: task.status.next().to_vec(),
        });
    }
    if to == Status::InProgress {
        let pending = tasks.unfinished_dependencies(task);
        if !pending.is_empty() {
            return Err(Error::DependenciesNotDone {
                id: task.id.clone(),
                pending,
            });
        }
    }
    task.set_status(to, now);
    Ok(())
}
