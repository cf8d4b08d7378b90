//! Messages between agents: `orchestrator_send_message`, `orchestrator_inbox`,
//! `orchestrator_ack_message` (the same as `orc msg send|inbox|ack`).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;

use super::{OrcServer, Reply};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessageParams {
    /// Who it is for: an agent name, a role (every agent with an in-progress task of that role), or "all". "agent:NAME" / "role:NAME" when a name could be both.
    pub to: String,
    /// The message; its first line is the subject.
    pub text: String,
    /// The task it is about (id or unique prefix).
    #[serde(default)]
    pub task_id: Option<String>,
    /// The message this one answers (id or unique prefix); it joins that thread.
    #[serde(default)]
    pub reply_to: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxParams {
    /// Also list messages already acknowledged.
    #[serde(default)]
    pub include_acknowledged: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AckMessageParams {
    /// The message (id or unique prefix).
    pub message_id: String,
    /// A short answer recorded with the acknowledgement; the sender sees it.
    #[serde(default)]
    pub note: Option<String>,
}

#[tool_router(router = message_tools, vis = "pub(super)")]
impl OrcServer {
    /// Send a message to another agent, to every agent working in a role, or to all. Stored outside branches (no commit); visible at once in every worktree, and in other clones through the claims remote.
    #[tool(name = "orchestrator_send_message")]
    async fn send_message(&self, Parameters(p): Parameters<SendMessageParams>) -> CallToolResult {
        self.call(|orc| {
            let sent = orc.msg_send(&p.to, &p.text, p.task_id.as_deref(), p.reply_to.as_deref())?;
            Ok(Reply::new(
                format!("sent {} to {}", sent.message.id, sent.message.to),
                &sent,
            ))
        })
    }

    /// Your unacknowledged messages (to you, your roles, or all), newest first, with their full text.
    #[tool(name = "orchestrator_inbox", annotations(read_only_hint = true))]
    async fn inbox(&self, Parameters(p): Parameters<InboxParams>) -> CallToolResult {
        self.call(|orc| {
            let inbox = orc.msg_inbox(p.include_acknowledged)?;
            let mut text = crate::render::count(inbox.unread, "unread message");
            for v in &inbox.messages {
                text.push_str(&format!(
                    "\n\n{}\n{}",
                    crate::render::message_line(v, crate::render::Style::Compact),
                    v.message.text
                ));
            }
            if let Some(e) = &inbox.remote_error {
                text.push_str(&format!("\n\nnote: only this clone's messages: {e}"));
            }
            Ok(Reply::new(text, &inbox))
        })
    }

    /// Acknowledge a message: it leaves your inbox and its sender sees the acknowledgement with your note.
    #[tool(name = "orchestrator_ack_message")]
    async fn ack_message(&self, Parameters(p): Parameters<AckMessageParams>) -> CallToolResult {
        self.call(|orc| {
            let v = orc.msg_ack(&p.message_id, p.note.as_deref())?;
            Ok(Reply::new(
                format!(
                    "acknowledged {}",
                    crate::render::message_line(&v, crate::render::Style::Compact)
                ),
                &v,
            ))
        })
    }
}
