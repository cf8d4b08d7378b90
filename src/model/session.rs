//! Work sessions: who worked when, and the handoff note they left for the next one.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::id::ID_HEX_LEN;

/// A session id: `session_<8 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid session id {0:?}: session ids look like session_1a2b3c4d")]
pub struct SessionIdError(pub String);

impl SessionId {
    pub const PREFIX: &'static str = "session_";

    pub fn generate(random: u32) -> Self {
        SessionId(format!(
            "{}{random:0width$x}",
            Self::PREFIX,
            width = ID_HEX_LEN
        ))
    }

    pub fn parse(s: &str) -> Result<Self, SessionIdError> {
        let valid = s.strip_prefix(Self::PREFIX).is_some_and(|hex| {
            !hex.is_empty()
                && hex.len() <= 32
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if valid {
            Ok(SessionId(s.to_owned()))
        } else {
            Err(SessionIdError(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SessionId {
    type Error = SessionIdError;
    fn try_from(s: String) -> Result<Self, SessionIdError> {
        Self::parse(&s)
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> String {
        id.0
    }
}

/// One work session, stored in `.orchestrator/sessions/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The agent that opened it (`--agent` / `ORC_AGENT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The branch checked out when the session started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    pub started: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    /// What the session leaves for the next one (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<String>,
    /// The agent (`--agent`) that closed it, when that was not its own agent (say, a
    /// session left open by an agent that died, closed from another clone); the commit's
    /// author says who it was in any case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
    /// Why it was closed, when someone said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
}

impl Session {
    pub fn is_open(&self) -> bool {
        self.ended.is_none()
    }
}

/// Which session is active in one clone or worktree, per agent. Machine-local state,
/// kept in the git directory and never committed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSessions {
    /// The session of the unnamed agent (no `--agent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<SessionId>,
    /// Sessions of named agents.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub agents: std::collections::BTreeMap<String, SessionId>,
}

impl ActiveSessions {
    pub fn get(&self, agent: Option<&str>) -> Option<&SessionId> {
        match agent {
            None => self.default.as_ref(),
            Some(a) => self.agents.get(a),
        }
    }

    pub fn set(&mut self, agent: Option<&str>, id: Option<SessionId>) {
        match (agent, id) {
            (None, id) => self.default = id,
            (Some(a), Some(id)) => {
                self.agents.insert(a.to_owned(), id);
            }
            (Some(a), None) => {
                self.agents.remove(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(SessionId::generate(0xab).as_str(), "session_000000ab");
        assert!(SessionId::parse("session_1a2b3c4d").is_ok());
        for bad in ["session_", "task_1a2b3c4d", "session_XYZ", "session_../x"] {
            assert!(SessionId::parse(bad).is_err(), "{bad}");
        }
    }
}
