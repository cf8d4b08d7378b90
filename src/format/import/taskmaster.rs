//! Task Master's `tasks.json`: tagged (`{"master": {"tasks": [...]}, ...}`) or the plain
//! layout of earlier versions (`{"tasks": [...]}`, read as the tag `master`).

use serde_json::{Map, Value};

use super::{ImportSet, ImportedTask, join_sections, non_empty, parse_time};
use crate::format::FormatError;
use crate::model::{Priority, Status};

/// Task Master's default tag: its tasks get no stream.
const MASTER: &str = "master";

/// Keys of a task or subtask that orc maps; any other key is reported as dropped.
const KNOWN: &[&str] = &[
    "id",
    "title",
    "description",
    "details",
    "testStrategy",
    "status",
    "dependencies",
    "priority",
    "subtasks",
    "updatedAt",
    "createdAt",
    "parentTaskId",
    "parentId",
    "acceptanceCriteria",
];

pub fn from_json(text: &str) -> Result<ImportSet, FormatError> {
    let root: Value = serde_json::from_str(text).map_err(|e| FormatError {
        line: Some(e.line()),
        column: Some(e.column()),
        message: format!("not JSON: {e}")
            .replace(&format!(" at line {} column {}", e.line(), e.column()), ""),
    })?;
    let Value::Object(root) = root else {
        return Err(problem(
            "the file holds no JSON object; expected Task Master's tasks.json",
        ));
    };
    let mut set = ImportSet::default();
    if let Some(tasks) = root.get("tasks") {
        read_tag(MASTER, tasks, "tasks", &mut set)?;
        return Ok(set);
    }
    for (tag, value) in &root {
        let Some(tasks) = value.get("tasks") else {
            return Err(problem(format!(
                "{tag:?} has no \"tasks\" list; expected a tag ({{\"{tag}\": {{\"tasks\": [...]}}}})"
            )));
        };
        read_tag(tag, tasks, &format!("{tag}.tasks"), &mut set)?;
    }
    Ok(set)
}

fn read_tag(tag: &str, tasks: &Value, path: &str, set: &mut ImportSet) -> Result<(), FormatError> {
    let Value::Array(tasks) = tasks else {
        return Err(problem(format!("{path} is not a list")));
    };
    for (i, task) in tasks.iter().enumerate() {
        let loc = format!("{path}[{i}]");
        let obj = object(task, &loc)?;
        let id = id_of(obj, &loc)?;
        let source = format!("{tag}:{id}");
        let mut t = read_item(obj, &source, &loc, set)?;
        if tag != MASTER {
            t.stream = Some(tag.to_owned());
        }
        t.depends_on = deps(obj, &loc)?
            .into_iter()
            .map(|d| format!("{tag}:{}", d.text()))
            .collect();
        let subtasks = match obj.get("subtasks") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(s)) => s.clone(),
            Some(_) => return Err(problem(format!("{loc}.subtasks is not a list"))),
        };
        set.tasks.push(t);
        for (j, sub) in subtasks.iter().enumerate() {
            let sloc = format!("{loc}.subtasks[{j}]");
            let sobj = object(sub, &sloc)?;
            let sid = id_of(sobj, &sloc)?;
            let mut s = read_item(sobj, &format!("{tag}:{id}.{sid}"), &sloc, set)?;
            s.parent = Some(source.clone());
            s.stream = set.tasks.last().and_then(|p| p.stream.clone());
            // A number names a sibling subtask; "3.1" names any subtask, "3" a task.
            s.depends_on = deps(sobj, &sloc)?
                .into_iter()
                .map(|d| match d {
                    Dep::Number(n) => format!("{tag}:{id}.{n}"),
                    Dep::Text(t) => format!("{tag}:{t}"),
                })
                .collect();
            set.tasks.push(s);
        }
    }
    Ok(())
}

/// A dependency as written: a JSON number or a string.
#[derive(PartialEq)]
enum Dep {
    Number(String),
    Text(String),
}

impl Dep {
    fn text(&self) -> &str {
        match self {
            Dep::Number(s) | Dep::Text(s) => s,
        }
    }
}

fn read_item(
    obj: &Map<String, Value>,
    source: &str,
    loc: &str,
    set: &mut ImportSet,
) -> Result<ImportedTask, FormatError> {
    let title = text(obj, "title").unwrap_or_default();
    if title.trim().is_empty() {
        return Err(problem(format!("{loc}.title is missing or empty")));
    }
    let mut t = ImportedTask::new(source.to_owned(), loc.to_owned(), title);
    t.description = join_sections(
        &text(obj, "description").unwrap_or_default(),
        &[
            ("Details", &text(obj, "details").unwrap_or_default()),
            (
                "Test strategy",
                &text(obj, "testStrategy").unwrap_or_default(),
            ),
            (
                "Acceptance criteria",
                &text(obj, "acceptanceCriteria").unwrap_or_default(),
            ),
        ],
    );
    let status = text(obj, "status").unwrap_or_else(|| "pending".into());
    t.status = match status.trim() {
        "pending" | "" => Status::Pending,
        "in-progress" | "in_progress" => Status::InProgress,
        "done" | "completed" => Status::Completed,
        "blocked" => Status::Blocked,
        "cancelled" | "canceled" => Status::Cancelled,
        "review" => {
            set.dropped
                .add("status \"review\" (imported as in_progress)");
            Status::InProgress
        }
        other => {
            set.dropped
                .add(format!("status {other:?} (imported as pending)"));
            Status::Pending
        }
    };
    if let Some(p) = non_empty(text(obj, "priority").as_deref()) {
        match p.parse::<Priority>() {
            Ok(p) => t.priority = p,
            Err(_) => set
                .dropped
                .add(format!("priority {p:?} (imported as medium)")),
        }
    }
    t.created = text(obj, "createdAt").as_deref().and_then(parse_time);
    t.updated = text(obj, "updatedAt").as_deref().and_then(parse_time);
    if t.status == Status::Completed {
        t.completed = t.updated;
    }
    for (key, value) in obj {
        let empty = value.is_null()
            || value.as_str().is_some_and(|s| s.trim().is_empty())
            || value.as_array().is_some_and(Vec::is_empty);
        if !empty && !KNOWN.contains(&key.as_str()) {
            set.dropped.add(format!("field {key:?}"));
        }
    }
    Ok(t)
}

fn object<'a>(v: &'a Value, loc: &str) -> Result<&'a Map<String, Value>, FormatError> {
    v.as_object()
        .ok_or_else(|| problem(format!("{loc} is not a task object")))
}

fn id_of(obj: &Map<String, Value>, loc: &str) -> Result<String, FormatError> {
    match obj.get("id") {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(problem(format!(
            "{loc}.id is missing; every task needs an id"
        ))),
    }
}

fn deps(obj: &Map<String, Value>, loc: &str) -> Result<Vec<Dep>, FormatError> {
    let mut out = Vec::new();
    match obj.get("dependencies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for (k, d) in a.iter().enumerate() {
                let d = match d {
                    Value::Number(n) => Dep::Number(n.to_string()),
                    Value::String(s) => Dep::Text(s.trim().to_owned()),
                    _ => {
                        return Err(problem(format!(
                            "{loc}.dependencies[{k}] is neither a number nor a string"
                        )));
                    }
                };
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
        Some(_) => return Err(problem(format!("{loc}.dependencies is not a list"))),
    }
    Ok(out)
}

fn text(obj: &Map<String, Value>, key: &str) -> Option<String> {
    match obj.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn problem(message: impl Into<String>) -> FormatError {
    FormatError {
        line: None,
        column: None,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtask_numbers_name_siblings_and_strings_name_any_task() {
        let json = r#"{"tasks": [
            {"id": 1, "title": "A", "subtasks": [
                {"id": 1, "title": "A1"},
                {"id": 2, "title": "A2", "dependencies": [1, "2", "2.1"]}]},
            {"id": 2, "title": "B", "dependencies": ["1"], "subtasks": [{"id": 1, "title": "B1"}]}
        ]}"#;
        let set = from_json(json).unwrap();
        let a2 = set
            .tasks
            .iter()
            .find(|t| t.source_id == "master:1.2")
            .unwrap();
        assert_eq!(a2.depends_on, ["master:1.1", "master:2", "master:2.1"]);
        assert_eq!(a2.parent.as_deref(), Some("master:1"));
        let b = set
            .tasks
            .iter()
            .find(|t| t.source_id == "master:2")
            .unwrap();
        assert_eq!(b.depends_on, ["master:1"]);
    }

    #[test]
    fn a_task_without_a_title_is_named_by_its_path() {
        let err = from_json(r#"{"master": {"tasks": [{"id": 1, "title": "A"}, {"id": 2}]}}"#)
            .unwrap_err();
        assert_eq!(err.message, "master.tasks[1].title is missing or empty");
        let err = from_json("{\n  \"tasks\": [\n    {\"id\": 1,}\n  ]\n}").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }
}
