//! The crate's error type: what failed, where, and what the user can do about it.

use std::path::PathBuf;

use crate::format::FormatError;
use crate::model::{PlanProblem, Status, TaskId};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} is not inside a git repository", path.display())]
    NotARepository { path: PathBuf },

    #[error("{} is a bare repository; orc needs a working tree", path.display())]
    BareRepository { path: PathBuf },

    #[error("orc is not initialised in {}", path.display())]
    NotInitialized { path: PathBuf },

    #[error("{}: orc's state (.orchestrator/) is committed but outside this sparse checkout", path.display())]
    OutsideSparseCheckout { path: PathBuf },

    #[error("{}", source.at_path(&path.display().to_string()))]
    Parse { path: PathBuf, source: FormatError },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}: expected a file, found a directory", path.display())]
    NotAFile { path: PathBuf },

    #[error("git: {message}")]
    Git { message: String },

    #[error("no task matches {0:?}")]
    UnknownTask(String),

    #[error("{input:?} matches several tasks: {}", candidates.join(", "))]
    AmbiguousId {
        input: String,
        candidates: Vec<String>,
    },

    #[error("task {id} already exists")]
    DuplicateId { id: TaskId },

    #[error("cannot move {id} from {from} to {to}; from {from} it can move to: {}",
        legal.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))]
    IllegalTransition {
        id: TaskId,
        from: Status,
        to: Status,
        legal: Vec<Status>,
    },

    #[error("dependency cycle: {}", cycle.iter().map(TaskId::as_str).collect::<Vec<_>>().join(" -> "))]
    DependencyCycle { cycle: Vec<TaskId> },

    #[error("{id} is waiting for unfinished dependencies: {}", pending.iter().map(TaskId::as_str).collect::<Vec<_>>().join(", "))]
    DependenciesNotDone { id: TaskId, pending: Vec<TaskId> },

    #[error("{id} has subtasks: {}", children.iter().map(TaskId::as_str).collect::<Vec<_>>().join(", "))]
    HasChildren { id: TaskId, children: Vec<TaskId> },

    #[error("{id} is in progress for {owner}")]
    Claimed { id: TaskId, owner: String },

    #[error("{id} is claimed by {holder}")]
    ClaimHeld { id: TaskId, holder: String },

    #[error("{message}; nothing was changed")]
    ClaimsRemote { remote: String, message: String },

    #[error("{message}")]
    Invalid {
        message: String,
        hint: Option<String>,
    },

    #[error("{}{} problem(s) in the plan; nothing was written:{}",
        origin.as_deref().map(|o| format!("{o}: ")).unwrap_or_default(),
        problems.len(),
        problems.iter().map(|p| format!("\n  {p}")).collect::<String>())]
    PlanInvalid {
        origin: Option<String>,
        problems: Vec<PlanProblem>,
    },

    #[error("{} is broken; {count} problem(s) found", path.display())]
    CheckFailed { path: PathBuf, count: usize },

    /// A file of another tool that `orc import` could not read; nothing was written.
    #[error("{}: {source}; nothing was imported", path.display())]
    ImportSource { path: PathBuf, source: FormatError },
}

impl Error {
    /// Invalid user input with an optional hint.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid {
            message: message.into(),
            hint: None,
        }
    }

    pub fn invalid_with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Invalid {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn git(e: impl std::fmt::Display) -> Self {
        Error::Git {
            message: e.to_string(),
        }
    }

    /// A stable machine-readable name for the kind of error, the same in the CLI's
    /// `--json` errors and in the MCP server's tool errors (docs/json.md).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotARepository { .. } => "not_a_repository",
            Error::BareRepository { .. } => "bare_repository",
            Error::NotInitialized { .. } => "not_initialized",
            Error::OutsideSparseCheckout { .. } => "outside_sparse_checkout",
            Error::Parse { .. } => "unreadable_file",
            Error::Io { .. } => "io",
            Error::Git { .. } => "git",
            Error::UnknownTask(_) => "unknown_task",
            Error::AmbiguousId { .. } => "ambiguous_id",
            Error::DuplicateId { .. } => "duplicate_id",
            Error::IllegalTransition { .. } => "illegal_transition",
            Error::DependencyCycle { .. } => "dependency_cycle",
            Error::DependenciesNotDone { .. } => "dependencies_not_done",
            Error::HasChildren { .. } => "has_subtasks",
            Error::Claimed { .. } => "claimed",
            Error::ClaimHeld { .. } => "claimed",
            Error::ClaimsRemote { .. } => "claims_remote_unreachable",
            Error::Invalid { .. } => "invalid",
            Error::CheckFailed { .. } => "check_failed",
            Error::PlanInvalid { .. } => "invalid_plan",
            Error::NotAFile { .. } => "not_a_file",
            Error::ImportSource { .. } => "invalid_import_source",
        }
    }

    /// What the user can do next, if there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::NotARepository { .. } => {
                "run `git init` first, or pass `-C <path>` to point at a repository".into()
            }
            Error::BareRepository { .. } => {
                "run orc in a clone or a linked worktree (`git worktree add`)".into()
            }
            Error::NotInitialized { .. } => "run `orc init` to start tracking tasks here".into(),
            Error::Parse { source, .. } if source.is_conflict_markers() => {
                "a merge left this file half-merged: keep the lines you want, delete the `<<<<<<<`, `=======` and `>>>>>>>` lines, then `git add` the file; `orc check` lists every such file"
                    .into()
            }
            Error::OutsideSparseCheckout { .. } => {
                "include it with `git sparse-checkout add .orchestrator`".into()
            }
            Error::Parse { .. } => {
                "fix the file by hand (or restore it with `git checkout -- <file>`), then run `orc check`"
                    .into()
            }
            Error::NotAFile { path } => format!(
                "move the directory out of the way, then restore the file with `git checkout HEAD -- {}`",
                path.display()
            ),
            Error::UnknownTask(_) => "list task ids with `orc task list`".into(),
            Error::AmbiguousId { .. } => "type more characters of the id".into(),
            Error::DuplicateId { .. } => "choose another id or let orc generate one".into(),
            Error::IllegalTransition { .. } => {
                "see the status machine in `orc task status --help`".into()
            }
            Error::DependencyCycle { .. } => "remove one of the dependencies in the cycle".into(),
            Error::DependenciesNotDone { .. } => {
                "finish those first (`orc ready` lists what can start now)".into()
            }
            Error::HasChildren { .. } => {
                "remove the subtasks first, or pass --recursive to remove them too".into()
            }
            Error::Claimed { .. } => "pick another task, or pass --force to take it over".into(),
            Error::ClaimHeld { .. } => {
                "pick another task (`orc next`), wait until the lease runs out, or pass --force to take it over".into()
            }
            Error::ClaimsRemote { remote, .. } => format!(
                "check that `git ls-remote {remote}` works from here and try again; or pass --local to claim in this clone only (other clones will not see the claim)"
            ),
            Error::CheckFailed { .. } => "fix the problems listed above".into(),
            Error::PlanInvalid { .. } => {
                "fix every problem listed and run `orc plan` again; see `orc plan --help` for the file format".into()
            }
            Error::ImportSource { source, .. } if source.line.is_some() => {
                "fix that line (or export the file again from its tool), then run the import again"
                    .into()
            }
            Error::ImportSource { .. } => {
                "check that this is the file the tool wrote (or export it again), then run the import again"
                    .into()
            }
            Error::Invalid { hint, .. } => return hint.clone(),
            Error::Io { .. } | Error::Git { .. } => return None,
        })
    }
}
