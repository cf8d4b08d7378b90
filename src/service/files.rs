//! File-operation manifests: record what a task did to files, verify the records — and
//! the artifacts of completed tasks — against the disk, and tell which tasks touched a path.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::check::Problem;
use super::state::Unreadable;
use super::{Orc, Outcome, State, UnreadableFile};
use crate::error::{Error, Reason, Result};
use crate::format;
use crate::model::{FileOp, FileOpKind, Manifest, Status, Task, TaskId};
use crate::store::{FileDigest, ORC_DIR, Store, WorkChange, WorkChangeKind};

pub const MANIFESTS_DIR: &str = ".orchestrator/manifests";

/// Repository-relative path of a task's manifest.
pub fn manifest_path(task: &TaskId) -> String {
    format!("{MANIFESTS_DIR}/{task}.toml")
}

/// Every manifest file: the readable ones and the ones that did not parse.
#[derive(Debug, Clone, Default)]
pub struct Manifests {
    pub files: Vec<(String, Manifest)>,
    pub unreadable: Vec<Unreadable>,
    /// Path -> (manifest, operation) index of the latest operation concerning it.
    latest: HashMap<String, (usize, usize)>,
}

impl Manifests {
    pub fn load(store: &Store) -> Result<Manifests> {
        let mut out = Manifests::default();
        // Through a parse cache (`cache/manifests`), like tasks; only files directly in
        // the directory are manifests.
        let prefix = format!("{MANIFESTS_DIR}/");
        store.load_dir_cached(
            MANIFESTS_DIR,
            ".toml",
            "manifests",
            |text| format::manifest_from_toml(text).map(CachedManifest::from),
            |path, parsed| {
                if path
                    .strip_prefix(&prefix)
                    .is_none_or(|name| name.contains('/'))
                {
                    return;
                }
                match parsed {
                    Ok(m) => out.files.push((path.to_owned(), m.into())),
                    Err(error) => out.unreadable.push(Unreadable {
                        path: path.to_owned(),
                        error,
                    }),
                }
            },
        )?;
        // In path order, as listed.
        out.files.sort_by(|a, b| a.0.cmp(&b.0));
        out.unreadable.sort_by(|a, b| a.path.cmp(&b.path));
        let mut order: Vec<(usize, usize)> = out
            .files
            .iter()
            .enumerate()
            .flat_map(|(m, (_, man))| (0..man.operations.len()).map(move |o| (m, o)))
            .collect();
        order.sort_by_key(|(m, o)| out.files[*m].1.operations[*o].at);
        for (m, o) in order {
            let op = &out.files[m].1.operations[o];
            out.latest.insert(op.path.clone(), (m, o));
            if let Some(from) = &op.from {
                out.latest.insert(from.clone(), (m, o));
            }
        }
        Ok(out)
    }

    pub fn for_task(&self, task: &TaskId) -> Option<&Manifest> {
        self.files
            .iter()
            .find(|(p, m)| &m.task == task && *p == manifest_path(task))
            .map(|(_, m)| m)
    }

    /// Every operation of every manifest, oldest first (stable for equal times).
    pub fn all_ops(&self) -> Vec<&FileOp> {
        let mut ops: Vec<&FileOp> = self
            .files
            .iter()
            .flat_map(|(_, m)| m.operations.iter())
            .collect();
        ops.sort_by_key(|o| o.at);
        ops
    }

    /// Paths whose latest record says the file exists, sorted.
    pub fn expected_present(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .latest
            .iter()
            .filter(|(path, (m, o))| {
                let op = &self.files[*m].1.operations[*o];
                op.op != FileOpKind::Delete && op.path == **path
            })
            .map(|(path, _)| path.as_str())
            .collect();
        out.sort();
        out
    }

    /// The latest operation that concerns `path` (as target or rename source).
    pub fn latest_for(&self, path: &str) -> Option<&FileOp> {
        self.latest
            .get(path)
            .map(|(m, o)| &self.files[*m].1.operations[*o])
    }
}

/// A manifest as the parse cache stores it: every field written (the cache's encoding is
/// not self-describing, so no field may be skipped), times as seconds and nanoseconds.
#[derive(Serialize, Deserialize)]
struct CachedManifest {
    task: TaskId,
    operations: Vec<CachedOp>,
}

#[derive(Serialize, Deserialize)]
struct CachedOp {
    path: String,
    op: FileOpKind,
    from: Option<String>,
    sha256: Option<String>,
    size: Option<u64>,
    at: (i64, i32),
    task: TaskId,
    session: Option<String>,
    agent: Option<String>,
}

impl From<Manifest> for CachedManifest {
    fn from(m: Manifest) -> Self {
        CachedManifest {
            task: m.task,
            operations: m
                .operations
                .into_iter()
                .map(|o| CachedOp {
                    path: o.path,
                    op: o.op,
                    from: o.from,
                    sha256: o.sha256,
                    size: o.size,
                    at: (o.at.as_second(), o.at.subsec_nanosecond()),
                    task: o.task,
                    session: o.session,
                    agent: o.agent,
                })
                .collect(),
        }
    }
}

impl From<CachedManifest> for Manifest {
    fn from(m: CachedManifest) -> Self {
        Manifest {
            task: m.task,
            operations: m
                .operations
                .into_iter()
                .map(|o| FileOp {
                    path: o.path,
                    op: o.op,
                    from: o.from,
                    sha256: o.sha256,
                    size: o.size,
                    at: Timestamp::new(o.at.0, o.at.1).unwrap_or(Timestamp::UNIX_EPOCH),
                    task: o.task,
                    session: o.session,
                    agent: o.agent,
                })
                .collect(),
        }
    }
}

/// What file verification needs of a task file, in a parse cache of its own
/// (`cache/artifacts`): far smaller than the whole task, so that checking artifacts does
/// not cost reading every task.
#[derive(Serialize, Deserialize)]
struct TaskArtifacts {
    task: TaskId,
    completed: bool,
    /// Completion time (or last update) as seconds and nanoseconds.
    at: (i64, i32),
    /// Path, sha256, size.
    artifacts: Vec<(String, String, u64)>,
}

impl TaskArtifacts {
    fn of(task: &Task) -> TaskArtifacts {
        let at = task.completed.unwrap_or(task.updated);
        TaskArtifacts {
            task: task.id.clone(),
            completed: task.status == Status::Completed,
            at: (at.as_second(), at.subsec_nanosecond()),
            artifacts: task
                .artifacts
                .iter()
                .map(|a| (a.path.clone(), a.sha256.clone(), a.size))
                .collect(),
        }
    }

    fn records(self) -> impl Iterator<Item = ArtifactRecord> {
        let at = Timestamp::new(self.at.0, self.at.1).unwrap_or(Timestamp::UNIX_EPOCH);
        let (task, completed) = (self.task, self.completed);
        self.artifacts
            .into_iter()
            .map(move |(path, sha256, size)| ArtifactRecord {
                path,
                sha256,
                size,
                task: task.clone(),
                at,
                completed,
            })
    }
}

/// A file a task listed as its artifact when it was completed (`orc done --artifact`),
/// with the content it had then: like a recorded operation, a statement about the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRecord {
    pub path: String,
    pub sha256: String,
    pub size: u64,
    pub task: TaskId,
    /// When the task was completed (its last update for a hand-made file without that).
    pub at: Timestamp,
    /// Whether the task is completed now: only then is the artifact expected on disk (a
    /// reopened task's work is open again, and its next completion lists new artifacts).
    pub completed: bool,
}

impl ArtifactRecord {
    pub(super) fn of(task: &Task) -> impl Iterator<Item = ArtifactRecord> + '_ {
        task.artifacts.iter().map(|a| ArtifactRecord {
            path: a.path.clone(),
            sha256: a.sha256.clone(),
            size: a.size,
            task: task.id.clone(),
            at: task.completed.unwrap_or(task.updated),
            completed: task.status == Status::Completed,
        })
    }
}

/// Where an expectation about a file comes from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RecordSource {
    /// A completed task's artifact. Sorts first: at equal times a recorded operation is
    /// the later statement.
    Artifact,
    /// An operation in a manifest (`orc files record`).
    Manifest,
}

/// One statement about a path: a recorded operation or an artifact.
#[derive(Debug, Clone, Copy)]
enum Record<'a> {
    Op(&'a FileOp),
    Artifact(&'a ArtifactRecord),
}

impl<'a> Record<'a> {
    fn at(self) -> Timestamp {
        match self {
            Record::Op(o) => o.at,
            Record::Artifact(a) => a.at,
        }
    }

    fn path(self) -> &'a str {
        match self {
            Record::Op(o) => &o.path,
            Record::Artifact(a) => &a.path,
        }
    }

    fn from(self) -> Option<&'a str> {
        match self {
            Record::Op(o) => o.from.as_deref(),
            Record::Artifact(_) => None,
        }
    }

    fn task(self) -> &'a TaskId {
        match self {
            Record::Op(o) => &o.task,
            Record::Artifact(a) => &a.task,
        }
    }

    fn source(self) -> RecordSource {
        match self {
            Record::Op(_) => RecordSource::Manifest,
            Record::Artifact(_) => RecordSource::Artifact,
        }
    }

    /// The recorded content of the path; `None` when the record says it is gone (or a
    /// hand-edited record lacks the digest).
    fn digest(self) -> Option<Digest> {
        match self {
            Record::Op(o) if o.op == FileOpKind::Delete => None,
            Record::Op(o) => o.sha256.clone().map(|sha256| Digest {
                sha256,
                size: o.size.unwrap_or(0),
            }),
            Record::Artifact(a) => Some(Digest {
                sha256: a.sha256.clone(),
                size: a.size,
            }),
        }
    }
}

/// Every operation of `manifests` and every artifact of a completed task in `artifacts`,
/// oldest first; at equal times artifacts first, then operations in recorded order.
fn records<'a>(manifests: &'a Manifests, artifacts: &'a [ArtifactRecord]) -> Vec<Record<'a>> {
    let mut out: Vec<Record<'a>> = artifacts
        .iter()
        .filter(|a| a.completed)
        .map(Record::Artifact)
        .chain(manifests.all_ops().into_iter().map(Record::Op))
        .collect();
    out.sort_by_key(|r| (r.at(), r.source()));
    out
}

/// The latest record of each path, for recording: the manifests' latest operation, or
/// a completed task's artifact listed after it.
struct Latest<'a> {
    manifests: &'a Manifests,
    artifacts: HashMap<&'a str, &'a ArtifactRecord>,
}

impl<'a> Latest<'a> {
    fn new(manifests: &'a Manifests, artifacts: &'a [ArtifactRecord]) -> Latest<'a> {
        let mut latest: HashMap<&str, &ArtifactRecord> = HashMap::new();
        for a in artifacts.iter().filter(|a| a.completed) {
            let newer = latest.get(a.path.as_str()).is_none_or(|b| a.at >= b.at);
            if newer {
                latest.insert(&a.path, a);
            }
        }
        Latest {
            manifests,
            artifacts: latest,
        }
    }

    fn get(&self, path: &str) -> Option<Record<'a>> {
        match (self.manifests.latest_for(path), self.artifacts.get(path)) {
            (Some(op), Some(a)) if a.at > op.at => Some(Record::Artifact(a)),
            (Some(op), _) => Some(Record::Op(op)),
            (None, Some(a)) => Some(Record::Artifact(a)),
            (None, None) => None,
        }
    }

    /// Paths whose latest record says the file exists, sorted.
    fn expected_present(&self) -> Vec<&'a str> {
        let mut out = self.manifests.expected_present();
        out.extend(
            self.artifacts
                .keys()
                .filter(|p| matches!(self.get(p), Some(Record::Artifact(_)))),
        );
        out.sort();
        out.dedup();
        out
    }
}

/// SHA-256 and size, as shown in reports.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Digest {
    pub sha256: String,
    pub size: u64,
}

impl From<FileDigest> for Digest {
    fn from(d: FileDigest) -> Self {
        Digest {
            sha256: d.sha256,
            size: d.size,
        }
    }
}

/// What to record. Paths are relative to `cwd` (or absolute inside the repository);
/// directories are walked.
#[derive(Debug, Clone, Default)]
pub struct RecordRequest {
    pub paths: Vec<String>,
    pub task: Option<String>,
    /// Inferred from the disk and earlier records when `None`.
    pub op: Option<FileOpKind>,
    /// The old path of a rename.
    pub from: Option<String>,
    pub cwd: PathBuf,
}

/// What `orc files record` did.
#[derive(Debug, Clone, Serialize)]
pub struct RecordReport {
    pub task: TaskId,
    pub manifest: String,
    /// Operations added to the manifest.
    pub recorded: Vec<FileOp>,
    /// Paths whose latest record already matches the disk.
    pub unchanged: Vec<String>,
}

/// How a recorded operation compares with the disk now.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum VerifyState {
    /// The disk matches the record.
    Verified,
    /// The file exists with other content than recorded.
    Modified,
    /// The record says the file exists; it does not.
    Missing,
    /// The record says the file was deleted or renamed away; it exists.
    UnexpectedlyPresent,
}

impl VerifyState {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyState::Verified => "verified",
            VerifyState::Modified => "modified since",
            VerifyState::Missing => "missing",
            VerifyState::UnexpectedlyPresent => "unexpectedly present",
        }
    }

    pub fn ok(self) -> bool {
        self == VerifyState::Verified
    }
}

/// One path checked against its latest record.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyResult {
    pub path: String,
    pub state: VerifyState,
    /// What the expectation comes from: a recorded operation or a completed task's artifact.
    pub source: RecordSource,
    /// The recorded operation the expectation comes from; `None` for an artifact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<FileOpKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Set when `path` is the old path of a recorded rename (so it should be gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<String>,
    pub task: TaskId,
    pub at: Timestamp,
    /// Recorded content; `None` when the record says the file is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Digest>,
    /// Content on disk now; `None` when there is no file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Digest>,
}

impl VerifyResult {
    /// Where the expectation comes from, for people: `modify by TASK at TIME`,
    /// `artifact of TASK at TIME`.
    pub fn origin(&self) -> String {
        match self.op {
            Some(op) => format!("{op} by {} at {}", self.task, self.at),
            None => format!("artifact of {} at {}", self.task, self.at),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct VerifySummary {
    pub checked: usize,
    pub verified: usize,
    pub modified: usize,
    pub missing: usize,
    pub unexpectedly_present: usize,
}

impl VerifySummary {
    pub fn failed(&self) -> usize {
        self.modified + self.missing + self.unexpectedly_present
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub summary: VerifySummary,
    pub results: Vec<VerifyResult>,
    pub unreadable: Vec<UnreadableFile>,
}

/// One line of `orc files log`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileLogEntry {
    pub at: Timestamp,
    /// `manifest` (recorded with `orc files record`), `artifact` (listed when the task
    /// was completed) or `commit` (a commit with an `Orc-Task:` trailer changed the path).
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<FileOpKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileLog {
    pub entries: Vec<FileLogEntry>,
    /// Tasks that touched the path(s), in order of first appearance (newest first).
    pub tasks: Vec<String>,
    /// Set when history could not be read completely.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_note: Option<String>,
}

fn is_orc_path(rel: &str) -> bool {
    rel == ORC_DIR || rel.starts_with(&format!("{ORC_DIR}/"))
}

fn refuse_orc_path(rel: &str) -> Error {
    Error::invalid_with_hint(
        format!("{rel} is orc's own state; it is versioned by orc's commits, not recorded"),
        "record the files your task changed, outside .orchestrator/",
    )
}

/// [`Store::digest`] of a path the user named (a file to record, an artifact): a
/// directory or a pipe, socket or device is refused with what to do instead.
pub(crate) fn digest_named(store: &Store, rel: &str) -> Result<Option<FileDigest>> {
    store.digest(rel).map_err(|e| match e {
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::IsADirectory => {
            Error::invalid_with_hint(
                format!("{rel} is a directory, not a file; nothing was recorded"),
                format!("name the files inside it, e.g. {rel}/FILE"),
            )
        }
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidInput => {
            Error::invalid_with_hint(
                format!(
                    "{rel} is not a regular file (a pipe, socket or device); nothing was recorded"
                ),
                "orc records the content of regular files only; name those your task changed",
            )
        }
        e => e,
    })
}

/// Whether `path` equals `filter` or lies below the directory `filter`.
/// The operation a record request asks for (`--from` alone means a rename), refused when
/// it names no path or combines a rename with anything but one path and its old path.
fn requested_op(req: &RecordRequest) -> Result<Option<FileOpKind>> {
    if req.paths.is_empty() {
        return Err(Reason::NoPaths.into());
    }
    if req.from.is_some() && req.op.is_some_and(|o| o != FileOpKind::Rename) {
        return Err(Reason::FromWithoutRename.into());
    }
    let op_given = match (req.op, &req.from) {
        (None, Some(_)) => Some(FileOpKind::Rename),
        (op, _) => op,
    };
    if op_given == Some(FileOpKind::Rename) && (req.from.is_none() || req.paths.len() != 1) {
        return Err(Reason::RenameNeedsFrom.into());
    }
    Ok(op_given)
}

/// Refuses an operation the disk contradicts: a deletion of a file that exists, or any
/// other operation on a file that does not.
fn check_op_against_disk(op: FileOpKind, rel: &str, digest: Option<&FileDigest>) -> Result<()> {
    match (op, digest) {
        (FileOpKind::Delete, Some(_)) => Err(Error::invalid_with_hint(
            format!("{rel} still exists, so its deletion cannot be recorded"),
            "delete it first, or record it as modify",
        )),
        (FileOpKind::Create | FileOpKind::Modify | FileOpKind::Rename, None) => {
            Err(Error::invalid_with_hint(
                format!("{rel} does not exist, so a {op} cannot be recorded"),
                "create the file first, or record it as delete",
            ))
        }
        _ => Ok(()),
    }
}

/// What `orc files log` is limited to.
struct LogFilter {
    task: Option<TaskId>,
    /// A repository path: the file itself or everything under the directory.
    path: Option<String>,
}

impl LogFilter {
    /// Whether `task` passes the task limit.
    fn task_matches(&self, task: &TaskId) -> bool {
        self.task.as_ref().is_none_or(|t| t == task)
    }

    /// Whether `path` passes the path limit.
    fn path_matches(&self, path: &str) -> bool {
        self.path.as_deref().is_none_or(|f| path_matches(path, f))
    }
}

/// The manifests' operations that pass the filter, oldest first.
fn manifest_log(manifests: &Manifests, filter: &LogFilter) -> Vec<FileLogEntry> {
    manifests
        .all_ops()
        .into_iter()
        .filter(|op| filter.task_matches(&op.task))
        .filter(|op| {
            filter.path_matches(&op.path)
                || op.from.as_deref().is_some_and(|f| filter.path_matches(f))
        })
        .map(|op| FileLogEntry {
            at: op.at,
            source: "manifest",
            task: Some(op.task.to_string()),
            path: op.path.clone(),
            op: Some(op.op),
            from: op.from.clone(),
            commit: None,
            summary: None,
        })
        .collect()
}

/// The artifacts of completed tasks that pass the filter.
fn artifact_log<'a>(
    artifacts: &'a [ArtifactRecord],
    filter: &'a LogFilter,
) -> impl Iterator<Item = FileLogEntry> + 'a {
    artifacts
        .iter()
        .filter(|a| filter.task_matches(&a.task) && filter.path_matches(&a.path))
        .map(|a| FileLogEntry {
            at: a.at,
            source: "artifact",
            task: Some(a.task.to_string()),
            path: a.path.clone(),
            op: None,
            from: None,
            commit: None,
            summary: None,
        })
}

fn path_matches(path: &str, filter: &str) -> bool {
    let f = filter.trim_end_matches('/');
    path == f || path.starts_with(&format!("{f}/"))
}

impl Orc {
    /// All manifests, parsed.
    pub fn manifests(&self) -> Result<Manifests> {
        let manifests = Manifests::load(&self.store)?;
        self.note_unreadable(&manifests.unreadable);
        Ok(manifests)
    }

    /// The task to record for: the given one, or the only task in progress (for this agent
    /// when one is named).
    fn record_task(&self, state: &State, task: Option<&str>) -> Result<TaskId> {
        if let Some(t) = task {
            return state.resolve(t);
        }
        let mut active: Vec<&TaskId> = state
            .task_values()
            .filter(|t| t.status == Status::InProgress)
            .filter(|t| {
                self.ctx.agent.is_none() || t.assignee.is_none() || t.assignee == self.ctx.agent
            })
            .map(|t| &t.id)
            .collect();
        active.sort();
        match active.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Reason::NoTaskInProgress.into()),
            many => Err(Reason::SeveralInProgress {
                tasks: many.iter().map(|t| (*t).clone()).collect(),
            }
            .into()),
        }
    }

    fn new_op(
        &self,
        task: &TaskId,
        path: String,
        op: FileOpKind,
        from: Option<String>,
        digest: Option<FileDigest>,
    ) -> FileOp {
        FileOp {
            path,
            op,
            from,
            sha256: digest.as_ref().map(|d| d.sha256.clone()),
            size: digest.map(|d| d.size),
            at: self.now(),
            task: task.clone(),
            session: self.active_session_id().map(|s| s.to_string()),
            agent: self.ctx.agent.clone(),
        }
    }

    /// Whether the latest record of `path` already describes the disk as it is.
    fn already_recorded(latest: &Latest, path: &str, digest: Option<&FileDigest>) -> bool {
        match (latest.get(path), digest) {
            (Some(Record::Artifact(a)), Some(d)) => a.sha256 == d.sha256,
            (Some(Record::Artifact(_)), None) => false,
            (Some(Record::Op(op)), Some(d)) => {
                op.path == path
                    && op.op != FileOpKind::Delete
                    && op.sha256.as_deref() == Some(d.sha256.as_str())
            }
            (Some(Record::Op(op)), None) => {
                op.op == FileOpKind::Delete && op.path == path
                    || op.op == FileOpKind::Rename && op.from.as_deref() == Some(path)
            }
            (None, _) => false,
        }
    }

    /// Records file operations for a task in its manifest and commits the manifest.
    pub fn files_record(&self, req: RecordRequest) -> Result<Outcome<RecordReport>> {
        let op_given = requested_op(&req)?;
        self.mutate(|state| {
            let task = self.record_task(state, req.task.as_deref())?;
            let manifests = self.manifests()?;
            let artifacts = self.artifact_records()?;
            let latest = Latest::new(&manifests, &artifacts);
            let targets = self.record_targets(&req, op_given)?;
            let mut recorded = Vec::new();
            let mut unchanged = Vec::new();
            for rel in targets {
                let digest = digest_named(&self.store, &rel)?;
                let from = self.renamed_from(&req)?;
                let op = match op_given {
                    Some(op) => op,
                    None => self.inferred_op(&latest, &rel, digest.as_ref())?,
                };
                check_op_against_disk(op, &rel, digest.as_ref())?;
                if op != FileOpKind::Rename
                    && Self::already_recorded(&latest, &rel, digest.as_ref())
                {
                    unchanged.push(rel);
                    continue;
                }
                recorded.push(self.new_op(&task, rel, op, from, digest));
            }
            self.commit_ops(&manifests, task, recorded, unchanged)
        })
    }

    /// The repository paths a record request names, each once, with every file under a
    /// named directory; refused for `.orchestrator/` and for a directory deleted or renamed.
    fn record_targets(
        &self,
        req: &RecordRequest,
        op_given: Option<FileOpKind>,
    ) -> Result<Vec<String>> {
        let mut targets: Vec<String> = Vec::new();
        for input in &req.paths {
            let rel = self.confine_outside_orc(&req.cwd, input)?;
            if !self.store.abs(&rel).is_dir() {
                targets.push(rel);
                continue;
            }
            if let Some(op @ (FileOpKind::Delete | FileOpKind::Rename)) = op_given {
                return Err(Error::invalid(format!(
                    "{rel} is a directory; a {op} is recorded per file"
                )));
            }
            targets.extend(self.store.walk_files(&rel)?);
        }
        let mut seen = BTreeSet::new();
        targets.retain(|t| seen.insert(t.clone()));
        Ok(targets)
    }

    /// A path the user gave, relative to the repository root, refused inside `.orchestrator/`.
    fn confine_outside_orc(&self, cwd: &Path, input: &str) -> Result<String> {
        let rel = self.store.confine(cwd, input)?;
        if is_orc_path(&rel) {
            return Err(refuse_orc_path(&rel));
        }
        Ok(rel)
    }

    /// The old path of a recorded rename, which must be gone from the disk.
    fn renamed_from(&self, req: &RecordRequest) -> Result<Option<String>> {
        let Some(from) = &req.from else {
            return Ok(None);
        };
        let f = self.confine_outside_orc(&req.cwd, from)?;
        if self.store.abs(&f).exists() {
            return Err(Error::invalid_with_hint(
                format!("{f} still exists; after a rename nothing is left at the old path"),
                "record it as a create (or copy) instead, or delete the old file first",
            ));
        }
        Ok(Some(f))
    }

    /// The operation the disk, HEAD and the latest record imply for a path named without one.
    fn inferred_op(
        &self,
        latest: &Latest,
        rel: &str,
        digest: Option<&FileDigest>,
    ) -> Result<FileOpKind> {
        Ok(match (digest, latest.get(rel)) {
            (Some(_), Some(Record::Op(last)))
                if last.op == FileOpKind::Delete || last.path != rel =>
            {
                FileOpKind::Create
            }
            (Some(_), Some(_)) => FileOpKind::Modify,
            (Some(_), None) if self.store.in_head(rel)? => FileOpKind::Modify,
            (Some(_), None) => FileOpKind::Create,
            (None, Some(_)) => FileOpKind::Delete,
            (None, None) if self.store.in_head(rel)? => FileOpKind::Delete,
            (None, None) => {
                return Err(Error::invalid_with_hint(
                    format!("{rel} does not exist, and no commit or record knows it"),
                    "check the path; to record a deletion, the file must have existed",
                ));
            }
        })
    }

    /// Records every file that differs from HEAD in the work tree (new, modified,
    /// deleted, renamed), skipping those whose latest record already matches. Files that
    /// were recorded but never committed and are now gone are recorded as deleted too.
    pub fn files_record_changed(&self, task: Option<&str>) -> Result<Outcome<RecordReport>> {
        self.mutate(|state| {
            let task = self.record_task(state, task)?;
            let manifests = self.manifests()?;
            let artifacts = self.artifact_records()?;
            let latest = Latest::new(&manifests, &artifacts);
            let mut recorded = Vec::new();
            let mut unchanged = Vec::new();
            let mut changes = self.store.changed_files()?;
            for path in latest.expected_present() {
                let listed = changes
                    .iter()
                    .any(|c| c.path == path || c.from.as_deref() == Some(path));
                if !listed && !self.store.abs(path).exists() && !self.store.in_head(path)? {
                    changes.push(WorkChange {
                        path: path.to_owned(),
                        kind: WorkChangeKind::Deleted,
                        from: None,
                    });
                }
            }
            changes.sort_by(|a, b| a.path.cmp(&b.path));
            for change in changes {
                let digest = digest_named(&self.store, &change.path)?;
                let op = match change.kind {
                    WorkChangeKind::Added => FileOpKind::Create,
                    WorkChangeKind::Modified => FileOpKind::Modify,
                    WorkChangeKind::Deleted => FileOpKind::Delete,
                    WorkChangeKind::Renamed => FileOpKind::Rename,
                };
                let done = match op {
                    FileOpKind::Rename => manifests.latest_for(&change.path).is_some_and(|o| {
                        o.op == FileOpKind::Rename
                            && o.from == change.from
                            && o.sha256.as_deref() == digest.as_ref().map(|d| d.sha256.as_str())
                    }),
                    _ => Self::already_recorded(&latest, &change.path, digest.as_ref()),
                };
                if done {
                    unchanged.push(change.path);
                } else {
                    recorded.push(self.new_op(&task, change.path, op, change.from, digest));
                }
            }
            self.commit_ops(&manifests, task, recorded, unchanged)
        })
    }

    fn commit_ops(
        &self,
        manifests: &Manifests,
        task: TaskId,
        recorded: Vec<FileOp>,
        unchanged: Vec<String>,
    ) -> Result<(crate::store::Change, RecordReport)> {
        let path = manifest_path(&task);
        let mut change = self.change(
            format!(
                "record {} for {task}",
                crate::render::count(recorded.len(), "file operation")
            ),
            "files.record",
            Some(&task),
        );
        if !recorded.is_empty() {
            let mut manifest = manifests
                .for_task(&task)
                .cloned()
                .unwrap_or_else(|| Manifest::new(task.clone()));
            manifest.operations.extend(recorded.iter().cloned());
            change.write(path.clone(), format::manifest_to_toml(&manifest));
        }
        Ok((
            change,
            RecordReport {
                task,
                manifest: path,
                recorded,
                unchanged,
            },
        ))
    }

    /// The artifacts of every task, archived ones included, in task id order. Read
    /// through parse caches of their own (`cache/artifacts`, `cache/archive-artifacts`):
    /// of a task file read twice (misplaced, or also archived), the one at its place in
    /// `.orchestrator/tasks/` counts.
    fn artifact_records(&self) -> Result<Vec<ArtifactRecord>> {
        let parse = |text: &str| format::task_from_toml(text).map(|t| TaskArtifacts::of(&t));
        let mut found: BTreeMap<TaskId, (u8, TaskArtifacts)> = BTreeMap::new();
        let mut keep = |rank: u8, t: TaskArtifacts| {
            if found.get(&t.task).is_none_or(|(r, _)| rank < *r) {
                found.insert(t.task.clone(), (rank, t));
            }
        };
        self.store.load_dir_cached(
            super::TASKS_DIR,
            ".toml",
            "artifacts",
            parse,
            |path, parsed| {
                if let Ok(t) = parsed {
                    let rank = if super::state::is_task_path(path, &t.task) {
                        0
                    } else {
                        1
                    };
                    keep(rank, t);
                }
            },
        )?;
        self.store.load_dir_cached(
            super::ARCHIVE_TASKS_DIR,
            ".toml",
            "archive-artifacts",
            parse,
            |_, parsed| {
                if let Ok(t) = parsed {
                    keep(2, t);
                }
            },
        )?;
        Ok(found.into_values().flat_map(|(_, t)| t.records()).collect())
    }

    /// Checks each recorded path's latest record — an operation in a manifest or an
    /// artifact of a completed task — against the disk. With `task`, only the paths that
    /// task recorded or produced. `progress(done, total)` is called as files are read.
    pub fn files_verify(
        &self,
        task: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<VerifyReport> {
        let manifests = self.manifests()?;
        let artifacts = self.artifact_records()?;
        let task = self.recorded_task(&manifests, &artifacts, task)?;
        let results = verify_records(
            &self.store,
            &manifests,
            &artifacts,
            task.as_ref(),
            &|_, _| true,
            progress,
        )?;
        let mut summary = VerifySummary {
            checked: results.len(),
            ..VerifySummary::default()
        };
        for r in &results {
            match r.state {
                VerifyState::Verified => summary.verified += 1,
                VerifyState::Modified => summary.modified += 1,
                VerifyState::Missing => summary.missing += 1,
                VerifyState::UnexpectedlyPresent => summary.unexpectedly_present += 1,
            }
        }
        Ok(VerifyReport {
            ok: summary.failed() == 0 && manifests.unreadable.is_empty(),
            summary,
            results,
            unreadable: manifests
                .unreadable
                .iter()
                .map(|u| UnreadableFile::new(&u.path, &u.error))
                .collect(),
        })
    }

    /// Which tasks touched a path (or every path, or a task's paths): from manifests,
    /// from the artifacts tasks listed when completed, and from commits that carry an
    /// `Orc-Task:` trailer. Newest first.
    pub fn files_log(&self, task: Option<&str>, path: Option<&str>, cwd: &Path) -> Result<FileLog> {
        let manifests = self.manifests()?;
        let artifacts = self.artifact_records()?;
        let filter = LogFilter {
            task: self.recorded_task(&manifests, &artifacts, task)?,
            path: path.map(|p| self.store.confine(cwd, p)).transpose()?,
        };
        let mut entries = manifest_log(&manifests, &filter);
        // Newest first, also among operations recorded in the same second.
        entries.reverse();
        entries.extend(artifact_log(&artifacts, &filter));
        let history_note = self.commit_log(&filter, &mut entries)?;
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        let mut tasks: Vec<String> = Vec::new();
        for e in &entries {
            if let Some(t) = &e.task
                && !tasks.contains(t)
            {
                tasks.push(t.clone());
            }
        }
        Ok(FileLog {
            entries,
            tasks,
            history_note,
        })
    }

    /// The task a `files` command is limited to, resolved among live tasks and the ones
    /// manifests and artifacts name; `None` when not limited.
    fn recorded_task(
        &self,
        manifests: &Manifests,
        artifacts: &[ArtifactRecord],
        task: Option<&str>,
    ) -> Result<Option<TaskId>> {
        task.map(|t| resolve_recorded_task(&*self.state()?, manifests, artifacts, t))
            .transpose()
    }

    /// Adds the files changed by commits carrying an `Orc-Task:` trailer (not orc's own
    /// operations); returns why history could not be read completely, if it could not.
    fn commit_log(
        &self,
        filter: &LogFilter,
        entries: &mut Vec<FileLogEntry>,
    ) -> Result<Option<String>> {
        let mut problem = None;
        let end = self.store.walk_history(None, |c| {
            let Some(t) = c.trailer("Orc-Task") else {
                return ControlFlow::Continue(());
            };
            if c.trailer("Orc-Op").is_some()
                || filter.task.as_ref().is_some_and(|id| id.as_str() != t)
            {
                return ControlFlow::Continue(());
            }
            let paths = match self.store.changed_paths(c) {
                Ok(p) => p,
                Err(e) => {
                    problem = Some(format!("could not read commit {}: {e}", c.short_id()));
                    return ControlFlow::Break(());
                }
            };
            for p in paths {
                if is_orc_path(&p) || !filter.path_matches(&p) {
                    continue;
                }
                entries.push(FileLogEntry {
                    at: c.time,
                    source: "commit",
                    task: Some(t.to_owned()),
                    path: p,
                    op: None,
                    from: None,
                    commit: Some(c.id.clone()),
                    summary: Some(c.summary.clone()),
                });
            }
            ControlFlow::Continue(())
        })?;
        Ok(problem.or(end.problem).or_else(|| {
            end.shallow.then(|| {
                "this is a shallow clone: commits before its boundary were not read".into()
            })
        }))
    }

    /// Problems in the manifests, for `orc check`.
    pub fn manifest_problems(&self, state: &State) -> Result<(usize, Vec<Problem>)> {
        let manifests = self.manifests()?;
        // The manifests of archived tasks stay where they are.
        let archived = self.archived_ids()?;
        let mut out = Vec::new();
        out.extend(manifests.unreadable.iter().map(Problem::unreadable));
        for (path, m) in &manifests.files {
            if *path != manifest_path(&m.task) {
                out.push(Problem::at(
                    path,
                    "misplaced",
                    format!(
                        "holds the manifest of {}, which belongs in {}",
                        m.task,
                        manifest_path(&m.task)
                    ),
                ));
            }
            if !state.is_known(&m.task) && !archived.contains(&m.task) {
                out.push(Problem::at(
                    path,
                    "unknown-task",
                    format!("names task {}, which does not exist", m.task),
                ));
            }
            for op in &m.operations {
                out.extend(operation_problems(path, op));
            }
        }
        Ok((manifests.files.len() + manifests.unreadable.len(), out))
    }
}

/// The problems of one recorded operation of the manifest at `path`: a path that is not
/// plainly inside the repository, a digest or old path that does not go with the operation.
fn operation_problems(path: &str, op: &FileOp) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in std::iter::once(&op.path).chain(op.from.iter()) {
        let bad = p.is_empty()
            || p.starts_with('/')
            || p.split('/').any(|c| c == ".." || c == "." || c.is_empty())
            || p == ".git"
            || p.starts_with(".git/");
        if bad {
            out.push(Problem::at(
                path,
                "bad-path",
                format!("operation path {p:?} is not a plain path inside the repository"),
            ));
        }
    }
    let needs_digest = op.op != FileOpKind::Delete;
    if needs_digest != op.sha256.is_some() {
        out.push(Problem::at(
            path,
            "inconsistent",
            format!(
                "{} of {} {} a sha256",
                op.op,
                op.path,
                if needs_digest {
                    "lacks"
                } else {
                    "should not have"
                }
            ),
        ));
    }
    if (op.op == FileOpKind::Rename) != op.from.is_some() {
        out.push(Problem::at(
            path,
            "inconsistent",
            format!("{} of {}: `from` goes with rename only", op.op, op.path),
        ));
    }
    out
}

/// A task id from user input: a task of the state, or one that no longer exists (or was
/// archived) but still has a manifest or artifacts.
fn resolve_recorded_task(
    state: &State,
    manifests: &Manifests,
    artifacts: &[ArtifactRecord],
    input: &str,
) -> Result<TaskId> {
    state.resolve(input).or_else(|e| {
        let input = input.trim();
        manifests
            .files
            .iter()
            .map(|(_, m)| &m.task)
            .chain(artifacts.iter().map(|a| &a.task))
            .find(|t| t.as_str() == input)
            .cloned()
            .ok_or(e)
    })
}

/// The expectation for each path from its latest record — a recorded operation or a
/// completed task's artifact — checked against the disk. With `task`, only the paths that
/// task recorded or produced; only those whose latest record `keep` accepts (by task and
/// source) are read at all.
pub(super) fn verify_records(
    store: &Store,
    manifests: &Manifests,
    artifacts: &[ArtifactRecord],
    task: Option<&TaskId>,
    keep: &dyn Fn(&TaskId, RecordSource) -> bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<VerifyResult>> {
    // path -> (latest record, whether the path is that record's rename source)
    let mut latest: BTreeMap<&str, (Record, bool)> = BTreeMap::new();
    let mut touched: BTreeSet<&str> = BTreeSet::new();
    for rec in records(manifests, artifacts) {
        latest.insert(rec.path(), (rec, false));
        if let Some(from) = rec.from() {
            latest.insert(from, (rec, true));
        }
        if task.is_none_or(|t| rec.task() == t) {
            touched.insert(rec.path());
            if let Some(from) = rec.from() {
                touched.insert(from);
            }
        }
    }
    touched.retain(|p| {
        let rec = latest[p].0;
        keep(rec.task(), rec.source())
    });
    let mut results = Vec::with_capacity(touched.len());
    let paths: Vec<&str> = touched.into_iter().collect();
    let digests = store.digests(&paths, progress);
    for (path, digest) in paths.into_iter().zip(digests) {
        let (rec, is_source) = latest[path];
        let actual = match digest {
            Ok(d) => d.map(Digest::from),
            // A directory or a pipe where a file was recorded: the file is not there.
            Err(Error::Io { source, .. })
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::IsADirectory | std::io::ErrorKind::InvalidInput
                ) =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        let op = match rec {
            Record::Op(o) => Some(o.op),
            Record::Artifact(_) => None,
        };
        let expect_present = !is_source && op != Some(FileOpKind::Delete);
        let expected = if expect_present { rec.digest() } else { None };
        let state = match (&expected, &actual) {
            (Some(e), Some(a)) if e.sha256 == a.sha256 => VerifyState::Verified,
            (Some(_), Some(_)) => VerifyState::Modified,
            (Some(_), None) => VerifyState::Missing,
            (None, Some(_)) if expect_present => VerifyState::Modified,
            (None, Some(_)) => VerifyState::UnexpectedlyPresent,
            (None, None) if expect_present => VerifyState::Missing,
            (None, None) => VerifyState::Verified,
        };
        results.push(VerifyResult {
            path: path.to_owned(),
            state,
            source: rec.source(),
            op,
            from: if is_source {
                None
            } else {
                rec.from().map(str::to_owned)
            },
            renamed_to: is_source.then(|| rec.path().to_owned()),
            task: rec.task().clone(),
            at: rec.at(),
            expected,
            actual,
        });
    }
    Ok(results)
}
