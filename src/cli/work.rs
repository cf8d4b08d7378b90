//! `orc start`, `orc brief`, `orc done`, `orc block`, `orc reopen`, `orc synthesize`.

use clap::Args;

use super::{Output, read_text};
use crate::error::Result;
use crate::model::NextAction;
use crate::service::{Completion, Orc, StatusChange};

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Task id or a unique prefix of it.
    pub id: String,
    /// Take over a task in progress for another agent, or start a parent with open subtasks.
    #[arg(long)]
    pub force: bool,
    /// Also reserve, exclusively and for the task's lease, the files recorded for it
    /// (`orc files add`); nothing is started when someone else holds one of them.
    #[arg(long)]
    pub reserve: bool,
}

#[derive(Debug, Args)]
pub struct DoneArgs {
    /// Task id or a unique prefix of it.
    pub id: String,
    /// Two or three sentences: what was done and what came out of it.
    #[arg(long, short)]
    pub summary: String,
    /// A file produced or changed (repeatable); recorded with its SHA-256 and size.
    /// Relative to the current directory; must be inside the repository and exist.
    #[arg(long = "artifact", short = 'a', value_name = "PATH")]
    pub artifacts: Vec<std::path::PathBuf>,
    /// Full detail of the work (Markdown).
    #[arg(long, conflicts_with = "detail_file")]
    pub detail: Option<String>,
    /// Read the detail from a file (`-` for standard input; UTF-8, at most 10 MB).
    #[arg(long, value_name = "FILE")]
    pub detail_file: Option<String>,
    /// continue or complete (default): the task is completed; needs_revision or blocked:
    /// the result is recorded and the task goes to that status.
    #[arg(long, value_name = "ACTION")]
    pub next_action: Option<NextAction>,
}

#[derive(Debug, Args)]
pub struct ReopenArgs {
    /// Task id or a unique prefix of it.
    pub id: String,
    /// Why; recorded as a note and shown to whoever starts the task next.
    #[arg(long)]
    pub reason: Option<String>,
    /// Send it back as needs_revision (e.g. after a review) instead of pending.
    #[arg(long)]
    pub needs_revision: bool,
}

pub fn start(orc: &Orc, a: StartArgs, out: &mut Output) -> Result<()> {
    let outcome = if a.reserve {
        let (outcome, reserved) = orc.start_reserving(&a.id, a.force)?;
        if reserved.is_empty() {
            say!("note: no files are recorded for this task; nothing was reserved");
        } else {
            say!("note: reserved exclusively: {}", reserved.join(" "));
        }
        outcome
    } else {
        orc.start(&a.id, a.force)?
    };
    out.commit_note(&outcome);
    if out.json {
        out.json(None, &outcome);
    } else {
        out.line(outcome.value.markdown().trim_end());
    }
    Ok(())
}

pub fn brief(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let context = orc.brief(id)?;
    if out.json {
        out.json(None, &context);
    } else {
        out.line(context.markdown().trim_end());
    }
    Ok(())
}

pub fn done(orc: &Orc, a: DoneArgs, out: &mut Output) -> Result<()> {
    let detail = match &a.detail_file {
        Some(f) => Some(read_text(f)?),
        None => a.detail,
    };
    // Relative artifact paths start where the user is (or at `-C PATH`, as in git).
    let base = std::env::current_dir().ok();
    let outcome = orc.complete(
        &a.id,
        Completion {
            summary: a.summary,
            detail,
            artifacts: super::utf8_paths(a.artifacts)?,
            base,
            next_action: a.next_action,
        },
    )?;
    out.commit_note(&outcome);
    if out.json {
        out.json(None, &outcome);
        return Ok(());
    }
    let r = &outcome.value;
    let t = &r.task;
    let verb = match t.status {
        crate::model::Status::Completed => "completed".to_owned(),
        other => format!("recorded the result; {} is now", other),
    };
    out.line(format!("{verb} {} \"{}\"", t.id, t.title));
    for a in &t.artifacts {
        out.line(format!(
            "  artifact {}  ({} bytes, sha256 {})",
            a.path,
            a.size,
            &a.sha256[..12]
        ));
    }
    if let Some(p) = &r.parent {
        out.line(format!(
            "progress of {} \"{}\": {}/{} ({}%)",
            p.id, p.title, p.done, p.total, p.percent
        ));
    }
    if !r.newly_ready.is_empty() {
        out.line("now ready:");
        for t in &r.newly_ready {
            out.row(super::report::summary_line(t));
        }
    }
    if let Some(p) = &r.synthesize {
        out.line(format!(
            "all subtasks of {p} are done: run `orc synthesize {p}`"
        ));
    } else if let Some(n) = &r.next {
        out.line(format!("next: orc start {}  ({})", n.id, n.title));
    }
    Ok(())
}

fn status_change(out: &mut Output, c: &StatusChange) {
    out.line(format!(
        "{} \"{}\" is now {}",
        c.task.id, c.task.title, c.task.status
    ));
    for t in &c.also_changed {
        out.line(format!("{} \"{}\" is now {}", t.id, t.title, t.status));
    }
    if !c.waiting_again.is_empty() {
        out.line("waiting for it again:");
        for t in &c.waiting_again {
            out.row(super::report::summary_line(t));
        }
    }
}

pub fn block(orc: &Orc, id: &str, reason: &str, out: &mut Output) -> Result<()> {
    let outcome = orc.block(id, reason)?;
    out.commit_note(&outcome);
    if out.json {
        out.json(None, &outcome);
    } else {
        status_change(out, &outcome.value);
    }
    Ok(())
}

pub fn reopen(orc: &Orc, a: ReopenArgs, out: &mut Output) -> Result<()> {
    let outcome = orc.reopen(&a.id, a.reason.as_deref(), a.needs_revision)?;
    out.commit_note(&outcome);
    if out.json {
        out.json(None, &outcome);
    } else {
        status_change(out, &outcome.value);
    }
    Ok(())
}

pub fn synthesize(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let outcome = orc.synthesize(id)?;
    out.commit_note(&outcome);
    let s = &outcome.value;
    if out.json {
        out.json(None, &outcome);
    } else {
        out.line(s.markdown.trim_end());
        out.line("");
        if s.complete {
            out.line(format!("{} \"{}\" is completed", s.parent, s.title));
        } else {
            out.line(format!(
                "not completed: {} subtask{} still open; nothing was written",
                s.open.len(),
                if s.open.len() == 1 { " is" } else { "s are" }
            ));
        }
    }
    if !s.complete {
        out.exit_code = 1;
    }
    Ok(())
}
