//! The command line: clap definitions and rendering of service results as text or JSON.
//!
//! One file per command group, each with its argument structs and one function per
//! command that calls `service` and renders the result. Nothing here touches git.

mod mcp;
mod output;
mod report;
mod task;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::Result;
use crate::service::{Context, Orc};
pub use output::Output;

/// A git-native task orchestrator for people and AI coding agents.
///
/// Tasks, decisions and file manifests live as plain files under `.orchestrator/`;
/// every change orc makes is one git commit.
#[derive(Debug, Parser)]
#[command(name = "orc", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Run as if orc was started in PATH.
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub directory: Option<PathBuf>,

    /// Write files but do not commit them (overrides `commit` in config.toml).
    #[arg(long, global = true)]
    pub no_commit: bool,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Name of the agent or person acting; recorded on notes and claims.
    #[arg(long, global = true, env = "ORC_AGENT", value_name = "NAME")]
    pub agent: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process; boxing the large variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create `.orchestrator/` in this repository and commit it.
    Init,
    /// Create, list, inspect and change tasks.
    #[command(subcommand)]
    Task(task::TaskCommand),
    /// Overview: counts by status and stream, progress, in-progress and ready work.
    Status,
    /// Pending tasks whose dependencies are all completed, most urgent first.
    Ready,
    /// Validate every file under `.orchestrator/`; exits 1 when anything is wrong.
    Check,
    /// Serve the Model Context Protocol on stdin/stdout, for AI agents (docs/mcp.md).
    Mcp(mcp::McpArgs),
}

/// Runs a parsed command line, writing results to `out`.
pub fn run(cli: Cli, out: &mut Output) -> Result<()> {
    let start = match &cli.directory {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().map_err(|e| crate::Error::io(".", e))?,
    };
    let mut ctx = Context::from_env()?;
    ctx.no_commit = cli.no_commit;
    if cli.agent.is_some() {
        ctx.agent = cli.agent.clone();
    }
    let orc = Orc::open(&start, ctx)?;
    out.json = cli.json;
    match cli.command {
        Command::Init => report::init(&orc, out),
        Command::Task(cmd) => task::run(&orc, cmd, out),
        Command::Status => report::status(&orc, out),
        Command::Ready => report::ready(&orc, out),
        Command::Check => report::check(&orc, out),
        Command::Mcp(_) => unreachable!("`main` serves MCP without opening the repository"),
    }
}

/// Entry point used by `main`: parse, run, print errors, return the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    if let Command::Mcp(args) = cli.command {
        // The server owns stdout; it must not be locked here.
        return match mcp::run(args, cli.directory, cli.agent, cli.no_commit) {
            Ok(()) => 0,
            Err(e) => report_error(&e),
        };
    }
    let stdout = std::io::stdout();
    let mut out = Output::new(Box::new(stdout.lock()));
    let result = run(cli, &mut out);
    let _ = out.flush();
    match result {
        Ok(()) => out.exit_code,
        Err(e) => report_error(&e),
    }
}

/// Prints an error and its hint to stderr; returns the exit code for it.
fn report_error(e: &crate::Error) -> i32 {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let _ = writeln!(err, "error: {e}");
    if let Some(hint) = e.hint() {
        let _ = writeln!(err, "hint: {hint}");
    }
    1
}
