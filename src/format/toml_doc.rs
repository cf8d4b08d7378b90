//! TOML documents: tasks and the repository config.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{
    Ack, ActiveSessions, Claim, Config, FORMAT_VERSION, Message, Reservations, Session, Task,
};

/// A document that could not be read. `line`/`column` are 1-based when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", location(*line, *column))]
pub struct FormatError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

/// The message of a file that still holds a merge's conflict markers.
const CONFLICT_MARKERS: &str = "unresolved conflict markers";

impl FormatError {
    /// The file holds conflict markers (`<<<<<<<`, `>>>>>>>` at a line start) from a
    /// merge; `line` is the first.
    pub fn conflict_markers(line: usize) -> Self {
        FormatError {
            line: Some(line),
            column: None,
            message: CONFLICT_MARKERS.to_owned(),
        }
    }

    pub fn is_conflict_markers(&self) -> bool {
        self.message == CONFLICT_MARKERS
    }

    /// The error as said about the file at `path`: `unresolved conflict markers at
    /// PATH:LINE` for conflict markers, `PATH: line L, column C: message` otherwise.
    pub fn at_path(&self, path: &str) -> String {
        match self.line {
            Some(line) if self.is_conflict_markers() => {
                format!("{CONFLICT_MARKERS} at {path}:{line}")
            }
            _ => format!("{path}: {self}"),
        }
    }

    /// The first line of `text` that starts with a conflict marker, as an error.
    pub fn find_conflict_markers(text: &str) -> Result<(), FormatError> {
        if !text.contains("<<<<<<<") && !text.contains(">>>>>>>") {
            return Ok(());
        }
        match text
            .lines()
            .position(|l| l.starts_with("<<<<<<<") || l.starts_with(">>>>>>>"))
        {
            Some(i) => Err(FormatError::conflict_markers(i + 1)),
            None => Ok(()),
        }
    }
    pub(crate) fn at_offset(text: &str, offset: Option<usize>, message: String) -> Self {
        let (line, column) = match offset {
            Some(off) => {
                let before = &text[..off.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        FormatError {
            line,
            column,
            message,
        }
    }
}

/// Finds `format = N` among the top-level keys (before the first table header).
/// Returns the version and its line, or `None` when the key is absent.
pub(super) fn declared_format(text: &str) -> Result<Option<u32>, FormatError> {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            break;
        }
        let Some(rest) = line.strip_prefix("format") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.split('#').next().unwrap_or("").trim();
        return match value.parse::<u32>() {
            Ok(v) if v > FORMAT_VERSION => Err(FormatError {
                line: Some(i + 1),
                column: None,
                message: format!(
                    "format {v} is newer than this orc understands (format {FORMAT_VERSION}); upgrade orc"
                ),
            }),
            Ok(v) => Ok(Some(v)),
            Err(_) => Err(FormatError {
                line: Some(i + 1),
                column: None,
                message: format!("`format` must be a whole number, found {value:?}"),
            }),
        };
    }
    Ok(None)
}

pub(super) fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T, FormatError> {
    FormatError::find_conflict_markers(text)?;
    declared_format(text)?;
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        FormatError::at_offset(text, offset, e.message().trim().to_owned())
    })
}

pub(super) fn to_toml<T: Serialize>(value: &T, header: bool) -> String {
    let body = toml::to_string_pretty(value).expect("model values always serialise to TOML");
    let mut out = String::with_capacity(body.len() + 16);
    if header {
        out.push_str(&format!("format = {FORMAT_VERSION}\n"));
    }
    out.push_str(&body);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Parses a task file. Unknown keys are ignored so that newer minor additions still read.
pub fn task_from_toml(text: &str) -> Result<Task, FormatError> {
    from_toml(text)
}

/// The canonical text of a task file: `format` first, fields in fixed order, LF endings;
/// unset options, empty strings and empty lists are left out.
pub fn task_to_toml(task: &Task) -> String {
    to_toml(&without_empty(task), true)
}

/// The value as a TOML table (field order kept) without empty strings and empty arrays.
fn without_empty<T: Serialize>(value: &T) -> toml::Table {
    let mut table = toml::Table::try_from(value).expect("model values always serialise to TOML");
    table.retain(|_, v| match v {
        toml::Value::String(s) => !s.is_empty(),
        toml::Value::Array(a) => !a.is_empty(),
        _ => true,
    });
    table
}

pub fn config_from_toml(text: &str) -> Result<Config, FormatError> {
    from_toml(text)
}

pub fn config_to_toml(config: &Config) -> String {
    // `format` is a field of Config itself.
    to_toml(config, false)
}

/// The text of a claim (the body of the object a claim ref points to).
pub fn claim_to_toml(claim: &Claim) -> String {
    to_toml(&without_empty(claim), true)
}

pub fn claim_from_toml(text: &str) -> Result<Claim, FormatError> {
    from_toml(text)
}

pub fn session_from_toml(text: &str) -> Result<Session, FormatError> {
    from_toml(text)
}

pub fn session_to_toml(session: &Session) -> String {
    to_toml(session, true)
}

/// The machine-local record of active sessions (not a committed file).
pub fn active_sessions_from_toml(text: &str) -> Result<ActiveSessions, FormatError> {
    from_toml(text)
}

pub fn active_sessions_to_toml(active: &ActiveSessions) -> String {
    to_toml(active, true)
}

pub fn message_to_toml(message: &Message) -> String {
    to_toml(&without_empty(message), true)
}

pub fn message_from_toml(text: &str) -> Result<Message, FormatError> {
    from_toml(text)
}

pub fn ack_to_toml(ack: &Ack) -> String {
    to_toml(&without_empty(ack), true)
}

pub fn ack_from_toml(text: &str) -> Result<Ack, FormatError> {
    from_toml(text)
}

pub fn reservations_to_toml(list: &Reservations) -> String {
    to_toml(list, true)
}

pub fn reservations_from_toml(text: &str) -> Result<Reservations, FormatError> {
    from_toml(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Artifact, Note, Priority, Status, TaskId};

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn sample() -> Task {
        let mut t = Task::new(
            TaskId::parse("implementer_08ba71c4").unwrap(),
            "Add parser".into(),
            ts("2026-01-02T03:04:05Z"),
        );
        t.description = "Line one\nLine \"two\"".into();
        t.role = Some("implementer".into());
        t.priority = Priority::High;
        t.parent = Some(TaskId::parse("task_3f9c2a1b").unwrap());
        t.depends_on = vec![TaskId::parse("architect_00aa11bb").unwrap()];
        t.stream = Some("core".into());
        t.notes.push(Note {
            at: ts("2026-01-02T04:00:00Z"),
            author: Some("agent-1".into()),
            text: "started".into(),
        });
        t.artifacts.push(Artifact {
            path: "src/parser.rs".into(),
            sha256: "ab".repeat(32),
            size: 42,
        });
        t
    }

    #[test]
    fn task_round_trips_and_text_is_stable() {
        let t = sample();
        let text = task_to_toml(&t);
        assert!(
            text.starts_with("format = 1\nid = \"implementer_08ba71c4\"\n"),
            "{text}"
        );
        assert!(text.ends_with('\n'));
        assert!(text.contains("[[notes]]"));
        let back = task_from_toml(&text).unwrap();
        assert_eq!(back, t);
        assert_eq!(task_to_toml(&back), text);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let text = "format = 1\nid = \"task_00000001\"\ntitle = \"x\"\nstatus = \"sleeping\"\n";
        let err = task_from_toml(text).unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(
            err.message.contains("sleeping") || err.message.contains("variant"),
            "{err}"
        );

        let err = task_from_toml("format = 1\ntitle = \n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn newer_format_is_refused() {
        let err = task_from_toml("format = 9\nid = \"task_1\"\n").unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
        assert_eq!(err.line, Some(1));
    }

    #[test]
    fn status_and_timestamps_are_plain_strings() {
        let mut t = sample();
        t.set_status(Status::InProgress, ts("2026-01-03T00:00:00Z"));
        let text = task_to_toml(&t);
        assert!(text.contains("status = \"in_progress\""), "{text}");
        assert!(
            text.contains("started = \"2026-01-03T00:00:00Z\""),
            "{text}"
        );
    }

    #[test]
    fn config_defaults_and_round_trip() {
        let c = config_from_toml("format = 1\n").unwrap();
        assert_eq!(c, Config::default());
        let text = config_to_toml(&c);
        assert_eq!(config_from_toml(&text).unwrap(), c);
        let err = config_from_toml("format = 1\ncomit = \"off\"\n").unwrap_err();
        assert!(err.message.contains("comit"), "{err}");
    }
}
