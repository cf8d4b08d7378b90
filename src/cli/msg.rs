//! `orc msg send|inbox|read|ack|prune`: messages between agents, kept in refs outside
//! branches (see docs/multi-agent.md).

use clap::Subcommand;

use super::Output;
use crate::error::Result;
use crate::render::count;
use crate::service::{MessageView, Orc};

#[derive(Debug, Subcommand)]
pub enum MsgCommand {
    /// Send a message to an agent, to every agent working in a role, or to all.
    ///
    /// The message is a ref outside branches (`refs/orc/msg/<id>`): every worktree of
    /// this repository sees it at once, and with a claims remote it is published there
    /// before the command returns, so other clones get it when they read their inbox.
    /// Nothing is committed.
    Send {
        /// Who it is for: an agent name (as given to --agent or ORC_AGENT), a role (every
        /// agent with a task of that role in progress), or `all`. `agent:NAME` and
        /// `role:NAME` say which when a name could be both.
        to: String,
        /// The message; its first line is the subject.
        text: String,
        /// The task it is about (id or unique prefix).
        #[arg(long, value_name = "ID")]
        task: Option<String>,
        /// The message this one answers; it joins that message's thread.
        #[arg(long, value_name = "MSG")]
        reply_to: Option<String>,
    },
    /// Unacknowledged messages for this agent (--agent or ORC_AGENT), for the roles of
    /// its tasks in progress, and for all; newest first.
    ///
    /// With a claims remote, its messages are fetched first.
    Inbox {
        /// Acknowledged messages too.
        #[arg(long)]
        all: bool,
    },
    /// Show a message, who acknowledged it, and its thread.
    Read {
        /// Message id or a unique prefix of it.
        id: String,
    },
    /// Acknowledge a message: it leaves this agent's inbox, and its sender sees the
    /// acknowledgement (with the note) in `orc msg read`.
    Ack {
        /// Message id or a unique prefix of it.
        id: String,
        /// A short answer recorded with the acknowledgement.
        #[arg(long)]
        note: Option<String>,
    },
    /// Remove messages acknowledged by their addressee (by anyone, for mail to a role or
    /// to all) and sent more than N days ago, here and on the claims remote.
    /// Unacknowledged messages are kept, however old.
    Prune {
        /// Age in days.
        #[arg(long, default_value_t = 14, value_name = "N")]
        days: u64,
    },
}

pub fn run(orc: &Orc, cmd: MsgCommand, out: &mut Output) -> Result<()> {
    match cmd {
        MsgCommand::Send {
            to,
            text,
            task,
            reply_to,
        } => {
            let sent = orc.msg_send(&to, &text, task.as_deref(), reply_to.as_deref())?;
            out.emit(Some("message"), &sent, |out| {
                out.line(format!(
                    "sent {} to {} ({})",
                    sent.message.id,
                    sent.message.to,
                    kind(&sent)
                ));
            });
        }
        MsgCommand::Inbox { all } => {
            let inbox = orc.msg_inbox(all)?;
            if let Some(e) = &inbox.remote_error {
                say!("warning: only this clone's messages are listed: {e}");
            }
            out.emit(None, &inbox, |out| {
                let who = inbox.agent.as_deref().unwrap_or("an unnamed agent");
                let roles = if inbox.roles.is_empty() {
                    String::new()
                } else {
                    format!(" (roles: {})", inbox.roles.join(", "))
                };
                out.line(format!(
                    "{} for {who}{roles}",
                    count(inbox.unread, "unread message")
                ));
                for v in &inbox.messages {
                    out.row(crate::render::message_line(v, crate::render::Style::Padded));
                }
            });
        }
        MsgCommand::Read { id } => {
            let thread = orc.msg_read(&id)?;
            out.emit(None, &thread, |out| {
                show(out, &thread.message);
                if thread.thread.len() > 1 {
                    out.line("");
                    out.line(format!("thread {}:", thread.message.message.thread));
                    for v in &thread.thread {
                        out.row(format!(
                            "  {}",
                            crate::render::message_line(v, crate::render::Style::Padded)
                        ));
                    }
                }
            });
        }
        MsgCommand::Ack { id, note } => {
            let v = orc.msg_ack(&id, note.as_deref())?;
            out.emit(Some("message"), &v, |out| {
                out.line(format!("acknowledged {}: {}", v.message.id, v.subject));
            });
        }
        MsgCommand::Prune { days } => {
            let report = orc.msg_prune(days)?;
            out.emit(None, &report, |out| {
                out.line(format!(
                    "pruned {} acknowledged and older than {days} days; kept {} unacknowledged",
                    count(report.pruned.len(), "message"),
                    report.kept_unacknowledged.len()
                ));
            });
        }
    }
    Ok(())
}

fn kind(v: &MessageView) -> &'static str {
    match v.message.to_kind {
        crate::model::RecipientKind::Agent => "agent",
        crate::model::RecipientKind::Role => "role",
        crate::model::RecipientKind::All => "everyone",
    }
}

fn show(out: &mut Output, v: &MessageView) {
    let m = &v.message;
    out.line(format!("message {}", m.id));
    out.line(format!(
        "from:    {} (worktree {} on {})",
        m.from.as_deref().unwrap_or("an unnamed agent"),
        m.worktree,
        m.host
    ));
    out.line(format!("to:      {} ({})", m.to, kind(v)));
    out.line(format!("sent:    {}", m.sent));
    if let Some(t) = &m.task {
        out.line(format!("task:    {t}"));
    }
    if let Some(r) = &m.reply_to {
        out.line(format!("reply to: {r}"));
    }
    out.line("");
    for l in m.text.lines() {
        out.line(format!("    {l}"));
    }
    out.line("");
    if v.acks.is_empty() {
        out.line("not acknowledged yet");
    }
    for a in &v.acks {
        let note = a
            .note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        out.line(format!(
            "acknowledged by {} at {}{note}",
            a.agent.as_deref().unwrap_or("an unnamed agent"),
            a.at
        ));
    }
}
