//! File-operation manifests: what a task did to which files, with content digests.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::TaskId;

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileOpKind {
    Create,
    Modify,
    Delete,
    Rename,
}

impl FileOpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileOpKind::Create => "create",
            FileOpKind::Modify => "modify",
            FileOpKind::Delete => "delete",
            FileOpKind::Rename => "rename",
        }
    }
}

impl fmt::Display for FileOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FileOpKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "create" | "add" => Ok(FileOpKind::Create),
            "modify" | "edit" => Ok(FileOpKind::Modify),
            "delete" | "remove" | "rm" => Ok(FileOpKind::Delete),
            "rename" | "move" | "mv" => Ok(FileOpKind::Rename),
            _ => Err(format!(
                "unknown file operation {s:?}; expected create, modify, delete or rename"
            )),
        }
    }
}

/// One recorded operation. For `delete` there is no digest; for `rename`, `from` is the
/// old path and the digest is the content at `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOp {
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub op: FileOpKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    pub at: Timestamp,
    pub task: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

/// All operations recorded for one task, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub task: TaskId,
    #[serde(default)]
    pub operations: Vec<FileOp>,
}

impl Manifest {
    pub fn new(task: TaskId) -> Self {
        Manifest {
            task,
            operations: Vec::new(),
        }
    }

    /// The latest operation recorded for `path` (as new path or rename source).
    pub fn latest_for(&self, path: &str) -> Option<&FileOp> {
        self.operations
            .iter()
            .rev()
            .find(|o| o.path == path || o.from.as_deref() == Some(path))
    }
}
