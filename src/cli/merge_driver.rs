//! `orc merge-driver %O %A %B %P`: the merge driver git runs for `.orchestrator/` files.

use std::path::PathBuf;

use clap::Args;

use super::Output;
use crate::error::Result;
use crate::service;

#[derive(Debug, Args)]
pub struct MergeDriverArgs {
    /// The common ancestor's version (git's %O).
    pub base: PathBuf,
    /// Our version (git's %A); the merge result is written here.
    pub ours: PathBuf,
    /// Their version (git's %B).
    pub theirs: PathBuf,
    /// The path in the repository (git's %P); chooses the merge rules.
    pub path: String,
}

/// `orc merge-driver %O %A %B %P`. Exit 1 when the file needs a human: conflicts written
/// into it (field merge) or conflict markers (line merge).
pub fn run(args: &MergeDriverArgs, out: &mut Output) -> Result<()> {
    let report = service::merge_driver(&args.base, &args.ours, &args.theirs, &args.path)?;
    out.emit_json_only(None, &report);
    for c in &report.conflicts {
        say!("orc merge-driver: {}: {c}", report.path);
    }
    if let Some(reason) = &report.fallback_reason {
        if report.method == "fields" {
            say!(
                "orc merge-driver: {}: {reason}; conflict markers are in the body",
                report.path
            );
        } else if format_known(&report.path) {
            say!(
                "orc merge-driver: {}: {reason}; used git's line merge",
                report.path
            );
        }
    }
    if !report.clean {
        out.exit_code = 1;
    }
    Ok(())
}

fn format_known(path: &str) -> bool {
    crate::format::merge::FileKind::of_path(path).is_some()
}
