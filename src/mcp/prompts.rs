//! MCP prompts and resources, for clients that attach context without a tool call: one
//! prompt per specialist role (`prompts/get` with an optional `task_id` adds that
//! task's brief), and the recovery briefing as the resource [`BRIEFING_URI`].

use rmcp::model::{
    ErrorData, GetPromptResult, Prompt, PromptArgument, PromptMessage, ReadResourceResult,
    Resource, ResourceContents, Role as MessageRole,
};
use serde_json::{Map, Value};

use super::OrcServer;
use crate::error::Error;
use crate::model::BUILTIN_ROLES;

/// The recovery briefing (`orchestrator_recover_context`) as a resource.
pub const BRIEFING_URI: &str = "orc://recovery-briefing";

/// Entries per list in the briefing resource.
const BRIEFING_LIMIT: usize = 20;

/// A service error as a protocol error of a prompt or resource request.
fn protocol_error(e: &Error) -> ErrorData {
    let message = super::words::message(e);
    let message = match super::words::hint(e) {
        Some(h) => format!("{message}; {h}"),
        None => message,
    };
    match e {
        Error::UnknownTask(_)
        | Error::AmbiguousId { .. }
        | Error::Invalid { .. }
        | Error::Refused(_) => ErrorData::invalid_params(message, None),
        _ => ErrorData::internal_error(message, None),
    }
}

impl OrcServer {
    /// One prompt per role: the repository's roles when orc is set up, else the built-in ones.
    pub(super) fn role_prompts(&self) -> Vec<Prompt> {
        let roles: Vec<(String, String)> = self
            .with_orc(|orc| orc.roles())
            .map(|roles| roles.into_iter().map(|r| (r.name, r.description)).collect())
            .unwrap_or_else(|_| {
                BUILTIN_ROLES
                    .iter()
                    .map(|r| ((*r).to_owned(), format!("The {r} specialist.")))
                    .collect()
            });
        roles
            .into_iter()
            .map(|(name, description)| {
                let task = PromptArgument::new("task_id")
                    .with_description("A task to work on: its brief follows the role (read only; orchestrator_execute_subtask claims it).")
                    .with_required(false);
                Prompt::new(name, Some(description), Some(vec![task]))
            })
            .collect()
    }

    /// The role's prompt, and with `task_id` the task's brief in that role.
    pub(super) fn role_prompt(
        &self,
        name: &str,
        arguments: Option<&Map<String, Value>>,
    ) -> Result<GetPromptResult, ErrorData> {
        let task = match arguments.and_then(|a| a.get("task_id")) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(other) => {
                return Err(ErrorData::invalid_params(
                    format!("task_id must be a string, not {other}"),
                    None,
                ));
            }
        };
        self.with_orc(|orc| {
            let role = orc.role(name)?;
            let text = match &task {
                None => role.prompt.clone(),
                Some(id) => {
                    let mut brief = orc.brief(id)?;
                    brief.role = Some(role.clone());
                    crate::render::brief(&brief)
                }
            };
            Ok(
                GetPromptResult::new(vec![PromptMessage::new_text(MessageRole::User, text)])
                    .with_description(role.description),
            )
        })
        .map_err(|e| protocol_error(&e))
    }

    /// The resources: the recovery briefing.
    pub(super) fn resource_list() -> Vec<Resource> {
        vec![
            Resource::new(BRIEFING_URI, "recovery-briefing")
                .with_description("Where the work stands: open and ready tasks, recent changes, decisions, the last handoff (as orchestrator_recover_context).")
                .with_mime_type("text/markdown"),
        ]
    }

    /// Reads the resource `uri`.
    pub(super) fn resource(&self, uri: &str) -> Result<ReadResourceResult, ErrorData> {
        if uri != BRIEFING_URI {
            return Err(ErrorData::resource_not_found(
                format!("unknown resource {uri:?}: resources/list names {BRIEFING_URI}"),
                None,
            ));
        }
        let markdown = self
            .with_orc(|orc| Ok(crate::render::briefing(&orc.recover(None, BRIEFING_LIMIT)?)))
            .map_err(|e| protocol_error(&e))?;
        Ok(ReadResourceResult::new(vec![
            ResourceContents::text(markdown, uri).with_mime_type("text/markdown"),
        ]))
    }
}
