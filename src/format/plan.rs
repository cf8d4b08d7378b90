//! Plan files (`orc plan --from FILE`) in TOML or JSON, and the MCP `subtasks_json` array.
//!
//! Reads the document's shape into a [`PlanSpec`], collecting every shape problem with its
//! location (`subtasks[2].role`) instead of stopping at the first. Whether roles exist and
//! dependencies resolve is checked later, against the repository.

use serde_json::Value;

use super::FormatError;
use crate::model::{DepRef, PlanProblem, PlanSpec, Priority, SubtaskSpec};

/// The syntax of a plan document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSyntax {
    Toml,
    Json,
    /// JSON when the text starts with `{` or `[`, TOML otherwise.
    Detect,
}

/// Parses a plan. A syntax error is a [`FormatError`] with line and column; shape
/// problems (wrong types, unknown fields) come back alongside the best-effort spec.
pub fn plan_from_text(
    text: &str,
    syntax: PlanSyntax,
) -> Result<(PlanSpec, Vec<PlanProblem>), FormatError> {
    let json = match syntax {
        PlanSyntax::Json => true,
        PlanSyntax::Toml => false,
        PlanSyntax::Detect => matches!(text.trim_start().chars().next(), Some('{' | '[')),
    };
    let value = if json {
        serde_json::from_str::<Value>(text).map_err(|e| FormatError {
            line: Some(e.line()),
            column: Some(e.column()),
            message: e.to_string(),
        })?
    } else {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start);
            FormatError::at_offset(text, offset, e.message().trim().to_owned())
        })?;
        serde_json::to_value(table).expect("TOML tables convert to JSON")
    };
    let mut problems = Vec::new();
    let spec = plan_from_value(&value, &mut problems);
    Ok((spec, problems))
}

/// Parses a JSON array of subtasks, as the MCP tool `orchestrator_plan_task` receives in
/// `subtasks_json`. Accepts the original's field names.
pub fn subtasks_from_json(text: &str) -> Result<(Vec<SubtaskSpec>, Vec<PlanProblem>), FormatError> {
    let (spec, problems) = plan_from_text(text, PlanSyntax::Json)?;
    Ok((spec.subtasks, problems))
}

const PLAN_FIELDS: &[&str] = &[
    "title",
    "description",
    "priority",
    "stream",
    "parent",
    "subtasks",
];
const SUBTASK_FIELDS: &[&str] = &[
    "key",
    "title",
    "description",
    "role",
    "depends_on",
    "priority",
    "estimate",
    "stream",
    "subtasks",
];
/// The Python original's names for the same fields.
const ALIASES: &[(&str, &str)] = &[
    ("task_id", "key"),
    ("specialist_type", "role"),
    ("specialist", "role"),
    ("dependencies", "depends_on"),
    ("estimated_effort", "estimate"),
];

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
    }
}

fn at(base: &str, field: &str) -> String {
    if base.is_empty() {
        field.to_owned()
    } else {
        format!("{base}.{field}")
    }
}

fn plan_from_value(value: &Value, problems: &mut Vec<PlanProblem>) -> PlanSpec {
    let mut spec = PlanSpec::default();
    match value {
        Value::Array(_) => spec.subtasks = subtasks(value, "subtasks", problems),
        Value::Object(map) => {
            for (k, v) in map {
                match k.as_str() {
                    "title" => spec.title = string(v, k, problems).unwrap_or_default(),
                    "description" => spec.description = text(v, k, problems),
                    "priority" => spec.priority = priority(v, k, problems),
                    "stream" => spec.stream = string(v, k, problems),
                    "parent" => spec.parent = string(v, k, problems),
                    "subtasks" => spec.subtasks = subtasks(v, "subtasks", problems),
                    "format" => {}
                    other => problems.push(unknown_field(other, "", PLAN_FIELDS)),
                }
            }
        }
        other => problems.push(PlanProblem::new(
            "",
            format!(
                "a plan is a table with `title` and `subtasks`, or an array of subtasks; found {}",
                kind(other)
            ),
        )),
    }
    spec
}

fn unknown_field(name: &str, base: &str, expected: &[&str]) -> PlanProblem {
    PlanProblem::new(
        at(base, name),
        format!("unknown field; expected one of: {}", expected.join(", ")),
    )
}

fn subtasks(v: &Value, loc: &str, problems: &mut Vec<PlanProblem>) -> Vec<SubtaskSpec> {
    let Value::Array(items) = v else {
        problems.push(PlanProblem::new(
            loc,
            format!("expected an array of subtasks, found {}", kind(v)),
        ));
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| subtask(item, &format!("{loc}[{i}]"), problems))
        .collect()
}

fn subtask(v: &Value, loc: &str, problems: &mut Vec<PlanProblem>) -> SubtaskSpec {
    let mut spec = SubtaskSpec::default();
    let Value::Object(map) = v else {
        problems.push(PlanProblem::new(
            loc,
            format!("expected a subtask table, found {}", kind(v)),
        ));
        return spec;
    };
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (k, v) in map {
        let canonical = ALIASES
            .iter()
            .find(|(alias, _)| alias == k)
            .map_or(k.as_str(), |(_, c)| c);
        if let Some((first, _)) = seen.iter().find(|(_, c)| *c == canonical) {
            problems.push(PlanProblem::new(
                at(loc, k),
                format!("`{first}` and `{k}` mean the same; give only one"),
            ));
            continue;
        }
        seen.push((k, canonical));
        let field = at(loc, canonical);
        match canonical {
            "key" => spec.key = string(v, &field, problems),
            "title" => spec.title = string(v, &field, problems).unwrap_or_default(),
            "description" => spec.description = text(v, &field, problems),
            "role" => spec.role = string(v, &field, problems),
            "depends_on" => spec.depends_on = deps(v, &field, problems),
            "priority" => spec.priority = priority(v, &field, problems),
            "estimate" => {
                spec.estimate = match v {
                    Value::Number(n) => Some(n.to_string()),
                    _ => string(v, &field, problems),
                }
            }
            "stream" => spec.stream = string(v, &field, problems),
            "subtasks" => spec.subtasks = subtasks(v, &field, problems),
            other => problems.push(unknown_field(other, loc, SUBTASK_FIELDS)),
        }
    }
    spec
}

/// A string field; empty strings count as absent.
fn string(v: &Value, loc: &str, problems: &mut Vec<PlanProblem>) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Null => None,
        other => {
            problems.push(PlanProblem::new(
                loc,
                format!("expected a string, found {}", kind(other)),
            ));
            None
        }
    }
}

fn text(v: &Value, loc: &str, problems: &mut Vec<PlanProblem>) -> String {
    string(v, loc, problems).unwrap_or_default()
}

fn priority(v: &Value, loc: &str, problems: &mut Vec<PlanProblem>) -> Option<Priority> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => {
            problems.push(PlanProblem::new(
                loc,
                format!("expected a priority, found {}", kind(other)),
            ));
            return None;
        }
    };
    match s.parse() {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(PlanProblem::new(loc, e));
            None
        }
    }
}

fn deps(v: &Value, loc: &str, problems: &mut Vec<PlanProblem>) -> Vec<DepRef> {
    let one = |v: &Value, loc: &str, problems: &mut Vec<PlanProblem>| match v {
        Value::Number(n) => match n.as_u64() {
            Some(i) => Some(DepRef::Index(i as usize)),
            None => {
                problems.push(PlanProblem::new(
                    loc,
                    format!("{n} is not a subtask position (0, 1, 2, ...)"),
                ));
                None
            }
        },
        Value::String(s) if !s.trim().is_empty() => Some(DepRef::Name(s.trim().to_owned())),
        other => {
            problems.push(PlanProblem::new(
                loc,
                format!(
                    "expected a subtask position, key or task id, found {}",
                    kind(other)
                ),
            ));
            None
        }
    };
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| one(item, &format!("{loc}[{i}]"), problems))
            .collect(),
        single => one(single, loc, problems).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_plan_with_keys_nesting_and_aliases() {
        let text = r#"
title = "Login"
priority = "high"
stream = "auth"

[[subtasks]]
key = "design"
title = "Design"
role = "architect"

[[subtasks]]
title = "Build"
specialist_type = "implementer"
depends_on = ["design"]
estimated_effort = 3

[[subtasks.subtasks]]
title = "Parser"
role = "implementer"
dependencies = [0]
"#;
        let (spec, problems) = plan_from_text(text, PlanSyntax::Detect).unwrap();
        assert_eq!(problems, []);
        assert_eq!(spec.title, "Login");
        assert_eq!(spec.priority, Some(Priority::High));
        assert_eq!(spec.subtasks.len(), 2);
        let build = &spec.subtasks[1];
        assert_eq!(build.role.as_deref(), Some("implementer"));
        assert_eq!(build.depends_on, [DepRef::Name("design".into())]);
        assert_eq!(build.estimate.as_deref(), Some("3"));
        assert_eq!(build.subtasks[0].depends_on, [DepRef::Index(0)]);
    }

    #[test]
    fn json_array_as_in_the_original() {
        let text = r#"[{"task_id": "a", "title": "A", "description": "d", "specialist_type": "tester"},
                      {"title": "B", "specialist_type": "reviewer", "dependencies": ["a"], "estimated_effort": "1h"}]"#;
        let (subtasks, problems) = subtasks_from_json(text).unwrap();
        assert_eq!(problems, []);
        assert_eq!(subtasks[0].key.as_deref(), Some("a"));
        assert_eq!(subtasks[1].estimate.as_deref(), Some("1h"));
    }

    #[test]
    fn every_shape_problem_is_reported_with_its_location() {
        let text = r#"{"title": 3, "colour": "red", "subtasks": [
            {"title": "A", "role": ["x"], "priority": "urgent"},
            "oops",
            {"title": "C", "role": "tester", "specialist_type": "tester", "depends_on": [true]}
        ]}"#;
        let (_, problems) = plan_from_text(text, PlanSyntax::Detect).unwrap();
        let locations: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
        assert_eq!(
            locations,
            [
                "colour",
                "subtasks[0].priority",
                "subtasks[0].role",
                "subtasks[1]",
                "subtasks[2].depends_on[0]",
                "subtasks[2].specialist_type",
                "title",
            ]
        );
    }

    #[test]
    fn syntax_errors_have_lines() {
        let err = plan_from_text("title = \"x\"\n[[subtasks]\n", PlanSyntax::Toml).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        let err = plan_from_text("{\n\"title\": }", PlanSyntax::Detect).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
    }
}
