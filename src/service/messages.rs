//! Messages between agents (`orc msg`): sent to an agent, a role or everyone, kept in
//! refs outside branches so every worktree sees them at once and, through the claims
//! remote, every clone after a fetch; acknowledged per agent; pruned when acknowledged
//! and old.
//!
//! Nothing here is committed: messages never touch a branch, the index or a merge.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Orc, State, random};
use crate::error::{Error, Field, Reason, Result};
use crate::format;
use crate::model::{Ack, Config, Holder, Message, RecipientKind, Status, TaskId};
use crate::store::{Lease, PushEdit, Pushed, SharedRef};

/// Where messages live, locally and on the claims remote.
pub const MESSAGES_PREFIX: &str = "refs/orc/msg/";
/// Where acknowledgements live: `refs/orc/acks/<message>/<agent>`.
pub const ACKS_PREFIX: &str = "refs/orc/acks/";

/// How many of the newest unread subjects a briefing shows.
const BRIEF_SUBJECTS: usize = 3;

/// A message with its acknowledgements, as listed and shown.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    #[serde(flatten)]
    pub message: Message,
    pub subject: String,
    /// Acknowledged by the agent looking.
    pub acked: bool,
    pub acks: Vec<Ack>,
}

/// What `orc msg inbox` lists.
#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    /// Whose inbox (unset: an unnamed agent, who gets mail for `all` and its roles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The roles of the agent's tasks in progress: mail to these roles is in the inbox.
    pub roles: Vec<String>,
    /// The claims remote fetched from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// Why the remote could not be read (the list is this clone's only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_error: Option<String>,
    pub unread: usize,
    /// Newest first.
    pub messages: Vec<MessageView>,
}

/// What `orc msg read` shows: the message and its whole thread, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct MessageThread {
    pub message: MessageView,
    pub thread: Vec<MessageView>,
}

/// Unread mail, for the briefings of `orc start`, `orc next`, `orc session start`,
/// `orc recover` and the MCP server.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MailSummary {
    pub unread: usize,
    /// The newest unread messages, newest first.
    pub newest: Vec<MailLine>,
}

/// One message in a [`MailSummary`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MailLine {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub subject: String,
}

/// What `orc msg prune` did.
#[derive(Debug, Clone, Serialize)]
pub struct PruneReport {
    pub days: u64,
    /// Messages removed (acknowledged and older than `days`), with their acknowledgements.
    pub pruned: Vec<String>,
    /// Messages old enough but kept because nobody acknowledged them.
    pub kept_unacknowledged: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
}

impl Orc {
    /// `orc msg send`: stores a message for `to` (an agent, a role, or `all`), and
    /// publishes it on the claims remote when there is one.
    pub fn msg_send(
        &self,
        to: &str,
        text: &str,
        task: Option<&str>,
        reply_to: Option<&str>,
    ) -> Result<MessageView> {
        let config = State::load_config(&self.store)?;
        let (to, to_kind) = recipient(&config, to)?;
        if text.trim().is_empty() {
            return Err(Reason::EmptyText {
                field: Field::MessageText,
            }
            .into());
        }
        let task = match task {
            Some(t) => Some(self.state()?.resolve(t)?),
            None => None,
        };
        let parent = match reply_to {
            Some(r) => {
                self.refresh_messages(&config);
                Some(self.find_message(r)?)
            }
            None => None,
        };
        let draft = Draft {
            to,
            to_kind,
            task,
            parent,
            text: text.trim_end().to_owned(),
        };
        let remote = self.claims_remote(&config);
        self.begin_ids();
        let holder = self.holder();
        for _ in 0..8 {
            let id = format!("m-{:08x}", random::u32()?);
            let message = draft.message(id, &holder, self.now());
            if self.deliver(&message, remote.as_deref())? {
                return Ok(MessageView {
                    subject: message.subject(),
                    message,
                    acked: false,
                    acks: Vec::new(),
                });
            }
        }
        Err(Error::invalid(
            "could not find a free message id after 8 attempts",
        ))
    }

    /// Stores `message` under its id and publishes it on `remote`: false when the id is
    /// taken already, here or there (nothing is kept then; draw another id).
    fn deliver(&self, message: &Message, remote: Option<&str>) -> Result<bool> {
        let id = &message.id;
        let oid = self.store.shared_write(
            &format!("orc message {id}"),
            &format::message_to_toml(message),
            self.now().as_second(),
        )?;
        let name = format!("{MESSAGES_PREFIX}{id}");
        if !self.store.shared_swap(&name, None, Some(&oid))? {
            // An id taken already (by chance, or a reproducible sequence): draw again.
            return Ok(false);
        }
        if let Some(remote) = remote {
            let edit = PushEdit {
                name: &name,
                lease: Lease::Absent,
                new: Some(&oid),
            };
            let pushed = self.store.shared_push(remote, &[edit]);
            if !matches!(pushed, Ok(Pushed::Done)) {
                // Not sent anywhere unless sent everywhere: take it back.
                self.store.shared_swap(&name, Some(&oid), None)?;
                return pushed.map(|_| false);
            }
        }
        Ok(true)
    }

    /// `orc msg inbox`: the messages for this agent — unread ones, or all with `all` —
    /// newest first, after fetching the claims remote's.
    pub fn msg_inbox(&self, all: bool) -> Result<Inbox> {
        let state = self.state()?;
        let remote = self.claims_remote(&state.config);
        let remote_error = match &remote {
            Some(r) => self.fetch_messages(r).err().map(|e| e.to_string()),
            None => None,
        };
        let agent = self.ctx.agent.clone();
        let roles = agent_roles(&state, agent.as_deref());
        let mut messages: Vec<MessageView> = self
            .all_messages()?
            .into_iter()
            .filter(|v| v.message.is_for(agent.as_deref(), &roles))
            .map(|v| acked_by(v, agent.as_deref()))
            .collect();
        let unread = messages.iter().filter(|v| !v.acked).count();
        if !all {
            messages.retain(|v| !v.acked);
        }
        Ok(Inbox {
            agent,
            roles,
            remote,
            remote_error,
            unread,
            messages,
        })
    }

    /// `orc msg read`: one message (a unique id prefix will do), its acknowledgements and
    /// its thread, after fetching the claims remote's (best effort).
    pub fn msg_read(&self, input: &str) -> Result<MessageThread> {
        let config = State::load_config(&self.store)?;
        self.refresh_messages(&config);
        let all = self.all_messages()?;
        let id = resolve(&all, input)?;
        let agent = self.ctx.agent.as_deref();
        let message = all
            .iter()
            .find(|v| v.message.id == id)
            .cloned()
            .map(|v| acked_by(v, agent))
            .expect("resolved ids exist");
        let mut thread: Vec<MessageView> = all
            .into_iter()
            .filter(|v| v.message.thread == message.message.thread)
            .map(|v| acked_by(v, agent))
            .collect();
        thread
            .sort_by(|a, b| (a.message.sent, &a.message.id).cmp(&(b.message.sent, &b.message.id)));
        Ok(MessageThread { message, thread })
    }

    /// `orc msg ack`: records that this agent has dealt with the message (again: the
    /// note is replaced), and publishes that on the claims remote.
    pub fn msg_ack(&self, input: &str, note: Option<&str>) -> Result<MessageView> {
        let config = State::load_config(&self.store)?;
        self.refresh_messages(&config);
        let all = self.all_messages()?;
        let id = resolve(&all, input)?;
        let agent = self.ctx.agent.clone();
        let ack = Ack {
            message: id.clone(),
            agent: agent.clone(),
            at: self.now(),
            note: note
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        };
        let name = ack_ref(&id, agent.as_deref());
        let oid = self.store.shared_write(
            &format!("orc ack {id}"),
            &format::ack_to_toml(&ack),
            self.now().as_second(),
        )?;
        let before = self.store.shared_read(&name)?.map(|r| r.oid);
        if !self
            .store
            .shared_swap(&name, before.as_deref(), Some(&oid))?
        {
            return Err(Error::invalid_with_hint(
                format!("the acknowledgement of {id} changed while it was written"),
                "run the command again",
            ));
        }
        if let Some(remote) = self.claims_remote(&config) {
            let edit = PushEdit {
                name: &name,
                lease: Lease::Any,
                new: Some(&oid),
            };
            if let Err(e) = self.store.shared_push(&remote, &[edit]) {
                self.store
                    .shared_swap(&name, Some(&oid), before.as_deref())?;
                return Err(e);
            }
        }
        let view = all
            .into_iter()
            .find(|v| v.message.id == id)
            .expect("resolved ids exist");
        let mut view = view;
        view.acks.retain(|a| a.agent != agent);
        view.acks.push(ack);
        Ok(acked_by(view, agent.as_deref()))
    }

    /// `orc msg prune`: removes messages acknowledged and sent more than `days` days ago,
    /// with their acknowledgements, here and on the claims remote. Unacknowledged mail
    /// stays, however old.
    pub fn msg_prune(&self, days: u64) -> Result<PruneReport> {
        let config = State::load_config(&self.store)?;
        let remote = self.claims_remote(&config);
        if let Some(r) = &remote {
            self.fetch_messages(r)?;
        }
        let cutoff = self.now() - SignedDuration::from_hours(days.min(365 * 100) as i64 * 24);
        let mut pruned = Vec::new();
        let mut kept = Vec::new();
        let mut edits: Vec<(String, String)> = Vec::new();
        for v in self.all_messages()? {
            if v.message.sent >= cutoff {
                continue;
            }
            if !is_settled(&v) {
                kept.push(v.message.id.clone());
                continue;
            }
            let msg_ref = format!("{MESSAGES_PREFIX}{}", v.message.id);
            let mut names = vec![msg_ref];
            names.extend(
                self.store
                    .shared_names(&format!("{ACKS_PREFIX}{}/", v.message.id))?
                    .into_iter()
                    .map(|(n, _)| n),
            );
            for name in names {
                if let Some(r) = self.store.shared_read(&name)? {
                    edits.push((name, r.oid));
                }
            }
            pruned.push(v.message.id.clone());
        }
        if let Some(r) = &remote {
            let push: Vec<PushEdit<'_>> = edits
                .iter()
                .map(|(name, _)| PushEdit {
                    name,
                    lease: Lease::Any,
                    new: None,
                })
                .collect();
            self.store.shared_push(r, &push)?;
        }
        for (name, oid) in &edits {
            self.store.shared_swap(name, Some(oid), None)?;
        }
        Ok(PruneReport {
            days,
            pruned,
            kept_unacknowledged: kept,
            remote,
        })
    }

    /// Unread mail of this agent, from this clone's refs (no network), for briefings.
    /// `None` when there is none or it cannot be read (a briefing never fails on mail).
    /// `extra_role`: a role the agent is taking up now (the task being started).
    pub fn mail_summary(&self, state: &State, extra_role: Option<&str>) -> Option<MailSummary> {
        let agent = self.ctx.agent.as_deref();
        let mut roles = agent_roles(state, agent);
        roles.extend(extra_role.map(str::to_owned));
        let unread: Vec<MessageView> = self
            .all_messages()
            .ok()?
            .into_iter()
            .filter(|v| v.message.is_for(agent, &roles))
            .map(|v| acked_by(v, agent))
            .filter(|v| !v.acked)
            .collect();
        if unread.is_empty() {
            return None;
        }
        Some(MailSummary {
            unread: unread.len(),
            newest: unread
                .iter()
                .take(BRIEF_SUBJECTS)
                .map(|v| MailLine {
                    id: v.message.id.clone(),
                    from: v.message.from.clone(),
                    subject: v.subject.clone(),
                })
                .collect(),
        })
    }

    /// With a claims remote, fetches its messages; offline, the copy as of the last
    /// fetch is what there is.
    fn refresh_messages(&self, config: &Config) {
        if let Some(remote) = self.claims_remote(config) {
            let _ = self.fetch_messages(&remote);
        }
    }

    /// Brings the claims remote's messages and acknowledgements here.
    fn fetch_messages(&self, remote: &str) -> Result<()> {
        self.store.shared_fetch(
            remote,
            &[
                (MESSAGES_PREFIX, MESSAGES_PREFIX),
                (ACKS_PREFIX, ACKS_PREFIX),
            ],
            false,
        )
    }

    /// Every message of this clone with its acknowledgements, newest first.
    fn all_messages(&self) -> Result<Vec<MessageView>> {
        let mut acks: BTreeMap<String, Vec<Ack>> = BTreeMap::new();
        for r in self.store.shared_list(ACKS_PREFIX)? {
            if let Ok(a) = format::ack_from_toml(&r.text) {
                acks.entry(a.message.clone()).or_default().push(a);
            }
        }
        let mut out = Vec::new();
        for r in self.store.shared_list(MESSAGES_PREFIX)? {
            let message = parse_message(&r)?;
            out.push(MessageView {
                subject: message.subject(),
                acks: acks.remove(&message.id).unwrap_or_default(),
                message,
                acked: false,
            });
        }
        out.sort_by(|a, b| (b.message.sent, &b.message.id).cmp(&(a.message.sent, &a.message.id)));
        Ok(out)
    }

    fn find_message(&self, input: &str) -> Result<Message> {
        let all = self.all_messages()?;
        let id = resolve(&all, input)?;
        Ok(all
            .into_iter()
            .find(|v| v.message.id == id)
            .expect("resolved ids exist")
            .message)
    }
}

/// Sets `acked` for `agent`.
fn acked_by(mut v: MessageView, agent: Option<&str>) -> MessageView {
    v.acked = v.acks.iter().any(|a| a.agent.as_deref() == agent);
    v
}

/// Whether a message may be pruned: its addressee acknowledged it (any recipient, for
/// mail to a role or to everyone).
fn is_settled(v: &MessageView) -> bool {
    match v.message.to_kind {
        RecipientKind::Agent => v
            .acks
            .iter()
            .any(|a| a.agent.as_deref() == Some(v.message.to.as_str())),
        RecipientKind::Role | RecipientKind::All => !v.acks.is_empty(),
    }
}

/// The message id `input` names: an id or a unique prefix of one.
fn resolve(all: &[MessageView], input: &str) -> Result<String> {
    let input = input.trim();
    if let Some(v) = all.iter().find(|v| v.message.id == input) {
        return Ok(v.message.id.clone());
    }
    let matches: Vec<&str> = all
        .iter()
        .map(|v| v.message.id.as_str())
        .filter(|id| !input.is_empty() && id.starts_with(input))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(Reason::UnknownMessage {
            input: input.to_owned(),
        }
        .into()),
        many => Err(Error::invalid_with_hint(
            format!("{input:?} names several messages: {}", many.join(", ")),
            "give more of the id",
        )),
    }
}

/// A message to send, before it has an id.
struct Draft {
    to: String,
    to_kind: RecipientKind,
    task: Option<TaskId>,
    /// The message it answers.
    parent: Option<Message>,
    text: String,
}

impl Draft {
    /// The message with id `id`, from `holder`, sent at `sent`.
    fn message(&self, id: String, holder: &Holder, sent: Timestamp) -> Message {
        Message {
            thread: self
                .parent
                .as_ref()
                .map_or_else(|| id.clone(), |p| p.thread.clone()),
            id,
            from: holder.agent.clone(),
            host: holder.host.clone(),
            worktree: holder.worktree.clone(),
            to: self.to.clone(),
            to_kind: self.to_kind,
            sent,
            task: self.task.clone(),
            reply_to: self.parent.as_ref().map(|p| p.id.clone()),
            text: self.text.clone(),
        }
    }
}

/// Who `to` means: `all`, `role:R`, `agent:A`, a role name, or else an agent name.
fn recipient(config: &Config, to: &str) -> Result<(String, RecipientKind)> {
    let to = to.trim();
    let is_role = |r: &str| config.has_role(r);
    let (name, kind) = if to.eq_ignore_ascii_case("all") {
        return Ok(("all".to_owned(), RecipientKind::All));
    } else if let Some(r) = to.strip_prefix("role:") {
        let r = r.trim().to_ascii_lowercase();
        if !is_role(&r) {
            return Err(Reason::UnknownRole {
                name: r,
                known: config.role_names().into_iter().map(str::to_owned).collect(),
            }
            .into());
        }
        (r, RecipientKind::Role)
    } else if let Some(a) = to.strip_prefix("agent:") {
        (a.trim().to_owned(), RecipientKind::Agent)
    } else if is_role(&to.to_ascii_lowercase()) {
        (to.to_ascii_lowercase(), RecipientKind::Role)
    } else {
        (to.to_owned(), RecipientKind::Agent)
    };
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(Error::invalid_with_hint(
            format!("{to:?} is not an agent name, a role or `all`"),
            "name one agent (the name it works under), a role, or `all`",
        ));
    }
    Ok((name, kind))
}

/// The roles `agent` works in: those of its tasks in progress.
fn agent_roles(state: &State, agent: Option<&str>) -> Vec<String> {
    let Some(agent) = agent else {
        return Vec::new();
    };
    let mut roles: Vec<String> = state
        .tasks
        .values()
        .filter(|t| t.status == Status::InProgress && t.assignee.as_deref() == Some(agent))
        .filter_map(|t| t.role.clone())
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// The ref of `agent`'s acknowledgement of message `id`.
fn ack_ref(id: &str, agent: Option<&str>) -> String {
    let who = crate::model::ref_component(agent.unwrap_or("unnamed"));
    format!("{ACKS_PREFIX}{id}/{who}")
}

fn parse_message(r: &SharedRef) -> Result<Message> {
    format::message_from_toml(&r.text).map_err(|e| {
        Error::invalid_with_hint(
            format!("the message in {} ({}) cannot be read: {e}", r.name, r.oid),
            format!("remove it with `git update-ref -d {}`", r.name),
        )
    })
}
