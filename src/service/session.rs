//! Work sessions: `orc session start|end|show|list`.
//!
//! Session files are committed (`.orchestrator/sessions/<id>.toml`); which session is
//! active in this clone or worktree is machine-local state in the git directory, one
//! per agent, so two agents in one clone can work in separate sessions.

use std::path::PathBuf;

use serde::Serialize;

use super::roles::{ORCHESTRATOR_GUIDE, RoleSource};
use super::{Orc, Outcome, Progress, State, TaskSummary, Words};
use crate::error::{Error, Reason, Result};
use crate::format;
use crate::model::{ActiveSessions, Session, SessionId};

pub const SESSIONS_DIR: &str = ".orchestrator/sessions";
/// File in the local state directory recording the active sessions.
const ACTIVE_FILE: &str = "sessions.toml";

pub fn session_path(id: &SessionId) -> String {
    format!("{SESSIONS_DIR}/{id}.toml")
}

/// A role in the session briefing: name, origin and one line.
#[derive(Debug, Clone, Serialize)]
pub struct RoleSummary {
    pub name: String,
    pub source: RoleSource,
    pub description: String,
}

/// What an orchestrating agent needs at the start of a session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionContext {
    pub session: Session,
    /// The orchestrator's role and how to work with orc (Markdown).
    pub guidance: String,
    pub roles: Vec<RoleSummary>,
    /// Open parent tasks with their progress.
    pub parents: Vec<Progress>,
    pub in_progress: Vec<TaskSummary>,
    pub ready: Vec<TaskSummary>,
    pub blocked: Vec<TaskSummary>,
    pub needs_revision: Vec<TaskSummary>,
    /// The most recently ended session that left a handoff note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Session>,
    /// The vocabulary the Markdown is worded in.
    #[serde(skip)]
    pub words: &'static dyn Words,
    /// Unacknowledged messages for this agent (`orc msg inbox`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<super::MailSummary>,
}

/// A session file that did not parse.
pub(super) type BadSession = super::state::Unreadable;

impl Orc {
    fn read_active(&self) -> Result<ActiveSessions> {
        match self.store.read_local(ACTIVE_FILE)? {
            Some(text) => format::active_sessions_from_toml(&text).map_err(|source| Error::Parse {
                path: self.store.local_dir().join(ACTIVE_FILE),
                source,
            }),
            None => Ok(ActiveSessions::default()),
        }
    }

    fn write_active(&self, active: &ActiveSessions) -> Result<()> {
        if active == &ActiveSessions::default() {
            self.store.write_local(ACTIVE_FILE, None)
        } else {
            self.store
                .write_local(ACTIVE_FILE, Some(&format::active_sessions_to_toml(active)))
        }
    }

    /// The id of the session active for this agent in this clone, if any. Used for the
    /// `Orc-Session` trailer; an unreadable local file counts as no session.
    pub(super) fn active_session_id(&self) -> Option<SessionId> {
        self.read_active()
            .ok()?
            .get(self.ctx.agent.as_deref())
            .cloned()
    }

    fn read_session(&self, id: &SessionId) -> Result<Option<Session>> {
        let path = session_path(id);
        match self.store.read(&path)? {
            Some(text) => format::session_from_toml(&text)
                .map(Some)
                .map_err(|source| Error::Parse {
                    path: PathBuf::from(path),
                    source,
                }),
            None => Ok(None),
        }
    }

    /// Every readable session, oldest first, and the files that did not parse.
    pub(super) fn load_sessions(&self) -> Result<(Vec<Session>, Vec<BadSession>)> {
        let mut sessions = Vec::new();
        let mut bad = Vec::new();
        for (path, parsed) in
            self.store
                .load_dir(SESSIONS_DIR, ".toml", format::session_from_toml)?
        {
            match parsed {
                Ok(s) => sessions.push(s),
                Err(error) => bad.push(BadSession { path, error }),
            }
        }
        sessions.sort_by(|a, b| (a.started, &a.id).cmp(&(b.started, &b.id)));
        self.note_unreadable(&bad);
        Ok((sessions, bad))
    }

    /// All sessions, oldest first.
    pub fn sessions(&self) -> Result<Vec<Session>> {
        State::load_config(&self.store)?; // fails when orc is not initialised
        Ok(self.load_sessions()?.0)
    }

    /// The session active for this agent in this clone, if any.
    pub fn active_session(&self) -> Result<Option<Session>> {
        State::load_config(&self.store)?; // fails when orc is not initialised
        match self.read_active()?.get(self.ctx.agent.as_deref()) {
            Some(id) => self.read_session(id),
            None => Ok(None),
        }
    }

    fn session_context(&self, state: &State, session: Session) -> Result<SessionContext> {
        let report = state.status_report();
        let previous = self
            .load_sessions()?
            .0
            .into_iter()
            .filter(|s| s.id != session.id && s.ended.is_some() && s.handoff.is_some())
            .max_by_key(|s| (s.ended, s.id.clone()));
        let roles = self
            .roles_in(state)?
            .into_iter()
            .map(|r| RoleSummary {
                name: r.name,
                source: r.source,
                description: r.description,
            })
            .collect();
        Ok(SessionContext {
            session,
            guidance: ORCHESTRATOR_GUIDE.to_owned(),
            roles,
            parents: report.parents,
            in_progress: report.in_progress,
            ready: report.ready,
            blocked: report.blocked,
            needs_revision: report.needs_revision,
            previous,
            words: self.ctx.words,
            mail: self.mail_summary(state, None),
        })
    }

    /// The briefing for a session — the given one (id or unique prefix), else the active
    /// one — without changing anything.
    pub fn session_show(&self, id: Option<&str>) -> Result<SessionContext> {
        let state = self.state()?;
        let session = match id {
            Some(id) => self.find_session(id)?,
            None => self.active_session()?.ok_or_else(|| self.no_session())?,
        };
        self.session_context(&state, session)
    }

    /// The session whose id is `input` or starts with it (with or without `session_`).
    fn find_session(&self, input: &str) -> Result<Session> {
        let input = input.trim();
        let hex = input.strip_prefix(SessionId::PREFIX).unwrap_or(input);
        let mut found: Vec<Session> = self
            .load_sessions()?
            .0
            .into_iter()
            .filter(|s| {
                !hex.is_empty()
                    && s.id
                        .as_str()
                        .strip_prefix(SessionId::PREFIX)
                        .is_some_and(|h| h.starts_with(hex))
            })
            .collect();
        match found.len() {
            1 => Ok(found.pop().expect("one")),
            0 => Err(Reason::UnknownSession {
                input: input.to_owned(),
            }
            .into()),
            _ => Err(Error::invalid_with_hint(
                format!(
                    "{input:?} matches several sessions: {}",
                    found
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "type more characters of the id",
            )),
        }
    }

    fn no_session(&self) -> Error {
        Reason::NoActiveSession {
            agent: self.ctx.agent.clone(),
        }
        .into()
    }

    /// Opens a session for this agent and commits its file. Refuses while another
    /// session of the same agent is active here.
    pub fn session_start(&self, name: Option<&str>) -> Result<Outcome<SessionContext>> {
        let _lock = self.store.lock()?;
        self.begin_ids();
        let state = self.state()?;
        let mut active = self.read_active()?;
        let agent = self.ctx.agent.as_deref();
        if let Some(id) = active.get(agent)
            && self.read_session(id)?.is_some_and(|s| s.is_open())
        {
            return Err(Reason::SessionActive {
                id: id.to_string(),
                agent: agent.map(str::to_owned),
            }
            .into());
        }
        let random = super::random::u32()?;
        let session = Session {
            id: SessionId::generate(random),
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            agent: agent.map(str::to_owned),
            branch: self.store.branch(),
            started: self.now(),
            ended: None,
            handoff: None,
            ended_by: None,
            end_reason: None,
        };
        let label = session
            .name
            .as_deref()
            .map(|n| format!(" \"{}\"", super::short_title(n)))
            .unwrap_or_default();
        let mut change = self.change(
            format!("start session {}{label}", session.id),
            "session.start",
            None,
        );
        change.trailers.retain(|(k, _)| k != "Orc-Session");
        let mut change = change.trailer("Orc-Session", session.id.to_string());
        change.write(session_path(&session.id), format::session_to_toml(&session));
        let commit = !self.ctx.no_commit && state.config.commit == crate::model::CommitMode::Auto;
        let applied = self.store.apply(&change, commit)?;
        active.set(agent, Some(session.id.clone()));
        self.write_active(&active)?;
        let context = self.session_context(&state, session)?;
        Ok(Outcome::new(context, applied))
    }

    /// Continues the session this agent has open in this clone, or starts one. For
    /// callers that cannot know whether an earlier conversation left a session open (the
    /// MCP server): the `bool` is true when an open session was continued (no commit).
    pub fn session_continue_or_start(
        &self,
        name: Option<&str>,
    ) -> Result<(Outcome<SessionContext>, bool)> {
        if let Some(session) = self.active_session()?.filter(Session::is_open) {
            let context = self.session_context(&*self.state()?, session)?;
            return Ok((
                Outcome::new(context, crate::store::Applied::Unchanged),
                true,
            ));
        }
        Ok((self.session_start(name)?, false))
    }

    /// Closes a session with an optional handoff note for the next one: the given one
    /// (id or unique prefix; any session, also one left open in another clone or by an
    /// agent that is gone), else this agent's active session.
    pub fn session_end(
        &self,
        id: Option<&str>,
        handoff: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Outcome<Session>> {
        let _lock = self.store.lock()?;
        let state = self.state()?;
        let mut active = self.read_active()?;
        let agent = self.ctx.agent.as_deref();
        if let Some(input) = id {
            let mut session = self.find_session(input)?;
            if session.ended.is_some() {
                return Err(Reason::SessionClosed {
                    id: session.id.to_string(),
                }
                .into());
            }
            let id = session.id.clone();
            session.ended = Some(self.now());
            session.handoff = optional_text(handoff).or(session.handoff);
            session.end_reason = optional_text(reason);
            if session.agent.as_deref() != agent {
                session.ended_by = agent.map(str::to_owned);
            }
            let mut change = self.change(format!("end session {id}"), "session.end", None);
            change.write(session_path(&id), format::session_to_toml(&session));
            let commit =
                !self.ctx.no_commit && state.config.commit == crate::model::CommitMode::Auto;
            let applied = self.store.apply(&change, commit)?;
            if active.get(session.agent.as_deref()) == Some(&id) {
                active.set(session.agent.as_deref(), None);
                self.write_active(&active)?;
            }
            return Ok(Outcome::new(session, applied));
        }
        let id = active
            .get(agent)
            .cloned()
            .ok_or_else(|| self.no_session())?;
        let Some(mut session) = self.read_session(&id)? else {
            active.set(agent, None);
            self.write_active(&active)?;
            return Err(Error::invalid_with_hint(
                format!(
                    "the active session {id} has no file {}; it is no longer active",
                    session_path(&id)
                ),
                "a checkout or reset probably removed it; start a new session",
            ));
        };
        session.ended = Some(self.now());
        session.handoff = optional_text(handoff).or(session.handoff);
        session.end_reason = optional_text(reason);
        let mut change = self.change(format!("end session {id}"), "session.end", None);
        change.write(session_path(&id), format::session_to_toml(&session));
        let commit = !self.ctx.no_commit && state.config.commit == crate::model::CommitMode::Auto;
        let applied = self.store.apply(&change, commit)?;
        active.set(agent, None);
        self.write_active(&active)?;
        Ok(Outcome::new(session, applied))
    }
}

/// Text given by the user, trimmed; empty means none.
fn optional_text(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}
