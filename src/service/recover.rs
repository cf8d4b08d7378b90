//! `orc recover`: a briefing for an agent that lost its memory, built from the files
//! under `.orchestrator/` and from git history (walked only as far back as needed).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;

use jiff::Timestamp;
use serde::Serialize;

use super::State;
use super::decisions::Decisions;
use super::files::Manifests;
use super::files::{ArtifactRecord, RecordSource, verify_records};
use super::history::{HistoryCoverage, LogEntry, parse_since};
use super::views::by_urgency;
use super::{Action, DecisionSummary, Orc, UnreadableFile, VerifyResult, Words};
use crate::error::Result;
use crate::model::{Note, Priority, Status, Task, TaskId};
use crate::store::{CommitInfo, Since};

/// Without a session or `--since`, this many recent commits are read.
const RECENT_COMMITS: usize = 30;
/// At most this many commits are read for one briefing.
const MAX_COMMITS: usize = 2000;
/// Entries per list of a briefing unless the caller asks otherwise: enough to pick up
/// work, few enough for an agent's context.
pub const RECOVER_LIMIT: usize = 20;

/// A work session as far as recovery needs it. Read leniently from
/// `.orchestrator/sessions/*.toml`: `id`, `name`, `agent`, `started`, `ended`, and the
/// handoff note as `handoff = "..."` or a `[handoff]` table with `note`/`text`/`summary`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<String>,
    pub path: String,
}

/// A task in the briefing.
#[derive(Debug, Clone, Serialize)]
pub struct TaskBrief {
    pub id: TaskId,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<TaskId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_note: Option<Note>,
    /// Numbers of the decisions recorded for this task.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<u32>,
}

/// A commit without orc trailers that changed files recorded for open tasks.
#[derive(Debug, Clone, Serialize)]
pub struct OutsideChange {
    pub commit: String,
    pub time: Timestamp,
    pub author: String,
    pub summary: String,
    pub paths: Vec<String>,
    pub tasks: Vec<TaskId>,
}

/// The point in history the briefing starts from.
#[derive(Debug, Clone, Serialize)]
pub struct SinceInfo {
    /// `option` (--since), `last_session`, or `recent` (the last commits).
    pub basis: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    pub description: String,
}

/// Everything an agent needs to pick up work cold.
#[derive(Debug, Clone, Serialize)]
pub struct Briefing {
    pub generated: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    pub last_session: Option<SessionInfo>,
    /// When the last session left no handoff note (say, it never ended): the most
    /// recent other session that did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_handoff: Option<SessionInfo>,
    pub since: SinceInfo,
    /// Orc commits since then, newest first.
    pub changes: Vec<LogEntry>,
    /// Other commits since then that changed files recorded for open tasks.
    pub outside_changes: Vec<OutsideChange>,
    pub in_progress: Vec<TaskBrief>,
    pub ready: Vec<TaskBrief>,
    /// Blocked or needing revision.
    pub stuck: Vec<TaskBrief>,
    /// Decisions recorded for open tasks.
    pub decisions: Vec<DecisionSummary>,
    /// Recorded file operations of open tasks, and artifacts of completed tasks, that the
    /// disk no longer matches.
    pub unverified_files: Vec<VerifyResult>,
    /// What to do next, most important first, as data.
    #[serde(skip)]
    pub next: Vec<Action>,
    /// The same, worded by the face that asked.
    pub next_actions: Vec<String>,
    pub history: HistoryCoverage,
    /// Files under `.orchestrator/` that could not be read.
    pub unreadable: Vec<UnreadableFile>,
    /// Unacknowledged messages for this agent (`orc msg inbox`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<super::MailSummary>,
    /// Lists cut to the requested length, with their full length: `"ready": 1234`.
    /// Empty when nothing was cut.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub truncated: BTreeMap<&'static str, usize>,
    /// The vocabulary `next_actions` and the Markdown are worded in.
    #[serde(skip)]
    pub words: &'static dyn Words,
}

impl Orc {
    /// Sessions under `.orchestrator/sessions/`, oldest start first, and the files that
    /// could not be read.
    fn recover_sessions(&self) -> Result<(Vec<SessionInfo>, Vec<UnreadableFile>)> {
        let (sessions, bad) = self.load_sessions()?;
        let sessions = sessions
            .into_iter()
            .map(|s| SessionInfo {
                path: super::session_path(&s.id),
                id: s.id.to_string(),
                name: s.name,
                agent: s.agent,
                started: Some(s.started),
                ended: s.ended,
                handoff: s.handoff,
            })
            .collect();
        let unreadable = bad
            .into_iter()
            .map(|b| UnreadableFile::new(&b.path, &b.error))
            .collect();
        Ok((sessions, unreadable))
    }

    /// Where "since the last session" starts in history: the newest commit of `session`
    /// (its `session.end`), or with `first` its `session.start` commit. `None` when no
    /// commit of it is found among the newest [`MAX_COMMITS`] (say, it was written
    /// without committing); recovery then goes by time.
    fn session_commit(&self, session: &str, first: bool) -> Option<String> {
        let mut found = None;
        let mut read = 0;
        self.store
            .walk_history(None, |c| {
                read += 1;
                if read > MAX_COMMITS {
                    return ControlFlow::Break(());
                }
                match LogEntry::from_commit(c) {
                    Some(e)
                        if e.session.as_deref() == Some(session)
                            && (!first || e.op == "session.start") =>
                    {
                        found = Some(c.id.clone());
                        ControlFlow::Break(())
                    }
                    _ => ControlFlow::Continue(()),
                }
            })
            .ok()?;
        found
    }

    /// The recovery briefing. `since` (a commit or a date) overrides the default starting
    /// point, which is the end of the last session (or its start, when it never ended).
    /// Each list holds at most `limit` entries; the full lengths of cut lists are in
    /// [`Briefing::truncated`].
    pub fn recover(&self, since: Option<&str>, limit: usize) -> Result<Briefing> {
        self.recover_with_progress(since, limit, &mut |_| {})
    }

    /// [`Orc::recover`], calling `progress(commits_read)` as history is walked.
    pub fn recover_with_progress(
        &self,
        since: Option<&str>,
        limit: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Briefing> {
        let state = self.state()?;
        let decisions = self.decisions()?;
        let manifests = self.manifests()?;
        let (sessions, mut unreadable) = self.recover_sessions()?;
        for u in state
            .unreadable
            .iter()
            .chain(&decisions.unreadable)
            .chain(&manifests.unreadable)
        {
            unreadable.push(UnreadableFile::new(&u.path, &u.error));
        }
        unreadable.sort_by(|a, b| a.path.cmp(&b.path));
        let last_session = last_session(&sessions);
        let previous_handoff = previous_handoff(&sessions, last_session.as_ref());
        let start = self.recover_start(since, last_session.as_ref())?;

        let open: BTreeSet<&TaskId> = state
            .task_values()
            .filter(|t| t.status.is_open())
            .map(|t| &t.id)
            .collect();
        let watched = watched_paths(&manifests, &open);
        let walked = self.walk_since_start(&start, &watched, progress)?;

        let mut truncated = BTreeMap::new();
        let work = open_work(&state, &decisions, limit, &mut truncated);
        let decision_list = bound_decisions(&state, &decisions, &open);
        note_cut(&mut truncated, limit, "decisions", decision_list.len());
        let unverified = self.unverified_files(&state, &manifests, &open)?;
        note_cut(&mut truncated, limit, "unverified_files", unverified.len());
        note_cut(&mut truncated, limit, "changes", walked.changes.len());
        note_cut(
            &mut truncated,
            limit,
            "outside_changes",
            walked.outside.len(),
        );
        fn take<T>(mut v: Vec<T>, limit: usize) -> Vec<T> {
            v.truncate(limit);
            v
        }

        let mut briefing = Briefing {
            generated: self.now(),
            branch: self.store.branch(),
            head: self.store.head_commit()?,
            last_session,
            previous_handoff,
            since: start.info,
            changes: take(walked.changes, limit),
            outside_changes: take(walked.outside, limit),
            in_progress: work.in_progress,
            ready: work.ready,
            stuck: work.stuck,
            decisions: take(decision_list, limit),
            unverified_files: take(unverified, limit),
            next: Vec::new(),
            next_actions: Vec::new(),
            words: self.ctx.words,
            history: walked.history,
            unreadable,
            truncated,
            mail: self.mail_summary(&state, None),
        };
        briefing.next = next_actions(&briefing);
        briefing.next_actions = briefing
            .next
            .iter()
            .map(|a| a.line(briefing.words))
            .collect();
        Ok(briefing)
    }

    /// Where the briefing starts reading history: `since` when given, else the end (or
    /// start) of the last session, else the most recent commits.
    fn recover_start(
        &self,
        since: Option<&str>,
        last_session: Option<&SessionInfo>,
    ) -> Result<RecoverStart> {
        if let Some(s) = since {
            let parsed = parse_since(self, s)?;
            let info = match &parsed {
                Since::Commit(c) => SinceInfo {
                    basis: "option",
                    commit: Some(c.clone()),
                    time: None,
                    description: format!("since commit {}", crate::render::short_id(c)),
                },
                Since::Time(t) => SinceInfo {
                    basis: "option",
                    commit: None,
                    time: Some(*t),
                    description: format!("since {t}"),
                },
            };
            return Ok(RecoverStart {
                walk_since: Some(parsed),
                info,
                skip_session: None,
            });
        }
        match last_session {
            Some(session) if session.ended.or(session.started).is_some() => {
                let (t, what, skip) = match session.ended {
                    Some(end) => (end, "ended", Some(session.id.clone())),
                    None => (
                        session.started.expect("checked above"),
                        "started (it never ended)",
                        None,
                    ),
                };
                // By the commit graph where the session's commits are found: commits made
                // in the same second as its end are neither "new" nor missed.
                let commit = self.session_commit(&session.id, session.ended.is_none());
                Ok(RecoverStart {
                    walk_since: Some(match &commit {
                        Some(c) => Since::Commit(c.clone()),
                        None => Since::Time(t),
                    }),
                    info: SinceInfo {
                        basis: "last_session",
                        commit,
                        time: Some(t),
                        description: format!("since the last session {what} at {t}"),
                    },
                    skip_session: skip,
                })
            }
            _ => Ok(RecoverStart {
                walk_since: None,
                info: SinceInfo {
                    basis: "recent",
                    commit: None,
                    time: None,
                    description: format!(
                        "in the last {RECENT_COMMITS} commits (no session is recorded)"
                    ),
                },
                skip_session: None,
            }),
        }
    }

    /// Walks history from `start`: the orc records (but the skipped session's own) and
    /// the other commits that changed files recorded for open tasks.
    fn walk_since_start(
        &self,
        start: &RecoverStart,
        watched: &Watched<'_>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Walked> {
        let cap = start.cap();
        let mut changes = Vec::new();
        let mut outside = Vec::new();
        // The orc commits passed so far, by task and time: a commit that comes after one
        // of them in the walk was made before that record, even in the same second.
        let mut records_passed: HashSet<(TaskId, Timestamp)> = HashSet::new();
        let mut problem = None;
        let mut read = 0;
        let end = self.store.walk_history(start.walk_since.as_ref(), |c| {
            read += 1;
            progress(read);
            if read > cap {
                return ControlFlow::Break(());
            }
            if let Some(entry) = LogEntry::from_commit(c) {
                // Older commits come before this record: by the graph, not the clock.
                if let Some(task) = entry.task.as_deref().and_then(|t| TaskId::parse(t).ok()) {
                    records_passed.insert((task, entry.time));
                }
                let own = start.skip_session.is_some() && entry.session == start.skip_session;
                if !own {
                    changes.push(entry);
                }
                return ControlFlow::Continue(());
            }
            if watched.is_empty() {
                return ControlFlow::Continue(());
            }
            match self.store.changed_paths(c) {
                Ok(paths) => {
                    outside.extend(outside_change(c, paths, watched, &records_passed));
                    ControlFlow::Continue(())
                }
                Err(e) => {
                    problem = Some(format!("could not read commit {}: {e}", c.short_id()));
                    ControlFlow::Break(())
                }
            }
        })?;
        let mut history = HistoryCoverage::from_walk(&end);
        history.commits_read = end.scanned.min(cap);
        if problem.is_some() {
            history.problem = problem;
        } else if start.walk_since.is_some() && read > cap {
            history.problem = Some(format!(
                "more than {MAX_COMMITS} commits since then; only the newest were read"
            ));
        }
        history.complete = history.problem.is_none() && !history.shallow;
        Ok(Walked {
            changes,
            outside,
            history,
        })
    }

    /// Recorded files of open tasks, and the artifacts of completed ones (the archive is
    /// out of the briefing's view), that no longer match their records.
    fn unverified_files(
        &self,
        state: &State,
        manifests: &Manifests,
        open: &BTreeSet<&TaskId>,
    ) -> Result<Vec<VerifyResult>> {
        let artifacts: Vec<ArtifactRecord> =
            state.task_values().flat_map(ArtifactRecord::of).collect();
        let relevant =
            |t: &TaskId, source: RecordSource| source == RecordSource::Artifact || open.contains(t);
        Ok(verify_records(
            &self.store,
            manifests,
            &artifacts,
            None,
            &relevant,
            &mut |_, _| {},
        )?
        .into_iter()
        .filter(|r| !r.state.ok() && relevant(&r.task, r.source))
        .collect())
    }
}

/// Where a briefing starts reading history.
struct RecoverStart {
    walk_since: Option<Since>,
    info: SinceInfo,
    /// The last session, whose own records are not news to it.
    skip_session: Option<String>,
}

impl RecoverStart {
    /// How many commits the walk reads at most.
    fn cap(&self) -> usize {
        if self.walk_since.is_some() {
            MAX_COMMITS
        } else {
            RECENT_COMMITS
        }
    }
}

/// What walking history found.
struct Walked {
    changes: Vec<LogEntry>,
    outside: Vec<OutsideChange>,
    history: HistoryCoverage,
}

/// The open tasks by kind, each list cut to the briefing's limit.
struct OpenWork {
    in_progress: Vec<TaskBrief>,
    ready: Vec<TaskBrief>,
    stuck: Vec<TaskBrief>,
}

/// Paths recorded for open tasks, by whom and when.
type Watched<'a> = HashMap<&'a str, Vec<(&'a TaskId, Timestamp)>>;

/// The session that ended (or started) last.
fn last_session(sessions: &[SessionInfo]) -> Option<SessionInfo> {
    sessions
        .iter()
        .max_by_key(|s| (s.ended.or(s.started), s.started))
        .cloned()
}

/// When the last session left no handoff note, the latest session that did.
fn previous_handoff(sessions: &[SessionInfo], last: Option<&SessionInfo>) -> Option<SessionInfo> {
    match last {
        Some(last) if last.handoff.is_none() => sessions
            .iter()
            .filter(|s| s.handoff.is_some() && s.id != last.id)
            .max_by_key(|s| (s.ended.or(s.started), s.started))
            .cloned(),
        _ => None,
    }
}

/// The paths the manifests record for open tasks.
fn watched_paths<'a>(manifests: &'a Manifests, open: &BTreeSet<&TaskId>) -> Watched<'a> {
    let mut watched: Watched<'a> = HashMap::new();
    for (_, m) in &manifests.files {
        if open.contains(&m.task) {
            for op in &m.operations {
                for p in std::iter::once(&op.path).chain(op.from.iter()) {
                    watched
                        .entry(p.as_str())
                        .or_default()
                        .push((&m.task, op.at));
                }
            }
        }
    }
    watched
}

/// Commit `c` as a change outside orc, when it touched a watched path at or after the
/// time of its record (and not before that record in the walk).
fn outside_change(
    c: &CommitInfo,
    paths: Vec<String>,
    watched: &Watched<'_>,
    records_passed: &HashSet<(TaskId, Timestamp)>,
) -> Option<OutsideChange> {
    let mut hits = Vec::new();
    let mut tasks: Vec<TaskId> = Vec::new();
    for p in paths {
        let recorded: Vec<&TaskId> = watched
            .get(p.as_str())
            .into_iter()
            .flatten()
            .filter(|(t, at)| c.time >= *at && !records_passed.contains(&((*t).clone(), *at)))
            .map(|(t, _)| *t)
            .collect();
        if !recorded.is_empty() {
            tasks.extend(recorded.into_iter().cloned());
            hits.push(p);
        }
    }
    if hits.is_empty() {
        return None;
    }
    tasks.sort();
    tasks.dedup();
    Some(OutsideChange {
        commit: c.id.clone(),
        time: c.time,
        author: c.author.clone(),
        summary: c.summary.clone(),
        paths: hits,
        tasks,
    })
}

/// Records in `truncated` that the list `name` of `total` entries is cut to `limit`.
fn note_cut(
    truncated: &mut BTreeMap<&'static str, usize>,
    limit: usize,
    name: &'static str,
    total: usize,
) {
    if total > limit {
        truncated.insert(name, total);
    }
}

/// The tasks in progress, ready and stuck, most urgent first.
fn open_work(
    state: &State,
    decisions: &Decisions,
    limit: usize,
    truncated: &mut BTreeMap<&'static str, usize>,
) -> OpenWork {
    let mut decisions_of: HashMap<&TaskId, Vec<u32>> = HashMap::new();
    for f in &decisions.files {
        if let Some(t) = &f.decision.task {
            decisions_of.entry(t).or_default().push(f.decision.number);
        }
    }
    let brief = |t: &Task| TaskBrief {
        id: t.id.clone(),
        title: t.title.clone(),
        status: t.status,
        priority: t.priority,
        role: t.role.clone(),
        assignee: t.assignee.clone(),
        parent: t.parent.clone(),
        latest_note: t.latest_note().cloned(),
        decisions: decisions_of.get(&t.id).cloned().unwrap_or_default(),
    };
    let mut list = |name: &'static str, mut tasks: Vec<&Task>| -> Vec<TaskBrief> {
        note_cut(truncated, limit, name, tasks.len());
        tasks.sort_by(by_urgency);
        tasks.into_iter().take(limit).map(brief).collect()
    };
    let with = |pred: fn(&Task) -> bool| state.task_values().filter(move |t| pred(t));
    OpenWork {
        in_progress: list(
            "in_progress",
            with(|t| t.status == Status::InProgress).collect(),
        ),
        ready: list("ready", state.ready_tasks()),
        stuck: list(
            "stuck",
            with(|t| matches!(t.status, Status::Blocked | Status::NeedsRevision)).collect(),
        ),
    }
}

/// The decisions that bind open work: those of open tasks, of their goals and of the
/// work they build on (as in the brief `orc start` prints).
fn bound_decisions(
    state: &State,
    decisions: &Decisions,
    open: &BTreeSet<&TaskId>,
) -> Vec<DecisionSummary> {
    let bound: BTreeSet<TaskId> = state
        .task_values()
        .filter(|t| open.contains(&t.id))
        .flat_map(|t| super::decisions::lineage(t, state))
        .collect();
    decisions
        .files
        .iter()
        .filter(|f| f.decision.task.as_ref().is_some_and(|t| bound.contains(t)))
        .map(DecisionSummary::from)
        .collect()
}

/// What to do next, most important first.
fn next_actions(b: &Briefing) -> Vec<Action> {
    let mut out = Vec::new();
    if !b.unreadable.is_empty() {
        out.push(Action::FixUnreadable {
            count: b.unreadable.len(),
        });
    }
    if let Some(note) = b.history.note() {
        out.push(Action::MindTheGap { note });
    }
    for t in &b.in_progress {
        out.push(Action::Continue {
            task: t.id.clone(),
            title: t.title.clone(),
            assignee: t.assignee.clone(),
        });
    }
    if let Some(more) = b.more("in_progress") {
        out.push(Action::MoreInProgress { more });
    }
    if !b.unverified_files.is_empty() {
        out.push(Action::ReviewFiles {
            count: b.full_len("unverified_files", b.unverified_files.len()),
        });
    }
    if !b.outside_changes.is_empty() {
        let mut tasks: Vec<TaskId> = b
            .outside_changes
            .iter()
            .flat_map(|c| c.tasks.iter().cloned())
            .collect();
        tasks.sort();
        tasks.dedup();
        out.push(Action::CheckOutsideCommits { tasks });
    }
    for d in b
        .decisions
        .iter()
        .filter(|d| d.status == crate::model::DecisionStatus::Proposed)
    {
        out.push(Action::Decide {
            number: d.number,
            title: d.title.clone(),
        });
    }
    for t in &b.stuck {
        out.push(Action::Unblock {
            task: t.id.clone(),
            title: t.title.clone(),
            status: t.status,
        });
    }
    if let Some(more) = b.more("stuck") {
        out.push(Action::MoreStuck { more });
    }
    if b.in_progress.is_empty()
        && let Some(t) = b.ready.first()
    {
        out.push(Action::Start {
            task: t.id.clone(),
            title: t.title.clone(),
        });
    }
    if out.is_empty() {
        out.push(Action::PlanWork);
    }
    out
}

impl Briefing {
    /// The full length of list `name`, of which `shown` entries are in the briefing.
    pub fn full_len(&self, name: &str, shown: usize) -> usize {
        self.truncated.get(name).copied().unwrap_or(shown)
    }

    /// How many entries of list `name` were cut, if any.
    pub fn more(&self, name: &str) -> Option<usize> {
        let shown = match name {
            "changes" => self.changes.len(),
            "outside_changes" => self.outside_changes.len(),
            "in_progress" => self.in_progress.len(),
            "ready" => self.ready.len(),
            "stuck" => self.stuck.len(),
            "decisions" => self.decisions.len(),
            "unverified_files" => self.unverified_files.len(),
            _ => return None,
        };
        self.truncated.get(name).map(|total| total - shown)
    }
}
