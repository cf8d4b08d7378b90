//! `orc done`: record the result of a task and complete it.

use clap::Args;

use super::{Output, read_text};
use crate::error::Result;
use crate::model::NextAction;
use crate::service::{Completion, Orc};

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

pub fn run(orc: &Orc, a: DoneArgs, out: &mut Output) -> Result<()> {
    let detail = match &a.detail_file {
        Some(f) => Some(read_text(f)?),
        None => a.detail,
    };
    // Relative artifact paths start where the user is (or at `-C PATH`, as in git).
    let base = std::env::current_dir().ok();
    let outcome = orc.done(
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
    out.emit(None, &outcome, |out| {
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
                crate::render::short_id(&a.sha256)
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
                out.row(super::render::summary_line(t));
            }
        }
        if let Some(p) = &r.synthesize {
            out.line(format!(
                "all subtasks of {p} are done: run `orc synthesize {p}`"
            ));
        } else if let Some(n) = &r.next {
            out.line(format!("next: orc start {}  ({})", n.id, n.title));
        }
    });
    Ok(())
}
