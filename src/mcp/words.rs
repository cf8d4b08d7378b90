//! The MCP server's words for errors and next actions: tools and their parameters. The
//! service layer's errors and actions are data; this is where an agent reads what failed
//! and which tool to call next. Nothing here names a command or a flag of the CLI.

use crate::error::{Error, Field, Reason};
use crate::model::{PlanProblem, TaskId};
use crate::service::{Action, Words};

/// The message of `e` in the terms of the tools' parameters.
pub fn message(e: &Error) -> String {
    match e {
        Error::PlanInvalid {
            origin: Some(origin),
            problems,
        } if origin == "subtasks_json" => format!(
            "{} in the plan; nothing was written:{}",
            crate::render::count(problems.len(), "problem"),
            problems
                .iter()
                .map(|p| format!("\n  {}", plan_problem(p)))
                .collect::<String>()
        ),
        Error::Refused(Reason::MultilineTitle) => {
            "a title is one line; put the rest in description".into()
        }
        Error::Refused(Reason::FromWithoutRename) => {
            "from (the old path) goes only with operation rename".into()
        }
        Error::Refused(Reason::RenameNeedsFrom) => {
            "a rename needs one path in paths and the old path in from".into()
        }
        _ => e.to_string(),
    }
}

/// A problem of a plan sent as `subtasks_json`, located by the fields the agent sent.
fn plan_problem(p: &PlanProblem) -> String {
    let location = plan_location(&p.location);
    const UNKNOWN: &str = "unknown field; expected one of: ";
    let message = match p.message.strip_prefix(UNKNOWN) {
        Some(fields) => format!(
            "{UNKNOWN}{}",
            fields
                .split(", ")
                .map(field_name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => p.message.clone(),
    };
    if location.is_empty() {
        message
    } else {
        format!("{location}: {message}")
    }
}

/// A subtask field's name in `subtasks_json`, from the name a plan file uses.
fn field_name(name: &str) -> &str {
    match name {
        "role" => "specialist_type",
        "depends_on" => "dependencies",
        "key" => "task_id",
        "estimate" => "estimated_effort",
        other => other,
    }
}

/// `subtasks[2].role` → `subtasks_json[2].specialist_type`; `title` → `description`
/// (the plan's title is the first line of the description).
pub fn plan_location(location: &str) -> String {
    if location == "title" {
        return "description".into();
    }
    let mut out = String::new();
    for (i, segment) in location.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        let (name, index) = match segment.find('[') {
            Some(at) => segment.split_at(at),
            None => (segment, ""),
        };
        out.push_str(match (i, name) {
            (0, "subtasks") => "subtasks_json",
            (_, other) => field_name(other),
        });
        out.push_str(index);
    }
    out
}

/// What the agent can do next, in tools and parameters.
pub fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::NotARepository { .. } => {
            "start the server inside a git repository, or pass working_directory to orchestrator_initialize_session".into()
        }
        Error::BareRepository { .. } => {
            "start the server in a clone or a linked worktree (`git worktree add`)".into()
        }
        Error::NotInitialized { .. } => {
            "orchestrator_initialize_session starts tracking tasks here".into()
        }
        Error::Parse { source, .. } if source.is_conflict_markers() => {
            "a merge left this file half-merged: keep the lines you want, delete the `<<<<<<<`, `=======` and `>>>>>>>` lines, then `git add` the file; orchestrator_maintenance_coordinator (validate_structure) lists every such file"
                .into()
        }
        Error::OutsideSparseCheckout { .. } => {
            "include it with `git sparse-checkout add .orchestrator`".into()
        }
        Error::Parse { .. } => {
            "fix the file by hand (or restore it with `git checkout -- <file>`), then check with orchestrator_maintenance_coordinator (validate_structure)"
                .into()
        }
        Error::NotAFile { path } => format!(
            "move the directory out of the way, then restore the file with `git checkout HEAD -- {}`",
            path.display()
        ),
        Error::UnknownTask(_) => "list task ids with orchestrator_list_tasks".into(),
        Error::AmbiguousId { .. } => "type more characters of the id".into(),
        Error::DuplicateId { .. } => "choose another task_id or let orc generate one".into(),
        Error::IllegalTransition { .. } => "move it to one of the statuses listed".into(),
        Error::DependencyCycle { .. } => "remove one of the dependencies in the cycle".into(),
        Error::DependenciesNotDone { .. } => {
            "finish those first; orchestrator_ready_tasks lists what can start now".into()
        }
        Error::HasChildren { .. } => "remove or cancel the subtasks first".into(),
        Error::Claimed { .. } | Error::ClaimHeld { .. } => {
            "pick another task (orchestrator_claim_next takes the next free one)".into()
        }
        Error::ClaimsRemote { remote, .. } => format!(
            "the claims remote {remote} could not be reached; try again when it can, or start the server with ORC_LOCAL_CLAIMS=1 to claim in this clone only"
        ),
        Error::CheckFailed { .. } => "fix the problems listed above".into(),
        Error::PlanInvalid { .. } => "fix every problem listed and call the tool again".into(),
        Error::ImportSource { source, .. } if source.line.is_some() => {
            "fix that line (or export the file again from its tool), then import again".into()
        }
        Error::ImportSource { .. } => {
            "check that this is the file the tool wrote (or export it again), then import again"
                .into()
        }
        Error::Refused(reason) => return reason_hint(reason),
        Error::Invalid { hint, .. } => return hint.clone(),
        Error::Io { .. } | Error::Git { .. } => return None,
    })
}

// Long on purpose: one flat match over every reason, read best as one table of hints.
fn reason_hint(reason: &Reason) -> Option<String> {
    Some(match reason {
        Reason::EmptyText {
            field: Field::Summary,
        } => "say in summary what was done and what came out of it".into(),
        Reason::EmptyText {
            field: Field::BlockReason,
        } => "say in reason what the task is waiting for".into(),
        Reason::EmptyText {
            field: Field::MessageText,
        } => "give the text to send in text".into(),
        Reason::MultilineTitle | Reason::LongTitle { .. } => {
            "put the detail in description".into()
        }
        Reason::OpenSubtasks { id, .. } => format!(
            "do its subtasks (orchestrator_claim_next or orchestrator_execute_subtask), then combine them with orchestrator_synthesize_results (parent_task_id \"{id}\")"
        ),
        Reason::SubtasksDone { id } => format!(
            "combine their results with orchestrator_synthesize_results (parent_task_id \"{id}\")"
        ),
        Reason::NotInProgress { id, .. } => {
            format!("start it first with orchestrator_execute_subtask (task_id \"{id}\")")
        }
        Reason::ResultIsSynthesis { id } => format!(
            "finish its subtasks, then call orchestrator_synthesize_results with parent_task_id \"{id}\" (it completes {id} with their results)"
        ),
        Reason::StillInProgress { id } => format!(
            "to give it up, call orchestrator_update_task with task_id \"{id}\" and status pending"
        ),
        Reason::NoSubtasks { id } => format!(
            "add subtasks with orchestrator_create_task (parent_task_id \"{id}\"), or record its result with orchestrator_complete_subtask (task_id \"{id}\")"
        ),
        Reason::ParentCancelled { id } => format!(
            "reopen it first: orchestrator_update_task with task_id \"{id}\" and status pending"
        ),
        Reason::MisplacedTask { .. } => {
            "rename or fix the file; orchestrator_maintenance_coordinator (validate_structure) lists every problem".into()
        }
        Reason::NothingToChange { .. } => {
            "pass at least one field to change (status, title, description, …)".into()
        }
        Reason::HasDependents { .. } => {
            "remove those dependencies first (orchestrator_update_task with remove_dependencies)"
                .into()
        }
        Reason::UnknownDecision { .. } => {
            "list decisions with orchestrator_search_decisions".into()
        }
        Reason::DuplicateDecision { .. } => {
            "two branches created the same number; the decisions need renumbering by a person"
                .into()
        }
        Reason::BornSuperseded => {
            "record it as proposed or accepted; a decision becomes superseded when another replaces it".into()
        }
        Reason::SupersedeByStatus => "a superseded decision names the one that replaces it".into(),
        Reason::ReplacementNotLive { .. } => {
            "the replacement must be accepted (or proposed) first".into()
        }
        Reason::UnknownSession { .. } | Reason::SessionClosed { .. } => {
            "orchestrator_initialize_session starts a new session".into()
        }
        Reason::NoActiveSession { .. } => {
            "start one with orchestrator_initialize_session".into()
        }
        Reason::SessionActive { .. } => "end it first with orchestrator_end_session".into(),
        Reason::MissingArtifact { base, .. } => format!(
            "create the file first, or check the path in file_paths or legacy_artifacts (relative paths start from {})",
            base.display()
        ),
        Reason::UnknownMessage { .. } => {
            "orchestrator_inbox with include_acknowledged: true lists every message; with a claims remote, mail from other clones arrives when the inbox is read".into()
        }
        Reason::UnknownRole { known, .. } => {
            format!("the roles of this repository: {}", known.join(", "))
        }
        Reason::UnknownStream { known, .. } if known.is_empty() => {
            "no stream exists yet; give tasks a stream (stream in orchestrator_create_task)".into()
        }
        Reason::UnknownStream { known, .. } => format!("known streams: {}", known.join(", ")),
        Reason::NoTaskInProgress | Reason::SeveralInProgress { .. } => "pass task_id".into(),
        Reason::NoPaths => "name files or directories in paths, or pass changed: true".into(),
        Reason::FromWithoutRename => return None,
        Reason::RenameNeedsFrom => {
            "e.g. paths [\"src/new.rs\"], operation rename, from \"src/old.rs\"".into()
        }
        Reason::NoGitForClaims { .. } => {
            "install git and make sure it is on PATH, or start the server with ORC_LOCAL_CLAIMS=1 to claim in this clone only".into()
        }
        Reason::SharedHook { .. }
        | Reason::HookInTheWay { .. }
        | Reason::ExampleOverWork { .. }
        | Reason::ExampleWouldOverwrite { .. } => return None,
        Reason::EmptyText { field: Field::Note } => {
            "say in note what happened: progress, a finding, a handoff for the next session".into()
        }
    })
}

/// The MCP server's vocabulary for next actions.
pub static MCP: Mcp = Mcp;

/// See [`MCP`].
#[derive(Debug)]
pub struct Mcp;

impl Words for Mcp {
    fn how(&self, action: &Action) -> Option<String> {
        Some(match action {
            Action::Complete { task } => {
                format!("orchestrator_complete_subtask with task_id \"{task}\"")
            }
            Action::FixUnreadable { .. } => {
                "orchestrator_maintenance_coordinator (validate_structure) shows where".into()
            }
            Action::MindTheGap { .. } => return None,
            Action::Continue { task, .. } | Action::Unblock { task, .. } => {
                format!("orchestrator_show_task with task_id \"{task}\"")
            }
            Action::MoreInProgress { .. } => {
                "orchestrator_list_tasks with status [\"in_progress\"]".into()
            }
            Action::ReviewFiles { .. } => {
                "orchestrator_verify_files, then re-record with orchestrator_record_files".into()
            }
            Action::CheckOutsideCommits { tasks } => format!(
                "orchestrator_log with task_id \"{}\"",
                tasks.first().map(TaskId::as_str).unwrap_or_default()
            ),
            Action::Decide { number, .. } => {
                format!("orchestrator_show_decision with number {number}")
            }
            Action::MoreStuck { .. } => {
                "orchestrator_list_tasks with status [\"blocked\", \"needs_revision\"]".into()
            }
            Action::Start { task, .. } => {
                format!("orchestrator_execute_subtask with task_id \"{task}\"")
            }
            Action::PlanWork => {
                "plan new work with orchestrator_plan_task or orchestrator_create_task".into()
            }
            Action::ReadHistory => "orchestrator_log".into(),
            Action::ListDecisions => "orchestrator_search_decisions".into(),
            Action::VerifyFiles => "orchestrator_verify_files".into(),
            Action::ReadMail => "orchestrator_inbox".into(),
        })
    }

    fn expected_output(&self, task: &TaskId) -> String {
        format!(
            "When you are done, call orchestrator_complete_subtask with task_id \"{task}\":\n\n\
             - summary: two or three sentences, what you did and the outcome; the next specialist reads it first.\n\
             - detailed_work: Markdown notes: decisions, limitations, follow-ups.\n\
             - file_paths: every file you created or changed, relative to the server's working directory (orc records its SHA-256).\n\
             - next_action: complete; or needs_revision (it must be redone or changed) or blocked (it cannot go on; say why in the summary)."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_locations_name_the_fields_of_subtasks_json() {
        for (plan, sent) in [
            ("subtasks[2].title", "subtasks_json[2].title"),
            (
                "subtasks[1].depends_on[0]",
                "subtasks_json[1].dependencies[0]",
            ),
            (
                "subtasks[0].subtasks[1].role",
                "subtasks_json[0].subtasks[1].specialist_type",
            ),
            ("subtasks[3].key", "subtasks_json[3].task_id"),
            ("subtasks", "subtasks_json"),
            ("title", "description"),
            ("", ""),
        ] {
            assert_eq!(plan_location(plan), sent, "{plan}");
        }
    }

    #[test]
    fn unknown_fields_are_listed_by_their_names_in_subtasks_json() {
        let p = PlanProblem::new(
            "subtasks[0].colour",
            "unknown field; expected one of: key, title, role, depends_on",
        );
        assert_eq!(
            plan_problem(&p),
            "subtasks_json[0].colour: unknown field; expected one of: task_id, title, specialist_type, dependencies"
        );
    }
}
