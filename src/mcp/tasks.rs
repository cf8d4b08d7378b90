//! Task tools: create, update, note, show, list, ready. Parameter names follow the
//! original orchestrator (`task_id`, `parent_task_id`, `specialist_type`,
//! `dependencies`, `estimated_effort`); orc's own names are accepted as aliases.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::{OrcServer, Reply, text};
use crate::model::{Priority, Status};
use crate::service::{NewTask, TaskEdit, TaskFilter, TaskSummary};

// Task priority as tools accept it (no doc comment: it would repeat in every schema).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum PriorityParam {
    Critical,
    High,
    Medium,
    Low,
}

impl From<PriorityParam> for Priority {
    fn from(p: PriorityParam) -> Priority {
        match p {
            PriorityParam::Critical => Priority::Critical,
            PriorityParam::High => Priority::High,
            PriorityParam::Medium => Priority::Medium,
            PriorityParam::Low => Priority::Low,
        }
    }
}

// Task status as tools accept it (no doc comment: it would repeat in every schema).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum StatusParam {
    Pending,
    InProgress,
    Blocked,
    NeedsRevision,
    Completed,
    Cancelled,
}

impl From<StatusParam> for Status {
    fn from(s: StatusParam) -> Status {
        match s {
            StatusParam::Pending => Status::Pending,
            StatusParam::InProgress => Status::InProgress,
            StatusParam::Blocked => Status::Blocked,
            StatusParam::NeedsRevision => Status::NeedsRevision,
            StatusParam::Completed => Status::Completed,
            StatusParam::Cancelled => Status::Cancelled,
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskParams {
    /// One-line title.
    pub title: String,
    /// What to do and how to tell it is done.
    pub description: Option<String>,
    /// Role: architect, implementer, tester, documenter, reviewer, researcher, debugger, or a custom role from .orchestrator/config.toml. Also the id prefix.
    #[serde(alias = "role")]
    pub specialist_type: Option<String>,
    /// Make it a subtask of this task.
    #[serde(alias = "parent")]
    pub parent_task_id: Option<String>,
    /// Default medium.
    pub priority: Option<PriorityParam>,
    /// Ids of tasks that must be completed before this one can start.
    #[serde(default, alias = "depends_on")]
    pub dependencies: Vec<String>,
    /// Work stream name, e.g. "docs".
    pub stream: Option<String>,
    /// Labels such as "bug" or "ui".
    #[serde(default)]
    pub labels: Vec<String>,
    /// Free-form effort estimate, e.g. "2h".
    #[serde(alias = "estimate")]
    pub estimated_effort: Option<String>,
    /// Who works on it.
    pub assignee: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskParams {
    /// Task id or a unique prefix of it.
    pub task_id: String,
    /// New status. Legal moves: pending -> in_progress|blocked|cancelled; in_progress -> completed|blocked|needs_revision|pending|cancelled; blocked -> pending|in_progress|cancelled; needs_revision -> in_progress|pending|blocked|cancelled; completed -> needs_revision|pending; cancelled -> pending. in_progress needs all dependencies completed.
    pub status: Option<StatusParam>,
    /// Why the status changes; recorded as a note.
    pub reason: Option<String>,
    /// New one-line title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New role; "" clears it.
    #[serde(alias = "role")]
    pub specialist_type: Option<String>,
    /// New parent task; "" makes it top-level.
    #[serde(alias = "parent")]
    pub parent_task_id: Option<String>,
    /// New priority.
    pub priority: Option<PriorityParam>,
    /// "" clears it.
    pub stream: Option<String>,
    /// "" clears it.
    #[serde(alias = "estimate")]
    pub estimated_effort: Option<String>,
    /// "" clears it.
    pub assignee: Option<String>,
    /// Task ids to add as dependencies.
    #[serde(default)]
    pub add_dependencies: Vec<String>,
    /// Task ids to remove from the dependencies.
    #[serde(default)]
    pub remove_dependencies: Vec<String>,
    /// Labels to add.
    #[serde(default)]
    pub add_labels: Vec<String>,
    /// Labels to remove.
    #[serde(default)]
    pub remove_labels: Vec<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNoteParams {
    /// Task id or a unique prefix of it.
    pub task_id: String,
    /// The note: progress, a finding, a handoff for the next session.
    #[serde(alias = "text")]
    pub note: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowTaskParams {
    /// Task id or a unique prefix of it.
    pub task_id: String,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTasksParams {
    /// Only tasks in these statuses (default: all).
    #[serde(default)]
    pub status: Vec<StatusParam>,
    /// Only tasks with this role.
    #[serde(alias = "role")]
    pub specialist_type: Option<String>,
    /// Only direct subtasks of this task.
    #[serde(alias = "parent")]
    pub parent_task_id: Option<String>,
    /// Only tasks in this work stream.
    pub stream: Option<String>,
    /// Only tasks with all of these labels.
    #[serde(default)]
    pub labels: Vec<String>,
}

#[tool_router(router = task_tools, vis = "pub(super)")]
impl OrcServer {
    /// Create a task (or a subtask with parent_task_id). One git commit.
    #[tool(name = "orchestrator_create_task")]
    async fn create_task(&self, Parameters(p): Parameters<CreateTaskParams>) -> CallToolResult {
        self.call(|orc| {
            let outcome = orc.task_add(NewTask {
                title: p.title,
                description: p.description.unwrap_or_default(),
                role: p.specialist_type,
                parent: p.parent_task_id,
                priority: p.priority.map(Into::into),
                depends_on: p.dependencies,
                stream: p.stream,
                labels: p.labels,
                estimate: p.estimated_effort,
                assignee: p.assignee,
            })?;
            let t = &outcome.value;
            Ok(Reply::mutation(
                text::mutated("created", t),
                "task",
                &outcome,
            ))
        })
    }

    /// Change a task's status and/or fields; "" clears an optional field. One git commit.
    #[tool(name = "orchestrator_update_task")]
    async fn update_task(&self, Parameters(p): Parameters<UpdateTaskParams>) -> CallToolResult {
        self.call(|orc| {
            let edit = TaskEdit {
                title: p.title,
                description: p.description,
                role: p.specialist_type,
                parent: p.parent_task_id,
                priority: p.priority.map(Into::into),
                stream: p.stream,
                estimate: p.estimated_effort,
                assignee: p.assignee,
                add_depends_on: p.add_dependencies,
                remove_depends_on: p.remove_dependencies,
                add_labels: p.add_labels,
                remove_labels: p.remove_labels,
                note: None,
            };
            let outcome = orc.task_update(
                &p.task_id,
                edit,
                p.status.map(Into::into),
                p.reason.as_deref(),
            )?;
            Ok(Reply::mutation(
                text::mutated("updated", &outcome.value),
                "task",
                &outcome,
            ))
        })
    }

    /// Append a timestamped note to a task. One git commit.
    #[tool(name = "orchestrator_add_note")]
    async fn add_note(&self, Parameters(p): Parameters<AddNoteParams>) -> CallToolResult {
        self.call(|orc| {
            let outcome = orc.task_note(&p.task_id, &p.note)?;
            Ok(Reply::mutation(
                text::mutated("noted on", &outcome.value),
                "task",
                &outcome,
            ))
        })
    }

    /// One task with description, dependencies, subtasks, notes and results.
    #[tool(name = "orchestrator_show_task", annotations(read_only_hint = true))]
    async fn show_task(&self, Parameters(p): Parameters<ShowTaskParams>) -> CallToolResult {
        self.call(|orc| {
            let view = orc.task_show(&p.task_id)?;
            Ok(Reply::new(text::task_view(&view), &view))
        })
    }

    /// List tasks, optionally filtered; one line each.
    #[tool(name = "orchestrator_list_tasks", annotations(read_only_hint = true))]
    async fn list_tasks(&self, Parameters(p): Parameters<ListTasksParams>) -> CallToolResult {
        self.call(|orc| {
            let tasks = orc.task_list(&TaskFilter {
                status: p.status.into_iter().map(Into::into).collect(),
                role: p.specialist_type,
                parent: p.parent_task_id,
                stream: p.stream,
                labels: p.labels,
            })?;
            let summaries: Vec<TaskSummary> = tasks.iter().map(TaskSummary::from).collect();
            Ok(Reply::new(
                text::lines(tasks.iter().map(text::task_line), "no tasks match"),
                json!({ "tasks": summaries }),
            ))
        })
    }

    /// Pending tasks whose dependencies are all completed, most urgent first.
    #[tool(name = "orchestrator_ready_tasks", annotations(read_only_hint = true))]
    async fn ready_tasks(&self) -> CallToolResult {
        self.call(|orc| {
            let ready = orc.ready()?;
            Ok(Reply::new(
                text::lines(ready.iter().map(text::summary_line), "nothing is ready"),
                json!({ "tasks": ready }),
            ))
        })
    }
}
