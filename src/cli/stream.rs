//! `orc stream list|show`: work streams and their execution order.

use clap::Subcommand;

use super::Output;
use super::render::queue_line;
use crate::error::Result;
use crate::service::Orc;

#[derive(Debug, Subcommand)]
pub enum StreamCommand {
    /// Every stream with its task counts.
    #[command(alias = "ls")]
    List,
    /// The open tasks of one stream in execution order (dependencies first, then
    /// in-progress work, priority and age), and what is done.
    Show {
        /// Stream name, e.g. "docs".
        name: String,
    },
}

pub fn run(orc: &Orc, cmd: StreamCommand, out: &mut Output) -> Result<()> {
    match cmd {
        StreamCommand::List => {
            let streams = orc.streams()?;
            out.emit(Some("streams"), &streams, |out| {
                if streams.is_empty() {
                    out.line("no streams yet; give tasks a stream with --stream NAME");
                } else {
                    for s in &streams {
                        out.line(format!(
                            "{:<20} {}/{} done, {} open",
                            s.stream, s.completed, s.total, s.open
                        ));
                    }
                }
            });
        }
        StreamCommand::Show { name } => {
            let view = orc.stream(&name)?;
            out.emit(None, &view, |out| {
                let c = &view.counts;
                out.line(format!(
                    "stream {}: {}/{} done, {} open",
                    c.stream, c.completed, c.total, c.open
                ));
                if !view.tasks.is_empty() {
                    out.line("");
                    out.line("In order:");
                    for t in &view.tasks {
                        out.line(queue_line(t, "  "));
                    }
                }
                if !view.completed_tasks.is_empty() {
                    out.line("");
                    out.line("Done:");
                    for t in &view.completed_tasks {
                        out.line(format!(
                            "  {:<22} {:<12} {}",
                            t.id.as_str(),
                            t.role.as_deref().unwrap_or("-"),
                            t.title
                        ));
                    }
                }
            });
        }
    }
    Ok(())
}
