//! Other task tools' records read as orc tasks: beads' `issues.jsonl`, Backlog.md's task
//! files, Task Master's `tasks.json`, the Python MCP Task Orchestrator's rows, and the
//! import map orc keeps per source. Pure: text (or rows) in, an [`ImportSet`] out; the
//! service reads the files, assigns orc ids and writes the tasks.

pub mod backlog;
pub mod beads;
mod map;
pub mod task_orchestrator;
pub mod taskmaster;

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{Artifact, Note, Priority, Status, check_label};

pub use map::{ImportMap, MapEntry, import_map_from_toml, import_map_to_toml};

/// The tools orc imports from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportSource {
    Beads,
    Backlog,
    Taskmaster,
    TaskOrchestrator,
}

impl ImportSource {
    pub const ALL: [ImportSource; 4] = [
        ImportSource::Beads,
        ImportSource::Backlog,
        ImportSource::Taskmaster,
        ImportSource::TaskOrchestrator,
    ];

    /// The name used on the command line, in `origin` keys and for the map file.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportSource::Beads => "beads",
            ImportSource::Backlog => "backlog",
            ImportSource::Taskmaster => "taskmaster",
            ImportSource::TaskOrchestrator => "task-orchestrator",
        }
    }

    pub fn from_name(name: &str) -> Option<ImportSource> {
        ImportSource::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for ImportSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One record of the source as an orc task. Parent and dependencies name other records
/// by their source id; the service turns them into orc ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedTask {
    /// The record's id in the source (`bd-a1b2`, `task-3.1`, `master:4.2`).
    pub source_id: String,
    /// Where the record is, for error messages (`issues.jsonl:3`); not part of the digest.
    #[serde(skip)]
    pub location: String,
    pub title: String,
    pub description: String,
    pub role: Option<String>,
    pub status: Status,
    pub priority: Priority,
    pub parent: Option<String>,
    pub depends_on: Vec<String>,
    pub stream: Option<String>,
    /// Checked labels, sorted (see [`ImportedTask::add_labels`]). Left out of the digest
    /// when empty, so records without labels keep the digest of older versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    pub estimate: Option<String>,
    pub assignee: Option<String>,
    pub created: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub completed: Option<Timestamp>,
    pub result: Option<String>,
    pub detail: Option<String>,
    pub artifacts: Vec<Artifact>,
    pub notes: Vec<Note>,
}

impl ImportedTask {
    /// A pending, medium-priority record with nothing but an id and a title.
    pub fn new(source_id: String, location: String, title: String) -> Self {
        ImportedTask {
            source_id,
            location,
            title,
            description: String::new(),
            role: None,
            status: Status::Pending,
            priority: Priority::Medium,
            parent: None,
            depends_on: Vec::new(),
            stream: None,
            labels: Vec::new(),
            estimate: None,
            assignee: None,
            created: None,
            updated: None,
            completed: None,
            result: None,
            detail: None,
            artifacts: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds the source's labels that are valid orc labels; the others are reported in
    /// `dropped` (`label "a,b"`).
    pub fn add_labels(&mut self, labels: &[String], dropped: &mut Dropped) {
        for l in labels {
            match check_label(l) {
                Ok(l) => {
                    if let Err(at) = self.labels.binary_search(&l) {
                        self.labels.insert(at, l);
                    }
                }
                Err(_) => dropped.add(format!("label {l:?} (not a valid orc label)")),
            }
        }
    }

    /// A short fingerprint of everything imported from the record: a re-import compares
    /// it with the map's to tell an unchanged record from a changed one.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).expect("imported tasks serialise");
        let hash = Sha256::digest(&json);
        hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// 32 bits derived from a record's identity, for its task id: every clone that imports
/// the same source names the task alike, so two branches that import it merge cleanly.
pub fn record_bits(source: ImportSource, source_id: &str) -> u32 {
    let hash = Sha256::digest(format!("{source}:{source_id}").as_bytes());
    u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]])
}

/// What a source holds, read as orc tasks, plus what had no equivalent in orc.
#[derive(Debug, Clone, Default)]
pub struct ImportSet {
    /// Records in source order; parents need not come before their children.
    pub tasks: Vec<ImportedTask>,
    pub dropped: Dropped,
}

/// What had no equivalent in orc: a description (`labels`, `status "review" (imported as
/// in_progress)`) and on how many records it occurred.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Dropped(pub BTreeMap<String, usize>);

impl Dropped {
    pub fn add(&mut self, what: impl Into<String>) {
        self.add_count(what, 1);
    }

    pub fn add_count(&mut self, what: impl Into<String>, n: usize) {
        if n > 0 {
            *self.0.entry(what.into()).or_default() += n;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Joins the non-empty parts of a description: the main text, then `## Heading` sections.
pub(crate) fn join_sections(main: &str, sections: &[(&str, &str)]) -> String {
    let mut out = main.trim().to_owned();
    for (heading, text) in sections {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str("## ");
        out.push_str(heading);
        out.push_str("\n\n");
        out.push_str(text);
    }
    out
}

/// A time as the tools write it: RFC 3339 with an offset, or a date and time without one
/// (taken as UTC, with `T` or a space between), or a date. Whole seconds, like orc's files.
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let t = s
        .parse::<Timestamp>()
        .ok()
        .or_else(|| {
            let civil = s.replacen(' ', "T", 1);
            civil
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp())
        })
        .or_else(|| {
            s.parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp())
        })?;
    Timestamp::from_second(t.as_second()).ok()
}

/// Text with surrounding blanks removed; `None` when nothing is left.
pub(crate) fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_the_tools_formats() {
        let want: Timestamp = "2026-11-30T01:24:25Z".parse().unwrap();
        for s in [
            "2026-11-30T01:24:25.895Z",
            "2026-11-30 01:24:25.895574",
            "2026-11-30T02:24:25+01:00",
        ] {
            assert_eq!(parse_time(s), Some(want), "{s}");
        }
        assert_eq!(
            parse_time("2026-11-30 01:25"),
            Some("2026-11-30T01:25:00Z".parse().unwrap())
        );
        assert_eq!(
            parse_time("2026-11-30"),
            Some("2026-11-30T00:00:00Z".parse().unwrap())
        );
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn the_digest_follows_the_content_not_the_location() {
        let a = ImportedTask::new("x".into(), "f:1".into(), "T".into());
        let mut b = a.clone();
        b.location = "f:2".into();
        assert_eq!(a.digest(), b.digest());
        b.title = "U".into();
        assert_ne!(a.digest(), b.digest());
    }
}
