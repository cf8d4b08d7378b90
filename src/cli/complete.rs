//! Shell completion: the scripts `orc completions SHELL` prints, and the task ids (with
//! titles) and decision numbers they offer for the arguments that take them.
//!
//! The scripts call back into orc (`COMPLETE=<shell> orc -- <words>`, clap_complete's
//! dynamic completion), so ids come from the repository at the moment of completing.

use std::ffi::OsStr;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use crate::service::{Context, Orc};

/// The environment variable that switches orc into answering a completion request.
pub(super) const VAR: &str = "COMPLETE";

/// Arguments that take a task id, by command path and argument id.
const TASK_ARGS: &[(&str, &str)] = &[
    ("start", "id"),
    ("done", "id"),
    ("block", "id"),
    ("reopen", "id"),
    ("synthesize", "id"),
    ("show", "id"),
    ("task show", "id"),
    ("task edit", "id"),
    ("task note", "id"),
    ("task status", "id"),
    ("task rm", "id"),
    ("task commits", "id"),
    ("task add", "parent"),
    ("task add", "depends_on"),
    ("task edit", "parent"),
    ("task edit", "add_dep"),
    ("task edit", "remove_dep"),
    ("task list", "parent"),
    ("plan", "parent"),
    ("log", "task"),
    ("files record", "task"),
    ("files verify", "task"),
    ("files log", "task"),
    ("decision new", "task"),
    ("decision list", "task"),
];

/// Arguments that take a decision number.
const DECISION_ARGS: &[(&str, &str)] = &[
    ("decision show", "number"),
    ("decision accept", "number"),
    ("decision reject", "number"),
    ("decision deprecate", "number"),
    ("decision supersede", "number"),
    ("decision supersede", "by"),
];

/// Attaches the id completers to `cmd`.
pub(super) fn attach(mut cmd: clap::Command) -> clap::Command {
    let args = TASK_ARGS
        .iter()
        .map(|(p, a)| (p, a, ArgValueCompleter::new(task_ids)))
        .chain(
            DECISION_ARGS
                .iter()
                .map(|(p, a)| (p, a, ArgValueCompleter::new(decision_numbers))),
        );
    for (path, arg, completer) in args {
        cmd = super::at_path(cmd, path, &|c| {
            keep_positional_order(c).mut_arg(*arg, |a| a.add(completer.clone()))
        });
    }
    cmd
}

/// Gives every positional argument its index explicitly: `mut_arg` moves the argument
/// it changes to the end, which would otherwise change the order positionals are read in.
fn keep_positional_order(mut cmd: clap::Command) -> clap::Command {
    let ids: Vec<clap::Id> = cmd.get_positionals().map(|a| a.get_id().clone()).collect();
    for (i, id) in ids.into_iter().enumerate() {
        cmd = cmd.mut_arg(id, |a| a.index(i + 1));
    }
    cmd
}

/// Answers a completion request when `COMPLETE` is set, and exits; does nothing otherwise.
pub(super) fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(super::command)
        .var(VAR)
        .complete();
}

/// The script that registers orc's completion in `shell`.
pub(super) fn registration(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    let name = shell.to_string();
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(&name)
        .expect("every clap_complete shell has an environment completer");
    completer
        .write_registration(VAR, "orc", "orc", "orc", &mut script)
        .expect("writing into memory does not fail");
    script
}

fn open() -> Option<Orc> {
    let cwd = std::env::current_dir().ok()?;
    let mut ctx = Context::from_env().ok()?;
    ctx.short_lived = true;
    ctx.words = &super::words::CLI;
    Orc::open(&cwd, ctx).ok()
}

/// Task ids that start with what was typed, or whose hex part does (`3f9c`), with titles.
fn task_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let Some(state) = open().and_then(|orc| orc.state().ok()) else {
        return Vec::new();
    };
    let mut out: Vec<CompletionCandidate> = state
        .task_values()
        .filter(|t| {
            let id = t.id.as_str();
            id.starts_with(typed)
                || id
                    .split_once('_')
                    .is_some_and(|(_, hex)| hex.starts_with(typed))
        })
        .map(|t| {
            CompletionCandidate::new(t.id.as_str())
                .help(Some(format!("{} [{}]", t.title, t.status).into()))
        })
        .collect();
    out.sort_by(|a, b| a.get_value().cmp(b.get_value()));
    out
}

/// Decision numbers (as typed: `7`, `0007`) with titles.
fn decision_numbers(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let Some(decisions) = open().and_then(|orc| orc.decisions().ok()) else {
        return Vec::new();
    };
    decisions
        .files
        .iter()
        .map(|f| (crate::model::number_str(f.decision.number), &f.decision))
        .filter(|(n, d)| n.starts_with(typed) || d.number.to_string().starts_with(typed))
        .map(|(n, d)| {
            CompletionCandidate::new(n).help(Some(format!("{} [{}]", d.title, d.status).into()))
        })
        .collect()
}
