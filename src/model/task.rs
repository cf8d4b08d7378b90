//! The task record: one per file under `.orchestrator/tasks/`.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Priority, Status, TaskId};

/// A unit of work. Subtasks are tasks with a `parent`.
///
/// Field order here is the order in the file. Unset options, empty strings and empty lists
/// are left out of the file (see `format`); serde attributes must not skip fields, because
/// the store's parse cache uses a non-self-describing encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub role: Option<String>,
    pub status: Status,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub parent: Option<TaskId>,
    /// Position of a subtask in the plan that created it (1-based, depth first): tasks
    /// of one plan and equal priority are offered in this order. Unset for tasks added
    /// one by one.
    #[serde(default)]
    pub plan_order: Option<u32>,
    #[serde(default)]
    pub depends_on: Vec<TaskId>,
    #[serde(default)]
    pub stream: Option<String>,
    /// Free-form labels (`bug`, `ui`), sorted, each at most once.
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub estimate: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(with = "super::time::ts")]
    pub created: Timestamp,
    #[serde(with = "super::time::ts")]
    pub updated: Timestamp,
    /// When the task last moved to `in_progress`; stale detection counts from here.
    #[serde(default, with = "super::time::opt_ts")]
    pub started: Option<Timestamp>,
    #[serde(default, with = "super::time::opt_ts")]
    pub completed: Option<Timestamp>,
    #[serde(default)]
    pub next_action: Option<NextAction>,
    /// One-paragraph result summary, set when the task is completed.
    #[serde(default)]
    pub result: Option<String>,
    /// Full detail of the work done (Markdown).
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
    #[serde(default)]
    pub notes: Vec<Note>,
}

impl Task {
    /// A new pending task created at `now`.
    pub fn new(id: TaskId, title: String, now: Timestamp) -> Self {
        Task {
            id,
            title,
            description: String::new(),
            role: None,
            status: Status::Pending,
            priority: Priority::default(),
            parent: None,
            plan_order: None,
            depends_on: Vec::new(),
            stream: None,
            labels: Vec::new(),
            estimate: None,
            assignee: None,
            created: now,
            updated: now,
            started: None,
            completed: None,
            next_action: None,
            result: None,
            detail: None,
            artifacts: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Moves the task to `to`, keeping the lifecycle timestamps in step.
    /// The caller checks legality with [`Status::can_move_to`].
    pub fn set_status(&mut self, to: Status, now: Timestamp) {
        self.status = to;
        self.updated = now;
        match to {
            Status::InProgress => self.started = Some(now),
            Status::Completed => self.completed = Some(now),
            Status::Pending => {
                self.started = None;
                self.completed = None;
            }
            _ => {}
        }
    }

    pub fn add_note(&mut self, text: String, author: Option<String>, now: Timestamp) {
        self.notes.push(Note {
            at: now,
            author,
            text,
        });
        self.updated = now;
    }

    pub fn latest_note(&self) -> Option<&Note> {
        self.notes.last()
    }

    /// Adds a checked label (see [`check_label`]), keeping the list sorted and free of
    /// duplicates.
    pub fn add_label(&mut self, label: String) {
        if let Err(at) = self.labels.binary_search(&label) {
            self.labels.insert(at, label);
        }
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }
}

/// Checks a label and returns it trimmed: 1 to 64 characters, no commas (they separate
/// labels on the command line) and no control characters.
pub fn check_label(label: &str) -> Result<String, String> {
    let l = label.trim();
    if l.is_empty() {
        return Err("a label is empty".into());
    }
    if l.chars().count() > 64 {
        return Err(format!("the label {l:?} is longer than 64 characters"));
    }
    if l.contains(',') {
        return Err(format!(
            "the label {l:?} contains a comma, which separates labels"
        ));
    }
    if l.chars().any(char::is_control) {
        return Err(format!("the label {l:?} contains a control character"));
    }
    Ok(l.to_owned())
}

/// A timestamped entry in a task's append-only log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    #[serde(with = "super::time::ts")]
    pub at: Timestamp,
    #[serde(default)]
    pub author: Option<String>,
    pub text: String,
}

/// A file produced or referenced by a task, with its content hash at completion time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// What should happen after a task is finished (the original orchestrator's `next_action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    Continue,
    NeedsRevision,
    Blocked,
    Complete,
}

impl NextAction {
    pub fn as_str(self) -> &'static str {
        match self {
            NextAction::Continue => "continue",
            NextAction::NeedsRevision => "needs_revision",
            NextAction::Blocked => "blocked",
            NextAction::Complete => "complete",
        }
    }
}

impl fmt::Display for NextAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NextAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "continue" => Ok(NextAction::Continue),
            "needs_revision" => Ok(NextAction::NeedsRevision),
            "blocked" => Ok(NextAction::Blocked),
            "complete" => Ok(NextAction::Complete),
            _ => Err(format!(
                "unknown next action {s:?}; expected continue, needs_revision, blocked or complete"
            )),
        }
    }
}
