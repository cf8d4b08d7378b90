//! `orchestrator_maintenance_coordinator`, with the original's actions, each mapped onto
//! orc's own maintenance: `scan_cleanup` = `orc maintenance scan` (+ `cleanup --stale
//! reset` above the basic level), `validate_structure` = `orc check` (+ `orc files
//! verify`, + the scan), `update_documentation` = `orc synthesize` of the parents whose
//! subtasks are all done, `prepare_handover` = the `orc recover` briefing.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{OrcServer, Reply, text};
use crate::error::{Error, Result};
use crate::service::{Orc, RECOVER_LIMIT, StaleAction};

// The original's maintenance actions (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum Action {
    ScanCleanup,
    ValidateStructure,
    UpdateDocumentation,
    PrepareHandover,
}

// The original's scopes (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum Scope {
    CurrentSession,
    FullProject,
    SpecificSubtask,
}

// The original's validation levels (no doc comment: it would repeat in the schema).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum Level {
    #[default]
    Basic,
    Comprehensive,
    FullAudit,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceParams {
    /// scan_cleanup: find stale/orphaned tasks; validate_structure: check stored files; update_documentation: synthesize finished parents; prepare_handover: briefing.
    pub action: Action,
    /// specific_subtask needs target_task_id.
    pub scope: Option<Scope>,
    #[serde(default)]
    pub validation_level: Level,
    /// For scope specific_subtask.
    pub target_task_id: Option<String>,
}

#[tool_router(router = maintenance_tools, vis = "pub(super)")]
impl OrcServer {
    /// Maintenance of the task store (see action).
    #[tool(name = "orchestrator_maintenance_coordinator")]
    async fn maintenance_coordinator(
        &self,
        Parameters(p): Parameters<MaintenanceParams>,
    ) -> CallToolResult {
        self.call(|orc| {
            let target = p
                .target_task_id
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty());
            if p.scope == Some(Scope::SpecificSubtask) && target.is_none() {
                return Err(Error::invalid_with_hint(
                    "scope specific_subtask needs target_task_id",
                    "name the task in target_task_id, or use scope full_project",
                ));
            }
            let level = p.validation_level;
            let reply = match p.action {
                Action::ScanCleanup => scan_cleanup(orc, level)?,
                Action::ValidateStructure => validate_structure(orc, level, target)?,
                Action::UpdateDocumentation => update_documentation(orc, target)?,
                Action::PrepareHandover => prepare_handover(orc)?,
            };
            Ok(reply
                .with("action", p.action)
                .with("validation_level", level))
        })
    }
}

/// `scan_cleanup`: the scan, and at validation levels above basic, the stale tasks reset.
fn scan_cleanup(orc: &Orc, level: Level) -> Result<Reply> {
    let scan = orc.maintenance_scan()?;
    let mut lines = text::scan(&scan);
    let base = json!({ "clean": scan.is_clean(), "scan": scan });
    if level > Level::Basic {
        let outcome = orc.maintenance_cleanup(StaleAction::Reset, false)?;
        let changed = &outcome.value.changed;
        lines.push_str(&if changed.is_empty() {
            "\ncleanup: no stale tasks to reset".to_owned()
        } else {
            format!(
                "\ncleanup: reset {} to pending: {}",
                crate::render::count(changed.len(), "stale task"),
                changed
                    .iter()
                    .map(|s| s.task.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        Ok(Reply::mutation(lines, "cleanup", &outcome)
            .with("clean", &base["clean"])
            .with("scan", &base["scan"]))
    } else {
        Ok(Reply::new(lines, base))
    }
}

/// `validate_structure`: the check, then the recorded files, then the scan, as the level asks.
fn validate_structure(orc: &Orc, level: Level, target: Option<&str>) -> Result<Reply> {
    let check = orc.check()?;
    let mut ok = check.ok();
    let mut lines = vec![if check.ok() {
        format!(
            "check: ok, {}",
            crate::render::count(check.files_checked, "file")
        )
    } else {
        format!(
            "check: {} in {}",
            crate::render::count(check.problems.len(), "problem"),
            crate::render::count(check.files_checked, "file")
        )
    }];
    for pr in &check.problems {
        let line = pr.line.map(|l| format!(":{l}")).unwrap_or_default();
        lines.push(format!("- {}{line}: {} ({})", pr.path, pr.message, pr.kind));
    }
    let mut data = json!({ "check": check });
    if level > Level::Basic {
        let files = orc.files_verify(target, &mut |_, _| {})?;
        ok &= files.ok;
        lines.push(format!("files {}", text::verified(&files)));
        data["files"] = json!(files);
    }
    if level == Level::FullAudit {
        let scan = orc.maintenance_scan()?;
        ok &= scan.is_clean();
        lines.push(format!("scan {}", text::scan(&scan)));
        data["scan"] = json!(scan);
    }
    data["ok"] = ok.into();
    Ok(Reply::new(lines.join("\n"), data))
}

/// `update_documentation`: the synthesis of one parent, or of every parent ready for it.
fn update_documentation(orc: &Orc, target: Option<&str>) -> Result<Reply> {
    match target {
        Some(t) => {
            let outcome = orc.synthesize(t)?;
            let s = &outcome.value;
            let line = if s.complete {
                format!(
                    "synthesized {} \"{}\" from {} subtasks",
                    s.parent, s.title, s.progress.done
                )
            } else {
                let open: Vec<&str> = s.open.iter().map(|t| t.id.as_str()).collect();
                format!(
                    "not updated: {} is not complete ({} of {} subtasks done; open: {})",
                    s.parent,
                    s.progress.done,
                    s.progress.total,
                    open.join(", ")
                )
            };
            Ok(Reply::mutation(
                line,
                "synthesized",
                &outcome.map(|s| vec![s]),
            ))
        }
        None => {
            let outcome = orc.synthesize_ready()?;
            let lines: Vec<String> = outcome
                .value
                .iter()
                .map(|s| {
                    format!(
                        "synthesized {} \"{}\" from {} subtasks",
                        s.parent, s.title, s.progress.done
                    )
                })
                .collect();
            let text = text::lines(
                lines,
                "nothing to update: no open parent task has all its subtasks done",
            );
            Ok(Reply::mutation(text, "synthesized", &outcome))
        }
    }
}

/// `prepare_handover`: the recovery briefing and how to leave a note.
fn prepare_handover(orc: &Orc) -> Result<Reply> {
    let briefing = orc.recover(None, RECOVER_LIMIT)?;
    let text = format!(
        "{}\n\nTo leave a handoff note for the next session, call orchestrator_end_session.",
        crate::render::briefing(&briefing).trim_end()
    );
    Ok(Reply::new(text, json!({ "briefing": briefing })))
}
