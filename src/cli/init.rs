//! `orc init [--example]`.

use super::Output;
use crate::error::Result;
use crate::render::count;
use crate::service::Orc;

pub fn run(orc: &Orc, example: bool, out: &mut Output) -> Result<()> {
    let outcome = if example {
        orc.init_example()?
    } else {
        orc.init()?
    };
    out.commit_note(&outcome);
    out.emit(None, &outcome, |out| {
        if example {
            let files = &outcome.value.example_files;
            if files.is_empty() {
                out.line("the example is already here; nothing changed");
            } else {
                match &outcome.commit {
                    Some(c) => out.line(format!(
                        "initialised .orchestrator/ with the example project (commit {}):",
                        crate::render::short_id(c)
                    )),
                    None => out.line("initialised .orchestrator/ with the example project:"),
                }
                for f in files {
                    out.line(format!("  {f}"));
                }
                out.line(
                    "next: `orc status`, `orc recover`, `orc decision list`, `orc files verify`",
                );
            }
        } else if outcome.value.created {
            match &outcome.commit {
                Some(c) => out.line(format!(
                    "initialised .orchestrator/ (commit {})",
                    crate::render::short_id(c)
                )),
                None => out.line("initialised .orchestrator/"),
            }
        } else if !outcome.value.moved_tasks.is_empty() {
            let moved = &outcome.value.moved_tasks;
            match &outcome.commit {
                Some(c) => out.line(format!(
                    "already initialised; moved {} to where they belong (commit {}):",
                    count(moved.len(), "task file"),
                    crate::render::short_id(c)
                )),
                None => out.line(format!(
                    "already initialised; moved {} to where they belong:",
                    count(moved.len(), "task file")
                )),
            }
            for m in moved {
                out.line(format!("  {m}"));
            }
        } else if outcome.value.merge_driver_registered {
            out.line(
                "already initialised; registered orc's merge driver in this clone's git config",
            );
        } else {
            out.line("already initialised; nothing changed");
        }
    });
    Ok(())
}
