//! The original's restart tools: `orchestrator_restart_server`,
//! `orchestrator_shutdown_prepare`, `orchestrator_reconnect_test` and
//! `orchestrator_restart_status`, with its parameters.
//!
//! orc keeps no server state: every change is a git commit when the call that made it
//! returns, and each call reads the repository afresh. So a restart has nothing to
//! save or restore; `orchestrator_restart_server` drops the one thing the server keeps
//! (the open git handle, so the next call re-reads git config) and says so, and the
//! others report what is true of this process.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{OrcServer, Reply, params, reply};
use crate::error::Error;
use crate::model::Status;

fn yes() -> bool {
    true
}

// The original's restart reasons (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum RestartReason {
    ConfigurationUpdate,
    SchemaMigration,
    ErrorRecovery,
    #[default]
    ManualRequest,
    EmergencyShutdown,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestartServerParams {
    #[serde(default = "yes")]
    pub graceful: bool,
    #[serde(default = "yes")]
    pub preserve_state: bool,
    /// Seconds.
    #[serde(default, deserialize_with = "params::opt_int")]
    #[schemars(range(min = 10, max = 300))]
    pub timeout: Option<u64>,
    #[serde(default)]
    pub reason: RestartReason,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShutdownPrepareParams {
    #[serde(default = "yes")]
    pub check_active_tasks: bool,
    #[serde(default = "yes")]
    pub check_database_state: bool,
    #[serde(default = "yes")]
    pub check_client_connections: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconnectTestParams {
    /// Echoed back.
    pub session_id: Option<String>,
    #[serde(default = "yes")]
    pub include_buffer_status: bool,
    #[serde(default = "yes")]
    pub include_reconnection_stats: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestartStatusParams {
    /// List restart requests.
    #[serde(default)]
    pub include_history: bool,
    #[serde(default = "yes")]
    pub include_error_details: bool,
}

/// The one sentence every restart tool's answer rests on.
const STATELESS: &str = "orc keeps no server state: every change is a git commit when its call returns, and each call reads the repository afresh, so nothing is lost when the server stops and nothing needs restoring when it starts.";

#[tool_router(router = restart_tools, vis = "pub(super)")]
impl OrcServer {
    /// No state to lose: all is in git. Reopens the repository handle.
    #[tool(name = "orchestrator_restart_server")]
    async fn restart_server(
        &self,
        Parameters(p): Parameters<RestartServerParams>,
    ) -> CallToolResult {
        let timeout = p.timeout.unwrap_or(30);
        if !(10..=300).contains(&timeout) {
            return reply::failure(&Error::invalid_with_hint(
                format!("timeout {timeout} is out of range"),
                "pass timeout between 10 and 300 (seconds), or omit it",
            ));
        }
        let now = match crate::service::Context::from_env() {
            Ok(ctx) => ctx.now,
            Err(e) => return reply::failure(&e),
        };
        self.forget_repository();
        let entry = json!({ "at": now.to_string(), "reason": p.reason });
        self.restarts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(entry.clone());
        let text = format!(
            "{STATELESS}\nThe server process keeps running; the repository handle was reopened, so the next call also re-reads git config. To really stop the server, close the connection; the client starts it again."
        );
        Reply::new(
            text,
            json!({
                "restarted": false,
                "reloaded": true,
                "state_preserved": true,
                "graceful": p.graceful,
                "preserve_state": p.preserve_state,
                "timeout": timeout,
                "reason": p.reason,
                "requested_at": entry["at"],
            }),
        )
        .into_result()
    }

    /// Can the server stop? Yes: every change is committed.
    #[tool(
        name = "orchestrator_shutdown_prepare",
        annotations(read_only_hint = true)
    )]
    async fn shutdown_prepare(
        &self,
        Parameters(p): Parameters<ShutdownPrepareParams>,
    ) -> CallToolResult {
        let mut lines = vec!["ready for shutdown: yes".to_owned(), STATELESS.to_owned()];
        let mut data = json!({ "ready_for_shutdown": true, "blockers": [] });
        if p.check_client_connections {
            data["client_connections"] = json!({ "transport": "stdio", "connected": 1 });
            lines.push("client connections: 1 (stdio, this one)".into());
        }
        let checked = self.with_orc(|orc| {
            if p.check_active_tasks {
                let state = orc.state()?;
                let active: Vec<_> = state
                    .tasks
                    .values()
                    .filter(|t| t.status == Status::InProgress)
                    .map(|t| json!({ "task_id": t.id, "title": t.title, "assignee": t.assignee }))
                    .collect();
                lines.push(format!(
                    "tasks in progress: {} (they stay in progress and claimed; the next session continues them)",
                    active.len()
                ));
                data["active_tasks"] = active.into();
            }
            if p.check_database_state {
                let uncommitted = orc.uncommitted()?;
                if !uncommitted.is_empty() {
                    lines.push(format!(
                        "written but not committed (kept on disk): {}",
                        uncommitted.join(", ")
                    ));
                }
                data["uncommitted"] = uncommitted.into();
            }
            Ok(())
        });
        if let Err(e) = checked {
            // Nothing to lose without a repository either: report why the checks did not run.
            lines.push(format!("not checked: {e}"));
            data["not_checked"] = e.to_string().into();
        }
        Reply::new(lines.join("\n"), data).into_result()
    }

    /// Connection status (stdio).
    #[tool(
        name = "orchestrator_reconnect_test",
        annotations(read_only_hint = true)
    )]
    async fn reconnect_test(
        &self,
        Parameters(p): Parameters<ReconnectTestParams>,
    ) -> CallToolResult {
        let mut data = json!({
            "connection_ok": true,
            "transport": "stdio",
            "active_connections": 1,
            "session_id": p.session_id,
        });
        let mut lines = vec![
            "connection: ok (stdio, 1 client)".to_owned(),
            "A new connection continues where this one stopped: the state is in git, and orchestrator_initialize_session continues the open session.".to_owned(),
        ];
        if p.include_buffer_status {
            data["buffered_requests"] = 0.into();
            lines.push("buffered requests: 0 (calls are answered in order)".into());
        }
        if p.include_reconnection_stats {
            data["reconnections"] = 0.into();
            lines.push("reconnections: 0 (stdio has one connection per process)".into());
        }
        Reply::new(lines.join("\n"), data).into_result()
    }

    /// Restart phase (always idle) and restart requests.
    #[tool(
        name = "orchestrator_restart_status",
        annotations(read_only_hint = true)
    )]
    async fn restart_status(
        &self,
        Parameters(p): Parameters<RestartStatusParams>,
    ) -> CallToolResult {
        let history = self
            .restarts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut data = json!({
            "phase": "idle",
            "restart_in_progress": false,
            "restart_requests": history.len(),
        });
        let mut lines = vec![format!(
            "phase: idle; restart requests in this process: {}",
            history.len()
        )];
        if p.include_history {
            for h in &history {
                lines.push(format!(
                    "- {} ({})",
                    h["at"].as_str().unwrap_or(""),
                    h["reason"].as_str().unwrap_or("")
                ));
            }
            data["history"] = history.into();
        }
        if p.include_error_details {
            data["errors"] = json!([]);
        }
        Reply::new(lines.join("\n"), data).into_result()
    }
}
