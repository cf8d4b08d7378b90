//! Tool results: text for the agent to read plus the same data as structured JSON, and
//! service errors turned into tool errors (`isError: true`) that say what to do.

use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::service::Outcome;

/// A successful tool result under construction.
pub struct Reply {
    text: String,
    data: Value,
}

impl Reply {
    /// `text` for the model, `data` (an object) as `structuredContent`.
    pub fn new(text: impl Into<String>, data: impl Serialize) -> Reply {
        Reply {
            text: text.into(),
            data: serde_json::to_value(data).expect("service results serialise to JSON"),
        }
    }

    /// The result of a mutation: the value under `key`, plus what happened in git.
    pub fn mutation<T: Serialize>(
        text: impl Into<String>,
        key: &str,
        outcome: &Outcome<T>,
    ) -> Reply {
        let mut text = text.into();
        let mut data = serde_json::Map::new();
        data.insert(
            key.into(),
            serde_json::to_value(&outcome.value).expect("service results serialise to JSON"),
        );
        if let Some(commit) = &outcome.commit {
            text.push_str(&format!("\ncommit {}", &commit[..12.min(commit.len())]));
            data.insert("commit".into(), commit.clone().into());
        }
        if let Some(reason) = &outcome.not_committed {
            text.push_str(&format!("\nnote: written but not committed: {reason}"));
            data.insert("not_committed".into(), reason.clone().into());
        }
        Reply {
            text,
            data: Value::Object(data),
        }
    }

    pub fn into_result(self) -> CallToolResult {
        let mut result = CallToolResult::success(vec![ContentBlock::text(self.text)]);
        result.structured_content = Some(self.data);
        result
    }
}

/// A service error as a tool error: the message, what to do next, and a stable code.
pub fn failure(e: &Error) -> CallToolResult {
    let message = e.to_string();
    let hint = hint(e);
    let text = match &hint {
        Some(h) => format!("error: {message}\nhint: {h}"),
        None => format!("error: {message}"),
    };
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    let mut error = json!({ "code": code(e), "message": message });
    if let Some(h) = hint {
        error["hint"] = h.into();
    }
    result.structured_content = Some(json!({ "error": error }));
    result
}

/// A machine-readable name for the kind of error.
fn code(e: &Error) -> &'static str {
    match e {
        Error::NotARepository { .. } => "not_a_repository",
        Error::BareRepository { .. } => "bare_repository",
        Error::NotInitialized { .. } => "not_initialized",
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
        Error::Invalid { .. } => "invalid",
        Error::CheckFailed { .. } => "check_failed",
        Error::PlanInvalid { .. } => "invalid_plan",
        Error::NotAFile { .. } => "not_a_file",
    }
}

/// The service's hint, reworded where it names a CLI command the agent does not have.
fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::NotARepository { .. } => {
            "start the server inside a git repository, or pass `orc mcp --repo <path>`".into()
        }
        Error::NotInitialized { path } => format!(
            "run `orc init` in {} to start tracking tasks there",
            path.display()
        ),
        Error::UnknownTask(_) => "list task ids with orchestrator_list_tasks".into(),
        Error::IllegalTransition { .. } => "move it to one of the statuses listed".into(),
        Error::DependenciesNotDone { .. } => {
            "finish those first; orchestrator_ready_tasks lists what can start now".into()
        }
        Error::Claimed { .. } => "pick another task (orchestrator_ready_tasks)".into(),
        _ => return e.hint(),
    })
}
