//! `orc import`: other tools' tasks brought into `.orchestrator/` in one commit, with a
//! map per source (`.orchestrator/imports/<source>.toml`) so that importing again updates
//! the tasks it created instead of adding new ones.

mod read;
mod task_orchestrator;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use super::tasks::{fresh_id, validate_title, write_task};
use super::{Orc, Outcome, State};
use crate::error::{Error, Result};
use crate::format::import::{
    Dropped, ImportMap, ImportSet, ImportSource, ImportedTask, MapEntry, import_map_from_toml,
    import_map_to_toml, record_bits,
};
use crate::model::{Status, Task, TaskId};

pub use task_orchestrator::{TASK_ORCHESTRATOR_DB, find_task_orchestrator_db};

/// Where the import maps live.
pub const IMPORTS_DIR: &str = ".orchestrator/imports";

/// The import map of `source`.
pub fn import_map_path(source: ImportSource) -> String {
    format!("{IMPORTS_DIR}/{source}.toml")
}

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub source: ImportSource,
    /// The file or folder to read; `None` for the tool's usual place, looked up in
    /// `cwd` and then at the repository root.
    pub path: Option<PathBuf>,
    pub cwd: PathBuf,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
}

/// What happened to one record of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Created,
    Updated,
    Unchanged,
    /// Imported before, but the task is no longer in `.orchestrator/tasks/` (removed or
    /// archived in orc): left alone.
    Skipped,
}

impl ImportAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportAction::Created => "created",
            ImportAction::Updated => "updated",
            ImportAction::Unchanged => "unchanged",
            ImportAction::Skipped => "skipped",
        }
    }
}

/// One record and the orc task it became.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedEntry {
    pub source_id: String,
    pub task: TaskId,
    pub title: String,
    pub action: ImportAction,
}

/// What `orc import` did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub source: ImportSource,
    /// The file or folder read, as given or found.
    pub path: String,
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub tasks: Vec<ImportedEntry>,
    /// What had no equivalent in orc, with the number of records it occurred on.
    pub dropped: Dropped,
    /// The import map written (or that would be).
    pub map: String,
}

impl Orc {
    /// Imports the tasks of another tool in one commit; a source that did not change
    /// since the last import changes nothing. Bad input is refused before anything is
    /// written, with the file and line.
    pub fn import(&self, req: ImportRequest) -> Result<Outcome<ImportReport>> {
        let path = self.import_path(&req)?;
        let set = match req.source {
            ImportSource::Beads => read::beads(&path)?,
            ImportSource::Backlog => read::backlog(&path)?,
            ImportSource::Taskmaster => read::taskmaster(&path)?,
            ImportSource::TaskOrchestrator => task_orchestrator::read(self.store(), &path)?,
        };
        let shown = path.display().to_string();
        self.mutate(|state| {
            let map_path = import_map_path(req.source);
            let map = match self.store().read(&map_path)? {
                Some(text) => import_map_from_toml(&text).map_err(|e| Error::Parse {
                    path: PathBuf::from(&map_path),
                    source: e,
                })?,
                None => ImportMap {
                    source: req.source.to_string(),
                    ..ImportMap::default()
                },
            };
            let Merged {
                mut report,
                tasks,
                map,
            } = merge(self, state, req.source, set, map, shown)?;
            report.dry_run = req.dry_run;
            report.map = map_path.clone();
            let summary = format!(
                "import {}: {} created, {} updated",
                req.source, report.created, report.updated
            );
            let mut change = self.change(summary, "task.import", None);
            if !req.dry_run && !tasks.is_empty() {
                for t in &tasks {
                    write_task(&mut change, t);
                }
                change.write(map_path, import_map_to_toml(&map));
            }
            Ok((change, report))
        })
    }

    /// The file or folder named in `req`, or the tool's usual one.
    fn import_path(&self, req: &ImportRequest) -> Result<PathBuf> {
        if let Some(p) = &req.path {
            let p = req.cwd.join(p);
            if !p.exists() {
                return Err(Error::invalid_with_hint(
                    format!("{} does not exist; nothing was imported", p.display()),
                    format!(
                        "check the path; a relative one starts at {}",
                        req.cwd.display()
                    ),
                ));
            }
            return Ok(p);
        }
        let usual = match req.source {
            ImportSource::Beads => ".beads/issues.jsonl",
            ImportSource::Backlog => "backlog",
            ImportSource::Taskmaster => ".taskmaster/tasks/tasks.json",
            ImportSource::TaskOrchestrator => TASK_ORCHESTRATOR_DB,
        };
        let candidates = [req.cwd.join(usual), self.store().workdir().join(usual)];
        candidates
            .iter()
            .find(|p| p.exists())
            .cloned()
            .ok_or_else(|| {
                Error::invalid_with_hint(
                    format!(
                        "found no {usual} in {} or at the repository root; nothing was imported",
                        req.cwd.display()
                    ),
                    format!("pass the path of the {} to import", what(req.source)),
                )
            })
    }
}

fn what(source: ImportSource) -> &'static str {
    match source {
        ImportSource::Beads => "issues.jsonl file",
        ImportSource::Backlog => "backlog folder",
        ImportSource::Taskmaster => "tasks.json file",
        ImportSource::TaskOrchestrator => "task_orchestrator.db file",
    }
}

/// What an import decided: the report, the tasks to write and the source's new map.
struct Merged {
    report: ImportReport,
    tasks: Vec<Task>,
    map: ImportMap,
}

/// What becomes of one record, decided before any task is built.
struct Planned {
    action: ImportAction,
    id: TaskId,
    digest: String,
}

/// Pass 1 over the records: the orc id of each and what happens to it.
struct RecordPlan<'a> {
    /// One per record, in the source's order.
    planned: Vec<Planned>,
    /// The orc id of every record that is written or kept, by source id.
    ids: HashMap<&'a str, TaskId>,
    /// The source ids of records whose task was deleted in orc since.
    removed: Vec<&'a str>,
}

/// Decides what becomes of each record, builds the tasks to write and the new map.
fn merge(
    orc: &Orc,
    state: &mut State,
    source: ImportSource,
    set: ImportSet,
    mut map: ImportMap,
    path: String,
) -> Result<Merged> {
    let now = orc.now();
    let mut dropped = set.dropped;
    let plan = plan_records(orc, state, source, &set.tasks, &map)?;
    // What the records reference that orc cannot hold, counted for every record so that
    // the report is the same on every import of one source.
    for it in &set.tasks {
        unresolved(it, &plan.ids, &plan.removed, state, &mut dropped);
    }
    // Pass 2: the tasks.
    let mut tasks: Vec<Task> = Vec::new();
    let mut entries = Vec::new();
    for (it, planned) in set.tasks.iter().zip(plan.planned) {
        entries.push(ImportedEntry {
            source_id: it.source_id.clone(),
            task: planned.id.clone(),
            title: it.title.trim().to_owned(),
            action: planned.action,
        });
        let Some(mut task) = task_to_write(state, it, &planned, now)? else {
            continue;
        };
        fill(&mut task, it, &plan.ids, state, now);
        map.tasks.insert(
            it.source_id.clone(),
            MapEntry {
                task: planned.id,
                digest: planned.digest,
            },
        );
        tasks.push(task);
    }
    for t in &tasks {
        state.tasks.insert(t.id.clone(), Box::new(t.clone()));
    }
    check_cycles(state, &tasks)?;
    let report = import_report(source, path, entries, dropped);
    Ok(Merged { report, tasks, map })
}

/// Pass 1: validates every record's title and decides its action and orc id.
fn plan_records<'a>(
    orc: &Orc,
    state: &State,
    source: ImportSource,
    records: &'a [ImportedTask],
    map: &ImportMap,
) -> Result<RecordPlan<'a>> {
    let mut plan = RecordPlan {
        planned: Vec::new(),
        ids: HashMap::new(),
        removed: Vec::new(),
    };
    let mut taken: Vec<TaskId> = Vec::new();
    let archived = orc.archived_ids()?;
    for it in records {
        validate_record_title(it)?;
        let digest = it.digest();
        let (action, id) = record_action(state, source, it, &digest, map, &mut taken, &archived)?;
        if action == ImportAction::Skipped {
            plan.removed.push(&it.source_id);
        } else {
            plan.ids.insert(&it.source_id, id.clone());
        }
        plan.planned.push(Planned { action, id, digest });
    }
    Ok(plan)
}

/// The task a created or updated record starts from (before its fields are filled);
/// `None` for a record left as it is.
fn task_to_write(
    state: &State,
    it: &ImportedTask,
    planned: &Planned,
    now: jiff::Timestamp,
) -> Result<Option<Task>> {
    Ok(match planned.action {
        ImportAction::Unchanged | ImportAction::Skipped => None,
        ImportAction::Created => {
            let created = it.created.unwrap_or(now);
            let mut t = Task::new(planned.id.clone(), String::new(), created);
            t.updated = it.updated.unwrap_or(created);
            Some(t)
        }
        ImportAction::Updated => {
            let mut t = state.task(&planned.id)?.clone();
            t.updated = now;
            Some(t)
        }
    })
}

/// The report of an import, with the records counted by action.
fn import_report(
    source: ImportSource,
    path: String,
    entries: Vec<ImportedEntry>,
    dropped: Dropped,
) -> ImportReport {
    let count = |a: ImportAction| entries.iter().filter(|e| e.action == a).count();
    ImportReport {
        source,
        path,
        dry_run: false,
        created: count(ImportAction::Created),
        updated: count(ImportAction::Updated),
        unchanged: count(ImportAction::Unchanged),
        skipped: count(ImportAction::Skipped),
        tasks: entries,
        dropped,
        map: String::new(),
    }
}

/// A record's title must pass the rules the commands apply to titles.
fn validate_record_title(it: &ImportedTask) -> Result<()> {
    validate_title(&it.title).map_err(|e| Error::ImportSource {
        path: PathBuf::from(&it.location),
        source: crate::format::FormatError {
            line: None,
            column: None,
            message: format!("title of {}: {e}", it.source_id),
        },
    })?;
    Ok(())
}

/// What becomes of one record, and its orc id: a task imported before is unchanged,
/// updated or (when deleted in orc since) skipped; a new one gets an id derived from
/// the record (or a fresh one when that is taken), which is added to `taken`.
fn record_action(
    state: &State,
    source: ImportSource,
    it: &ImportedTask,
    digest: &str,
    map: &ImportMap,
    taken: &mut Vec<TaskId>,
    archived: &BTreeSet<TaskId>,
) -> Result<(ImportAction, TaskId)> {
    Ok(match map.tasks.get(&it.source_id) {
        Some(e) if state.tasks.contains_key(&e.task) => {
            let action = if e.digest == digest {
                ImportAction::Unchanged
            } else {
                ImportAction::Updated
            };
            (action, e.task.clone())
        }
        Some(e) => (ImportAction::Skipped, e.task.clone()),
        None => {
            let prefix = it
                .role
                .as_deref()
                .filter(|r| state.config.has_role(r))
                .unwrap_or("task");
            let derived = TaskId::generate(prefix, record_bits(source, &it.source_id))
                .ok()
                .filter(|id| {
                    !taken.contains(id) && !state.tasks.contains_key(id) && !archived.contains(id)
                });
            let id = match derived {
                Some(id) => id,
                None => fresh_id(state, prefix, taken)?,
            };
            taken.push(id.clone());
            (ImportAction::Created, id)
        }
    })
}

/// Fails, importing nothing, when the imported tasks close a dependency cycle or a
/// parent loop.
fn check_cycles(state: &State, tasks: &[Task]) -> Result<()> {
    if let Some(cycle) = state.find_dependency_cycle() {
        return Err(Error::DependencyCycle { cycle });
    }
    for t in tasks {
        if let Some(cycle) = state.find_parent_cycle(&t.id)
            && cycle.first() == cycle.last()
        {
            return Err(Error::invalid(format!(
                "the source's parents form a loop: {}; nothing was imported",
                cycle
                    .iter()
                    .map(TaskId::as_str)
                    .collect::<Vec<_>>()
                    .join(" -> ")
            )));
        }
    }
    Ok(())
}

/// Counts the references of `it` that [`fill`] leaves out: roles orc does not know, and
/// parents and dependencies that are not (or no longer) tasks.
fn unresolved(
    it: &ImportedTask,
    ids: &HashMap<&str, TaskId>,
    removed: &[&str],
    state: &State,
    dropped: &mut Dropped,
) {
    let gone = |r: &str| {
        if removed.contains(&r) {
            "removed from orc"
        } else {
            "not in the source"
        }
    };
    if let Some(r) = it.role.as_deref().filter(|r| !state.config.has_role(r)) {
        dropped.add(format!(
            "role {r:?}, unknown to orc (imported without a role)"
        ));
    }
    if let Some(p) = it.parent.as_deref().filter(|p| !ids.contains_key(p)) {
        dropped.add(format!("parents {} (imported as top-level tasks)", gone(p)));
    }
    for d in it
        .depends_on
        .iter()
        .filter(|d| !ids.contains_key(d.as_str()))
    {
        dropped.add(format!("dependencies on records {}", gone(d)));
    }
}

/// Sets the fields the source maps; orc's own (stream when the source has none, next
/// action, labels and notes added in orc) are kept.
fn fill(
    task: &mut Task,
    it: &ImportedTask,
    ids: &HashMap<&str, TaskId>,
    state: &State,
    now: jiff::Timestamp,
) {
    task.title = it.title.trim().to_owned();
    task.description = it.description.trim().to_owned();
    task.role = it
        .role
        .as_deref()
        .filter(|r| state.config.has_role(r))
        .map(str::to_owned);
    if task.status != it.status {
        let at = it.updated.unwrap_or(now);
        task.status = it.status;
        match it.status {
            Status::InProgress => task.started = Some(task.started.unwrap_or(at)),
            Status::Completed => task.completed = Some(it.completed.unwrap_or(at)),
            Status::Pending => {
                task.started = None;
                task.completed = None;
            }
            _ => {}
        }
    }
    if it.status == Status::Completed
        && let Some(c) = it.completed
    {
        task.completed = Some(c);
    }
    task.priority = it.priority;
    task.parent = it
        .parent
        .as_deref()
        .and_then(|p| ids.get(p))
        .filter(|id| **id != task.id)
        .cloned();
    let mut deps = Vec::new();
    for d in &it.depends_on {
        if let Some(id) = ids.get(d.as_str())
            && *id != task.id
            && !deps.contains(id)
        {
            deps.push(id.clone());
        }
    }
    task.depends_on = deps;
    if it.stream.is_some() {
        task.stream = it.stream.clone();
    }
    for l in &it.labels {
        task.add_label(l.clone());
    }
    task.estimate = it.estimate.clone();
    task.assignee = it.assignee.clone();
    task.result = it.result.clone();
    task.detail = it.detail.clone();
    task.artifacts = it.artifacts.clone();
    for n in &it.notes {
        if !task.notes.iter().any(|m| m.at == n.at && m.text == n.text) {
            task.notes.push(n.clone());
        }
    }
    task.notes.sort_by_key(|n| n.at);
}

impl Orc {
    /// `orc check` for the import maps: each parses, names its own source, and maps no
    /// two records to one task. A task that no longer exists is fine (removed in orc).
    pub(super) fn import_map_problems(&self) -> Result<(usize, Vec<super::Problem>)> {
        let files = self.store().list(IMPORTS_DIR, ".toml")?;
        let mut out = Vec::new();
        for path in &files {
            let Some(text) = self.store().read(path)? else {
                continue;
            };
            let map = match import_map_from_toml(&text) {
                Ok(map) => map,
                Err(e) => {
                    out.push(super::Problem::parse(path.clone(), &e));
                    continue;
                }
            };
            let name = path
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_suffix(".toml"))
                .unwrap_or_default();
            if ImportSource::from_name(name).is_none() || map.source != name {
                out.push(super::Problem {
                    path: path.clone(),
                    line: None,
                    kind: "invalid",
                    message: format!(
                        "an import map is named after its source (beads, backlog, taskmaster, task-orchestrator); this one is {name:?} with source = {:?}",
                        map.source
                    ),
                });
            }
            let mut seen: HashMap<&TaskId, &str> = HashMap::new();
            for (record, entry) in &map.tasks {
                if let Some(first) = seen.insert(&entry.task, record) {
                    out.push(super::Problem {
                        path: path.clone(),
                        line: None,
                        kind: "duplicate",
                        message: format!(
                            "records {first} and {record} both map to task {}",
                            entry.task
                        ),
                    });
                }
            }
        }
        Ok((files.len(), out))
    }
}

/// The Python MCP Task Orchestrator's database found in a directory, and how much of it
/// is not in orc yet.
#[derive(Debug, Clone, Serialize)]
pub struct OriginalDatabase {
    pub path: String,
    /// Records never imported.
    pub new: usize,
    /// Records imported before that changed since.
    pub changed: usize,
    /// Why it could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Orc {
    /// The original orchestrator's database in `dir` (or at the repository root), when
    /// there is one with records that an import would add or change.
    pub fn original_database(&self, dir: &std::path::Path) -> Option<OriginalDatabase> {
        let db = find_task_orchestrator_db(dir)
            .or_else(|| find_task_orchestrator_db(self.store().workdir()))?;
        let path = db.display().to_string();
        let req = ImportRequest {
            source: ImportSource::TaskOrchestrator,
            path: Some(db),
            cwd: dir.to_path_buf(),
            dry_run: true,
        };
        match self.import(req) {
            Ok(o) if o.value.created + o.value.updated == 0 => None,
            Ok(o) => Some(OriginalDatabase {
                path,
                new: o.value.created,
                changed: o.value.updated,
                error: None,
            }),
            Err(e) => Some(OriginalDatabase {
                path,
                new: 0,
                changed: 0,
                error: Some(e.to_string()),
            }),
        }
    }
}
