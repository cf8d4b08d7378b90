//! beads' `issues.jsonl` export: one JSON issue per line.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;

use super::{Dropped, ImportSet, ImportedTask, join_sections, non_empty, parse_time};
use crate::format::FormatError;
use crate::model::{Note, Priority, Status};

#[derive(Deserialize)]
struct Issue {
    id: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    design: String,
    #[serde(default)]
    acceptance_criteria: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    issue_type: Option<String>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    estimated_minutes: Option<i64>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    closed_at: Option<String>,
    #[serde(default)]
    close_reason: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
    #[serde(default)]
    comments: Vec<Comment>,
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Dependency {
    #[serde(default)]
    issue_id: Option<String>,
    depends_on_id: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Comment {
    #[serde(default)]
    author: Option<String>,
    text: String,
    #[serde(default)]
    created_at: Option<String>,
}

/// Fields beads writes that orc has no use for and that say nothing a person would miss.
const IGNORED: &[&str] = &["content_hash", "compaction_level", "original_size"];

/// Reads `issues.jsonl`. `name` is the file name shown in locations. Deleted issues
/// (tombstones) are left out; blank lines are skipped.
pub fn from_jsonl(name: &str, text: &str) -> Result<ImportSet, FormatError> {
    let mut set = ImportSet::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let issue: Issue = serde_json::from_str(line).map_err(|e| FormatError {
            line: Some(lineno),
            column: Some(e.column()),
            message: format!("not a beads issue: {e}")
                .replace(&format!(" at line 1 column {}", e.column()), ""),
        })?;
        let id = issue.id.trim().to_owned();
        if id.is_empty() {
            return Err(at(lineno, "the issue has an empty `id`"));
        }
        if let Some(first) = seen.insert(id.clone(), lineno) {
            return Err(at(
                lineno,
                format!("issue {id} is also on line {first}; each issue must appear once"),
            ));
        }
        let status = issue.status.as_deref().unwrap_or("open").trim().to_owned();
        if status == "tombstone" || issue.other.contains_key("deleted_at") {
            set.dropped.add("deleted issues (tombstones), not imported");
            continue;
        }
        set.tasks.push(issue_task(
            name,
            lineno,
            &id,
            &status,
            issue,
            &mut set.dropped,
        ));
    }
    Ok(set)
}

/// The task made from one issue.
fn issue_task(
    name: &str,
    lineno: usize,
    id: &str,
    status: &str,
    issue: Issue,
    dropped: &mut Dropped,
) -> ImportedTask {
    let mut t = ImportedTask::new(id.to_owned(), format!("{name}:{lineno}"), issue.title);
    t.status = beads_status(status, dropped);
    t.priority = beads_priority(issue.priority, dropped);
    t.description = join_sections(
        &issue.description,
        &[
            ("Design", &issue.design),
            ("Acceptance criteria", &issue.acceptance_criteria),
        ],
    );
    t.assignee = non_empty(issue.assignee.as_deref());
    t.estimate = issue.estimated_minutes.filter(|m| *m > 0).map(|m| {
        if m % 60 == 0 {
            format!("{}h", m / 60)
        } else {
            format!("{m}m")
        }
    });
    t.created = issue.created_at.as_deref().and_then(parse_time);
    t.updated = issue.updated_at.as_deref().and_then(parse_time);
    if t.status == Status::Completed {
        t.completed = issue
            .closed_at
            .as_deref()
            .and_then(parse_time)
            .or(t.updated);
        t.result = non_empty(issue.close_reason.as_deref());
    } else if non_empty(issue.close_reason.as_deref()).is_some() {
        dropped.add("close_reason of an issue that is not closed");
    }
    push_notes(&mut t, &issue.notes, issue.comments);
    push_dependencies(&mut t, id, issue.dependencies, dropped);
    if let Some(kind) = non_empty(issue.issue_type.as_deref()) {
        dropped.add(format!("issue_type {kind:?}"));
    }
    t.add_labels(&issue.labels, dropped);
    for (key, value) in &issue.other {
        if value.is_null() || IGNORED.contains(&key.as_str()) {
            continue;
        }
        dropped.add(format!("field {key:?}"));
    }
    t
}

/// beads' status as orc's; the ones orc lacks are reported as dropped.
fn beads_status(status: &str, dropped: &mut Dropped) -> Status {
    match status {
        "open" => Status::Pending,
        "in_progress" => Status::InProgress,
        "blocked" => Status::Blocked,
        "closed" => Status::Completed,
        "hooked" => {
            dropped.add("status \"hooked\" (imported as in_progress)");
            Status::InProgress
        }
        other => {
            dropped.add(format!("status {other:?} (imported as pending)"));
            Status::Pending
        }
    }
}

/// beads writes priority 0 (its highest) by leaving the field out.
fn beads_priority(priority: Option<i64>, dropped: &mut Dropped) -> Priority {
    match priority {
        None | Some(0) => Priority::Critical,
        Some(2) => Priority::Medium,
        Some(1) => Priority::High,
        Some(3) => Priority::Low,
        Some(p) => {
            dropped.add(format!("priority {p} (imported as low)"));
            Priority::Low
        }
    }
}

/// The issue's notes and comments as notes, oldest first.
fn push_notes(t: &mut ImportedTask, notes: &str, comments: Vec<Comment>) {
    if let Some(notes) = non_empty(Some(notes)) {
        t.notes.push(Note {
            at: t.updated.or(t.created).unwrap_or_default(),
            author: None,
            text: notes,
        });
    }
    for c in comments {
        let Some(text) = non_empty(Some(&c.text)) else {
            continue;
        };
        t.notes.push(Note {
            at: c
                .created_at
                .as_deref()
                .and_then(parse_time)
                .or(t.updated)
                .unwrap_or_default(),
            author: non_empty(c.author.as_deref()),
            text,
        });
    }
    t.notes.sort_by_key(|n| n.at);
}

/// The issue's `blocks` dependencies and its parent (`parent-child`).
fn push_dependencies(
    t: &mut ImportedTask,
    id: &str,
    dependencies: Vec<Dependency>,
    dropped: &mut Dropped,
) {
    for d in dependencies {
        if d.issue_id.as_deref().is_some_and(|from| from.trim() != id) {
            dropped.add("dependencies recorded on another issue's line");
            continue;
        }
        let target = d.depends_on_id.trim().to_owned();
        match d.kind.as_deref().unwrap_or("blocks") {
            "blocks" => {
                if !t.depends_on.contains(&target) {
                    t.depends_on.push(target);
                }
            }
            "parent-child" => {
                if t.parent.is_some() {
                    dropped.add("a second parent-child dependency");
                } else {
                    t.parent = Some(target);
                }
            }
            other => dropped.add(format!("{other:?} dependencies")),
        }
    }
}

fn at(line: usize, message: impl Into<String>) -> FormatError {
    FormatError {
        line: Some(line),
        column: None,
        message: message.into(),
    }
}
