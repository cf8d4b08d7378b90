//! A plan: a parent task and its subtasks (to any depth), as given by `orc plan` or a
//! plan file, before anything is validated against the repository or written.

use serde::{Deserialize, Serialize};

use super::Priority;

/// The whole plan. With `parent` set, the subtasks go under that existing task and no
/// new parent is created (then `title` stays empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSpec {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Work stream of the parent; subtasks without their own stream inherit it.
    #[serde(default)]
    pub stream: Option<String>,
    /// An existing task to plan under (id or unique prefix).
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub subtasks: Vec<SubtaskSpec>,
}

/// One planned subtask.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtaskSpec {
    /// A name other subtasks can use in `depends_on`; unique within the plan.
    #[serde(default)]
    pub key: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<DepRef>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub estimate: Option<String>,
    #[serde(default)]
    pub stream: Option<String>,
    /// Subtasks of this subtask (nested planning).
    #[serde(default)]
    pub subtasks: Vec<SubtaskSpec>,
}

/// A dependency of a planned subtask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DepRef {
    /// 0-based position among the sibling subtasks.
    Index(usize),
    /// A `key` anywhere in the plan, or else the id (or unique prefix) of an existing task.
    Name(String),
}

/// A problem with a plan, at a location such as `subtasks[2].role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProblem {
    pub location: String,
    pub message: String,
}

impl PlanProblem {
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
        PlanProblem {
            location: location.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.location.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

impl SubtaskSpec {
    /// Shorthand for a leaf subtask with a role and a title.
    pub fn new(role: &str, title: &str) -> Self {
        SubtaskSpec {
            title: title.to_owned(),
            role: Some(role.to_owned()),
            ..SubtaskSpec::default()
        }
    }
}
