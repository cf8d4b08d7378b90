//! The command line's words for errors and next actions: commands, flags and their
//! values. The service layer's errors and actions are data; this is where the CLI says
//! what failed and what to type next.

use crate::error::{Error, Field, Reason};
use crate::model::TaskId;
use crate::service::{Action, Words};

/// The message of `e`, where the CLI says it differently from the neutral one (a flag
/// names the field).
pub fn message(e: &Error) -> String {
    let Error::Refused(reason) = e else {
        return e.to_string();
    };
    match reason {
        Reason::MultilineTitle => "a title is one line; put the rest in --description".into(),
        Reason::ResultIsSynthesis { id } => format!(
            "{id} has subtasks; its result is their synthesis, so `done` does not complete it; nothing was recorded"
        ),
        Reason::FromWithoutRename => "--from only goes with --op rename".into(),
        Reason::RenameNeedsFrom => "a rename needs one new path and --from OLD".into(),
        _ => reason.to_string(),
    }
}

/// What the user can do next, in commands and flags.
pub fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::NotARepository { .. } => {
            "run `git init` first, or pass `-C <path>` to point at a repository".into()
        }
        Error::BareRepository { .. } => {
            "run orc in a clone or a linked worktree (`git worktree add`)".into()
        }
        Error::NotInitialized { .. } => "run `orc init` to start tracking tasks here".into(),
        Error::Parse { source, .. } if source.is_conflict_markers() => {
            "a merge left this file half-merged: keep the lines you want, delete the `<<<<<<<`, `=======` and `>>>>>>>` lines, then `git add` the file; `orc check` lists every such file"
                .into()
        }
        Error::OutsideSparseCheckout { .. } => {
            "include it with `git sparse-checkout add .orchestrator`".into()
        }
        Error::Parse { .. } => {
            "fix the file by hand (or restore it with `git checkout -- <file>`), then run `orc check`"
                .into()
        }
        Error::NotAFile { path } => format!(
            "move the directory out of the way, then restore the file with `git checkout HEAD -- {}`",
            path.display()
        ),
        Error::UnknownTask(_) => "list task ids with `orc task list`".into(),
        Error::AmbiguousId { .. } => "type more characters of the id".into(),
        Error::DuplicateId { .. } => "choose another id or let orc generate one".into(),
        Error::IllegalTransition { .. } => {
            "see the status machine in `orc task status --help`".into()
        }
        Error::DependencyCycle { .. } => "remove one of the dependencies in the cycle".into(),
        Error::DependenciesNotDone { .. } => {
            "finish those first (`orc ready` lists what can start now)".into()
        }
        Error::HasChildren { .. } => {
            "remove the subtasks first, or pass --recursive to remove them too".into()
        }
        Error::Claimed { .. } => "pick another task, or pass --force to take it over".into(),
        Error::ClaimHeld { .. } => {
            "pick another task (`orc next`), wait until the lease runs out, or pass --force to take it over".into()
        }
        Error::ClaimsRemote { remote, .. } => format!(
            "check that `git ls-remote {remote}` works from here and try again; or pass --local to claim in this clone only (other clones will not see the claim)"
        ),
        Error::CheckFailed { .. } => "fix the problems listed above".into(),
        Error::PlanInvalid { .. } => {
            "fix every problem listed and run `orc plan` again; see `orc plan --help` for the file format".into()
        }
        Error::ImportSource { source, .. } if source.line.is_some() => {
            "fix that line (or export the file again from its tool), then run the import again"
                .into()
        }
        Error::ImportSource { .. } => {
            "check that this is the file the tool wrote (or export it again), then run the import again"
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
        } => "say in --summary what was done and what came out of it".into(),
        Reason::EmptyText {
            field: Field::BlockReason,
        } => "say in --reason what the task is waiting for".into(),
        Reason::EmptyText {
            field: Field::MessageText,
        } => "give the text to send as the second argument".into(),
        Reason::MultilineTitle => "use --description for longer text".into(),
        Reason::LongTitle { .. } => "put the detail in --description".into(),
        Reason::OpenSubtasks { id, .. } => format!(
            "start its subtasks (`orc next`) and combine them with `orc synthesize {id}`, or pass --force"
        ),
        Reason::SubtasksDone { id } => format!("combine their results with `orc synthesize {id}`"),
        Reason::NotInProgress { id, .. } => format!("start it first with `orc start {id}`"),
        Reason::ResultIsSynthesis { id } => format!(
            "finish its subtasks, then run `orc synthesize {id}` (it completes {id} with their results)"
        ),
        Reason::StillInProgress { id } => {
            format!("to give it up, use `orc task status {id} pending`")
        }
        Reason::NoSubtasks { id } => {
            format!("plan subtasks with `orc plan --parent {id}`, or finish it with `orc done {id}`")
        }
        Reason::ParentCancelled { id } => format!("reopen it first with `orc reopen {id}`"),
        Reason::MisplacedTask { .. } => "run `orc check` and rename or fix the file".into(),
        Reason::NothingToChange { .. } => {
            "pass at least one field to change, see `orc task edit --help`".into()
        }
        Reason::HasDependents { .. } => {
            "remove those dependencies first with `orc task edit ID --remove-dep ...`".into()
        }
        Reason::UnknownDecision { .. } => "list decisions with `orc decision list`".into(),
        Reason::DuplicateDecision { .. } => {
            "two branches created the same number; run `orc decision renumber`".into()
        }
        Reason::BornSuperseded => "record it, then run `orc decision supersede N --by M`".into(),
        Reason::SupersedeByStatus => "use `orc decision supersede N --by M`".into(),
        Reason::ReplacementNotLive { number, .. } => {
            format!("accept it first with `orc decision accept {number}`")
        }
        Reason::UnknownSession { .. } => "list sessions with `orc session list`".into(),
        Reason::NoActiveSession { .. } => "start one with `orc session start`".into(),
        Reason::SessionActive { agent: Some(_), .. } => {
            "end it first with `orc session end`".into()
        }
        Reason::SessionActive { agent: None, .. } => {
            "end it first with `orc session end`, or name separate agents with --agent".into()
        }
        Reason::SessionClosed { .. } => "list open sessions with `orc session list`".into(),
        Reason::UnknownRole { .. } => "see the roles with `orc roles`".into(),
        Reason::MissingArtifact { base, .. } => format!(
            "create the file first, or check the --artifact path (relative paths start from {})",
            base.display()
        ),
        Reason::UnknownMessage { .. } => {
            "`orc msg inbox --all` lists every message; with a claims remote, mail from other clones arrives when the inbox is read".into()
        }
        Reason::UnknownStream { known, .. } if known.is_empty() => {
            "no stream exists yet; give tasks a stream with --stream NAME".into()
        }
        Reason::UnknownStream { known, .. } => format!("known streams: {}", known.join(", ")),
        Reason::NoTaskInProgress | Reason::SeveralInProgress { .. } => "pass --task ID".into(),
        Reason::NoPaths => "name files or directories, or pass --changed".into(),
        Reason::FromWithoutRename => return None,
        Reason::RenameNeedsFrom => {
            "e.g. `orc files record src/new.rs --op rename --from src/old.rs`".into()
        }
        Reason::SharedHook { hook, .. } => format!(
            "add the line `orc hooks run {hook} \"$@\"` to that hook yourself, and commit it"
        ),
        Reason::HookInTheWay { .. } => {
            "move one of them away, then run `orc hooks install` again".into()
        }
        Reason::NoGitForClaims { .. } => {
            "install git and make sure it is on PATH, or pass --local to claim in this clone only"
                .into()
        }
        Reason::ExampleOverWork { .. } | Reason::ExampleWouldOverwrite { .. } => {
            "try the example in a new repository: `git init orc-demo && cd orc-demo && orc init --example`".into()
        }
        Reason::EmptyText { field: Field::Note } => {
            "give the note's text after the task id, or - to read it from standard input".into()
        }
    })
}

/// The command line's vocabulary for next actions.
pub static CLI: Cli = Cli;

/// See [`CLI`].
#[derive(Debug)]
pub struct Cli;

impl Words for Cli {
    fn how(&self, action: &Action) -> Option<String> {
        Some(match action {
            Action::Complete { task } => format!("`orc done {task}`"),
            Action::FixUnreadable { .. } => "`orc check` shows where".into(),
            Action::MindTheGap { .. } => return None,
            // The brief `orc start` prints, without claiming: a resuming agent's context.
            Action::Continue { task, .. } => format!("`orc brief {task}`"),
            Action::Unblock { task, .. } => format!("`orc task show {task}`"),
            Action::MoreInProgress { .. } => "`orc task list --status in_progress`".into(),
            Action::ReviewFiles { .. } => {
                "`orc files verify`, then re-record with `orc files record`".into()
            }
            Action::CheckOutsideCommits { tasks } => format!(
                "`orc files log --task {}`",
                tasks.first().map(TaskId::as_str).unwrap_or("ID")
            ),
            Action::Decide { number, .. } => {
                format!("`orc decision show {number}`, then `orc decision accept {number}`")
            }
            Action::MoreStuck { .. } => {
                "`orc task list --status blocked --status needs_revision`".into()
            }
            Action::Start { task, .. } => format!("`orc start {task}`"),
            Action::PlanWork => "plan new work with `orc task add` or `orc plan`".into(),
            Action::ReadHistory => "`orc log`".into(),
            Action::ListDecisions => "`orc decision list`".into(),
            Action::VerifyFiles => "`orc files verify`".into(),
            Action::ReadMail => "`orc msg inbox`".into(),
        })
    }

    fn expected_output(&self, task: &TaskId) -> String {
        format!(
            "When you are done, record the result in one command:\n\n\
             ```sh\n\
             orc done {task} --summary \"<two or three sentences: what you did and the outcome>\" \\\n    \
             --artifact <each file you created or changed> \\\n    \
             --detail-file <Markdown notes: decisions, limitations, follow-ups>\n\
             ```\n\n\
             - The summary is what the next specialist and the orchestrator read first.\n\
             - List every file you produced with `--artifact`; orc records its SHA-256 so it can be verified later.\n\
             - If the work is not finished, say so: `--next-action needs_revision` (it must be redone or \
             changed) or `--next-action blocked` (it cannot go on; explain why in the summary)."
        )
    }
}
