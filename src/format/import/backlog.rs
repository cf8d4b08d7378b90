//! Backlog.md's task files: `backlog/tasks/<id> - <title>.md`, YAML front matter and
//! Markdown sections.

use serde::Deserialize;
use yaml_serde::Value;

use super::{ImportSet, ImportedTask, join_sections, non_empty, parse_time};
use crate::format::{FormatError, lf_endings, split_front_matter};
use crate::model::{Note, Priority, Status};

#[derive(Deserialize)]
struct Front {
    id: Value,
    title: Value,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    assignee: OneOrMany,
    #[serde(default)]
    created_date: Option<String>,
    #[serde(default)]
    updated_date: Option<String>,
    #[serde(default)]
    labels: OneOrMany,
    #[serde(default)]
    milestone: Option<String>,
    #[serde(default)]
    dependencies: OneOrMany,
    #[serde(default)]
    parent_task_id: Option<Value>,
    #[serde(default)]
    parent: Option<Value>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(flatten)]
    other: std::collections::BTreeMap<String, Value>,
}

/// A YAML list, or a single value where the list has one entry.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    Many(Vec<Value>),
    One(Value),
}

impl OneOrMany {
    fn strings(&self) -> Vec<String> {
        let items: Vec<&Value> = match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v.iter().collect(),
        };
        items
            .into_iter()
            .filter_map(scalar)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Front-matter keys that only order or decorate tasks in Backlog.md's own views.
const IGNORED: &[&str] = &["ordinal", "reporter", "onStatusChange"];

/// A source id as Backlog.md compares them: case-insensitive (`TASK-1` is `task-1`).
pub fn normalize_id(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

/// Reads one task file. `name` is its path shown in errors; `completed` says it lies in
/// Backlog.md's `completed/` folder (a done task whatever its status says).
pub fn task_from_markdown(
    name: &str,
    text: &str,
    completed: bool,
    set: &mut ImportSet,
) -> Result<(), FormatError> {
    let text = lf_endings(text);
    let text = text.as_ref();
    let (yaml, body) = split_front_matter(text).map_err(|mut e| {
        e.message =
            "a Backlog.md task starts with a `---` line, YAML front matter, then `---`".into();
        e
    })?;
    let front = parse_front(yaml)?;
    let id = scalar(&front.id)
        .map(|s| normalize_id(&s))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| key_error(yaml, "id", "the task has no `id`"))?;
    let title = scalar(&front.title).unwrap_or_default().trim().to_owned();
    let mut t = ImportedTask::new(id, name.to_owned(), title);
    t.status = backlog_status(front.status.as_deref(), completed, set);
    apply_front(&mut t, &front, set);
    apply_sections(&mut t, body);
    if t.title.is_empty() {
        return Err(key_error(yaml, "title", "the task has an empty `title`"));
    }
    set.tasks.push(t);
    Ok(())
}

/// The YAML front matter, its errors located by line.
fn parse_front(yaml: &str) -> Result<Front, FormatError> {
    yaml_serde::from_str(yaml).map_err(|e| {
        let line = e.location().map(|l| l.line() + 1);
        let msg = e.to_string();
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_owned(),
            None => msg,
        };
        FormatError {
            line,
            column: None,
            message: format!("front matter: {msg}"),
        }
    })
}

/// The task's status: Backlog.md's status names, or done in the `completed/` folder;
/// an unknown status is imported as pending and reported as dropped.
fn backlog_status(status: Option<&str>, completed: bool, set: &mut ImportSet) -> Status {
    let status = status.unwrap_or_default();
    if completed {
        Status::Completed
    } else {
        match status.trim().to_ascii_lowercase().as_str() {
            "" | "to do" | "todo" | "backlog" => Status::Pending,
            "in progress" | "in-progress" | "doing" => Status::InProgress,
            "done" | "completed" | "complete" => Status::Completed,
            "blocked" => Status::Blocked,
            "cancelled" | "canceled" | "won't do" | "wont do" => Status::Cancelled,
            _ => {
                set.dropped
                    .add(format!("status {:?} (imported as pending)", status.trim()));
                Status::Pending
            }
        }
    }
}

/// The front matter's other fields: priority, people, dates, milestone, parent,
/// dependencies and labels; fields orc has no place for are reported as dropped.
fn apply_front(t: &mut ImportedTask, front: &Front, set: &mut ImportSet) {
    if let Some(p) = non_empty(front.priority.as_deref()) {
        match p.parse::<Priority>() {
            Ok(p) => t.priority = p,
            Err(_) => set
                .dropped
                .add(format!("priority {p:?} (imported as medium)")),
        }
    }
    let assignees = front.assignee.strings();
    if !assignees.is_empty() {
        t.assignee = Some(assignees.join(", "));
    }
    t.created = front.created_date.as_deref().and_then(parse_time);
    t.updated = front
        .updated_date
        .as_deref()
        .and_then(parse_time)
        .or(t.created);
    t.stream = non_empty(front.milestone.as_deref());
    t.parent = front
        .parent_task_id
        .as_ref()
        .or(front.parent.as_ref())
        .and_then(scalar)
        .map(|p| normalize_id(&p))
        .filter(|p| !p.is_empty());
    for d in front.dependencies.strings() {
        let d = normalize_id(&d);
        if !t.depends_on.contains(&d) {
            t.depends_on.push(d);
        }
    }
    t.add_labels(&front.labels.strings(), &mut set.dropped);
    for (key, value) in &front.other {
        let empty = match value {
            Value::Null => true,
            Value::Sequence(s) => s.is_empty(),
            Value::String(s) => s.trim().is_empty(),
            _ => false,
        };
        if empty || IGNORED.contains(&key.as_str()) {
            continue;
        }
        set.dropped.add(format!("field {key:?}"));
    }
}

/// The body's sections: the description with its criteria, plan and unknown sections,
/// the implementation notes as a note, and the final summary.
fn apply_sections(t: &mut ImportedTask, body: &str) {
    let sections = sections(body);
    let get = |name: &str| -> String {
        sections
            .iter()
            .filter(|(h, _)| h.eq_ignore_ascii_case(name))
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let mut extra: Vec<(String, String)> = Vec::new();
    for (heading, text) in &sections {
        let known = [
            "",
            "Description",
            "Acceptance Criteria",
            "Definition of Done",
            "Implementation Plan",
            "Implementation Notes",
            "Final Summary",
        ];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(heading)) && !text.trim().is_empty() {
            extra.push((heading.clone(), text.clone()));
        }
    }
    let mut main = get("");
    let description = get("Description");
    if !description.trim().is_empty() {
        if !main.trim().is_empty() {
            main.push_str("\n\n");
        }
        main.push_str(&description);
    }
    let criteria = checklist(&get("Acceptance Criteria"));
    let done = checklist(&get("Definition of Done"));
    let plan = get("Implementation Plan");
    let mut parts: Vec<(&str, &str)> = vec![
        ("Acceptance criteria", &criteria),
        ("Definition of done", &done),
        ("Implementation plan", &plan),
    ];
    parts.extend(extra.iter().map(|(h, s)| (h.as_str(), s.as_str())));
    t.description = join_sections(&main, &parts);
    if let Some(notes) = non_empty(Some(&get("Implementation Notes"))) {
        t.notes.push(Note {
            at: t.updated.unwrap_or_default(),
            author: None,
            text: notes,
        });
    }
    let summary = non_empty(Some(&get("Final Summary")));
    if t.status == Status::Completed {
        t.result = summary;
        t.completed = t.updated;
    } else if summary.is_some() {
        t.description = join_sections(&t.description, &[("Final summary", &get("Final Summary"))]);
    }
}

/// The body's `## Heading` sections, in order, with Backlog.md's `<!-- ... -->` markers
/// removed. Text before the first heading has the heading "".
fn sections(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![(String::new(), String::new())];
    for line in body.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push((h.trim().to_owned(), String::new()));
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with("<!--") && trimmed.ends_with("-->") {
            continue;
        }
        let text = &mut out.last_mut().expect("never empty").1;
        text.push_str(line);
        text.push('\n');
    }
    out.into_iter()
        .map(|(h, t)| (h, t.trim().to_owned()))
        .filter(|(h, t)| !h.is_empty() || !t.is_empty())
        .collect()
}

/// A Backlog.md checklist (`- [x] #2 Text`) without its numbering.
fn checklist(text: &str) -> String {
    text.lines()
        .map(|l| {
            let trimmed = l.trim_start();
            for mark in ["- [ ] ", "- [x] ", "- [X] "] {
                if let Some(rest) = trimmed.strip_prefix(mark) {
                    let rest = match rest.strip_prefix('#') {
                        Some(r) => r
                            .trim_start_matches(|c: char| c.is_ascii_digit())
                            .trim_start(),
                        None => rest,
                    };
                    return format!("{}{rest}", &mark[..6]);
                }
            }
            l.to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An error on the front-matter line that holds `key` (line 1 is the opening `---`).
fn key_error(yaml: &str, key: &str, message: &str) -> FormatError {
    let line = yaml
        .lines()
        .position(|l| l.starts_with(&format!("{key}:")))
        .map_or(1, |i| i + 2);
    FormatError {
        line: Some(line),
        column: None,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklists_lose_their_numbers() {
        assert_eq!(
            checklist("- [ ] #1 Expiry is configurable\n- [x] #12 Done"),
            "- [ ] Expiry is configurable\n- [x] Done"
        );
    }

    #[test]
    fn yaml_errors_name_the_file_line() {
        let mut set = ImportSet::default();
        let text = "---\nid: task-1\ntitle: [unclosed\nstatus: To Do\n---\n";
        let err = task_from_markdown("t.md", text, false, &mut set).unwrap_err();
        assert!(err.line.is_some_and(|l| (3..=5).contains(&l)), "{err:?}");
        let err = task_from_markdown("t.md", "no front matter", false, &mut set).unwrap_err();
        assert_eq!(err.line, Some(1));
    }
}
