//! Use cases: the one API that the CLI, the MCP server and the git hooks call.
//!
//! Functions here read state through the store, validate, and return data; they never
//! print. Every mutation runs under the repository lock and ends as one [`Change`].
//!
//! A method is named after the command it serves: `orc <verb>` calls `Orc::<verb>`
//! (`start`, `done`, `plan`, `status`), and `orc <group> <verb>` calls
//! `Orc::<group>_<verb>` (`task_add`, `task_rm`, `decision_new`, `msg_send`,
//! `hooks_install`). The MCP tools call the same methods.

mod actions;
mod board;
mod check;
mod claims;
mod decisions;
mod files;
mod graph;
mod history;
mod hooks;
mod import;
mod init;
mod maintenance;
mod messages;
mod next;
mod partial;
mod plan;
mod random;
mod recover;
mod reservations;
mod roles;
mod search;
mod session;
mod state;
mod streams;
mod synthesize;
mod tasks;
mod views;
mod work;

use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;

pub use actions::{Action, PLAIN, Plain, Words};
pub use board::{Board, BoardColumn, BoardFilter, Card, Column, Revision};
pub use check::{CheckReport, Problem};
pub use claims::{ClaimView, ClaimsReport};
pub use decisions::{
    DECISIONS_DIR, DecisionFile, DecisionFilter, DecisionList, DecisionSummary, DecisionView,
    Decisions, MatchLine, NewDecision, Renumbered, SearchHit, decision_path, parse_number,
};
pub use files::{
    ArtifactRecord, Digest, FileLog, FileLogEntry, MANIFESTS_DIR, Manifests, RecordReport,
    RecordRequest, RecordSource, VerifyReport, VerifyResult, VerifyState, VerifySummary,
    manifest_path,
};
pub use graph::{
    DecisionGraph, DecisionNode, DecisionTask, GraphFilter, Supersedes, TaskEdge, TaskEdgeKind,
    TaskGraph, TaskNode,
};
pub use history::{
    FieldChange, HistoryCoverage, LogEntry, LogFilter, LogReport, ObjectHistory, ObjectRef,
    Version, diff_values, looks_like_decision,
};
pub use hooks::{
    ATTRIBUTE_LINE, DECISION_ATTRIBUTE_LINE, DriverReport, GITATTRIBUTES, Hook, HookOwner,
    HookStatus, HooksReport, InstallOptions, LinkedCommit, LinkedFile, merge_driver,
};
pub use import::{
    IMPORTS_DIR, ImportAction, ImportReport, ImportRequest, ImportedEntry, OriginalDatabase,
    TASK_ORCHESTRATOR_DB, find_task_orchestrator_db, import_map_path,
};
pub use init::InitReport;
pub use maintenance::{
    ARCHIVE_TASKS_DIR, ArchiveReport, ArchiveSkip, ArchivedTree, BrokenReference, CleanupReport,
    MaintenanceScan, Orphan, StaleAction, StaleTask, archived_task_path,
};
pub use messages::{
    ACKS_PREFIX, Inbox, MESSAGES_PREFIX, MailLine, MailSummary, MessageThread, MessageView,
    PruneReport,
};
pub use next::{ClaimedTask, ElsewhereTask, NextReport, NothingReady, ReadyFilter, WaitingTask};
pub use partial::{Partial, Tasks};
pub use plan::{PlanReport, PlannedTask};
pub use recover::{Briefing, OutsideChange, RECOVER_LIMIT, SessionInfo, SinceInfo, TaskBrief};
pub use reservations::{RESERVATIONS_REF, ReservationView, ReservationsReport, ReservedPath};
pub use roles::{ORCHESTRATOR_GUIDE, ROLES_DIR, Role, RoleSource};
pub use search::{FieldMatch, SearchReport, SearchScope, TaskHit};
pub use session::{RoleSummary, SESSIONS_DIR, SessionContext, session_path};
use state::relocate_tasks;
pub use state::{CONFIG_PATH, State, TASKS_DIR, flat_task_path, read_task_file, task_path};
pub use streams::{StreamTask, StreamView};
pub use synthesize::Synthesis;
pub use tasks::{NewTask, TaskEdit, TaskFilter};
pub use views::StreamQueue;
pub use views::{Progress, StatusReport, StreamCount, TaskSummary, TaskView, UnreadableFile};
pub use work::{
    Completion, CompletionReport, DependencyResult, GoalContext, StatusChange, WorkContext,
};

use crate::error::{Error, Result};
use crate::model::CommitMode;
pub use crate::store::FileChange;
use crate::store::{Applied, Change, Store};

/// Who is calling and when: everything a use case needs from outside the repository.
#[derive(Debug, Clone)]
pub struct Context {
    /// The time recorded in files. Whole seconds, UTC.
    pub now: Timestamp,
    /// Leave committing to the user for this invocation.
    pub no_commit: bool,
    /// Name of the agent or person acting, recorded as assignee and note author.
    pub agent: Option<String>,
    /// The process exits right after this call (the CLI): state read for it is left to
    /// the operating system instead of being freed object by object, which costs more
    /// than the rest of a read command on 10,000 tasks. A server keeps this off.
    pub short_lived: bool,
    /// Publish claims to this remote (overrides `[claims] remote` in config.toml).
    pub claims_remote: Option<String>,
    /// Claim in this clone only, even when a claims remote is configured (`--local`).
    pub local_claims: bool,
    /// How briefs and briefings say what to do next: the face's vocabulary.
    pub words: &'static dyn Words,
    /// Draw new ids from this seed, reproducibly (`ORC_SEED`); `None`: at random.
    pub seed: Option<String>,
}

impl Context {
    /// Current time, or the RFC 3339 time in `ORC_NOW` when set (reproducible runs).
    pub fn from_env() -> Result<Context> {
        let now = match std::env::var("ORC_NOW") {
            Ok(s) if !s.trim().is_empty() => parse_time(&s).map_err(|e| {
                Error::invalid_with_hint(
                    format!("ORC_NOW={s:?} is not a time: {e}"),
                    "use RFC 3339, e.g. 2026-01-31T12:00:00Z",
                )
            })?,
            _ => Timestamp::now(),
        };
        Ok(Context {
            now: whole_seconds(now),
            no_commit: false,
            short_lived: false,
            claims_remote: std::env::var("ORC_CLAIMS_REMOTE")
                .ok()
                .filter(|r| !r.trim().is_empty()),
            local_claims: std::env::var("ORC_LOCAL_CLAIMS")
                .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"),
            agent: std::env::var("ORC_AGENT")
                .ok()
                .filter(|a| !a.trim().is_empty()),
            words: &PLAIN,
            seed: std::env::var("ORC_SEED").ok().filter(|s| !s.is_empty()),
        })
    }
}

/// Parses an RFC 3339 time or a date (`2026-01-31`, taken as midnight UTC).
pub fn parse_time(s: &str) -> std::result::Result<Timestamp, String> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    s.parse::<jiff::civil::Date>()
        .map_err(|e| e.to_string())
        .and_then(|d| {
            d.to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .map_err(|e| e.to_string())
        })
}

fn whole_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).expect("a valid timestamp truncated stays valid")
}

/// The result of a mutation: its value and what happened in git.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome<T> {
    #[serde(flatten)]
    pub value: T,
    /// Commit id, when a commit was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Why the change was written but not committed, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_committed: Option<String>,
    /// What the user should know about how the commit was made (on a detached HEAD,
    /// with the fallback identity), one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

impl<T> Outcome<T> {
    /// The same commit information with another value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        Outcome {
            value: f(self.value),
            commit: self.commit,
            not_committed: self.not_committed,
            notices: self.notices,
        }
    }

    fn new(value: T, applied: Applied) -> Self {
        let (commit, not_committed, notices) = match applied {
            Applied::Committed { commit, notices } => (
                Some(commit),
                None,
                notices.iter().map(ToString::to_string).collect(),
            ),
            Applied::Written { reason } => (None, Some(reason), Vec::new()),
            Applied::Unchanged => (None, None, Vec::new()),
        };
        Outcome {
            value,
            commit,
            not_committed,
            notices,
        }
    }
}

/// An open orc repository.
pub struct Orc {
    store: Store,
    ctx: Context,
    /// What opening the repository did on its own that the user should hear about.
    notices: Vec<String>,
    /// Files under `.orchestrator/` that the calls so far could not read, by path.
    problems: Problems,
    /// Claim refs changed by the mutation under way, to put back if it fails.
    claim_undo: std::cell::RefCell<Vec<claims::ClaimUndo>>,
    /// Claim pushes to the claims remote under way, awaited before the commit.
    claim_pushes: std::cell::RefCell<Vec<claims::Publishing>>,
}

/// Files that could not be read, shared with the face that reports them.
pub type Problems = std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, String>>>;

impl Orc {
    /// Opens the repository containing `start`. Does not require `orc init`.
    pub fn open(start: &Path, ctx: Context) -> Result<Orc> {
        let mut store = Store::discover(start)?;
        store.recover_interrupted()?;
        let notices: Vec<String> = hooks::ensure_driver(&store).into_iter().collect();
        if !notices.is_empty() {
            // The repository's configuration changed: see it as it is now.
            store = Store::discover(start)?;
        }
        Ok(Orc {
            store,
            ctx,
            notices,
            problems: Problems::default(),
            claim_undo: Default::default(),
            claim_pushes: Default::default(),
        })
    }

    /// Things opening the repository did by itself (such as registering the merge
    /// driver in a fresh clone), for the face to tell the user once.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The files under `.orchestrator/` that the calls so far could not read (path and
    /// error), kept until [`Orc::take_problems`]. Every reading command says so, so that
    /// nothing disappears silently from a list.
    pub fn problems(&self) -> Problems {
        self.problems.clone()
    }

    /// The files recorded so far as unreadable, forgetting them (a server asks after
    /// each call).
    pub fn take_problems(&self) -> Vec<UnreadableFile> {
        let mut map = self
            .problems
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::take(&mut *map)
            .into_iter()
            .map(|(path, error)| UnreadableFile { path, error })
            .collect()
    }

    /// Records files that did not parse.
    fn note_unreadable<'a>(&self, files: impl IntoIterator<Item = &'a state::Unreadable>) {
        let mut map = self
            .problems
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for u in files {
            let f = UnreadableFile::new(&u.path, &u.error);
            map.insert(f.path, f.error);
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Replaces the context: a long-running caller (the MCP server) keeps the repository
    /// open and gives each request its own time.
    pub fn set_context(&mut self, ctx: Context) {
        self.ctx = ctx;
    }

    pub fn now(&self) -> Timestamp {
        self.ctx.now
    }

    /// Reads the current state; fails when orc is not initialised.
    pub fn state(&self) -> Result<Loaded> {
        let state = State::load(&self.store)?;
        self.note_unreadable(&state.unreadable);
        Ok(Loaded {
            state: Some(state),
            short_lived: self.ctx.short_lived,
        })
    }

    /// Runs one mutation under the repository lock: load state, let `f` change it and
    /// describe the change, then write and commit. Nothing is written when `f` fails.
    ///
    /// Claims follow the change: those taken by `f` stay only if the change is written,
    /// those of tasks it takes out of progress are given back (see `claims.rs`).
    fn mutate<T>(&self, f: impl FnOnce(&mut State) -> Result<(Change, T)>) -> Result<Outcome<T>> {
        self.mutate_after(|| Ok(()), f)
    }

    /// [`Orc::mutate`] with `early` run under the lock before the state is read: a claim
    /// taken there is pushed to the claims remote while the state loads.
    fn mutate_after<T>(
        &self,
        early: impl FnOnce() -> Result<()>,
        f: impl FnOnce(&mut State) -> Result<(Change, T)>,
    ) -> Result<Outcome<T>> {
        let _lock = self.store.lock()?;
        self.begin_ids();
        self.claim_undo.borrow_mut().clear();
        let mut config = None;
        let result = (|| {
            early()?;
            let mut state = State::load(&self.store)?;
            self.note_unreadable(&state.unreadable);
            let (mut change, value) = f(&mut state)?;
            relocate_tasks(&mut change, |id| Some(state.task_file(id)));
            refuse_binary(&change)?;
            let renew = self.settle_claims(&state.config, &change)?;
            self.await_claims()?;
            let commit = !self.ctx.no_commit && state.config.commit == CommitMode::Auto;
            let applied = self.store.apply(&change, commit)?;
            config = Some(std::mem::take(&mut state.config));
            Ok((value, applied, renew, claims::tasks_finishing(&change)))
        })();
        self.finish_claims(result, config)
    }

    /// Ends a mutation's claim bookkeeping: on failure every claim ref it changed is put
    /// back; on success the claims of tasks left in progress are renewed and the file
    /// reservations of tasks finished, blocked or cancelled are given back.
    #[allow(clippy::type_complexity)]
    fn finish_claims<T>(
        &self,
        result: Result<(
            T,
            Applied,
            Vec<crate::model::TaskId>,
            Vec<crate::model::TaskId>,
        )>,
        config: Option<crate::model::Config>,
    ) -> Result<Outcome<T>> {
        match result {
            Ok((value, applied, renew, finishing)) => {
                self.claim_undo.borrow_mut().clear();
                if let Some(config) = config {
                    self.renew_claims(&config, &renew);
                    self.release_task_reservations(&config, &finishing);
                }
                Ok(Outcome::new(value, applied))
            }
            Err(e) => {
                self.undo_claims();
                Err(e)
            }
        }
    }
}

impl Orc {
    /// Like [`Orc::mutate`] for changes that touch a few known tasks: only the task files
    /// the change asks for are read, so the cost does not grow with the number of tasks.
    fn mutate_partial<T>(
        &self,
        f: impl FnOnce(&mut Partial<'_>) -> Result<(Change, T)>,
    ) -> Result<Outcome<T>> {
        let _lock = self.store.lock()?;
        self.begin_ids();
        self.claim_undo.borrow_mut().clear();
        let mut kept = None;
        let result = (|| {
            let config = State::load_config(&self.store)?;
            let commit = !self.ctx.no_commit && config.commit == CommitMode::Auto;
            let mut partial = Partial::new(&self.store, config.clone());
            let (mut change, value) = f(&mut partial)?;
            relocate_tasks(&mut change, |id| partial.found_elsewhere(id));
            refuse_binary(&change)?;
            let renew = self.settle_claims(&config, &change)?;
            self.await_claims()?;
            let applied = self.store.apply(&change, commit)?;
            kept = Some(config);
            Ok((value, applied, renew, claims::tasks_finishing(&change)))
        })();
        self.finish_claims(result, kept)
    }
}

impl Orc {
    /// Starts the id sequence of a mutation (reproducible only with a seed).
    fn begin_ids(&self) {
        random::begin(self.ctx.seed.as_deref(), || {
            Some(random::Head {
                depth: self.store.head_depth().ok()?,
                branch: self.store.branch(),
            })
        });
    }
}

/// orc's files are text that git diffs and merges: a change that would write a NUL byte
/// (from input that carried one) is refused rather than committed as a binary file.
fn refuse_binary(change: &Change) -> Result<()> {
    for (path, content) in &change.files {
        let Some(bytes) = content else { continue };
        if let Some(at) = bytes.iter().position(|b| *b == 0) {
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            return Err(Error::invalid_with_hint(
                format!(
                    "the text for {path} contains a NUL byte (line {line}); nothing was written"
                ),
                "remove the NUL byte from what you gave orc: its files are text, and git would treat this one as binary",
            ));
        }
    }
    Ok(())
}

/// Shortens a title for a one-line commit summary.
fn short_title(title: &str) -> String {
    const MAX: usize = 60;
    if title.chars().count() <= MAX {
        title.to_owned()
    } else {
        let cut: String = title.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// State read for one call; see [`Context::short_lived`] for what happens when it is dropped.
pub struct Loaded {
    state: Option<State>,
    short_lived: bool,
}

impl std::ops::Deref for Loaded {
    type Target = State;
    fn deref(&self) -> &State {
        self.state.as_ref().expect("present until dropped")
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        if self.short_lived {
            std::mem::forget(self.state.take());
        }
    }
}

/// A hash map for lookups within one call: keys come from the repository, and the
/// standard SipHash costs more than the rest of building a status of 10,000 tasks.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
