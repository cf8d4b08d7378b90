//! A claim: who is working on a task, from where, and until when the lease runs.
//!
//! Claims are the lock that keeps two agents off one task; the store keeps them in git
//! refs (`refs/orc/claims/<task>`) that every worktree of a repository (and, pushed, every
//! clone of a remote) sees. This module is the record only; no refs, no clock.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::TaskId;

/// One claim on one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub task: TaskId,
    /// The agent or person (`--agent`, `ORC_AGENT`); unnamed when unset.
    #[serde(default)]
    pub agent: Option<String>,
    /// The machine the claim was taken on.
    pub host: String,
    /// The work tree the claim was taken in (absolute path on `host`).
    pub worktree: String,
    /// The branch checked out there; unset when HEAD was detached.
    #[serde(default)]
    pub branch: Option<String>,
    /// When the claim was taken (kept when it is renewed).
    #[serde(with = "super::time::ts")]
    pub since: Timestamp,
    /// When the claim lapses unless renewed; after that anyone may take the task.
    #[serde(with = "super::time::ts")]
    pub lease_until: Timestamp,
    /// Random hex that makes every claim a distinct git object, so two claims written
    /// with identical fields in the same second still differ in compare-and-swap.
    pub token: String,
    /// Who held the task before a `--force` takeover, or an expired claim it replaced.
    #[serde(default)]
    pub displaced: Option<String>,
}

/// Who acts, as far as claims are concerned: a claim is one's own when all three match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub agent: Option<String>,
    pub host: String,
    pub worktree: String,
    pub branch: Option<String>,
}

impl Holder {
    /// Whether a record (a claim, a reservation) taken by `agent` on `host` in `worktree`
    /// is this holder's: same agent, machine and work tree.
    pub fn took(&self, agent: Option<&str>, host: &str, worktree: &str) -> bool {
        self.agent.as_deref() == agent && self.is_in(host, worktree)
    }

    /// Whether this holder works in `worktree` on `host`.
    pub fn is_in(&self, host: &str, worktree: &str) -> bool {
        self.host == host && self.worktree == worktree
    }
}

impl Claim {
    /// Whether the lease still runs at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.lease_until
    }

    /// Whether `holder` took this claim (same agent, machine and work tree).
    pub fn is_held_by(&self, holder: &Holder) -> bool {
        holder.took(self.agent.as_deref(), &self.host, &self.worktree)
    }

    /// Whether the claim was taken in `holder`'s work tree (by any agent): a task that
    /// leaves progress there gives such a claim back.
    pub fn is_from(&self, holder: &Holder) -> bool {
        holder.is_in(&self.host, &self.worktree)
    }

    /// One line naming the holder: `alice (worktree /p on host h, branch b, since T, lease until U)`.
    pub fn describe(&self) -> String {
        let who = self.agent.as_deref().unwrap_or("an unnamed agent");
        let branch = self
            .branch
            .as_deref()
            .map(|b| format!(", branch {b}"))
            .unwrap_or_default();
        format!(
            "{who} (worktree {} on {}{branch}, since {}, lease until {})",
            self.worktree, self.host, self.since, self.lease_until
        )
    }
}

/// `name` as one component of a ref name: ASCII letters, digits, `-` and `_` kept, any
/// other character replaced by `_` (agent names, remote names and URLs in refs).
pub fn ref_component(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
