//! What the reader can do next, as data: the actions that end a specialist's brief, a
//! recovery briefing and a session briefing. Each face words them ([`Words`]): the CLI
//! as commands, the MCP server as tools; this layer names neither.

use crate::model::{Status, TaskId, number_str};

/// One thing to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Record the result of `task`, which is in progress (the end of its brief).
    Complete { task: TaskId },
    /// Fix files under `.orchestrator/` that could not be read.
    FixUnreadable { count: usize },
    /// The history read is incomplete: what is missing.
    MindTheGap { note: String },
    /// Go on with a task in progress.
    Continue {
        task: TaskId,
        title: String,
        assignee: Option<String>,
    },
    /// More tasks are in progress than a briefing lists.
    MoreInProgress { more: usize },
    /// Recorded files changed on disk since they were recorded.
    ReviewFiles { count: usize },
    /// Commits made outside orc touched files recorded for these tasks.
    CheckOutsideCommits { tasks: Vec<TaskId> },
    /// A proposed decision waits to be accepted or rejected.
    Decide { number: u32, title: String },
    /// A task is blocked or needs revision.
    Unblock {
        task: TaskId,
        title: String,
        status: Status,
    },
    /// More tasks are blocked or need revision than a briefing lists.
    MoreStuck { more: usize },
    /// Start the most urgent ready task.
    Start { task: TaskId, title: String },
    /// Nothing is open: plan new work (a face's `how` says with what).
    PlanWork,
    /// See the whole history (a briefing lists its newest changes).
    ReadHistory,
    /// See every decision (a briefing lists those of open tasks).
    ListDecisions,
    /// See every recorded file that no longer matches the disk.
    VerifyFiles,
    /// Read the messages other agents sent (a briefing counts the unread ones).
    ReadMail,
}

impl Action {
    /// The action in words that name no command or tool; a face adds how to do it.
    pub fn what(&self) -> String {
        match self {
            Action::Complete { task } => format!("Record the result of {task}"),
            Action::FixUnreadable { count } => {
                format!(
                    "Fix {} under .orchestrator/",
                    crate::render::count(*count, "unreadable file")
                )
            }
            Action::MindTheGap { note } => format!("Mind the gap: {note}"),
            Action::Continue {
                task,
                title,
                assignee,
            } => format!(
                "Continue {task} \"{title}\"{}",
                assignee
                    .as_ref()
                    .map(|a| format!(" (in progress for {a})"))
                    .unwrap_or_default()
            ),
            Action::MoreInProgress { more } => format!(
                "{} {} in progress",
                crate::render::count(*more, "more task"),
                crate::render::plural(*more, "is", "are")
            ),
            Action::ReviewFiles { count } => {
                format!(
                    "Review {} that changed on disk since",
                    crate::render::count(*count, "recorded file")
                )
            }
            Action::CheckOutsideCommits { tasks } => format!(
                "Check commits made outside orc that touched files of {}",
                tasks
                    .iter()
                    .map(TaskId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Action::Decide { number, title } => {
                format!(
                    "Decide on proposed decision {} \"{title}\"",
                    number_str(*number)
                )
            }
            Action::Unblock {
                task,
                title,
                status,
            } => format!("Unblock {task} \"{title}\" ({status})"),
            Action::MoreStuck { more } => {
                format!(
                    "{} {} blocked or need{} revision",
                    crate::render::count(*more, "more task"),
                    crate::render::plural(*more, "is", "are"),
                    crate::render::plural(*more, "s", "")
                )
            }
            Action::Start { task, title } => {
                format!("Start the most urgent ready task {task} \"{title}\"")
            }
            Action::PlanWork => "Nothing is open".to_owned(),
            Action::ReadHistory => "Read the whole history".to_owned(),
            Action::ListDecisions => "List every decision".to_owned(),
            Action::VerifyFiles => "Verify every recorded file".to_owned(),
            Action::ReadMail => "Read your messages".to_owned(),
        }
    }

    /// The action as one line: what to do, then how in `words`.
    pub fn line(&self, words: &dyn Words) -> String {
        match words.how(self) {
            Some(how) => format!("{}: {how}", self.what()),
            None => self.what(),
        }
    }
}

/// A face's vocabulary for [`Action`]s. The CLI's and the MCP server's live with them;
/// [`PLAIN`] says what to do without naming either.
pub trait Words: std::fmt::Debug + Send + Sync {
    /// How to do `action` with this face (a command, a tool call), if it has a way.
    fn how(&self, action: &Action) -> Option<String>;

    /// What a specialist hands back at the end of a brief for `task` (Markdown).
    fn expected_output(&self, task: &TaskId) -> String;
}

/// Words that name no command and no tool: for callers of the library without a face.
pub static PLAIN: Plain = Plain;

/// See [`PLAIN`].
#[derive(Debug)]
pub struct Plain;

impl Words for Plain {
    fn how(&self, action: &Action) -> Option<String> {
        match action {
            Action::PlanWork => Some("plan new work".to_owned()),
            _ => None,
        }
    }

    fn expected_output(&self, task: &TaskId) -> String {
        format!(
            "When you are done, record the result of {task}: a summary of two or three sentences \
             (what you did and the outcome), every file you created or changed, and notes on \
             decisions, limitations and follow-ups. If the work is not finished, say so: it needs \
             revision, or it is blocked (explain why in the summary)."
        )
    }
}
