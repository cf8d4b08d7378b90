//! The crate's error type: what failed, where, and what the user can do about it.

use std::path::PathBuf;

use crate::format::FormatError;
use crate::model::{DecisionStatus, PlanProblem, Status, TaskId, number_str};

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

    /// A git operation failed; `source` is the error of the library or command that
    /// failed, kept whole so that its own causes stay reachable.
    #[error("git: {source}")]
    Git { source: GitError },

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

    /// A request orc refuses, as data; each face words it (see [`Reason`]).
    #[error("{0}")]
    Refused(Reason),

    /// A request orc refuses, in free text, for reasons without a [`Reason`] of their
    /// own. Both faces show `message` and `hint` as they are, so neither may name a
    /// command, flag, tool or parameter of one face; a refusal that wants to say what
    /// to do in those terms gets a [`Reason`] instead.
    #[error("{message}")]
    Invalid {
        message: String,
        hint: Option<String>,
    },

    #[error("{}{} in the plan; nothing was written:{}",
        origin.as_deref().map(|o| format!("{o}: ")).unwrap_or_default(),
        crate::render::count(problems.len(), "problem"),
        problems.iter().map(|p| format!("\n  {p}")).collect::<String>())]
    PlanInvalid {
        origin: Option<String>,
        problems: Vec<PlanProblem>,
    },

    #[error("{} is broken; {} found", path.display(), crate::render::count(*count, "problem"))]
    CheckFailed { path: PathBuf, count: usize },

    /// A file of another tool that `orc import` could not read; nothing was written.
    #[error("{}: {source}; nothing was imported", path.display())]
    ImportSource { path: PathBuf, source: FormatError },
}

/// The cause of an [`Error::Git`]: gix's error, a failed `git` command, or a description.
pub type GitError = Box<dyn std::error::Error + Send + Sync>;

/// What orc was doing when a git library call failed, with that failure as its source.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct WhileDoing {
    what: String,
    source: GitError,
}

impl Error {
    /// Invalid user input in free text (see [`Error::Invalid`]).
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid {
            message: message.into(),
            hint: None,
        }
    }

    /// Invalid user input in free text, with a hint that names no command of either face.
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

    /// A git failure, keeping `e` as the source: a library error, or a `String`/`&str`
    /// describing what went wrong.
    pub fn git(e: impl Into<GitError>) -> Self {
        Error::Git { source: e.into() }
    }

    /// A git failure while doing `what`, keeping `e` as the cause: `what: e` in the
    /// message, and `e` (with its own causes) reachable through `source()`.
    pub fn git_while(what: impl Into<String>, e: impl Into<GitError>) -> Self {
        Error::git(WhileDoing {
            what: what.into(),
            source: e.into(),
        })
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
            Error::Refused(_) | Error::Invalid { .. } => "invalid",
            Error::CheckFailed { .. } => "check_failed",
            Error::PlanInvalid { .. } => "invalid_plan",
            Error::NotAFile { .. } => "not_a_file",
            Error::ImportSource { .. } => "invalid_import_source",
        }
    }
}

/// Why orc refused a request, as data: the task, decision, session, path or field
/// involved and the legal alternatives. The message (`Display`) names no command, flag,
/// tool or parameter; the CLI (`cli/words.rs`) and the MCP server (`mcp/words.rs`) each
/// add the hint, and word a field, in their own terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("the {field} is empty")]
    EmptyText { field: Field },

    #[error("a title is one line")]
    MultilineTitle,

    #[error("the title is {chars} characters long; at most 500 are allowed")]
    LongTitle { chars: usize },

    #[error("{id} has open subtasks: {}", ids(open))]
    OpenSubtasks { id: TaskId, open: Vec<TaskId> },

    #[error("every subtask of {id} is done; it is ready to synthesize, not to start")]
    SubtasksDone { id: TaskId },

    #[error("{id} is {status}, not in progress; nothing was recorded")]
    NotInProgress { id: TaskId, status: Status },

    #[error(
        "{id} has subtasks; its result is their synthesis, so it is not completed directly; nothing was recorded"
    )]
    ResultIsSynthesis { id: TaskId },

    #[error("{id} is in progress, not closed")]
    StillInProgress { id: TaskId },

    #[error("{id} has no subtasks; there is nothing to synthesize")]
    NoSubtasks { id: TaskId },

    #[error("{id} is cancelled")]
    ParentCancelled { id: TaskId },

    #[error("{path} holds task {holds}, not {id}")]
    MisplacedTask {
        path: String,
        holds: TaskId,
        id: TaskId,
    },

    #[error("nothing to change in {id}")]
    NothingToChange { id: TaskId },

    #[error("other tasks depend on {id}: {}", ids(dependents))]
    HasDependents { id: TaskId, dependents: Vec<TaskId> },

    #[error("no decision has number {}", number_str(*number))]
    UnknownDecision { number: u32 },

    #[error("decision number {} is used by {} files: {}", number_str(*number), paths.len(), paths.join(", "))]
    DuplicateDecision { number: u32, paths: Vec<String> },

    #[error("a new decision cannot start as superseded")]
    BornSuperseded,

    #[error(
        "a decision is superseded by naming the decision that replaces it, not by setting its status"
    )]
    SupersedeByStatus,

    #[error("decision {} is {status}; a replacement must be proposed or accepted", number_str(*number))]
    ReplacementNotLive { number: u32, status: DecisionStatus },

    #[error("no session matches {input:?}")]
    UnknownSession { input: String },

    #[error("no session is active in this clone{}", agent.as_ref().map(|a| format!(" for agent {a:?}")).unwrap_or_default())]
    NoActiveSession { agent: Option<String> },

    #[error("session {id} is already active in this clone")]
    SessionActive { id: String, agent: Option<String> },

    #[error("session {id} is already closed")]
    SessionClosed { id: String },

    #[error("artifact {input:?} does not exist ({path}); nothing was recorded")]
    MissingArtifact {
        input: String,
        /// The path inside the repository it names.
        path: String,
        /// Where relative paths start.
        base: PathBuf,
    },

    #[error("no message {input:?} in this repository")]
    UnknownMessage { input: String },

    #[error("{name:?} is not a role of this repository")]
    UnknownRole { name: String, known: Vec<String> },

    #[error("no task is in stream {name:?}")]
    UnknownStream { name: String, known: Vec<String> },

    #[error("no task is in progress, so orc cannot tell which task these files belong to")]
    NoTaskInProgress,

    #[error("several tasks are in progress: {}", ids(tasks))]
    SeveralInProgress { tasks: Vec<TaskId> },

    #[error("no paths given")]
    NoPaths,

    #[error("an old path goes only with a rename")]
    FromWithoutRename,

    #[error("a rename needs one new path and the old path")]
    RenameNeedsFrom,

    #[error("{} belongs to the hooks directory core.hooksPath points to inside the work tree ({}), which your team shares through git; orc does not rename or replace a hook there", path.display(), dir.display())]
    SharedHook {
        path: PathBuf,
        dir: PathBuf,
        hook: String,
    },

    #[error("both {} and {} exist; orc will not overwrite either", path.display(), user.display())]
    HookInTheWay { path: PathBuf, user: PathBuf },

    #[error(
        "`.orchestrator/` already holds work ({found}); the example is for a repository without orc state"
    )]
    ExampleOverWork { found: String },

    #[error("could not run git to reach the claims remote: {cause}")]
    NoGitForClaims { cause: String },

    #[error("the example would overwrite {} (it exists with other content); nothing was written", paths.join(", "))]
    ExampleWouldOverwrite { paths: Vec<String> },
}

/// A field of a request that a [`Reason`] is about; each face names it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The summary of a task's result.
    Summary,
    /// Why a task is blocked.
    BlockReason,
    /// A note added to a task.
    Note,
    /// The text of a message to other agents.
    MessageText,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Field::Summary => "summary",
            Field::BlockReason => "reason",
            Field::Note => "note",
            Field::MessageText => "message",
        })
    }
}

impl From<Reason> for Error {
    fn from(r: Reason) -> Self {
        Error::Refused(r)
    }
}

fn ids(ids: &[TaskId]) -> String {
    ids.iter()
        .map(TaskId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_git_error_keeps_its_cause_as_the_source() {
        let e = Error::git(std::io::Error::other("disk on fire"));
        assert_eq!(e.to_string(), "git: disk on fire");
        let source = std::error::Error::source(&e).expect("a source");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert_eq!(e.code(), "git");
    }

    #[test]
    fn a_git_error_while_doing_something_says_what_and_keeps_the_cause() {
        let e = Error::git_while("bad ref name \"x\"", std::io::Error::other("disk on fire"));
        assert_eq!(e.to_string(), "git: bad ref name \"x\": disk on fire");
        let context = std::error::Error::source(&e).expect("what orc was doing");
        let cause = context.source().expect("the library's error");
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn refusals_keep_the_code_of_invalid_input() {
        assert_eq!(Error::from(Reason::NoPaths).code(), "invalid");
        assert_eq!(Error::invalid("x").code(), "invalid");
    }
}
