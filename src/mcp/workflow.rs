//! The original's workflow tools, with its names, parameters and result fields:
//! `orchestrator_initialize_session`, `orchestrator_plan_task`,
//! `orchestrator_execute_subtask`, `orchestrator_complete_subtask`,
//! `orchestrator_synthesize_results`; `orchestrator_claim_next` to take the next free task;
//! and `orchestrator_end_session` to close a session.

use std::path::{Path, PathBuf};

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{OrcServer, Reply, reply, text};
use crate::error::Error;
use crate::format;
use crate::model::{NextAction, PlanSpec};
use crate::service::{
    Completion, InitReport, OriginalDatabase, Outcome, Progress, ReadyFilter, TaskSummary,
};

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitializeSessionParams {
    /// Directory to work in from now on.
    pub working_directory: Option<String>,
}

// The original's complexity levels (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum Complexity {
    Simple,
    Moderate,
    Complex,
    VeryComplex,
}

impl Complexity {
    fn as_str(self) -> &'static str {
        match self {
            Complexity::Simple => "simple",
            Complexity::Moderate => "moderate",
            Complexity::Complex => "complex",
            Complexity::VeryComplex => "very_complex",
        }
    }
}

/// `subtasks_json`: the original sends a string holding a JSON array; an array is fine too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SubtasksJson {
    Text(String),
    List(Vec<Value>),
}

fn subtasks_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    // A string, as the original declares it (one type is what every client reads); a
    // JSON array is accepted as well.
    schemars::json_schema!({ "type": "string" })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTaskParams {
    /// The task to break down; its first line is the parent's title.
    pub description: String,
    /// JSON array string of {title, description, specialist_type, dependencies?, estimated_effort?, task_id?}; dependencies: task_id, title or index of earlier subtasks.
    #[schemars(schema_with = "subtasks_schema")]
    pub subtasks_json: SubtasksJson,
    pub complexity_level: Option<Complexity>,
    /// Background for the parent's description.
    pub context: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteSubtaskParams {
    /// Subtask id (or unique prefix).
    pub task_id: String,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimNextParams {
    /// Only this role.
    pub specialist_type: Option<String>,
    /// Only this work stream.
    pub stream: Option<String>,
}

// The original's artifact types (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum ArtifactType {
    Code,
    Documentation,
    Analysis,
    Design,
    Test,
    Config,
    General,
}

// What happens to the task (no doc comment: it would repeat in the schema).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum NextActionParam {
    Continue,
    NeedsRevision,
    Blocked,
    Complete,
}

impl From<NextActionParam> for NextAction {
    fn from(n: NextActionParam) -> NextAction {
        match n {
            NextActionParam::Continue => NextAction::Continue,
            NextActionParam::NeedsRevision => NextAction::NeedsRevision,
            NextActionParam::Blocked => NextAction::Blocked,
            NextActionParam::Complete => NextAction::Complete,
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteSubtaskParams {
    /// Subtask id (or unique prefix), in progress.
    pub task_id: String,
    /// What was done, in 2-3 sentences.
    pub summary: String,
    /// Full detail (Markdown).
    pub detailed_work: String,
    /// Files made or changed, relative to the server's directory.
    #[serde(default)]
    pub file_paths: Vec<String>,
    pub artifact_type: Option<ArtifactType>,
    /// continue/complete: done; needs_revision/blocked: stays open.
    pub next_action: NextActionParam,
    /// More file paths.
    #[serde(default)]
    pub legacy_artifacts: Vec<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthesizeParams {
    /// Parent task id (or unique prefix).
    pub parent_task_id: String,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndSessionParams {
    /// For the next session (Markdown): what was done, what is in progress, what comes next.
    pub handoff: Option<String>,
}

/// The orchestrator's guidance in tool terms (the service's names CLI commands).
const GUIDE: &str = include_str!("../../templates/orchestrator-mcp.md");

/// The parent's title: the first line of the description, shortened to a title's length.
fn title_of(description: &str) -> String {
    const MAX: usize = 120;
    let line = description
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.chars().count() <= MAX {
        return line.to_owned();
    }
    let cut: String = line.chars().take(MAX - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > MAX / 2 => cut[..i].to_owned(),
        _ => cut,
    };
    format!("{}…", cut.trim_end())
}

/// The original's `parent_task_progress`.
fn parent_progress(p: &Progress) -> Value {
    json!({
        "progress": if p.total > 0 && p.done == p.total { "completed" } else { "in_progress" },
        "parent_task_id": p.id,
        "completed_subtasks": p.done,
        "total_subtasks": p.total,
        "progress_percentage": p.percent,
    })
}

/// The original's `next_recommended_task`.
fn recommended(t: &TaskSummary) -> Value {
    json!({ "task_id": t.id, "title": t.title, "specialist_type": t.role })
}

#[tool_router(router = workflow_tools, vis = "pub(super)")]
impl OrcServer {
    /// Start or continue a session: guidance, roles, open work, handoff.
    #[tool(name = "orchestrator_initialize_session")]
    async fn initialize_session(
        &self,
        Parameters(p): Parameters<InitializeSessionParams>,
    ) -> CallToolResult {
        let root = match self.working_root(p.working_directory.as_deref()) {
            Ok(root) => root,
            Err(e) => return reply::failure(&e),
        };
        let result = self.with_orc_at(&root, |orc| {
            let workdir = orc.store().workdir().to_path_buf();
            let init = match orc.state() {
                Err(Error::NotInitialized { .. }) => Some(orc.init()?),
                Err(e) => return Err(e),
                Ok(_) => None,
            };
            let (mut outcome, continued) = orc.session_continue_or_start(None)?;
            outcome.value.guidance = GUIDE.to_owned();
            let session = &outcome.value.session;
            let mut head = Vec::new();
            if let Some(init) = &init {
                head.push(initialised_line(init, &workdir));
            }
            if continued {
                head.push(format!(
                    "continuing session {} (started {}); end it with orchestrator_end_session",
                    session.id, session.started
                ));
            }
            head.push(crate::render::session(&outcome.value).trim_end().to_owned());
            let original = orc.original_database(&root);
            if let Some(db) = &original {
                head.push(self.original_database_line(db));
            }
            let reply = Reply::mutation(head.join("\n\n"), "session", &outcome)
                .with("original_database", original)
                .with("session_initialized", true)
                .with("working_directory", workdir.display().to_string())
                .with("orc_initialized", init.is_some())
                .with("continued", continued)
                .with("init_commit", init.and_then(|i| i.commit));
            Ok(reply)
        });
        match result {
            Ok(reply) => {
                // The directory asked for, not the repository root: relative file paths
                // start from it, as they do from the directory the server started in.
                self.set_root(root);
                reply.into_result()
            }
            Err(e) => reply::failure(&e),
        }
    }

    /// Create a parent task and its subtasks from your breakdown.
    #[tool(name = "orchestrator_plan_task")]
    async fn plan_task(&self, Parameters(p): Parameters<PlanTaskParams>) -> CallToolResult {
        self.call(|orc| {
            let json = match &p.subtasks_json {
                SubtasksJson::Text(t) => t.clone(),
                SubtasksJson::List(items) => Value::Array(items.clone()).to_string(),
            };
            let (subtasks, problems) = format::subtasks_from_json(&json).map_err(|e| {
                Error::invalid_with_hint(
                    format!("subtasks_json is not JSON: {e}"),
                    "pass a JSON array of {title, description, specialist_type, dependencies?}",
                )
            })?;
            let mut description = p.description.trim().to_owned();
            if let Some(c) = p.complexity_level {
                description.push_str(&format!("\n\nComplexity: {}", c.as_str()));
            }
            if let Some(context) = p
                .context
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                description.push_str(&format!("\n\nContext:\n\n{context}"));
            }
            let spec = PlanSpec {
                title: title_of(&p.description),
                description,
                subtasks,
                ..PlanSpec::default()
            };
            let outcome = orc.plan_checked(spec, problems, Some("subtasks_json"))?;
            let plan = &outcome.value;
            let subtasks: Vec<Value> = plan
                .subtasks
                .iter()
                .map(|s| {
                    json!({
                        "task_id": s.task.id,
                        "title": s.task.title,
                        "specialist_type": s.task.role,
                        "dependencies": s.depends_on,
                        "parent_task_id": s.task.parent,
                    })
                })
                .collect();
            Ok(Reply::outcome(text::plan(plan), &outcome)
                .with("task_created", true)
                .with("parent_task_id", &plan.parent.id)
                .with("subtasks", subtasks)
                .with("complexity", p.complexity_level.map(Complexity::as_str)))
        })
    }

    /// Claim a subtask and get its specialist brief.
    #[tool(name = "orchestrator_execute_subtask")]
    async fn execute_subtask(
        &self,
        Parameters(p): Parameters<ExecuteSubtaskParams>,
    ) -> CallToolResult {
        self.call(|orc| {
            let outcome = orc.start(&p.task_id, false)?;
            let brief = crate::render::brief(&outcome.value);
            Ok(Reply::outcome(brief.trim_end(), &outcome))
        })
    }

    /// Claim the next ready task and get its brief.
    #[tool(name = "orchestrator_claim_next")]
    async fn claim_next(&self, Parameters(p): Parameters<ClaimNextParams>) -> CallToolResult {
        let filter = ReadyFilter {
            role: p
                .specialist_type
                .map(|r| r.trim().to_ascii_lowercase())
                .filter(|r| !r.is_empty()),
            stream: p
                .stream
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            ..ReadyFilter::default()
        };
        let report = match self.with_orc(|orc| orc.next(&filter, true)) {
            Ok(r) => r,
            Err(e) => return reply::failure(&e),
        };
        match (report.started, report.nothing) {
            (Some(outcome), _) => {
                let brief = crate::render::brief(&outcome.value);
                Reply::outcome(brief.trim_end(), &outcome)
                    .with("task_id", &outcome.value.task.id)
                    .with("lost_races", &report.lost_races)
                    .into_result()
            }
            (None, nothing) => {
                let message = nothing
                    .as_ref()
                    .map_or("nothing to do".to_owned(), |n| n.message.clone());
                let detail = nothing
                    .as_ref()
                    .map(text::nothing_ready)
                    .unwrap_or_default();
                reply::refusal(
                    "nothing_ready",
                    &message,
                    &detail,
                    "synthesize finished parents (orchestrator_synthesize_results), or wait for the work in progress",
                    json!({ "nothing_ready": nothing }),
                )
            }
        }
    }

    /// Record a subtask's result (summary, detail, files) and complete it; answers the next task.
    #[tool(name = "orchestrator_complete_subtask")]
    async fn complete_subtask(
        &self,
        Parameters(p): Parameters<CompleteSubtaskParams>,
    ) -> CallToolResult {
        let base = self.root();
        self.call(|orc| {
            let mut artifacts = p.file_paths;
            artifacts.extend(p.legacy_artifacts);
            let outcome = orc.done(
                &p.task_id,
                Completion {
                    summary: p.summary,
                    detail: Some(p.detailed_work),
                    artifacts,
                    base: Some(base),
                    next_action: Some(p.next_action.into()),
                },
            )?;
            let r = &outcome.value;
            Ok(Reply::outcome(text::completion(r), &outcome)
                .with("task_id", &r.task.id)
                .with("status", r.task.status)
                .with("results_recorded", true)
                .with("artifact_type", p.artifact_type)
                .with(
                    "parent_task_progress",
                    r.parent.as_ref().map(parent_progress),
                )
                .with("next_recommended_task", r.next.as_ref().map(recommended)))
        })
    }

    /// Combine finished subtasks' results into the parent; completes it.
    #[tool(name = "orchestrator_synthesize_results")]
    async fn synthesize_results(
        &self,
        Parameters(p): Parameters<SynthesizeParams>,
    ) -> CallToolResult {
        let outcome = match self.with_orc(|orc| orc.synthesize(&p.parent_task_id)) {
            Ok(o) => o,
            Err(e) => return reply::failure(&e),
        };
        let s = &outcome.value;
        if !s.complete {
            let open: Vec<String> = s.open.iter().map(text::summary_line).collect();
            return reply::refusal(
                "subtasks_open",
                &format!(
                    "{} is not complete: {} of {} subtasks done; nothing was stored",
                    s.parent, s.progress.done, s.progress.total
                ),
                &format!("still open:\n{}", open.join("\n")),
                "finish the open subtasks (orchestrator_execute_subtask), then synthesize again",
                json!({ "synthesis": s }),
            );
        }
        Reply::outcome(s.markdown.trim_end(), &outcome)
            .with("parent_task_id", &s.parent)
            .into_result()
    }

    /// End your session with a handoff note for the next one (shown by orchestrator_initialize_session and orchestrator_recover_context). One git commit.
    #[tool(name = "orchestrator_end_session")]
    async fn end_session(&self, Parameters(p): Parameters<EndSessionParams>) -> CallToolResult {
        self.call(|orc| {
            let outcome = orc.session_end(None, p.handoff.as_deref(), None)?;
            let s = &outcome.value;
            let text = format!(
                "ended session {} (started {}){}",
                s.id,
                s.started,
                if s.handoff.is_some() {
                    ", handoff note recorded"
                } else {
                    ", no handoff note"
                }
            );
            Ok(Reply::mutation(text, "session", &outcome))
        })
    }
}

impl OrcServer {
    /// The directory `orchestrator_initialize_session` works in: `working_directory`
    /// (relative to the current one) when given, else the current one.
    fn working_root(&self, working_directory: Option<&str>) -> Result<PathBuf, Error> {
        match working_directory.map(str::trim) {
            Some(dir) if !dir.is_empty() => {
                let path = self.root().join(dir);
                if !path.is_dir() {
                    return Err(Error::invalid_with_hint(
                        format!("working_directory {dir:?} is not a directory"),
                        "pass a directory inside the git repository to work in, or omit it",
                    ));
                }
                Ok(path)
            }
            _ => Ok(self.root()),
        }
    }

    /// The paragraph about the original orchestrator's database found next to the work.
    fn original_database_line(&self, db: &OriginalDatabase) -> String {
        match &db.error {
            Some(e) => format!(
                "Found the Python MCP Task Orchestrator's database at {}, but it does not read: {e}",
                db.path
            ),
            None => format!(
                "Found the Python MCP Task Orchestrator's database at {}: {} not in orc yet, {} changed since the last import. Bring them over with orchestrator_import (source \"task-orchestrator\"), one git commit{}.",
                db.path,
                crate::render::count(db.new, "task"),
                db.changed,
                if self.offers("orchestrator_import") {
                    ""
                } else {
                    "; that tool is in the full tool set, not in the core set this server offers (tools = \"all\" under [mcp] in .orchestrator/config.toml, then restart the server)"
                }
            ),
        }
    }
}

/// The line saying orc was just set up in `workdir`, with the commit that did it.
fn initialised_line(init: &Outcome<InitReport>, workdir: &Path) -> String {
    let commit = init
        .commit
        .as_deref()
        .map(|c| format!(" (commit {})", crate::render::short_id(c)))
        .unwrap_or_default();
    format!(
        "initialised orc in {}: tasks live in .orchestrator/{commit}",
        workdir.display()
    )
}
