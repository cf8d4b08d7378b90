//! Decision records: YAML front matter between `---` lines, then a Markdown body.

use std::borrow::Cow;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::FormatError;
use crate::model::{Decision, DecisionStatus, FORMAT_VERSION, TaskId};

/// The front matter as it appears in the file; `format` first, then the decision's fields.
#[derive(Serialize, Deserialize)]
struct Front {
    #[serde(default = "default_format")]
    format: u32,
    number: u32,
    title: String,
    status: DecisionStatus,
    date: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    deciders: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    supersedes: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    superseded_by: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    related_files: Vec<String>,
}

fn default_format() -> u32 {
    FORMAT_VERSION
}

fn error(line: Option<usize>, column: Option<usize>, message: impl Into<String>) -> FormatError {
    FormatError {
        line,
        column,
        message: message.into(),
    }
}

/// `text` with CRLF line endings turned into LF; borrowed when it has no CR at all.
pub fn lf_endings(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Splits `---\n<yaml>---\n<body>`. Returns the YAML, the body, and the 1-based line of the
/// first YAML line (the line after the opening `---`).
pub fn split_front_matter(text: &str) -> Result<(&str, &str), FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text.strip_prefix("---\n") else {
        return Err(error(
            Some(1),
            None,
            "a decision file starts with a `---` line, then YAML front matter, then `---`",
        ));
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Ok((yaml, body));
        }
        offset += line.len();
    }
    Err(error(
        Some(1),
        None,
        "the front matter is not closed: add a line with `---` after it",
    ))
}

/// Drops serde_yaml's own " at line N column M" suffix: the location is reported separately,
/// relative to the whole file.
fn clean_message(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Parses a decision file. Line numbers in errors count from the top of the file.
pub fn decision_from_markdown(text: &str) -> Result<Decision, FormatError> {
    let text = lf_endings(text);
    let text = text.as_ref();
    FormatError::find_conflict_markers(text)?;
    let (yaml, body) = split_front_matter(text)?;
    // The YAML starts on line 2, after the opening `---`.
    const OFFSET: usize = 1;
    for (i, line) in yaml.lines().enumerate() {
        if let Some(v) = line.strip_prefix("format:") {
            match v.trim().parse::<u32>() {
                Ok(v) if v > FORMAT_VERSION => {
                    return Err(error(
                        Some(i + 1 + OFFSET),
                        None,
                        format!(
                            "format {v} is newer than this orc understands (format {FORMAT_VERSION}); upgrade orc"
                        ),
                    ));
                }
                Ok(_) => {}
                Err(_) => {
                    return Err(error(
                        Some(i + 1 + OFFSET),
                        None,
                        format!("`format` must be a whole number, found {:?}", v.trim()),
                    ));
                }
            }
        }
    }
    if yaml.trim().is_empty() {
        return Err(error(Some(2), None, "the front matter is empty"));
    }
    let front: Front = yaml_serde::from_str(yaml).map_err(|e| {
        let (line, column) = match e.location() {
            Some(l) => (Some(l.line() + OFFSET), Some(l.column())),
            None => (None, None),
        };
        error(line, column, clean_message(&e.to_string()))
    })?;
    if front.title.trim().is_empty() {
        let line = yaml
            .lines()
            .position(|l| l.starts_with("title:"))
            .map(|i| i + 1 + OFFSET);
        return Err(error(line, None, "the title is empty"));
    }
    Ok(Decision {
        number: front.number,
        title: front.title,
        status: front.status,
        date: front.date,
        deciders: front.deciders,
        agent: front.agent,
        task: front.task,
        tags: front.tags,
        supersedes: front.supersedes,
        superseded_by: front.superseded_by,
        related_files: front.related_files,
        body: body.trim_start_matches('\n').to_owned(),
    })
}

/// Parses text written by a person for a new decision (`--from`, `--edit`): front matter
/// is optional, and keys it lacks (`number`, `date`, `status`, `title`, ...) are taken from
/// `defaults`. Without front matter the whole text is the body, and a leading
/// `# Title` line names the decision when `defaults` has no title.
pub fn decision_draft_from_markdown(
    text: &str,
    defaults: &Decision,
) -> Result<Decision, FormatError> {
    let text = text.replace("\r\n", "\n");
    if !text.trim_start_matches('\u{feff}').starts_with("---\n") {
        let mut d = defaults.clone();
        d.body = text.trim_start_matches('\n').to_owned();
        if d.title.trim().is_empty() {
            let heading = d
                .body
                .lines()
                .find_map(|l| l.strip_prefix("# "))
                .map(|h| strip_number(h).to_owned());
            match heading {
                Some(h) if !h.trim().is_empty() => d.title = h.trim().to_owned(),
                _ => {
                    return Err(error(
                        Some(1),
                        None,
                        "the decision has no title: start the text with a `# Title` line or pass a title",
                    ));
                }
            }
        }
        return Ok(d);
    }
    let (yaml, body) = split_front_matter(&text)?;
    let mut value: yaml_serde::Value = if yaml.trim().is_empty() {
        yaml_serde::Value::Mapping(Default::default())
    } else {
        yaml_serde::from_str(yaml).map_err(|e| {
            let (line, column) = match e.location() {
                Some(l) => (Some(l.line() + 1), Some(l.column())),
                None => (None, None),
            };
            error(line, column, clean_message(&e.to_string()))
        })?
    };
    let yaml_serde::Value::Mapping(map) = &mut value else {
        return Err(error(
            Some(2),
            None,
            "the front matter must be `key: value` lines",
        ));
    };
    let defaults_value =
        yaml_serde::to_value(front_of(defaults)).expect("decision front matter serialises");
    if let yaml_serde::Value::Mapping(defaults_map) = defaults_value {
        for (k, v) in defaults_map {
            let missing = map.get(&k).is_none_or(|cur| {
                cur.is_null() || cur.as_str().is_some_and(|s| s.trim().is_empty())
            });
            if missing {
                map.insert(k, v);
            }
        }
    }
    let yaml = yaml_serde::to_string(&value).expect("a YAML value serialises");
    let full = format!("---\n{yaml}---\n{body}");
    decision_from_markdown(&full).map_err(|mut e| {
        // Point at the key's line in the text the person wrote, not in the merged YAML.
        let key = e
            .line
            .and_then(|l| full.lines().nth(l - 1))
            .and_then(|l| l.split_once(':'))
            .map(|(k, _)| format!("{}:", k.trim()));
        if let Some(key) = key {
            e.line = text
                .lines()
                .position(|l| l.starts_with(&key))
                .map(|i| i + 1);
            e.column = None;
        }
        e
    })
}

/// `3. Title` -> `Title`.
fn strip_number(heading: &str) -> &str {
    let rest = heading.trim_start_matches(|c: char| c.is_ascii_digit());
    match rest.strip_prefix(". ") {
        Some(r) if rest.len() != heading.len() => r,
        _ => heading,
    }
}

fn front_of(d: &Decision) -> Front {
    Front {
        format: FORMAT_VERSION,
        number: d.number,
        title: d.title.clone(),
        status: d.status,
        date: d.date,
        deciders: d.deciders.clone(),
        agent: d.agent.clone(),
        task: d.task.clone(),
        tags: d.tags.clone(),
        supersedes: d.supersedes.clone(),
        superseded_by: d.superseded_by,
        related_files: d.related_files.clone(),
    }
}

/// The canonical text of a decision file: front matter in fixed key order, one blank
/// line, the body, a trailing newline.
pub fn decision_to_markdown(d: &Decision) -> String {
    let yaml =
        yaml_serde::to_string(&front_of(d)).expect("decision front matter serialises to YAML");
    let body = d.body.trim();
    let mut out = format!("---\n{yaml}---\n");
    if !body.is_empty() {
        out.push('\n');
        out.push_str(body);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Decision {
        Decision {
            number: 3,
            title: "Use gix: no C dependencies".into(),
            status: DecisionStatus::Accepted,
            date: "2026-01-15".parse().unwrap(),
            deciders: vec!["alice".into()],
            agent: Some("claude".into()),
            task: Some(TaskId::parse("task_3f9c2a1b").unwrap()),
            tags: vec!["git".into(), "deps".into()],
            supersedes: vec![1],
            superseded_by: None,
            related_files: vec!["src/store/mod.rs".into()],
            body: "# 3. Use gix\n\n## Context\n\nWe need git.\n".into(),
        }
    }

    #[test]
    fn round_trips_with_stable_text() {
        let d = sample();
        let text = decision_to_markdown(&d);
        assert!(
            text.starts_with("---\nformat: 1\nnumber: 3\ntitle: 'Use gix: no C dependencies'\nstatus: accepted\ndate: 2026-01-15\n"),
            "{text}"
        );
        assert!(text.contains("\n---\n\n# 3. Use gix\n"), "{text}");
        let back = decision_from_markdown(&text).unwrap();
        assert_eq!(back, d);
        assert_eq!(decision_to_markdown(&back), text);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(decision_from_markdown(&crlf).unwrap(), d);
    }

    #[test]
    fn drafts_fill_missing_keys_from_defaults() {
        let defaults = sample();
        let d =
            decision_draft_from_markdown("---\ntitle: Other\ntags: [a]\n---\nText\n", &defaults)
                .unwrap();
        assert_eq!(d.title, "Other");
        assert_eq!(d.tags, vec!["a".to_owned()]);
        assert_eq!(d.number, 3);
        assert_eq!(d.body, "Text\n");
        let mut untitled = sample();
        untitled.title.clear();
        let d = decision_draft_from_markdown("# 7. Plain body\n\nx\n", &untitled).unwrap();
        assert_eq!(d.title, "Plain body");
        assert!(decision_draft_from_markdown("no title\n", &untitled).is_err());
        let err = decision_draft_from_markdown("---\ntitle: x\nstatus: nope\n---\n", &defaults)
            .unwrap_err();
        assert!(err.message.contains("nope"), "{err}");
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn conflict_markers_are_named_and_setext_headings_are_not() {
        let text = decision_to_markdown(&sample());
        let marked = text.replacen(
            "status: accepted\n",
            "<<<<<<< ours\nstatus: accepted\n=======\nstatus: deprecated\n>>>>>>> theirs\n",
            1,
        );
        let err = decision_from_markdown(&marked).unwrap_err();
        assert!(err.is_conflict_markers(), "{err}");
        assert_eq!(err.line, Some(5));
        assert_eq!(err.at_path("d.md"), "unresolved conflict markers at d.md:5");
        let heading = format!("{text}\nA heading\n=======\n");
        assert!(decision_from_markdown(&heading).is_ok());
    }

    #[test]
    fn errors_name_the_line_in_the_file() {
        let text =
            "---\nformat: 1\nnumber: 3\ntitle: x\nstatus: maybe\ndate: 2026-01-15\n---\nbody\n";
        let err = decision_from_markdown(text).unwrap_err();
        assert_eq!(err.line, Some(5), "{err}");
        assert!(err.message.contains("maybe"), "{err}");
        assert!(!err.message.contains(" at line "), "{err}");

        let err = decision_from_markdown("---\nnumber: [\n---\n").unwrap_err();
        assert!(err.line.is_some_and(|l| l >= 2), "{err}");

        let err = decision_from_markdown("# no front matter\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        let err = decision_from_markdown("---\nnumber: 1\n").unwrap_err();
        assert!(err.message.contains("not closed"), "{err}");
        let err = decision_from_markdown("---\nformat: 7\nnumber: 1\n---\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("newer"), "{err}");
    }
}
