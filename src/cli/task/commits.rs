//! `orc task commits`: commits linked to a task and the files each changed.

use crate::cli::Output;
use crate::error::Result;
use crate::service::{FileChange, Orc};

pub fn run(orc: &Orc, id: &str, out: &mut Output) -> Result<()> {
    let commits = orc.task_commits(id)?;
    out.emit(Some("commits"), &commits, |out| {
        if commits.is_empty() {
            out.line("no commits are linked to this task");
        } else {
            for c in &commits {
                out.line(format!(
                    "{} {} {}",
                    crate::render::short_id(&c.commit),
                    c.time,
                    c.summary
                ));
                for f in &c.files {
                    let mark = match f.change {
                        FileChange::Added => "A",
                        FileChange::Modified => "M",
                        FileChange::Deleted => "D",
                    };
                    out.line(format!("  {mark} {}", f.path));
                }
            }
        }
    });
    Ok(())
}
