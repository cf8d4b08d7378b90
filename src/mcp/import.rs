//! `orchestrator_import`: another tool's tasks (the Python orchestrator's database first
//! of all) brought into orc, as `orc import` does.

use std::path::PathBuf;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;

use super::{OrcServer, Reply};
use crate::format::import::ImportSource;
use crate::service::{ImportAction, ImportRequest};

// The tools orc imports from (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(inline)]
pub enum Source {
    TaskOrchestrator,
    Beads,
    Backlog,
    Taskmaster,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// task-orchestrator: the Python MCP Task Orchestrator's SQLite database; beads: issues.jsonl; backlog: Backlog.md's backlog/ folder; taskmaster: tasks.json.
    pub source: Source,
    /// File or folder, relative to the server's directory; default: the tool's usual place (.task_orchestrator/task_orchestrator.db, .beads/issues.jsonl, backlog/, .taskmaster/tasks/tasks.json).
    pub path: Option<String>,
    /// Report what would be imported without writing.
    #[serde(default)]
    pub dry_run: bool,
}

#[tool_router(router = import_tools, vis = "pub(super)")]
impl OrcServer {
    /// Import tasks from the Python orchestrator's database, beads, Backlog.md or Task Master in one git commit; importing again updates what it imported, and an unchanged source changes nothing.
    #[tool(name = "orchestrator_import")]
    async fn import(&self, Parameters(p): Parameters<ImportParams>) -> CallToolResult {
        let cwd = self.root();
        self.call(|orc| {
            let source = match p.source {
                Source::TaskOrchestrator => ImportSource::TaskOrchestrator,
                Source::Beads => ImportSource::Beads,
                Source::Backlog => ImportSource::Backlog,
                Source::Taskmaster => ImportSource::Taskmaster,
            };
            let outcome = orc.import(ImportRequest {
                source,
                path: p.path.as_deref().map(PathBuf::from),
                cwd,
                dry_run: p.dry_run,
            })?;
            let r = &outcome.value;
            let mut text = format!(
                "{} {} from {}: {} created, {} updated, {} unchanged",
                if r.dry_run {
                    "would import"
                } else {
                    "imported"
                },
                r.tasks.len(),
                r.path,
                r.created,
                r.updated,
                r.unchanged
            );
            for e in r
                .tasks
                .iter()
                .filter(|e| e.action != ImportAction::Unchanged)
            {
                text.push_str(&format!(
                    "\n- {} {} ({}): {}",
                    e.action.as_str(),
                    e.task,
                    e.source_id,
                    e.title
                ));
            }
            if !r.dropped.is_empty() {
                text.push_str("\nno equivalent in orc:");
                for (what, n) in &r.dropped.0 {
                    text.push_str(&format!("\n- {what}: {n}"));
                }
            }
            Ok(Reply::outcome(text, &outcome))
        })
    }
}
