//! Picking work: `orc next` (the one task to do now, optionally claimed on the spot)
//! and the filters of `orc ready`.

use serde::Serialize;

use super::claims::ClaimView;
use super::views::by_urgency;
use super::{Orc, Outcome, Progress, State, TaskSummary, WorkContext};
use crate::error::{Error, Result};
use crate::model::{Status, Task, TaskId};
use crate::render::{count, plural};

/// How many candidates `orc next --claim` tries before it gives up (each lost race
/// moves on to the next one).
const NEXT_CANDIDATES: usize = 16;

/// Which ready tasks to consider.
#[derive(Debug, Clone, Default)]
pub struct ReadyFilter {
    pub role: Option<String>,
    pub stream: Option<String>,
    /// Leave out tasks someone else holds a live claim on.
    pub unclaimed: bool,
    /// At most this many tasks.
    pub limit: Option<usize>,
}

/// A ready task someone else holds.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimedTask {
    #[serde(flatten)]
    pub task: TaskSummary,
    /// Who holds it, from where, since when, until when.
    pub holder: String,
}

/// A pending task that waits for unfinished dependencies.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingTask {
    #[serde(flatten)]
    pub task: TaskSummary,
    pub waiting_for: Vec<TaskId>,
}

/// A task that is pending here but further along on another branch (not merged yet).
#[derive(Debug, Clone, Serialize)]
pub struct ElsewhereTask {
    #[serde(flatten)]
    pub task: TaskSummary,
    pub branch: String,
    /// Its status on that branch.
    pub there: Status,
}

/// Why `orc next` has nothing to offer.
#[derive(Debug, Clone, Serialize)]
pub struct NothingReady {
    /// One line: the main reason.
    pub message: String,
    /// Ready tasks that someone else holds.
    pub claimed: Vec<ClaimedTask>,
    /// Ready tasks reserved for another agent (their assignee).
    pub reserved: Vec<TaskSummary>,
    /// Ready tasks left out by --role/--stream.
    pub filtered_out: usize,
    /// Ready tasks already started or finished on another branch (merge it to see).
    pub elsewhere: Vec<ElsewhereTask>,
    /// Pending tasks waiting for dependencies.
    pub waiting: Vec<WaitingTask>,
    /// Parents whose subtasks are all done: `orc synthesize` them.
    pub to_synthesize: Vec<Progress>,
    /// Tasks in progress (someone is working; their results may unblock more).
    pub in_progress: Vec<TaskSummary>,
}

/// What `orc next` found (and, with `--claim`, took).
#[derive(Debug, Clone, Serialize)]
pub struct NextReport {
    /// The task to do now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskSummary>,
    /// With `--claim`: the claim and the specialist's brief, as `orc start` gives them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Outcome<WorkContext>>,
    /// Tasks that were taken by someone else between choosing and claiming them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lost_races: Vec<TaskId>,
    /// Set when there is nothing to do, with the reasons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nothing: Option<NothingReady>,
    /// Unacknowledged messages for this agent (`orc msg inbox`); with `--claim`, in
    /// the brief instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<super::MailSummary>,
}

impl Orc {
    /// The tasks `orc next` may offer, in its order (priority, then age of the plan, then
    /// plan order, then id): ready tasks matching `filter`, and tasks sent back for
    /// revision whose dependencies are done. Tasks reserved for another agent (an
    /// assignee that is not this agent) and those someone else holds a live claim on
    /// are left out.
    pub(super) fn next_in_order<'s>(
        &self,
        state: &'s State,
        filter: &ReadyFilter,
        claims: &[ClaimView],
    ) -> Vec<&'s Task> {
        let rework = state
            .task_values()
            .filter(|t| t.status == Status::NeedsRevision && state.dependencies_done(t));
        let mut ready: Vec<&Task> = state
            .ready_tasks()
            .into_iter()
            .chain(rework)
            .filter(|t| matches(t, filter))
            .filter(|t| self.not_reserved(t))
            .filter(|t| claim_of(claims, &t.id).is_none())
            .collect();
        ready.sort_by(by_urgency);
        ready
    }

    fn not_reserved(&self, t: &Task) -> bool {
        t.assignee.is_none() || t.assignee == self.ctx.agent
    }

    /// `orc ready` with filters; with `unclaimed` the claims remote is asked first.
    pub fn ready_filtered(&self, filter: &ReadyFilter) -> Result<Vec<TaskSummary>> {
        let state = self.state()?;
        let mut ready: Vec<&Task> = state
            .ready_tasks()
            .into_iter()
            .filter(|t| matches(t, filter))
            .collect();
        if filter.unclaimed {
            let claims = self.known_claims(&state.config, true)?;
            ready.retain(|t| claim_of(&claims, &t.id).is_none());
        }
        ready.sort_by(by_urgency);
        Ok(ready
            .into_iter()
            .take(filter.limit.unwrap_or(usize::MAX))
            .map(TaskSummary::from)
            .collect())
    }

    /// `orc next`: the one task to do now — ready, not claimed by anyone else, not
    /// reserved for another agent, in [`Orc::next_in_order`]'s order. With `claim`, it
    /// is started as by `orc start`; a task someone else claims first is skipped for the
    /// next one. When nothing is left, the report says why.
    pub fn next(&self, filter: &ReadyFilter, claim: bool) -> Result<NextReport> {
        let (candidates, first, mail) = {
            let state = self.state()?;
            let remote = self.claims_remote(&state.config).is_some();
            let claims = self.known_claims(&state.config, remote)?;
            let found = self.candidates(&state, filter, &claims)?;
            if found.picked.is_empty() {
                return Ok(NextReport {
                    task: None,
                    started: None,
                    lost_races: Vec::new(),
                    nothing: Some(self.nothing_here(&state, filter, &claims, found.elsewhere)),
                    mail: self.mail_summary(&state, None),
                });
            }
            let ids: Vec<TaskId> = found.picked.iter().map(|t| t.id.clone()).collect();
            let first = found.picked.first().map(|t| TaskSummary::from(*t));
            (ids, first, self.mail_summary(&state, None))
        };
        if !claim {
            return Ok(NextReport {
                task: first,
                started: None,
                lost_races: Vec::new(),
                nothing: None,
                mail,
            });
        }
        self.claim_first(candidates, filter)
    }

    /// The first tasks in [`Orc::next_in_order`]'s order that are not further along on
    /// another branch (at most [`NEXT_CANDIDATES`]), and those that are.
    fn candidates<'s>(
        &self,
        state: &'s State,
        filter: &ReadyFilter,
        claims: &[ClaimView],
    ) -> Result<Candidates<'s>> {
        let mut found = Candidates {
            picked: Vec::new(),
            elsewhere: Vec::new(),
        };
        for t in self.next_in_order(state, filter, claims) {
            match self.further_elsewhere(t)? {
                Some(e) => found.elsewhere.push(e),
                None => found.picked.push(t),
            }
            // Enough to try: the rest are only needed when these are all lost.
            if found.picked.len() >= NEXT_CANDIDATES {
                break;
            }
        }
        Ok(found)
    }

    /// Why nothing is ready here, when the ready tasks found were all `elsewhere`
    /// (further along on other branches) or there were none.
    fn nothing_here(
        &self,
        state: &State,
        filter: &ReadyFilter,
        claims: &[ClaimView],
        elsewhere: Vec<ElsewhereTask>,
    ) -> NothingReady {
        let mut nothing = self.nothing_ready(state, filter, claims, &[]);
        nothing.elsewhere = elsewhere;
        if !nothing.elsewhere.is_empty() && nothing.claimed.is_empty() {
            nothing.message = format!(
                "nothing ready here: {} {} already taken on other branches; merge them to see their state",
                count(nothing.elsewhere.len(), "ready task"),
                plural(nothing.elsewhere.len(), "is", "are")
            );
        }
        nothing
    }

    /// Starts the first of `candidates` nobody else claims first; when all are lost,
    /// the report says why nothing is left.
    fn claim_first(&self, candidates: Vec<TaskId>, filter: &ReadyFilter) -> Result<NextReport> {
        let mut lost = Vec::new();
        for id in candidates {
            match self.start(id.as_str(), false) {
                Ok(outcome) => {
                    return Ok(NextReport {
                        task: Some(TaskSummary::from(&outcome.value.task)),
                        started: Some(outcome),
                        lost_races: lost,
                        nothing: None,
                        mail: None,
                    });
                }
                // Someone else was faster, or the task changed under us: try the next one.
                Err(Error::ClaimHeld { .. })
                | Err(Error::Claimed { .. })
                | Err(Error::IllegalTransition { .. })
                | Err(Error::DependenciesNotDone { .. }) => lost.push(id),
                Err(e) => return Err(e),
            }
        }
        let state = self.state()?;
        let claims = self.known_claims(&state.config, false)?;
        let nothing = self.nothing_ready(&state, filter, &claims, &lost);
        Ok(NextReport {
            task: None,
            started: None,
            lost_races: lost,
            nothing: Some(nothing),
            mail: self.mail_summary(&state, None),
        })
    }

    /// The task's state on another branch when it is further along there (started,
    /// finished, blocked or cancelled after this branch last changed it).
    fn further_elsewhere(&self, t: &Task) -> Result<Option<ElsewhereTask>> {
        for rel in [super::task_path(&t.id), super::flat_task_path(&t.id)] {
            for (branch, bytes) in self.store.file_on_other_branches(&rel)? {
                let Some(other) = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|text| crate::format::task_from_toml(text).ok())
                else {
                    continue;
                };
                if other.status != Status::Pending && other.updated > t.updated {
                    return Ok(Some(ElsewhereTask {
                        task: TaskSummary::from(&other),
                        branch,
                        there: other.status,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Why `orc next` has nothing to offer: the ready tasks `filter` leaves out, those
    /// others hold (`lost`: taken by others while this call tried them), what waits.
    fn nothing_ready(
        &self,
        state: &State,
        filter: &ReadyFilter,
        claims: &[ClaimView],
        lost: &[TaskId],
    ) -> NothingReady {
        let ready = state.ready_tasks();
        let filtered_out = ready.iter().filter(|t| !matches(t, filter)).count();
        let matching: Vec<&&Task> = ready.iter().filter(|t| matches(t, filter)).collect();
        let claimed: Vec<ClaimedTask> = matching
            .iter()
            .filter_map(|t| {
                claim_of(claims, &t.id).map(|c| ClaimedTask {
                    task: TaskSummary::from(**t),
                    holder: c.claim.describe(),
                })
            })
            .collect();
        let reserved: Vec<TaskSummary> = matching
            .iter()
            .filter(|t| !self.not_reserved(t))
            .map(|t| TaskSummary::from(**t))
            .collect();
        let report = state.status_report();
        let mut nothing = NothingReady {
            message: String::new(),
            claimed,
            reserved,
            filtered_out,
            elsewhere: Vec::new(),
            waiting: waiting_tasks(state, filter),
            to_synthesize: report
                .parents
                .into_iter()
                .filter(|p| p.total > 0 && p.done == p.total && p.status.is_open())
                .collect(),
            in_progress: report.in_progress,
        };
        nothing.message = nothing.main_reason(lost.len());
        nothing
    }
}

impl NothingReady {
    /// The one-line main reason, `lost` being how many tasks went to others while this
    /// call tried to claim them.
    fn main_reason(&self, lost: usize) -> String {
        if lost > 0 {
            format!(
                "nothing left to claim: the {} went to others first",
                count(lost, "ready task")
            )
        } else if !self.claimed.is_empty() {
            format!(
                "nothing ready that is free: {} {} claimed by others",
                count(self.claimed.len(), "ready task"),
                plural(self.claimed.len(), "is", "are")
            )
        } else if !self.to_synthesize.is_empty() {
            format!(
                "nothing ready to start; {} {} ready to synthesize",
                count(self.to_synthesize.len(), "parent"),
                plural(self.to_synthesize.len(), "is", "are")
            )
        } else if !self.waiting.is_empty() {
            format!(
                "nothing ready: {} {} waiting for unfinished dependencies",
                count(self.waiting.len(), "pending task"),
                plural(self.waiting.len(), "is", "are")
            )
        } else if self.filtered_out > 0 {
            format!(
                "nothing ready matches the filter ({} other ready tasks)",
                self.filtered_out
            )
        } else if !self.reserved.is_empty() {
            "nothing ready: the ready tasks are assigned to other agents".to_owned()
        } else if !self.in_progress.is_empty() {
            "nothing ready: the open work is in progress".to_owned()
        } else {
            "nothing to do: no pending tasks".to_owned()
        }
    }
}

/// The tasks `orc next` found: those to try, in order, and those further along on
/// other branches.
struct Candidates<'s> {
    picked: Vec<&'s Task>,
    elsewhere: Vec<ElsewhereTask>,
}

/// The pending tasks `filter` selects that wait for unfinished dependencies, most
/// urgent first.
fn waiting_tasks(state: &State, filter: &ReadyFilter) -> Vec<WaitingTask> {
    let mut waiting: Vec<&Task> = state
        .task_values()
        .filter(|t| t.status == Status::Pending && matches(t, filter))
        .filter(|t| !state.dependencies_done(t))
        .collect();
    waiting.sort_by(by_urgency);
    waiting
        .into_iter()
        .map(|t| WaitingTask {
            task: TaskSummary::from(t),
            waiting_for: state.unfinished_dependencies(t),
        })
        .collect()
}

/// The ending of "N task… is/are" for `n`: " is" after one, "s are" after more.
fn matches(t: &Task, filter: &ReadyFilter) -> bool {
    filter
        .role
        .as_ref()
        .is_none_or(|r| t.role.as_ref() == Some(r))
        && filter
            .stream
            .as_ref()
            .is_none_or(|s| t.stream.as_ref() == Some(s))
}

/// The live claim on `id` held by someone else, if any.
fn claim_of<'c>(claims: &'c [ClaimView], id: &TaskId) -> Option<&'c ClaimView> {
    claims
        .iter()
        .find(|c| &c.claim.task == id && c.live && !c.mine)
}
