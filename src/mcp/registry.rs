//! Which tools the server offers and how their schemas look on the wire.
//!
//! Every tool is declared once in [`TOOLS`]: the tool set it belongs to (`core` is the
//! original's twelve tools plus `orchestrator_claim_next`) and the fields of its result
//! that clients read (its `outputSchema`). Input schemas come from the parameter types
//! and are made portable here: no `type` arrays, no `null` in enums, no non-standard
//! `format`, no `$schema`.

use serde_json::{Map, Value, json};

pub use crate::model::ToolSet;

/// The JSON type of a result field.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    Text,
    Flag,
    List,
}

/// One tool: its name, its set, and the result fields clients of the original read
/// programmatically (never `null`; the result has more: `text`, the prose for the model,
/// `commit` for a mutation, ...); other tools' results are declared as objects.
pub struct ToolSpec {
    pub name: &'static str,
    pub set: ToolSet,
    pub result: &'static [(&'static str, Field)],
}

use Field::*;
use ToolSet::{All, Core};

const fn tool(
    name: &'static str,
    set: ToolSet,
    result: &'static [(&'static str, Field)],
) -> ToolSpec {
    ToolSpec { name, set, result }
}

/// Every tool the server has. A tool missing here is served in `all` only, with a
/// result schema that declares just `text`.
pub const TOOLS: &[ToolSpec] = &[
    // The original's twelve tools and the claim of the next task: the `core` set.
    tool(
        "orchestrator_initialize_session",
        Core,
        &[("session_initialized", Flag), ("working_directory", Text)],
    ),
    tool(
        "orchestrator_plan_task",
        Core,
        &[
            ("task_created", Flag),
            ("parent_task_id", Text),
            ("subtasks", List),
        ],
    ),
    tool("orchestrator_execute_subtask", Core, &[]),
    tool("orchestrator_claim_next", Core, &[]),
    tool(
        "orchestrator_complete_subtask",
        Core,
        &[
            ("task_id", Text),
            ("status", Text),
            ("results_recorded", Flag),
        ],
    ),
    tool("orchestrator_synthesize_results", Core, &[]),
    tool("orchestrator_get_status", Core, &[]),
    tool("orchestrator_maintenance_coordinator", Core, &[]),
    tool("orchestrator_health_check", Core, &[]),
    tool("orchestrator_restart_server", Core, &[]),
    tool("orchestrator_shutdown_prepare", Core, &[]),
    tool("orchestrator_reconnect_test", Core, &[]),
    tool("orchestrator_restart_status", Core, &[]),
    // orc's own tools.
    tool("orchestrator_create_task", All, &[]),
    tool("orchestrator_update_task", All, &[]),
    tool("orchestrator_add_note", All, &[]),
    tool("orchestrator_show_task", All, &[]),
    tool("orchestrator_list_tasks", All, &[]),
    tool("orchestrator_ready_tasks", All, &[]),
    tool("orchestrator_end_session", All, &[]),
    tool("orchestrator_record_decision", All, &[]),
    tool("orchestrator_search_decisions", All, &[]),
    tool("orchestrator_show_decision", All, &[]),
    tool("orchestrator_record_files", All, &[]),
    tool("orchestrator_verify_files", All, &[]),
    tool("orchestrator_recover_context", All, &[]),
    tool("orchestrator_log", All, &[]),
    tool("orchestrator_import", All, &[]),
    tool("orchestrator_send_message", All, &[]),
    tool("orchestrator_inbox", All, &[]),
    tool("orchestrator_ack_message", All, &[]),
];

/// The declaration of `name`, if it has one.
pub fn spec(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|t| t.name == name)
}

/// Whether `set` offers the tool `name`.
pub fn offered(name: &str, set: ToolSet) -> bool {
    match set {
        ToolSet::All => true,
        ToolSet::Core => spec(name).is_some_and(|t| t.set == ToolSet::Core),
    }
}

/// The `outputSchema` of `name`: an object with the fields clients read. Nothing is
/// required, so error results (`error`) conform too. Kept short: the tool list is in
/// every agent turn.
pub fn output_schema(name: &str) -> Map<String, Value> {
    let mut props = Map::new();
    for (field, kind) in spec(name).map_or(&[][..], |t| t.result) {
        let schema = match kind {
            Text => json!({ "type": "string" }),
            Flag => json!({ "type": "boolean" }),
            List => json!({ "type": "array" }),
        };
        props.insert((*field).into(), schema);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    if !props.is_empty() {
        schema.insert("properties".into(), Value::Object(props));
    }
    schema
}

/// `format` values every JSON Schema validator knows; others are dropped.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "uuid",
    "regex",
];

/// Rewrites a schema so that every client reads it alike: `type` arrays become a single
/// type (an optional parameter is simply not required; `null` is dropped) or `anyOf`
/// branches, `null` leaves enums, non-standard `format`s, `$schema` and
/// `additionalProperties` go (some model APIs reject the latter; the server still
/// refuses unknown parameters, with a tool error that names them).
pub fn portable(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("$schema");
            map.remove("additionalProperties");
            if let Some(Value::String(f)) = map.get("format")
                && !STANDARD_FORMATS.contains(&f.as_str())
            {
                map.remove("format");
            }
            if let Some(Value::Array(types)) = map.get("type") {
                let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                if types.len() == 1 {
                    map.insert("type".into(), types[0].clone());
                } else {
                    map.remove("type");
                    let branches = types.into_iter().map(|t| json!({ "type": t })).collect();
                    map.insert("anyOf".into(), Value::Array(branches));
                }
            }
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            // `null`, `false` and `[]` are what an absent parameter means anyway.
            if map.get("default").is_some_and(|d| {
                d.is_null() || *d == Value::Bool(false) || d.as_array().is_some_and(Vec::is_empty)
            }) {
                map.remove("default");
            }
            for value in map.values_mut() {
                portable(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(portable),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_arrays_become_one_type_or_branches() {
        let mut s = json!({
            "$schema": "x",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "a": { "type": ["string", "null"], "enum": ["x", null], "default": null },
                "b": { "type": ["string", "integer"] },
                "c": { "type": ["integer", "null"], "format": "uint", "minimum": 0 },
                "d": { "type": "string", "format": "date-time" },
            }
        });
        portable(&mut s);
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {
                    "a": { "type": "string", "enum": ["x"] },
                    "b": { "anyOf": [{ "type": "string" }, { "type": "integer" }] },
                    "c": { "type": "integer", "minimum": 0 },
                    "d": { "type": "string", "format": "date-time" },
                }
            })
        );
    }

    #[test]
    fn core_is_the_originals_tools_and_claim_next() {
        let core: Vec<&str> = TOOLS
            .iter()
            .filter(|t| t.set == ToolSet::Core)
            .map(|t| t.name)
            .collect();
        assert_eq!(core.len(), 13, "{core:?}");
        assert!(offered("orchestrator_claim_next", ToolSet::Core));
        assert!(!offered("orchestrator_log", ToolSet::Core));
        assert!(offered("orchestrator_log", ToolSet::All));
    }
}
