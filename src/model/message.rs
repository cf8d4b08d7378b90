//! Messages between agents and their acknowledgements.
//!
//! The store keeps each message in a ref outside branches (`refs/orc/msg/<id>`) and
//! each acknowledgement in one of its own (`refs/orc/acks/<id>/<agent>`), so every
//! worktree sees them at once and clones after a fetch. This module is the record only.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::TaskId;

/// Who a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecipientKind {
    /// One agent, by name.
    Agent,
    /// Every agent working in a role (on an in-progress task of that role).
    Role,
    /// Every agent.
    All,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    /// The sending agent; unnamed when `--agent`/`ORC_AGENT` was unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The machine and work tree it was sent from.
    pub host: String,
    pub worktree: String,
    /// The agent name, role name or `all`.
    pub to: String,
    pub to_kind: RecipientKind,
    #[serde(with = "super::time::ts")]
    pub sent: Timestamp,
    /// The task it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    /// The message this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The first message of the thread (this one's id when it starts one).
    pub thread: String,
    pub text: String,
}

/// One agent's acknowledgement of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(with = "super::time::ts")]
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Message {
    /// The first line of the text, shortened to fit a listing.
    pub fn subject(&self) -> String {
        const MAX: usize = 72;
        let line = self.text.lines().next().unwrap_or_default().trim();
        if line.chars().count() <= MAX {
            line.to_owned()
        } else {
            let cut: String = line.chars().take(MAX - 1).collect();
            format!("{cut}…")
        }
    }

    /// Whether an agent named `agent` working in `roles` is a recipient. The sender is
    /// not a recipient of its own message to `all` or to its role.
    pub fn is_for(&self, agent: Option<&str>, roles: &[String]) -> bool {
        match self.to_kind {
            RecipientKind::Agent => agent == Some(self.to.as_str()),
            RecipientKind::Role => roles.contains(&self.to) && self.from.as_deref() != agent,
            RecipientKind::All => self.from.as_deref() != agent || agent.is_none(),
        }
    }
}
