//! The command line: clap definitions and rendering of service results as text or JSON.
//!
//! One file per command group, each with its argument structs and one function per
//! command that calls `service` and renders the result. Nothing here touches git.

mod claims;
mod decision;
mod files;
mod git;
mod history;
mod maintenance;
mod mcp;
mod output;
mod plan;
mod recover;
mod report;
mod session;
mod stream;
mod task;
mod work;

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

    /// Publish claims to this git remote (overrides `[claims] remote` in config.toml).
    #[arg(long, global = true, env = "ORC_CLAIMS_REMOTE", value_name = "REMOTE")]
    pub claims_remote: Option<String>,

    /// Claim in this clone only, even when a claims remote is configured: the worktrees
    /// of this clone see the claim, other clones do not (see docs/multi-agent.md).
    #[arg(long, global = true)]
    pub local: bool,

    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process; boxing the large variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create `.orchestrator/` in this repository and commit it.
    ///
    /// In a repository that has it already, register orc's merge driver in this clone if
    /// it is missing, and move task files that are not where they belong (the flat
    /// `tasks/<id>.toml` layout of earlier versions) to `tasks/<c>/<id>.toml`, in one
    /// commit.
    ///
    /// With --example, fill it with a realistic example project instead (a planned
    /// feature, partly done, with decisions, file manifests, sessions and a custom role,
    /// plus the three small source files its records refer to), in one commit. Meant for
    /// a new repository: refuses when orc state or one of those files already exists.
    Init {
        /// Write the example project (see `.orchestrator-example/` in orc's source).
        #[arg(long)]
        example: bool,
    },
    /// Create, list, inspect and change tasks.
    #[command(subcommand)]
    Task(task::TaskCommand),
    /// Overview: counts by status and stream, progress, in-progress and ready work.
    ///
    /// Each list shows its first 10 entries (and how many more there are); `orc task
    /// list`, `orc ready` and `orc stream show` give complete lists.
    Status {
        /// Entries per list.
        #[arg(long, default_value_t = 10, conflicts_with = "all")]
        limit: usize,
        /// Show every entry of every list.
        #[arg(long)]
        all: bool,
    },
    /// Pending tasks whose dependencies are all completed, most urgent first (priority,
    /// then age, then plan order).
    Ready(claims::ReadyArgs),
    /// The one task to do now: ready, not claimed by anyone else, most urgent first;
    /// with --claim, claim it and print its brief.
    ///
    /// Candidates: ready tasks, and tasks sent back for revision to this agent. Left out:
    /// tasks someone else holds a live claim on (in any worktree, or on the claims
    /// remote), tasks assigned to another agent, and tasks already started or finished on
    /// another branch. Order: priority, then age (the subtasks of one plan share theirs),
    /// then the order they were planned in. With --claim
    /// the task is started as by `orc start`; when someone else claims it first, the next
    /// one is taken. When nothing is left, says why (claimed by whom, waiting for what,
    /// parents to synthesize) and exits with code 3.
    Next(claims::NextArgs),
    /// Live and expired claims of every worktree of this clone and, with a claims
    /// remote, of every clone that publishes there (fetched first; --local does not).
    Claims,
    /// Validate every file under `.orchestrator/`; exits 1 when anything is wrong.
    Check,
    /// Open and close work sessions, with handoff notes between them.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// List the specialist roles, or print one role's prompt.
    Roles {
        /// Print this role's full prompt.
        name: Option<String>,
    },
    Plan(plan::PlanArgs),
    /// Claim a task and print the specialist's brief: role prompt, task, goal, and the
    /// results and artifacts of its dependencies.
    ///
    /// The claim is a ref every worktree of this repository shares (and, with a claims
    /// remote, published there first), so two agents cannot both start one task. Refuses
    /// while dependencies are unfinished, a task someone else holds (in progress for
    /// another agent, or claimed from another worktree or clone with a live lease) unless
    /// --force, and a parent whose subtasks are done (synthesize it). `--json` gives the
    /// same brief as data.
    Start(work::StartArgs),
    /// Record the result of a task in progress and complete it; reports what became ready.
    Done(work::DoneArgs),
    /// Block a task, recording why.
    Block {
        /// Task id or a unique prefix of it.
        id: String,
        /// What it is waiting for.
        #[arg(long)]
        reason: String,
    },
    /// Open a closed task again: back to pending, or to needs_revision.
    Reopen(work::ReopenArgs),
    /// Combine the subtasks' results and artifacts into the parent's result; completes
    /// the parent when every subtask is done, otherwise lists what is open and exits 1.
    Synthesize {
        /// The parent task.
        id: String,
    },
    /// Work streams and their tasks in execution order.
    #[command(subcommand)]
    Stream(stream::StreamCommand),
    /// Find stale, orphaned and broken tasks; reset or block stale work; archive old trees.
    #[command(subcommand)]
    Maintenance(maintenance::MaintenanceCommand),
    /// Install, remove or inspect orc's git hooks and merge driver.
    #[command(subcommand)]
    Hooks(git::HooksCommand),
    /// The merge driver git runs for `.orchestrator/` TOML files (see `orc hooks install`).
    #[command(hide = true)]
    MergeDriver(git::MergeDriverArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// Example: `orc completions bash > ~/.local/share/bash-completion/completions/orc`.
    Completions {
        shell: clap_complete::Shell,
    },
    /// Print orc's man page (roff), e.g. `orc man | man -l -`; with --dir, write it and
    /// one page per subcommand (`orc-task-add.1`, ...) into a directory.
    ///
    /// Example: `orc man --dir ~/.local/share/man/man1`, then `man orc` and `man orc-plan`.
    Man {
        /// Write `orc.1` and a page per subcommand into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Record, list, search and supersede architectural decisions (ADRs).
    #[command(subcommand, alias = "adr")]
    Decision(decision::DecisionCommand),
    /// Record file operations per task and verify them against the disk.
    #[command(subcommand)]
    Files(files::FilesCommand),
    /// Orchestration history from commits (those with an `Orc-Op` trailer), newest first.
    Log(history::LogArgs),
    /// Show a task or a decision; with --history, every committed version of it.
    Show(history::ShowArgs),
    /// A briefing to resume work cold: last session and handoff, what changed since,
    /// open work, decisions, files that no longer verify, and next actions.
    Recover(recover::RecoverArgs),
    /// Serve the Model Context Protocol on stdin/stdout, for AI agents (docs/mcp.md).
    Mcp(mcp::McpArgs),
}

/// Runs a parsed command line, writing results to `out`.
pub fn run(cli: Cli, out: &mut Output) -> Result<()> {
    // Commands that must work without (or must not fail on) opening the repository.
    match &cli.command {
        Command::MergeDriver(args) => {
            out.json = cli.json;
            return git::merge_driver(args, out);
        }
        Command::Hooks(git::HooksCommand::Run(args)) => return git::hook_run(&cli, args, out),
        Command::Completions { shell } => return git::completions(*shell, out),
        Command::Man { dir } => return git::man(dir.as_deref(), out),
        _ => {}
    }
    let mut start = match &cli.directory {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().map_err(|e| crate::Error::io(".", e))?,
    };
    if let Some(dir) = &cli.directory
        && let Ok(abs) = dir.canonicalize()
        && std::env::set_current_dir(&abs).is_ok()
    {
        // Like `git -C`: relative paths given to orc (artifacts, plan files) start there.
        start = abs;
    }
    let mut ctx = Context::from_env()?;
    ctx.no_commit = cli.no_commit;
    ctx.short_lived = true;
    if cli.agent.is_some() {
        ctx.agent = cli.agent.clone();
    }
    if cli.claims_remote.is_some() {
        ctx.claims_remote = cli.claims_remote.clone();
    }
    ctx.local_claims |= cli.local;
    let orc = Orc::open(&start, ctx)?;
    out.json = cli.json;
    match cli.command {
        Command::Init { example } => report::init(&orc, example, out),
        Command::Task(cmd) => task::run(&orc, cmd, out),
        Command::Status { limit, all } => report::status(&orc, (!all).then_some(limit), out),
        Command::Ready(args) => claims::ready(&orc, args, out),
        Command::Next(args) => claims::next(&orc, args, out),
        Command::Claims => claims::claims(&orc, out),
        Command::Check => report::check(&orc, out),
        Command::Session(cmd) => session::run(&orc, cmd, out),
        Command::Roles { name } => session::roles(&orc, name, out),
        Command::Plan(args) => plan::run(&orc, args, out),
        Command::Start(args) => work::start(&orc, args, out),
        Command::Done(args) => work::done(&orc, args, out),
        Command::Block { id, reason } => work::block(&orc, &id, &reason, out),
        Command::Reopen(args) => work::reopen(&orc, args, out),
        Command::Synthesize { id } => work::synthesize(&orc, &id, out),
        Command::Stream(cmd) => stream::run(&orc, cmd, out),
        Command::Maintenance(cmd) => maintenance::run(&orc, cmd, out),
        Command::Hooks(cmd) => git::hooks(&orc, cmd, out),
        Command::MergeDriver(_) | Command::Completions { .. } | Command::Man { .. } => {
            unreachable!("dispatched before opening the repository")
        }
        Command::Decision(cmd) => decision::run(&orc, cmd, out),
        Command::Files(cmd) => files::run(&orc, cmd, &start, out),
        Command::Log(a) => history::log(&orc, a, out),
        Command::Show(a) => history::show(&orc, a, out),
        Command::Recover(a) => recover::run(&orc, a, out),
        Command::Mcp(_) => unreachable!("`main` serves MCP without opening the repository"),
    }
}

/// The largest file orc reads as input (`--from`, `--detail-file`, …): far above any
/// plan or decision a person writes, far below what would exhaust memory.
pub(crate) const MAX_INPUT_BYTES: u64 = 10 * 1024 * 1024;

/// The text of a file named on the command line, or of standard input for `-`. Refuses
/// input over [`MAX_INPUT_BYTES`] (reading no more than that) and input that is not UTF-8.
pub(crate) fn read_text(file: impl AsRef<std::path::Path>) -> Result<String> {
    use std::io::Read;
    let file = file.as_ref();
    let stdin = file.as_os_str() == "-";
    let shown = if stdin {
        "<stdin>".into()
    } else {
        file.display().to_string()
    };
    let too_big = |size: String| {
        crate::Error::invalid_with_hint(
            format!(
                "{shown} is {size}; orc reads at most {} MB of input",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
            "split it into smaller plans or decisions, or check that this is the file you meant",
        )
    };
    let mut bytes = Vec::new();
    if stdin {
        std::io::stdin()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| crate::Error::io("<stdin>", e))?;
    } else {
        let f = std::fs::File::open(file).map_err(|e| crate::Error::io(file, e))?;
        let meta = f.metadata().map_err(|e| crate::Error::io(file, e))?;
        if meta.is_dir() {
            return Err(crate::Error::invalid_with_hint(
                format!("{shown} is a directory, not a file"),
                "name the file to read",
            ));
        }
        if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
            return Err(too_big(format!("{} bytes", meta.len())));
        }
        // Pipes and devices have no size up front: read one byte past the limit.
        f.take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| crate::Error::io(file, e))?;
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big(format!("over {MAX_INPUT_BYTES} bytes")));
    }
    let line_at = |at: usize| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(crate::Error::invalid_with_hint(
            format!(
                "{shown}: line {}: contains a NUL byte; orc reads text",
                line_at(at)
            ),
            "remove it, or check that this is the file you meant",
        ));
    }
    match std::str::from_utf8(&bytes) {
        Ok(_) => Ok(String::from_utf8(bytes).expect("checked")),
        Err(e) => Err(crate::Error::invalid_with_hint(
            format!(
                "{shown}: line {}: not valid UTF-8 (byte {})",
                line_at(e.valid_up_to()),
                e.valid_up_to()
            ),
            "save the file as UTF-8 text",
        )),
    }
}

/// Paths from the command line as UTF-8 text (what manifests and task files hold); a
/// name that is not UTF-8 is refused with exit code 1 rather than clap's usage error.
pub(crate) fn utf8_paths(paths: Vec<PathBuf>) -> Result<Vec<String>> {
    paths
        .into_iter()
        .map(|p| {
            p.into_os_string().into_string().map_err(|raw| {
                crate::Error::invalid_with_hint(
                    format!(
                        "path {:?} is not valid UTF-8, so orc cannot record it; nothing was recorded",
                        std::path::Path::new(&raw)
                    ),
                    "rename the file to a UTF-8 name",
                )
            })
        })
        .collect()
}

/// Entry point used by `main`: parse, run, print errors, return the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    if let Command::Mcp(args) = cli.command {
        // The server owns stdout; it must not be locked here.
        let (remote, local) = (cli.claims_remote, cli.local);
        return match mcp::run(args, cli.directory, cli.agent, cli.no_commit, remote, local) {
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
