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
        commit_lines(&mut text, outcome);
        if let Some(commit) = &outcome.commit {
            data.insert("commit".into(), commit.clone().into());
        }
        if let Some(reason) = &outcome.not_committed {
            data.insert("not_committed".into(), reason.clone().into());
        }
        if !outcome.notices.is_empty() {
            data.insert("notices".into(), outcome.notices.clone().into());
        }
        Reply {
            text,
            data: Value::Object(data),
        }
    }

    /// The result of a mutation whose value's fields go at the top level, plus what
    /// happened in git (`commit` or `not_committed`).
    pub fn outcome<T: Serialize>(text: impl Into<String>, outcome: &Outcome<T>) -> Reply {
        let mut text = text.into();
        commit_lines(&mut text, outcome);
        Reply::new(text, outcome)
    }

    /// Adds `key` to the structured content.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Reply {
        self.data[key] = serde_json::to_value(value).expect("service results serialise to JSON");
        self
    }

    /// Adds the files the call could not read: `problems` in the structured content and
    /// a paragraph of text, so that nothing is left out of an answer silently.
    pub fn with_problems(mut self, problems: Vec<crate::service::UnreadableFile>) -> Reply {
        if problems.is_empty() {
            return self;
        }
        self.text.push_str(&format!(
            "\n\nwarning: {} under .orchestrator/ could not be read and {} left out (fix them; orchestrator_maintenance_coordinator lists every problem):",
            crate::render::count(problems.len(), "file"),
            crate::render::plural(problems.len(), "is", "are")
        ));
        for p in &problems {
            self.text.push_str(&format!("\n- {}: {}", p.path, p.error));
        }
        if self.data.is_object() && self.data.get("problems").is_none() {
            self.data["problems"] =
                serde_json::to_value(&problems).expect("service results serialise to JSON");
        }
        self
    }

    pub fn into_result(self) -> CallToolResult {
        let mut data = match self.data {
            Value::Object(map) => Value::Object(map),
            other => json!({ "value": other }),
        };
        data["text"] = self.text.into();
        structured(CallToolResult::success, data)
    }
}

/// A result whose content is `data` as `structuredContent` and, per the MCP
/// specification, the same JSON serialised in a text block for clients that read text
/// only. `data.text` holds the prose for the model (a brief, a summary in Markdown).
fn structured(make: fn(Vec<ContentBlock>) -> CallToolResult, data: Value) -> CallToolResult {
    let json = serde_json::to_string(&data).expect("JSON values serialise");
    let mut result = make(vec![ContentBlock::text(json)]);
    result.structured_content = Some(data);
    result
}

/// Appends what happened in git to a reply's text.
fn commit_lines<T>(text: &mut String, outcome: &Outcome<T>) {
    if let Some(commit) = &outcome.commit {
        text.push_str(&format!("\ncommit {}", crate::render::short_id(commit)));
    }
    if let Some(reason) = &outcome.not_committed {
        text.push_str(&format!("\nnote: written but not committed: {reason}"));
    }
    for notice in &outcome.notices {
        text.push_str(&format!("\nnote: {notice}"));
    }
}

/// A tool error that is not a service error: the call did not do what was asked (e.g.
/// synthesizing a task with open subtasks). `data` goes beside `error` in the structured
/// content; `detail` is printed between the message and the hint.
pub fn refusal(code: &str, message: &str, detail: &str, hint: &str, data: Value) -> CallToolResult {
    let mut text = format!("error: {message}");
    if !detail.is_empty() {
        text.push('\n');
        text.push_str(detail);
    }
    text.push_str(&format!("\nhint: {hint}"));
    let mut content = json!({ "error": { "code": code, "message": message, "hint": hint } });
    if let Value::Object(extra) = data {
        for (k, v) in extra {
            content[k] = v;
        }
    }
    content["text"] = text.into();
    structured(CallToolResult::error, content)
}

/// A service error as a tool error: the message, what to do next, and a stable code.
pub fn failure(e: &Error) -> CallToolResult {
    let message = super::words::message(e);
    let hint = super::words::hint(e);
    let text = match &hint {
        Some(h) => format!("error: {message}\nhint: {h}"),
        None => format!("error: {message}"),
    };
    let mut error = json!({ "code": e.code(), "message": message });
    if let Some(h) = hint {
        error["hint"] = h.into();
    }
    structured(
        CallToolResult::error,
        json!({ "error": error, "text": text }),
    )
}
