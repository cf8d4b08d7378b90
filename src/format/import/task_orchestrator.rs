//! The Python MCP Task Orchestrator's rows (`task_breakdowns`, `subtasks`) as orc tasks.
//! The service reads them from its SQLite database and resolves the artifact files.

use std::collections::HashMap;

use super::{Dropped, ImportSet, ImportedTask, join_sections, non_empty, parse_time};
use crate::model::{Artifact, Status};

/// A row of `task_breakdowns`: a planned parent task.
#[derive(Debug, Clone)]
pub struct Breakdown {
    pub parent_task_id: String,
    pub description: String,
    pub complexity: Option<String>,
    pub context: Option<String>,
    pub created_at: Option<String>,
}

/// A row of `subtasks`, with its artifacts already resolved to files.
#[derive(Debug, Clone)]
pub struct Subtask {
    pub task_id: String,
    pub parent_task_id: String,
    pub title: String,
    pub description: String,
    pub specialist_type: String,
    /// The `dependencies` column: a JSON list of task ids (or titles).
    pub dependencies: Option<String>,
    pub estimated_effort: Option<String>,
    pub status: String,
    pub results: Option<String>,
    pub created_at: Option<String>,
    pub completed_at: Option<String>,
    pub artifacts: Vec<Artifact>,
    /// The detailed work recorded with the artifacts (Markdown).
    pub detail: Option<String>,
}

/// The longest title orc derives from a breakdown's description.
const TITLE_CHARS: usize = 120;

/// The planned tasks, then their subtasks, as imported tasks.
pub fn from_rows(breakdowns: &[Breakdown], subtasks: &[Subtask], set: &mut ImportSet) {
    for b in breakdowns {
        let t = planned_task(b, &mut set.dropped);
        set.tasks.push(t);
    }
    let names = Names::of(subtasks);
    for s in subtasks {
        let t = subtask_task(s, &names, &mut set.dropped);
        set.tasks.push(t);
    }
}

/// A breakdown as a task: titled by the first line of its description.
fn planned_task(b: &Breakdown, dropped: &mut Dropped) -> ImportedTask {
    let text = b.description.trim();
    let title = breakdown_title(b, text);
    let mut t = ImportedTask::new(
        b.parent_task_id.clone(),
        format!("task_breakdowns {}", b.parent_task_id),
        title.clone(),
    );
    let main = if text == title { "" } else { text };
    t.description = join_sections(main, &[("Context", b.context.as_deref().unwrap_or(""))]);
    t.created = b.created_at.as_deref().and_then(parse_time);
    t.updated = t.created;
    if non_empty(b.complexity.as_deref()).is_some() {
        dropped.add("complexity_level of planned tasks");
    }
    t
}

/// The first line of a breakdown's description, shortened, or its id when it is empty.
fn breakdown_title(b: &Breakdown, text: &str) -> String {
    let first = text.lines().next().unwrap_or_default().trim();
    let title = if first.chars().count() > TITLE_CHARS {
        let cut: String = first.chars().take(TITLE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        first.to_owned()
    };
    if title.is_empty() {
        b.parent_task_id.clone()
    } else {
        title
    }
}

/// How a dependency can name a subtask: by id, or by a title unique under its parent.
struct Names<'a> {
    ids: Vec<&'a str>,
    /// (parent id, lowercased title) → the subtasks with that title.
    titles: HashMap<(&'a str, String), Vec<&'a str>>,
}

impl<'a> Names<'a> {
    /// The names of every subtask.
    fn of(subtasks: &'a [Subtask]) -> Self {
        let ids = subtasks.iter().map(|s| s.task_id.as_str()).collect();
        let mut titles: HashMap<(&str, String), Vec<&str>> = HashMap::new();
        for s in subtasks {
            titles
                .entry((s.parent_task_id.as_str(), s.title.trim().to_lowercase()))
                .or_default()
                .push(&s.task_id);
        }
        Names { ids, titles }
    }

    /// The subtask id a dependency of a subtask under `parent` names, if exactly one.
    fn resolve(&self, parent: &str, dependency: &str) -> Option<String> {
        if self.ids.contains(&dependency) {
            return Some(dependency.to_owned());
        }
        match self
            .titles
            .get(&(parent, dependency.to_lowercase()))
            .map(Vec::as_slice)
        {
            Some([one]) => Some((*one).to_owned()),
            _ => None,
        }
    }
}

/// A subtask as a task under its breakdown.
fn subtask_task(s: &Subtask, names: &Names<'_>, dropped: &mut Dropped) -> ImportedTask {
    let mut t = ImportedTask::new(
        s.task_id.clone(),
        format!("subtasks {}", s.task_id),
        s.title.clone(),
    );
    t.description = s.description.trim().to_owned();
    t.role = non_empty(Some(&s.specialist_type)).map(|r| r.to_lowercase());
    t.parent = Some(s.parent_task_id.clone());
    t.status = subtask_status(&s.status, dropped);
    t.estimate =
        non_empty(s.estimated_effort.as_deref()).filter(|e| !e.eq_ignore_ascii_case("unknown"));
    t.created = s.created_at.as_deref().and_then(parse_time);
    t.completed = s.completed_at.as_deref().and_then(parse_time);
    t.updated = t.completed.or(t.created);
    if t.status == Status::Completed {
        t.result = non_empty(s.results.as_deref());
    } else if let Some(r) = non_empty(s.results.as_deref()) {
        t.description = join_sections(&t.description, &[("Results so far", &r)]);
    }
    t.detail = s.detail.clone();
    t.artifacts = s.artifacts.clone();
    let deps = json_strings(s.dependencies.as_deref()).unwrap_or_else(|| {
        dropped.add("dependencies that are not a JSON list of ids");
        Vec::new()
    });
    for d in deps {
        match names.resolve(&s.parent_task_id, d.trim()) {
            Some(id) if id != s.task_id && !t.depends_on.contains(&id) => t.depends_on.push(id),
            Some(_) => {}
            None => dropped.add("dependencies naming no task of the database"),
        }
    }
    t
}

/// The orc status of a subtask's status, reporting the ones imported as another.
fn subtask_status(status: &str, dropped: &mut Dropped) -> Status {
    match status.trim() {
        "pending" => Status::Pending,
        "active" => Status::InProgress,
        "completed" => Status::Completed,
        "blocked" => Status::Blocked,
        "failed" => {
            dropped.add("status \"failed\" (imported as needs_revision)");
            Status::NeedsRevision
        }
        "archived" => {
            dropped.add("status \"archived\" (imported as completed)");
            Status::Completed
        }
        other => {
            dropped.add(format!("status {other:?} (imported as pending)"));
            Status::Pending
        }
    }
}

/// The strings of a column holding a JSON list (non-strings skipped); empty when the
/// column is empty or `null`, `None` when it is not a JSON list.
pub fn json_strings(column: Option<&str>) -> Option<Vec<String>> {
    match column.map(str::trim) {
        None | Some("") | Some("null") => Some(Vec::new()),
        Some(json) => serde_json::from_str::<Vec<serde_json::Value>>(json)
            .ok()
            .map(|v| {
                v.into_iter()
                    .filter_map(|d| d.as_str().map(str::to_owned))
                    .collect()
            }),
    }
}
