//! File-operation manifests: record what a task did to files, verify the records against
//! the disk, and tell which tasks touched a path.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;

use super::check::Problem;
use super::state::Unreadable;
use super::{Orc, Outcome, State, UnreadableFile};
use crate::error::{Error, Result};
use crate::format;
use crate::model::{FileOp, FileOpKind, Manifest, Status, TaskId};
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
        for (path, parsed) in store.load_dir(MANIFESTS_DIR, ".toml", format::manifest_from_toml)? {
            match parsed {
                Ok(m) => out.files.push((path, m)),
                Err(error) => out.unreadable.push(Unreadable { path, error }),
            }
        }
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
    /// The recorded operation the expectation comes from.
    pub op: FileOpKind,
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
    /// `manifest` (recorded with `orc files record`) or `commit` (a commit with an
    /// `Orc-Task:` trailer changed the path).
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
fn path_matches(path: &str, filter: &str) -> bool {
    let f = filter.trim_end_matches('/');
    path == f || path.starts_with(&format!("{f}/"))
}

impl Orc {
    /// All manifests, parsed.
    pub fn manifests(&self) -> Result<Manifests> {
        Manifests::load(&self.store)
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
            [] => Err(Error::invalid_with_hint(
                "no task is in progress, so orc cannot tell which task these files belong to",
                "pass --task ID",
            )),
            many => Err(Error::invalid_with_hint(
                format!(
                    "several tasks are in progress: {}",
                    many.iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "pass --task ID",
            )),
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
    fn already_recorded(manifests: &Manifests, path: &str, digest: Option<&FileDigest>) -> bool {
        match (manifests.latest_for(path), digest) {
            (Some(op), Some(d)) => {
                op.path == path
                    && op.op != FileOpKind::Delete
                    && op.sha256.as_deref() == Some(d.sha256.as_str())
            }
            (Some(op), None) => {
                op.op == FileOpKind::Delete && op.path == path
                    || op.op == FileOpKind::Rename && op.from.as_deref() == Some(path)
            }
            (None, _) => false,
        }
    }

    /// Records file operations for a task in its manifest and commits the manifest.
    pub fn files_record(&self, req: RecordRequest) -> Result<Outcome<RecordReport>> {
        if req.paths.is_empty() {
            return Err(Error::invalid_with_hint(
                "no paths given",
                "name files or directories, or pass --changed",
            ));
        }
        if req.from.is_some() && req.op.is_some_and(|o| o != FileOpKind::Rename) {
            return Err(Error::invalid("--from only goes with --op rename"));
        }
        let op_given = match (req.op, &req.from) {
            (None, Some(_)) => Some(FileOpKind::Rename),
            (op, _) => op,
        };
        if op_given == Some(FileOpKind::Rename) && (req.from.is_none() || req.paths.len() != 1) {
            return Err(Error::invalid_with_hint(
                "a rename needs one new path and --from OLD",
                "e.g. `orc files record src/new.rs --op rename --from src/old.rs`",
            ));
        }
        self.mutate(|state| {
            let task = self.record_task(state, req.task.as_deref())?;
            let manifests = self.manifests()?;
            let mut targets: Vec<String> = Vec::new();
            for input in &req.paths {
                let rel = self.store.confine(&req.cwd, input)?;
                if is_orc_path(&rel) {
                    return Err(refuse_orc_path(&rel));
                }
                let abs = self.store.abs(&rel);
                if abs.is_dir() {
                    if matches!(op_given, Some(FileOpKind::Delete | FileOpKind::Rename)) {
                        return Err(Error::invalid(format!(
                            "{rel} is a directory; a {} is recorded per file",
                            op_given.expect("checked")
                        )));
                    }
                    targets.extend(self.store.walk_files(&rel)?);
                } else {
                    targets.push(rel);
                }
            }
            let mut seen = BTreeSet::new();
            targets.retain(|t| seen.insert(t.clone()));

            let mut recorded = Vec::new();
            let mut unchanged = Vec::new();
            for rel in targets {
                let digest = digest_named(&self.store, &rel)?;
                let from = match &req.from {
                    Some(f) => {
                        let f = self.store.confine(&req.cwd, f)?;
                        if is_orc_path(&f) {
                            return Err(refuse_orc_path(&f));
                        }
                        if self.store.abs(&f).exists() {
                            return Err(Error::invalid_with_hint(
                                format!("{f} still exists; after a rename nothing is left at the old path"),
                                "record it as a create (or copy) instead, or delete the old file first",
                            ));
                        }
                        Some(f)
                    }
                    None => None,
                };
                let op = match op_given {
                    Some(op) => op,
                    None => match (&digest, manifests.latest_for(&rel)) {
                        (Some(_), Some(last)) if last.op == FileOpKind::Delete || last.path != rel => {
                            FileOpKind::Create
                        }
                        (Some(_), Some(_)) => FileOpKind::Modify,
                        (Some(_), None) if self.store.in_head(&rel)? => FileOpKind::Modify,
                        (Some(_), None) => FileOpKind::Create,
                        (None, Some(_)) => FileOpKind::Delete,
                        (None, None) if self.store.in_head(&rel)? => FileOpKind::Delete,
                        (None, None) => {
                            return Err(Error::invalid_with_hint(
                                format!("{rel} does not exist, and no commit or record knows it"),
                                "check the path; to record a deletion, the file must have existed",
                            ));
                        }
                    },
                };
                match (op, &digest) {
                    (FileOpKind::Delete, Some(_)) => {
                        return Err(Error::invalid_with_hint(
                            format!("{rel} still exists, so its deletion cannot be recorded"),
                            "delete it first, or record it as modify",
                        ));
                    }
                    (FileOpKind::Create | FileOpKind::Modify | FileOpKind::Rename, None) => {
                        return Err(Error::invalid_with_hint(
                            format!("{rel} does not exist, so a {op} cannot be recorded"),
                            "create the file first, or record it as delete",
                        ));
                    }
                    _ => {}
                }
                if op != FileOpKind::Rename && Self::already_recorded(&manifests, &rel, digest.as_ref()) {
                    unchanged.push(rel);
                    continue;
                }
                recorded.push(self.new_op(&task, rel, op, from, digest));
            }
            self.commit_ops(&manifests, task, recorded, unchanged)
        })
    }

    /// Records every file that differs from HEAD in the work tree (new, modified,
    /// deleted, renamed), skipping those whose latest record already matches. Files that
    /// were recorded but never committed and are now gone are recorded as deleted too.
    pub fn files_record_changed(&self, task: Option<&str>) -> Result<Outcome<RecordReport>> {
        self.mutate(|state| {
            let task = self.record_task(state, task)?;
            let manifests = self.manifests()?;
            let mut recorded = Vec::new();
            let mut unchanged = Vec::new();
            let mut changes = self.store.changed_files()?;
            for path in manifests.expected_present() {
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
                    _ => Self::already_recorded(&manifests, &change.path, digest.as_ref()),
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
                "record {} file operation{} for {task}",
                recorded.len(),
                if recorded.len() == 1 { "" } else { "s" }
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

    /// Checks each recorded path's latest operation against the disk. With `task`, only
    /// the paths that task recorded. `progress(done, total)` is called as files are read.
    pub fn files_verify(
        &self,
        task: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<VerifyReport> {
        let manifests = self.manifests()?;
        let task = match task {
            Some(t) => Some(self.resolve_task_or_manifest(&manifests, t)?),
            None => None,
        };
        let results = verify_manifests(&self.store, &manifests, task.as_ref(), progress)?;
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
                .map(|u| UnreadableFile {
                    path: u.path.clone(),
                    error: u.error.to_string(),
                })
                .collect(),
        })
    }

    /// A task id from user input; a task that no longer exists still has its manifest.
    fn resolve_task_or_manifest(&self, manifests: &Manifests, input: &str) -> Result<TaskId> {
        match self.state()?.resolve(input) {
            Ok(id) => Ok(id),
            Err(e) => manifests
                .files
                .iter()
                .map(|(_, m)| &m.task)
                .find(|t| t.as_str() == input.trim())
                .cloned()
                .ok_or(e),
        }
    }

    /// Which tasks touched a path (or every path, or a task's paths): from manifests and
    /// from commits that carry an `Orc-Task:` trailer. Newest first.
    pub fn files_log(&self, task: Option<&str>, path: Option<&str>, cwd: &Path) -> Result<FileLog> {
        let manifests = self.manifests()?;
        let task = match task {
            Some(t) => Some(self.resolve_task_or_manifest(&manifests, t)?),
            None => None,
        };
        let path = path.map(|p| self.store.confine(cwd, p)).transpose()?;
        let mut entries = Vec::new();
        for op in manifests.all_ops() {
            if task.as_ref().is_some_and(|t| &op.task != t) {
                continue;
            }
            if let Some(p) = &path
                && !path_matches(&op.path, p)
                && !op.from.as_deref().is_some_and(|f| path_matches(f, p))
            {
                continue;
            }
            entries.push(FileLogEntry {
                at: op.at,
                source: "manifest",
                task: Some(op.task.to_string()),
                path: op.path.clone(),
                op: Some(op.op),
                from: op.from.clone(),
                commit: None,
                summary: None,
            });
        }
        // Newest first, also among operations recorded in the same second.
        entries.reverse();
        let mut problem = None;
        let end = self.store.walk_history(None, |c| {
            let Some(t) = c.trailer("Orc-Task") else {
                return ControlFlow::Continue(());
            };
            if c.trailer("Orc-Op").is_some() || task.as_ref().is_some_and(|id| id.as_str() != t) {
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
                if is_orc_path(&p) || path.as_ref().is_some_and(|f| !path_matches(&p, f)) {
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
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        let mut tasks: Vec<String> = Vec::new();
        for e in &entries {
            if let Some(t) = &e.task
                && !tasks.contains(t)
            {
                tasks.push(t.clone());
            }
        }
        let history_note = problem.or(end.problem).or_else(|| {
            end.shallow.then(|| {
                "this is a shallow clone: commits before its boundary were not read".into()
            })
        });
        Ok(FileLog {
            entries,
            tasks,
            history_note,
        })
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
                out.push(Problem {
                    path: path.clone(),
                    line: None,
                    kind: "misplaced",
                    message: format!(
                        "holds the manifest of {}, which belongs in {}",
                        m.task,
                        manifest_path(&m.task)
                    ),
                });
            }
            if !state.tasks.contains_key(&m.task) && !archived.contains(&m.task) {
                out.push(Problem {
                    path: path.clone(),
                    line: None,
                    kind: "unknown-task",
                    message: format!("names task {}, which does not exist", m.task),
                });
            }
            for op in &m.operations {
                for p in std::iter::once(&op.path).chain(op.from.iter()) {
                    let bad = p.is_empty()
                        || p.starts_with('/')
                        || p.split('/').any(|c| c == ".." || c == "." || c.is_empty())
                        || p == ".git"
                        || p.starts_with(".git/");
                    if bad {
                        out.push(Problem {
                            path: path.clone(),
                            line: None,
                            kind: "bad-path",
                            message: format!(
                                "operation path {p:?} is not a plain path inside the repository"
                            ),
                        });
                    }
                }
                let needs_digest = op.op != FileOpKind::Delete;
                if needs_digest != op.sha256.is_some() {
                    out.push(Problem {
                        path: path.clone(),
                        line: None,
                        kind: "inconsistent",
                        message: format!(
                            "{} of {} {} a sha256",
                            op.op,
                            op.path,
                            if needs_digest {
                                "lacks"
                            } else {
                                "should not have"
                            }
                        ),
                    });
                }
                if (op.op == FileOpKind::Rename) != op.from.is_some() {
                    out.push(Problem {
                        path: path.clone(),
                        line: None,
                        kind: "inconsistent",
                        message: format!("{} of {}: `from` goes with rename only", op.op, op.path),
                    });
                }
            }
        }
        Ok((manifests.files.len() + manifests.unreadable.len(), out))
    }
}

/// The expectation for each path from its latest record, checked against the disk.
pub(super) fn verify_manifests(
    store: &Store,
    manifests: &Manifests,
    task: Option<&TaskId>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<VerifyResult>> {
    verify_manifests_where(store, manifests, task, &|_| true, progress)
}

/// [`verify_manifests`] for the paths whose latest record belongs to a task `keep` accepts
/// (the other files are not read at all).
pub(super) fn verify_manifests_where(
    store: &Store,
    manifests: &Manifests,
    task: Option<&TaskId>,
    keep: &dyn Fn(&TaskId) -> bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<VerifyResult>> {
    // path -> (latest op, whether the path is that op's rename source)
    let mut latest: BTreeMap<&str, (&FileOp, bool)> = BTreeMap::new();
    let mut touched: BTreeSet<&str> = BTreeSet::new();
    for op in manifests.all_ops() {
        latest.insert(&op.path, (op, false));
        if let Some(from) = &op.from {
            latest.insert(from, (op, true));
        }
        if task.is_none_or(|t| &op.task == t) {
            touched.insert(&op.path);
            if let Some(from) = &op.from {
                touched.insert(from);
            }
        }
    }
    touched.retain(|p| keep(&latest[p].0.task));
    let mut results = Vec::with_capacity(touched.len());
    let paths: Vec<&str> = touched.into_iter().collect();
    let digests = store.digests(&paths, progress);
    for (path, digest) in paths.into_iter().zip(digests) {
        let (op, is_source) = latest[path];
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
        let expect_present = !is_source && op.op != FileOpKind::Delete;
        let expected = if expect_present {
            op.sha256.clone().map(|sha256| Digest {
                sha256,
                size: op.size.unwrap_or(0),
            })
        } else {
            None
        };
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
            op: op.op,
            from: if is_source { None } else { op.from.clone() },
            renamed_to: is_source.then(|| op.path.clone()),
            task: op.task.clone(),
            at: op.at,
            expected,
            actual,
        });
    }
    Ok(results)
}
