//! Orchestration history from commits: `orc log`, and every committed version of one task
//! or decision (`orc show ID --history`) with field-level changes between versions.

use std::ops::ControlFlow;

use jiff::Timestamp;
use serde::Serialize;

use super::{DECISIONS_DIR, Orc, State, flat_task_path, parse_number, parse_time, task_path};
use crate::error::{Error, Result};
use crate::format;
use crate::model::TaskId;
use crate::store::{CommitInfo, Since, WalkEnd};

/// One orc commit, as `orc log` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LogEntry {
    pub commit: String,
    pub time: Timestamp,
    /// The `Orc-Op` trailer, e.g. `task.add`.
    pub op: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<String>,
    pub author: String,
    pub summary: String,
}

impl LogEntry {
    /// `None` for commits without an `Orc-Op` trailer.
    pub fn from_commit(c: &CommitInfo) -> Option<LogEntry> {
        let op = c.trailer("Orc-Op")?;
        Some(LogEntry {
            commit: c.id.clone(),
            time: c.time,
            op: op.to_owned(),
            task: c.trailer("Orc-Task").map(str::to_owned),
            session: c.trailer("Orc-Session").map(str::to_owned),
            decisions: c
                .trailers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("Orc-Decision"))
                .map(|(_, v)| v.clone())
                .collect(),
            author: c.author.clone(),
            summary: c.summary.clone(),
        })
    }
}

/// How much of history a command could read.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct HistoryCoverage {
    pub commits_read: usize,
    /// Every commit the command needed was read.
    pub complete: bool,
    /// The clone is shallow and the walk reached its boundary.
    pub shallow: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl HistoryCoverage {
    pub(super) fn from_walk(end: &WalkEnd) -> Self {
        HistoryCoverage {
            commits_read: end.scanned,
            complete: end.problem.is_none() && !end.shallow,
            shallow: end.shallow,
            problem: end.problem.clone(),
        }
    }

    /// One sentence on what could not be read, if anything.
    pub fn note(&self) -> Option<String> {
        if let Some(p) = &self.problem {
            Some(format!("history could not be read completely: {p}"))
        } else if self.shallow {
            Some(
                "this is a shallow clone: commits before its boundary could not be read (`git fetch --unshallow` fetches them)"
                    .to_owned(),
            )
        } else {
            None
        }
    }
}

/// Which orc commits to list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub task: Option<String>,
    /// `task.add`, or a prefix such as `task` or `decision`.
    pub op: Option<String>,
    pub limit: Option<usize>,
    /// A commit or a date.
    pub since: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogReport {
    pub entries: Vec<LogEntry>,
    pub history: HistoryCoverage,
}

/// A changed field between two versions of an object.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldChange {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

/// One committed version of an object's file.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub commit: String,
    pub time: Timestamp,
    pub author: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    pub path: String,
    /// The commit removed the file.
    pub deleted: bool,
    /// What changed compared with the previous (older) version; every field for the first.
    pub changes: Vec<FieldChange>,
    /// Set when this version's file could not be parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Every committed version of a task or decision, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectHistory {
    /// `task` or `decision`.
    pub kind: &'static str,
    pub id: String,
    pub path: String,
    pub versions: Vec<Version>,
    pub history: HistoryCoverage,
}

/// A version found in one commit: the blob id (`None` when deleted) and, for a decision
/// created by a renumber or a task file that moved, the path it had before.
type Step = (Option<String>, Option<String>);

/// Where a task or decision lives now.
struct ObjectLocation {
    kind: &'static str,
    /// The id as shown: `task_…` or the decision's number.
    id: String,
    path: String,
}

/// A commit that changed the object, the path it had there, and its blob (`None`:
/// deleted).
type RawVersion = (CommitInfo, String, Option<String>);

/// What `orc show ID` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectRef {
    Task(TaskId),
    Decision(u32),
}

/// The task whose id alone starts with `input`, when `input` is only digits.
fn digits_task(state: &State, input: &str) -> Option<TaskId> {
    let digits_only = input.trim().bytes().all(|b| b.is_ascii_digit());
    digits_only.then(|| state.resolve(input).ok()).flatten()
}

/// Whether input looks like a decision number (`7`, `0007`, `ADR-7`) rather than a task id.
pub fn looks_like_decision(input: &str) -> bool {
    let s = input.trim().to_ascii_lowercase();
    let digits = s
        .strip_prefix("adr-")
        .or_else(|| s.strip_prefix("adr"))
        .map(|d| (d, true))
        .unwrap_or((&s, false));
    !digits.0.is_empty()
        && digits.0.bytes().all(|b| b.is_ascii_digit())
        && (digits.1 || digits.0.len() <= 4)
}

/// Parses `--since`: a date or time, else a commit.
pub(super) fn parse_since(orc: &Orc, input: &str) -> Result<Since> {
    if let Ok(t) = parse_time(input) {
        return Ok(Since::Time(t));
    }
    Ok(Since::Commit(orc.store.resolve_commit(input)?))
}

fn parse_value(kind: &str, bytes: &[u8]) -> std::result::Result<serde_json::Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())?;
    let value = if kind == "task" {
        serde_json::to_value(format::task_from_toml(text).map_err(|e| e.to_string())?)
    } else {
        serde_json::to_value(format::decision_from_markdown(text).map_err(|e| e.to_string())?)
    };
    Ok(value.expect("model values serialise to JSON"))
}

/// Field-level differences between two JSON objects.
pub fn diff_values(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    // An unset field (null) and an absent one are the same thing.
    let obj = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::Object(m)) => {
            let mut m = m.clone();
            m.retain(|_, v| !v.is_null());
            m
        }
        _ => empty.clone(),
    };
    let (a, b) = (obj(before), obj(after));
    let mut keys: Vec<&String> = b.keys().collect();
    for k in a.keys() {
        if !b.contains_key(k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            before: a.get(k).cloned(),
            after: b.get(k).cloned(),
        })
        .collect()
}

impl Orc {
    /// Orc commits (those with an `Orc-Op` trailer), newest first.
    pub fn log(&self, filter: &LogFilter) -> Result<LogReport> {
        let since = filter
            .since
            .as_deref()
            .map(|s| parse_since(self, s))
            .transpose()?;
        let task = match &filter.task {
            // A removed task still has history: accept its full id.
            Some(t) => Some(match self.state().and_then(|s| s.resolve(t)) {
                Ok(id) => id.to_string(),
                Err(_) if TaskId::parse(t.trim()).is_ok() => t.trim().to_owned(),
                Err(e) => return Err(e),
            }),
            None => None,
        };
        let op = filter.op.as_deref().map(str::trim);
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut entries = Vec::new();
        let end = self.store.walk_history(since.as_ref(), |c| {
            if entries.len() >= limit {
                return ControlFlow::Break(());
            }
            let Some(e) = LogEntry::from_commit(c) else {
                return ControlFlow::Continue(());
            };
            let op_ok = op.is_none_or(|op| e.op == op || e.op.starts_with(&format!("{op}.")));
            let task_ok = task.as_ref().is_none_or(|t| e.task.as_deref() == Some(t));
            if op_ok && task_ok {
                entries.push(e);
            }
            ControlFlow::Continue(())
        })?;
        let mut history = HistoryCoverage::from_walk(&end);
        if end.stopped {
            history.complete = history.problem.is_none();
        }
        Ok(LogReport { entries, history })
    }

    /// Resolves `orc show` input to a task or a decision. A task that no longer exists is
    /// accepted by its full id (its history is still in git).
    /// One to four digits name a decision, unless no such decision exists and a task id
    /// starts with them (see [`Orc::other_reading`] for when both exist).
    pub fn resolve_object(&self, input: &str) -> Result<ObjectRef> {
        let state = self.state()?;
        if looks_like_decision(input) {
            let number = parse_number(input)?;
            if self.decisions()?.get(number).is_err()
                && let Some(task) = digits_task(&state, input)
            {
                return Ok(ObjectRef::Task(task));
            }
            return Ok(ObjectRef::Decision(number));
        }
        match state.resolve(input) {
            Ok(id) => Ok(ObjectRef::Task(id)),
            Err(e) => match TaskId::parse(input.trim()) {
                Ok(id) => Ok(ObjectRef::Task(id)),
                Err(_) => Err(e),
            },
        }
    }

    /// The task that digits naming an existing decision could also mean (a task id that
    /// alone starts with them), so that a face can mention the other reading.
    pub fn other_reading(&self, input: &str) -> Result<Option<TaskId>> {
        if !looks_like_decision(input) {
            return Ok(None);
        }
        let number = parse_number(input)?;
        if self.decisions()?.get(number).is_err() {
            return Ok(None);
        }
        Ok(digits_task(&*self.state()?, input))
    }

    /// Every committed version of a task or decision, newest first, each with the fields
    /// that changed compared with the version before it.
    pub fn show_history(&self, input: &str) -> Result<ObjectHistory> {
        let object = self.resolve_object(input)?;
        let ObjectLocation { kind, id, mut path } = self.object_location(&object)?;
        let current_path = path.clone();
        // (commit, path, blob at that commit or None when deleted), newest first. The
        // contents are read after the walk, all at once: a partial clone fetches the
        // missing ones in one batch.
        let mut raw: Vec<RawVersion> = Vec::new();
        let mut failure: Option<Error> = None;
        // Which commits changed the file: from the history cache, so that only the few
        // that did are looked into.
        let mut changes = self.store.orc_changes();
        let end = self.store.walk_history(None, |c| {
            match self.history_step(&object, &mut changes, c, &path) {
                Ok(Some((blob, earlier))) => {
                    raw.push((c.clone(), path.clone(), blob));
                    if let Some(p) = earlier {
                        path = p;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })?;
        changes.save(failure.is_none() && end.problem.is_none() && !end.stopped);
        let mut history = HistoryCoverage::from_walk(&end);
        if let Some(e) = failure {
            history.problem = Some(e.to_string());
            history.complete = false;
        }
        if raw.is_empty() && history.problem.is_none() {
            return Err(Error::invalid_with_hint(
                format!("no commit has {current_path}"),
                "it was never committed; `git status` shows whether it is still uncommitted",
            ));
        }
        let versions = self.versions(kind, raw)?;
        Ok(ObjectHistory {
            kind,
            id,
            path: current_path,
            versions,
            history,
        })
    }

    /// The kind, display id and current path of a task or decision.
    fn object_location(&self, object: &ObjectRef) -> Result<ObjectLocation> {
        Ok(match object {
            ObjectRef::Task(id) => {
                // A task not yet moved out of the flat layout of earlier versions.
                let flat = flat_task_path(id);
                let path =
                    if self.store.abs(&flat).exists() && !self.store.abs(&task_path(id)).exists() {
                        flat
                    } else {
                        task_path(id)
                    };
                ObjectLocation {
                    kind: "task",
                    id: id.to_string(),
                    path,
                }
            }
            ObjectRef::Decision(n) => {
                let path = match self.decisions()?.get(*n) {
                    Ok(f) => f.path.clone(),
                    Err(e) => self.find_decision_path_in_history(*n).ok_or(e)?,
                };
                ObjectLocation {
                    kind: "decision",
                    id: crate::model::number_str(*n),
                    path,
                }
            }
        })
    }

    /// What commit `c` did to the object's file at `path`: `None` when it did not touch
    /// it, else the file's blob after it and the path the file had before, when it moved.
    fn history_step(
        &self,
        object: &ObjectRef,
        changes: &mut crate::store::OrcChanges,
        c: &CommitInfo,
        path: &str,
    ) -> Result<Option<Step>> {
        if !changes.touches(c, path)? {
            return Ok(None);
        }
        let now = self.store.blob_id_at(&c.id, path)?;
        // A renumbered decision came from another file in the same commit, and a
        // task file moved between the flat and the sharded layout from the other.
        let appeared = match c.parents.first() {
            Some(p) => self.store.blob_id_at(p, path).unwrap_or(None).is_none(),
            None => false,
        };
        let earlier_path = match object {
            ObjectRef::Decision(_)
                if appeared && c.trailer("Orc-Op") == Some("decision.renumber") =>
            {
                let content = self.store.read_at(&c.id, path)?;
                self.renumbered_from(c, content.as_deref())?
            }
            ObjectRef::Task(id) if appeared => {
                let flat = flat_task_path(id);
                let other = if path == flat { task_path(id) } else { flat };
                match c.parents.first() {
                    Some(p) if self.store.blob_id_at(p, &other)?.is_some() => Some(other),
                    _ => None,
                }
            }
            _ => None,
        };
        Ok(Some((now, earlier_path)))
    }

    /// The versions found by the walk, newest first, their contents read in one batch and
    /// each compared with the next older one that parsed.
    fn versions(&self, kind: &str, raw: Vec<RawVersion>) -> Result<Vec<Version>> {
        let blobs: Vec<String> = raw.iter().filter_map(|(_, _, b)| b.clone()).collect();
        let mut contents = self.store.read_blobs(&blobs)?.into_iter();
        let raw: Vec<(CommitInfo, String, Option<Vec<u8>>)> = raw
            .into_iter()
            .map(|(c, p, blob)| {
                let content = blob.map(|_| contents.next().expect("one content per blob"));
                (c, p, content)
            })
            .collect();
        let parsed: Vec<Option<std::result::Result<serde_json::Value, String>>> = raw
            .iter()
            .map(|(_, _, content)| content.as_deref().map(|b| parse_value(kind, b)))
            .collect();
        let mut versions = Vec::with_capacity(raw.len());
        for (i, (c, p, content)) in raw.iter().enumerate() {
            let this = parsed[i].as_ref().and_then(|r| r.as_ref().ok());
            // The previous version is the next older one that parsed (or existed).
            let prev = parsed
                .get(i + 1)
                .and_then(|v| v.as_ref())
                .and_then(|r| r.as_ref().ok());
            versions.push(Version {
                commit: c.id.clone(),
                time: c.time,
                author: c.author.clone(),
                summary: c.summary.clone(),
                op: c.trailer("Orc-Op").map(str::to_owned),
                path: p.clone(),
                deleted: content.is_none(),
                changes: diff_values(prev, this),
                error: parsed[i].as_ref().and_then(|r| r.as_ref().err().cloned()),
            });
        }
        Ok(versions)
    }

    /// For a decision file created by a renumber commit, the path it had before.
    fn renumbered_from(&self, c: &CommitInfo, content: Option<&[u8]>) -> Result<Option<String>> {
        let Some(title) = content
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(|t| format::decision_from_markdown(t).ok())
            .map(|d| d.title)
        else {
            return Ok(None);
        };
        let Some(parent) = c.parents.first() else {
            return Ok(None);
        };
        for p in self.store.changed_paths(c)? {
            if !p.starts_with(&format!("{DECISIONS_DIR}/"))
                || self.store.blob_id_at(&c.id, &p)?.is_some()
            {
                continue;
            }
            let old = self
                .store
                .read_at(parent, &p)?
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| format::decision_from_markdown(&t).ok());
            if old.is_some_and(|d| d.title == title) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// The newest committed path of decision `n`, when the work tree no longer has it.
    fn find_decision_path_in_history(&self, n: u32) -> Option<String> {
        let prefix = format!("{}-", crate::model::number_str(n));
        let mut found = None;
        let _ = self.store.walk_history(None, |c| {
            if let Ok(paths) = self.store.changed_paths(c) {
                for p in paths {
                    let name = p.rsplit('/').next().unwrap_or("");
                    if p.starts_with(&format!("{DECISIONS_DIR}/")) && name.starts_with(&prefix) {
                        found = Some(p);
                        return ControlFlow::Break(());
                    }
                }
            }
            ControlFlow::Continue(())
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decision_numbers_are_told_from_task_ids() {
        assert!(looks_like_decision("7"));
        assert!(looks_like_decision("0007"));
        assert!(looks_like_decision("ADR-12"));
        assert!(!looks_like_decision("3f9c"));
        assert!(!looks_like_decision("12345"));
        assert!(!looks_like_decision("task_3f9c2a1b"));
    }

    #[test]
    fn field_diffs_list_changed_keys_only() {
        let a = json!({"title": "x", "status": "pending", "notes": []});
        let b = json!({"title": "x", "status": "in_progress", "started": "t"});
        let d = diff_values(Some(&a), Some(&b));
        let fields: Vec<&str> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["started", "status", "notes"]);
        assert_eq!(diff_values(None, Some(&a)).len(), 3);
    }
}
