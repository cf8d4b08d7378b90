//! orc's records beyond the original: decisions (`orchestrator_record_decision`,
//! `orchestrator_search_decisions`, `orchestrator_show_decision`), file operations
//! (`orchestrator_record_files`, `orchestrator_verify_files`), and what history says
//! (`orchestrator_recover_context`, `orchestrator_log`).

use std::collections::BTreeSet;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::{OrcServer, Reply, text};
use crate::error::Error;
use crate::model::{DecisionStatus, FileOpKind, number_str};
use crate::service::{DecisionFilter, LogFilter, NewDecision, RECOVER_LIMIT, RecordRequest};

// A decision's status as tools accept it (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum DecisionStatusParam {
    Proposed,
    Accepted,
    Rejected,
    Deprecated,
    Superseded,
}

impl From<DecisionStatusParam> for DecisionStatus {
    fn from(s: DecisionStatusParam) -> DecisionStatus {
        match s {
            DecisionStatusParam::Proposed => DecisionStatus::Proposed,
            DecisionStatusParam::Accepted => DecisionStatus::Accepted,
            DecisionStatusParam::Rejected => DecisionStatus::Rejected,
            DecisionStatusParam::Deprecated => DecisionStatus::Deprecated,
            DecisionStatusParam::Superseded => DecisionStatus::Superseded,
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordDecisionParams {
    /// One-line title, e.g. "Use gix for git access".
    pub title: String,
    /// The situation and forces that call for a decision (Markdown).
    pub context: Option<String>,
    /// What was decided and why (Markdown).
    pub decision: Option<String>,
    /// Options considered and not chosen, one per entry.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// What follows, good and bad (Markdown).
    pub consequences: Option<String>,
    /// Default proposed. superseded is not allowed for a new decision.
    pub status: Option<DecisionStatusParam>,
    /// Task id (or unique prefix) the decision was made for.
    pub task_id: Option<String>,
    /// Keywords for search, e.g. "storage".
    #[serde(default)]
    pub tags: Vec<String>,
    /// Paths the decision is about, relative to the repository root.
    #[serde(default)]
    pub related_files: Vec<String>,
    /// Who decided.
    #[serde(default)]
    pub deciders: Vec<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchDecisionsParams {
    /// Words that must all occur in the title, tags or text (case-insensitive); best matches first. Without it, every decision matching the filters, by number.
    pub query: Option<String>,
    /// Only decisions in these statuses.
    #[serde(default)]
    pub status: Vec<DecisionStatusParam>,
    /// Only decisions with all these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only decisions recorded for this task.
    pub task_id: Option<String>,
}

fn number_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "integer"] })
}

/// A decision number as a client sends it: `7`, `"0007"` or `"ADR-7"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DecisionNumber {
    Number(u32),
    Text(String),
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowDecisionParams {
    /// Decision number: 7, "0007" or "ADR-7".
    #[schemars(schema_with = "number_schema")]
    pub number: DecisionNumber,
}

// A file operation (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum FileOpParam {
    Create,
    Modify,
    Delete,
    Rename,
}

impl From<FileOpParam> for FileOpKind {
    fn from(o: FileOpParam) -> FileOpKind {
        match o {
            FileOpParam::Create => FileOpKind::Create,
            FileOpParam::Modify => FileOpKind::Modify,
            FileOpParam::Delete => FileOpKind::Delete,
            FileOpParam::Rename => FileOpKind::Rename,
        }
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordFilesParams {
    /// Files or directories (walked), relative to the server's working directory. Omit with changed.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Record every file that differs from HEAD (new, modified, deleted, renamed) instead of paths.
    #[serde(default)]
    pub changed: bool,
    /// The task the files belong to. Default: the one task in progress.
    pub task_id: Option<String>,
    /// Default: inferred from the disk and earlier records.
    pub operation: Option<FileOpParam>,
    /// The old path of a rename (one path, operation rename).
    pub from: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyFilesParams {
    /// Only the files this task recorded or produced.
    pub task_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverParams {
    /// Report changes after this commit, or at or after this date (2026-01-31), instead of since the last session.
    pub since: Option<String>,
    /// Entries per list (tasks, changes, decisions, files). Default 20; the briefing says how many more there are.
    #[serde(default, deserialize_with = "super::params::opt_int")]
    pub limit: Option<usize>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogParams {
    /// Only commits for this task.
    pub task_id: Option<String>,
    /// Only this operation, e.g. task.complete, or a group: task, decision, files, session.
    pub op: Option<String>,
    /// At most this many entries. Default 20.
    #[serde(default, deserialize_with = "super::params::opt_int")]
    pub limit: Option<usize>,
    /// Only commits after this commit, or at or after this date (2026-01-31).
    pub since: Option<String>,
}

#[tool_router(router = record_tools, vis = "pub(super)")]
impl OrcServer {
    /// Record an architectural decision (ADR) as .orchestrator/decisions/NNNN-title.md. One git commit.
    #[tool(name = "orchestrator_record_decision")]
    async fn record_decision(
        &self,
        Parameters(p): Parameters<RecordDecisionParams>,
    ) -> CallToolResult {
        self.call(|orc| {
            let outcome = orc.decision_new(NewDecision {
                title: p.title,
                task: p.task_id,
                status: p.status.map(Into::into),
                tags: p.tags,
                deciders: p.deciders,
                related_files: p.related_files,
                context: p.context,
                decision: p.decision,
                alternatives: p.alternatives,
                consequences: p.consequences,
            })?;
            let v = &outcome.value;
            let text = format!(
                "recorded decision {} \"{}\" ({}) in {}",
                number_str(v.decision.number),
                v.decision.title,
                v.decision.status,
                v.path
            );
            Ok(Reply::mutation(text, "decision", &outcome))
        })
    }

    /// Find decisions by words and/or status, tags, task; one line each.
    #[tool(
        name = "orchestrator_search_decisions",
        annotations(read_only_hint = true)
    )]
    async fn search_decisions(
        &self,
        Parameters(p): Parameters<SearchDecisionsParams>,
    ) -> CallToolResult {
        self.call(|orc| {
            let list = orc.decision_list(&DecisionFilter {
                status: p.status.into_iter().map(Into::into).collect(),
                tags: p.tags,
                task: p.task_id,
            })?;
            let query = p.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
            let Some(query) = query else {
                let text = text::lines(
                    list.decisions.iter().map(text::decision_line),
                    "no decisions match",
                );
                return Ok(Reply::new(text, json!({ "decisions": list.decisions })));
            };
            let allowed: BTreeSet<u32> = list.decisions.iter().map(|d| d.number).collect();
            let mut hits = orc.decision_search(query)?;
            hits.retain(|h| allowed.contains(&h.decision.number));
            let text = text::lines(
                hits.iter().map(|h| {
                    let mut s = text::decision_line(&h.decision);
                    for l in &h.lines {
                        s.push_str(&format!("\n  {}: {}", l.line, l.text));
                    }
                    s
                }),
                "no decisions match",
            );
            Ok(Reply::new(text, json!({ "decisions": hits })))
        })
    }

    /// One decision: status, task, tags, files and its full text.
    #[tool(
        name = "orchestrator_show_decision",
        annotations(read_only_hint = true)
    )]
    async fn show_decision(&self, Parameters(p): Parameters<ShowDecisionParams>) -> CallToolResult {
        self.call(|orc| {
            let number = match p.number {
                DecisionNumber::Number(n) => n.to_string(),
                DecisionNumber::Text(t) => t,
            };
            let view = orc.decision_show(&number)?;
            Ok(Reply::new(text::decision(&view), &view))
        })
    }

    /// Record what a task did to files (path, operation, SHA-256, size) in its manifest. One git commit.
    #[tool(name = "orchestrator_record_files")]
    async fn record_files(&self, Parameters(p): Parameters<RecordFilesParams>) -> CallToolResult {
        let cwd = self.root();
        self.call(|orc| {
            let outcome = if p.changed {
                if !p.paths.is_empty() || p.operation.is_some() || p.from.is_some() {
                    return Err(Error::invalid_with_hint(
                        "changed records every changed file; it takes no paths, operation or from",
                        "pass either changed: true or paths",
                    ));
                }
                orc.files_record_changed(p.task_id.as_deref())?
            } else {
                orc.files_record(RecordRequest {
                    paths: p.paths,
                    task: p.task_id,
                    op: p.operation.map(Into::into),
                    from: p.from,
                    cwd,
                })?
            };
            Ok(Reply::outcome(text::recorded(&outcome.value), &outcome))
        })
    }

    /// Check recorded file operations and completed tasks' artifacts against the disk: verified, modified since, missing, unexpectedly present.
    #[tool(name = "orchestrator_verify_files", annotations(read_only_hint = true))]
    async fn verify_files(&self, Parameters(p): Parameters<VerifyFilesParams>) -> CallToolResult {
        self.call(|orc| {
            let report = orc.files_verify(p.task_id.as_deref(), &mut |_, _| {})?;
            Ok(Reply::new(text::verified(&report), &report))
        })
    }

    /// Briefing for picking up work cold: last session's handoff, what changed since (from git history), open and ready tasks, decisions, changed files, next actions.
    #[tool(
        name = "orchestrator_recover_context",
        annotations(read_only_hint = true)
    )]
    async fn recover_context(&self, Parameters(p): Parameters<RecoverParams>) -> CallToolResult {
        self.call(|orc| {
            let briefing = orc.recover(p.since.as_deref(), p.limit.unwrap_or(RECOVER_LIMIT))?;
            Ok(Reply::new(
                crate::render::briefing(&briefing).trim_end(),
                &briefing,
            ))
        })
    }

    /// Orchestration history: orc's commits, newest first.
    #[tool(name = "orchestrator_log", annotations(read_only_hint = true))]
    async fn log(&self, Parameters(p): Parameters<LogParams>) -> CallToolResult {
        self.call(|orc| {
            let report = orc.log(&LogFilter {
                task: p.task_id,
                op: p.op,
                limit: Some(p.limit.unwrap_or(20)),
                since: p.since,
            })?;
            let mut text = text::lines(
                report
                    .entries
                    .iter()
                    .map(|e| crate::render::log_line(e, crate::render::Style::Compact)),
                "no orc commits",
            );
            if let Some(note) = report.history.note() {
                text.push_str(&format!("\nnote: {note}"));
            }
            Ok(Reply::new(text, &report))
        })
    }
}
