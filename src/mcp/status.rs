//! Overview tools with the original's names and parameters: `orchestrator_get_status`
//! and `orchestrator_health_check`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::{OrcServer, Reply, text};
use crate::error::Error;
use crate::model::Status;
use crate::service::{TaskFilter, TaskSummary};

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetStatusParams {
    /// Also list completed tasks.
    #[serde(default)]
    pub include_completed: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckParams {
    #[serde(default = "yes")]
    pub include_reboot_readiness: bool,
    #[serde(default = "yes")]
    pub include_connection_status: bool,
    #[serde(default = "yes")]
    pub include_database_status: bool,
}

#[tool_router(router = status_tools, vis = "pub(super)")]
impl OrcServer {
    /// Counts and the tasks in progress, ready, blocked.
    #[tool(name = "orchestrator_get_status", annotations(read_only_hint = true))]
    async fn get_status(&self, Parameters(p): Parameters<GetStatusParams>) -> CallToolResult {
        self.call(|orc| {
            // One read of the tasks for both parts.
            let state = orc.state()?;
            let mut report = state.status_report();
            report.uncommitted = orc.uncommitted()?;
            let completed: Option<Vec<TaskSummary>> = if p.include_completed {
                let filter = TaskFilter {
                    status: vec![Status::Completed],
                    ..TaskFilter::default()
                };
                Some(
                    state
                        .matching(&filter)?
                        .into_iter()
                        .map(TaskSummary::from)
                        .collect(),
                )
            } else {
                None
            };
            let mut data = serde_json::to_value(&report).expect("reports serialise to JSON");
            if let Some(done) = &completed {
                data["completed"] = json!(done);
            }
            Ok(Reply::new(
                text::status(&report, completed.as_deref()),
                data,
            ))
        })
    }

    /// Version, repository, task count, file check.
    #[tool(name = "orchestrator_health_check", annotations(read_only_hint = true))]
    async fn health_check(&self, Parameters(p): Parameters<HealthCheckParams>) -> CallToolResult {
        let version = env!("CARGO_PKG_VERSION");
        let mut data = json!({ "server_version": version });
        let mut lines = vec![format!("orc {version}")];
        if p.include_reboot_readiness {
            // Ready when the restart tool is served: every change is committed already.
            let ready = self.offers("orchestrator_restart_server");
            data["restart_ready"] = ready.into();
            if ready {
                data["restart_tool"] = "orchestrator_restart_server".into();
            }
        }
        if p.include_connection_status {
            data["connection"] = "stdio".into();
        }
        let problem = self
            .with_orc(|orc| {
                let root = orc.store().workdir().display().to_string();
                lines.push(format!("repository: {root}"));
                data["repository"] = root.into();
                let state = orc.state();
                let initialised = !matches!(state, Err(Error::NotInitialized { .. }));
                data["initialized"] = initialised.into();
                lines.push(format!(
                    "initialised: {}",
                    if initialised { "yes" } else { "no" }
                ));
                if let Ok(state) = &state {
                    data["task_count"] = state.tasks.len().into();
                    lines.push(format!("tasks: {}", state.tasks.len()));
                }
                Ok(match state {
                    Err(e @ Error::NotInitialized { .. }) => Some(e),
                    _ if p.include_database_status => {
                        // `check` turns a broken config into a reported problem.
                        let report = match &state {
                            Ok(state) => orc.check_state(state)?,
                            Err(_) => orc.check()?,
                        };
                        lines.push(if report.ok() {
                            format!(
                                "check: ok, {}",
                                crate::render::count(report.files_checked, "file")
                            )
                        } else {
                            format!(
                                "check: {} in {}; orchestrator_maintenance_coordinator (validate_structure) lists them",
                                crate::render::count(report.problems.len(), "problem"),
                                crate::render::count(report.files_checked, "file")
                            )
                        });
                        data["check"] = json!({
                            "ok": report.ok(),
                            "files_checked": report.files_checked,
                            "problems": report.problems,
                        });
                        None
                    }
                    _ => None,
                })
            })
            .unwrap_or_else(Some);
        let healthy = problem.is_none() && data["check"]["ok"].as_bool().unwrap_or(true);
        data["healthy"] = healthy.into();
        if let Some(e) = problem {
            lines.push(format!("problem: {}", super::words::message(&e)));
            data["problem"] = super::words::message(&e).into();
            if let Some(h) = super::words::hint(&e) {
                lines.push(format!("hint: {h}"));
            }
        }
        lines.insert(
            1,
            format!("healthy: {}", if healthy { "yes" } else { "no" }),
        );
        Reply::new(lines.join("\n"), data).into_result()
    }
}
