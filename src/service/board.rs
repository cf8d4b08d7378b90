//! The board: tasks in columns by status (`orc board`, the board of `orc serve`).
//!
//! Gathers and orders the cards; how they are drawn (terminal columns, HTML, JSON) is the
//! face's business.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::views::by_urgency;
use super::{FastMap, Orc, State};
use crate::error::Result;
use crate::model::{Priority, Status, Task, TaskId};

/// Completed tasks stay on the board this long (without `--all`).
pub const DONE_RECENTLY: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Cards per column (without `--all`); the rest are counted in `more`.
pub const CARDS_PER_COLUMN: usize = 10;

/// Which tasks the board shows.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub stream: Option<String>,
    pub role: Option<String>,
    /// Every card of every column, completed tasks of any age, and cancelled tasks.
    pub all: bool,
}

/// A board column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// Pending: ready ones first, then those waiting for dependencies or subtasks.
    Todo,
    InProgress,
    Blocked,
    NeedsRevision,
    /// Completed recently (every completed and cancelled task with `--all`).
    Done,
}

impl Column {
    pub const ALL: [Column; 5] = [
        Column::Todo,
        Column::InProgress,
        Column::Blocked,
        Column::NeedsRevision,
        Column::Done,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Todo => "To do",
            Column::InProgress => "In progress",
            Column::Blocked => "Blocked",
            Column::NeedsRevision => "Needs revision",
            Column::Done => "Done",
        }
    }

    fn of(status: Status) -> Column {
        match status {
            Status::Pending => Column::Todo,
            Status::InProgress => Column::InProgress,
            Status::Blocked => Column::Blocked,
            Status::NeedsRevision => Column::NeedsRevision,
            Status::Completed | Status::Cancelled => Column::Done,
        }
    }
}

/// One task on the board.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub id: TaskId,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<TaskId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Pending with every dependency completed and no open subtasks.
    pub ready: bool,
    /// Unfinished dependencies of a pending task.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting_for: Vec<TaskId>,
    /// When work started (the claim), for tasks in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// When a task was completed, for done tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<Timestamp>,
    /// The latest note: why a task is blocked or needs revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Card {
    fn new(state: &State, t: &Task, ready: bool) -> Card {
        let note = matches!(t.status, Status::Blocked | Status::NeedsRevision)
            .then(|| t.latest_note().map(|n| n.text.clone()))
            .flatten();
        Card {
            id: t.id.clone(),
            title: t.title.clone(),
            status: t.status,
            priority: t.priority,
            role: t.role.clone(),
            stream: t.stream.clone(),
            parent: t.parent.clone(),
            assignee: t.assignee.clone(),
            ready,
            waiting_for: if t.status == Status::Pending {
                state.unfinished_dependencies(t)
            } else {
                Vec::new()
            },
            since: (t.status == Status::InProgress)
                .then_some(t.started)
                .flatten(),
            completed: (t.status == Status::Completed)
                .then_some(t.completed)
                .flatten(),
            note,
        }
    }
}

/// The cards of one column.
#[derive(Debug, Clone, Serialize)]
pub struct BoardColumn {
    pub column: Column,
    pub title: &'static str,
    /// Every task of the column (shown or not).
    pub total: usize,
    pub tasks: Vec<Card>,
}

/// The board: every column, in order, even when empty.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    /// The time ages are measured from.
    pub now: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub columns: Vec<BoardColumn>,
    /// Every stream of the shown tasks' repository, for a face that offers a choice.
    pub streams: Vec<String>,
}

impl State {
    /// The board at `now` for the tasks `filter` selects.
    pub fn board(&self, filter: &BoardFilter, now: Timestamp) -> Board {
        let children = self.child_index();
        let mut columns: Vec<(Column, Vec<&Task>)> =
            Column::ALL.iter().map(|c| (*c, Vec::new())).collect();
        let recent = now - DONE_RECENTLY;
        for t in self.task_values().filter(|t| on_board(t, filter, recent)) {
            let col = Column::of(t.status);
            columns
                .iter_mut()
                .find(|(c, _)| *c == col)
                .expect("every column is listed")
                .1
                .push(t);
        }
        let columns = columns
            .into_iter()
            .map(|(column, tasks)| self.board_column(column, tasks, filter, &children))
            .collect();
        let mut streams: Vec<String> = self
            .task_values()
            .filter_map(|t| t.stream.clone())
            .collect();
        streams.sort();
        streams.dedup();
        Board {
            now,
            stream: filter.stream.clone(),
            role: filter.role.clone(),
            columns,
            streams,
        }
    }

    /// The cards of `column` from its `tasks`, in the column's order, as many as `filter`
    /// shows.
    fn board_column(
        &self,
        column: Column,
        mut tasks: Vec<&Task>,
        filter: &BoardFilter,
        children: &FastMap<&TaskId, Vec<&Task>>,
    ) -> BoardColumn {
        let total = tasks.len();
        let ready = |t: &Task| self.is_ready_with(t, children);
        match column {
            // Ready work first, then most urgent.
            Column::Todo => {
                tasks.sort_by(|a, b| ready(b).cmp(&ready(a)).then_with(|| by_urgency(a, b)))
            }
            // Most recent first.
            Column::Done => tasks.sort_by(|a, b| {
                b.completed
                    .unwrap_or(b.updated)
                    .cmp(&a.completed.unwrap_or(a.updated))
                    .then_with(|| a.id.cmp(&b.id))
            }),
            _ => tasks.sort_by(by_urgency),
        }
        let limit = if filter.all {
            usize::MAX
        } else {
            CARDS_PER_COLUMN
        };
        BoardColumn {
            column,
            title: column.title(),
            total,
            tasks: tasks
                .into_iter()
                .take(limit)
                .map(|t| Card::new(self, t, ready(t)))
                .collect(),
        }
    }
}

/// Whether `t` is on the board `filter` selects: its stream and role match, and a
/// finished task only when recent (completed since `recent`) or with `all`.
fn on_board(t: &Task, filter: &BoardFilter, recent: Timestamp) -> bool {
    let other = |want: &Option<String>, has: &Option<String>| {
        want.as_ref().is_some_and(|w| has.as_ref() != Some(w))
    };
    if other(&filter.stream, &t.stream) || other(&filter.role, &t.role) {
        return false;
    }
    match t.status {
        Status::Completed => filter.all || t.completed.unwrap_or(t.updated) >= recent,
        Status::Cancelled => filter.all,
        _ => true,
    }
}

impl Orc {
    /// The board of the current state.
    pub fn board(&self, filter: &BoardFilter) -> Result<Board> {
        Ok(self.state()?.board(filter, self.now()))
    }
}

/// What a watcher compares to see that the state changed: the commit HEAD points at and
/// the files under `.orchestrator/` that differ from it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Revision {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncommitted: Vec<String>,
}

impl Orc {
    /// The current [`Revision`]: a new commit (orc's, a pull, a checkout) or a file
    /// written without a commit changes it.
    pub fn revision(&self) -> Result<Revision> {
        drop(self.state()?);
        Ok(Revision {
            uncommitted: self.uncommitted()?,
            head: self.store().head_commit()?,
        })
    }
}
