//! The command line: clap definitions and rendering of service results as text or JSON.
//!
//! A command's code is found from its name in one hop:
//!
//! - `orc <command>` lives in `<command>.rs` (`orc status` in `status.rs`, `orc
//!   merge-driver` in `merge_driver.rs`), with its argument struct and a `run` function
//!   that calls `service` and renders the result.
//! - A group with subcommands, `orc <group> <verb>`, lives in `<group>.rs` when it is
//!   small (`session`, `files`, `stream`, `maintenance`, `msg`, `import`, `hooks`), or
//!   in the folder `<group>/` with `mod.rs` (the subcommand enum, the dispatch and what
//!   several verbs share) and one `<verb>.rs` per subcommand (`task/`, `decision/`).
//! - Here: the `Cli` and `Command` definitions, the dispatch, the error report and the
//!   additions to the clap tree (`--no-commit`, examples from `examples.rs`, completers
//!   from `complete.rs`).
//! - Shared by several commands: `render.rs` (task lines, stream-queue lines, decision
//!   lines, status changes), `output.rs` (text or JSON on stdout), `style.rs` (colour),
//!   `words.rs` (how errors read on the command line), `progress.rs`, `editor.rs`.
//!
//! Nothing here touches git.

/// `eprintln!` for human messages on stderr: ids, status words and a leading `error:`,
/// `warning:`, `note:` or `hint:` styled when stderr takes styles (see [`style`]).
macro_rules! say {
    ($($arg:tt)*) => {
        anstream::eprintln!("{}", $crate::cli::style::highlight(&format!($($arg)*)))
    };
}

mod block;
mod board;
mod brief;
mod check;
mod claims;
mod complete;
mod completions;
mod decision;
mod done;
mod editor;
mod examples;
mod files;
mod graph;
mod hooks;
mod import;
mod init;
mod log;
mod maintenance;
mod man;
mod mcp;
mod merge_driver;
mod msg;
mod next;
mod output;
mod plan;
mod progress;
mod ready;
mod recover;
mod release;
mod render;
mod reopen;
mod reservations;
mod reserve;
mod roles;
mod search;
mod serve;
mod session;
mod show;
mod start;
mod status;
mod stream;
pub mod style;
mod synthesize;
mod task;
mod words;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{FromArgMatches, Parser, Subcommand};

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

    /// Write files but do not commit them (overrides `commit` in config.toml); also
    /// accepted after any command that changes files.
    #[arg(long)]
    pub no_commit: bool,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour output: auto (on a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE=1 colours pipes too), always or never. JSON is never coloured.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        value_name = "WHEN",
        overrides_with = "color"
    )]
    pub color: style::ColorWhen,

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
    /// Tasks in columns by status: to do, in progress (who and for how long), blocked
    /// (why), needs revision, done in the last 7 days.
    ///
    /// Columns sit side by side in bands of as many as the terminal's width (or
    /// `COLUMNS`) holds; long titles are cut with `…`. Each column shows its first 10
    /// cards and how many more there are. `--json` gives the same columns.
    Board(board::BoardArgs),
    /// Draw the task tree and dependencies, or the decisions, as Mermaid or Graphviz DOT.
    ///
    /// Nodes show id, title and status (and who holds a task in progress); solid arrows
    /// go from a parent to its subtasks, dashed ones from a task to what it depends on.
    /// Mermaid renders on GitHub and GitLab inside a ```mermaid block; DOT goes to
    /// Graphviz: `orc graph --format dot | dot -Tsvg > tasks.svg`.
    Graph(graph::GraphArgs),
    /// Pending tasks whose dependencies are all completed, most urgent first (priority,
    /// then age, then plan order).
    Ready(ready::ReadyArgs),
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
    Next(next::NextArgs),
    /// Live and expired claims of every worktree of this clone and, with a claims
    /// remote, of every clone that publishes there (fetched first; --local does not).
    Claims,
    /// Validate every file under `.orchestrator/`; exits 1 when anything is wrong.
    Check,
    /// Messages between agents: send, inbox, read, ack, prune (kept outside branches;
    /// nothing is committed).
    #[command(subcommand)]
    Msg(msg::MsgCommand),
    /// Reserve files for a while: others see it, and an overlapping exclusive
    /// reservation by someone else is refused.
    ///
    /// Reservations are leased like claims and kept in a ref outside branches that every
    /// worktree shares (and, with a claims remote, on the remote first), so of two
    /// overlapping exclusive reservations made at once exactly one is taken. With the
    /// pre-commit hook installed (`orc hooks install --pre-commit`), a commit of files
    /// another live agent reserved exclusively is refused.
    Reserve(reserve::ReserveArgs),
    /// Give back this agent's reservations here: the patterns named, or all of them.
    Release(release::ReleaseArgs),
    /// Live file reservations of every worktree (and, with a claims remote, every clone).
    Reservations,
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
    Start(start::StartArgs),
    /// Print the specialist's brief of a task exactly as `orc start` does, without
    /// claiming or changing anything.
    ///
    /// For reading what a task needs before taking it, and for an agent that resumes a
    /// task it already has in progress. `--json` gives the brief as data.
    Brief {
        /// Task id or a unique prefix of it.
        id: String,
    },
    /// Record the result of a task in progress and complete it; reports what became ready.
    Done(done::DoneArgs),
    /// Block a task, recording why.
    Block {
        /// Task id or a unique prefix of it.
        id: String,
        /// What it is waiting for.
        #[arg(long)]
        reason: String,
    },
    /// Open a closed task again: back to pending, or to needs_revision.
    Reopen(reopen::ReopenArgs),
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
    Hooks(hooks::HooksCommand),
    /// The merge driver git runs for `.orchestrator/` TOML and decision files (see `orc hooks install`).
    #[command(hide = true)]
    MergeDriver(merge_driver::MergeDriverArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// Example: `orc completions bash > ~/.local/share/bash-completion/completions/orc`.
    Completions {
        /// The shell to print the script for.
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
    Log(log::LogArgs),
    Search(search::SearchArgs),
    /// Show a task or a decision; with --history, every committed version of it.
    Show(show::ShowArgs),
    /// A briefing to resume work cold: last session and handoff, what changed since,
    /// open work, decisions, files that no longer verify, and next actions.
    Recover(recover::RecoverArgs),
    /// A local, read-only web page: the board, each task's detail and history, the
    /// decisions, the task graph and the orc log; it updates itself when the repository
    /// changes.
    ///
    /// Listens on 127.0.0.1 (port 8420 unless --port) and prints the address. Every page
    /// reads the current state; the page asks for the repository's revision every two
    /// seconds and refreshes itself when it changed (a commit, a pull, a file written
    /// without a commit). Read-only and without authentication: other addresses need
    /// --bind and --allow-remote. Stop it with Ctrl-C.
    Serve(serve::ServeArgs),
    /// Serve the Model Context Protocol on stdin/stdout, for AI agents (docs/mcp.md).
    Mcp(mcp::McpArgs),
    #[command(subcommand)]
    Import(import::ImportCommand),
}

/// Runs a parsed command line, writing results to `out`.
pub fn run(cli: Cli, out: &mut Output) -> Result<()> {
    // Commands that must work without (or must not fail on) opening the repository.
    match &cli.command {
        Command::MergeDriver(args) => {
            out.set_json(cli.json);
            return merge_driver::run(args, out);
        }
        Command::Hooks(hooks::HooksCommand::Run(args)) => return hooks::hook_run(&cli, args, out),
        Command::Completions { shell } => return completions::run(*shell, out),
        Command::Man { dir } => return man::run(dir.as_deref(), out),
        _ => {}
    }
    let (orc, start) = open(&cli)?;
    for notice in orc.notices() {
        say!("note: {notice}");
    }
    out.set_json(cli.json);
    out.problems = Some(orc.problems());
    let lists_problems = matches!(cli.command, Command::Check);
    let result = dispatch(&orc, cli.command, &start, out);
    let problems = orc.take_problems();
    // A command that failed on an unreadable file already named it in its error.
    if result.is_ok() && !lists_problems {
        out.warn_unreadable(&problems);
    }
    result
}

/// Opens the repository `-C` names (or the current directory's) with the context the
/// global flags set; the directory is also where relative paths given to orc start.
fn open(cli: &Cli) -> Result<(Orc, PathBuf)> {
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
    ctx.words = &words::CLI;
    if cli.agent.is_some() {
        ctx.agent = cli.agent.clone();
    }
    if cli.claims_remote.is_some() {
        ctx.claims_remote = cli.claims_remote.clone();
    }
    ctx.local_claims |= cli.local;
    Ok((Orc::open(&start, ctx)?, start))
}

/// Hands a command that needs the repository to its file.
fn dispatch(orc: &Orc, command: Command, start: &Path, out: &mut Output) -> Result<()> {
    match command {
        Command::Init { example } => init::run(orc, example, out),
        Command::Task(cmd) => task::run(orc, cmd, out),
        Command::Status { limit, all } => status::run(orc, (!all).then_some(limit), out),
        Command::Board(args) => board::run(orc, args, out),
        Command::Graph(args) => graph::run(orc, args, out),
        Command::Ready(args) => ready::run(orc, args, out),
        Command::Next(args) => next::run(orc, args, out),
        Command::Claims => claims::run(orc, out),
        Command::Check => check::run(orc, out),
        Command::Msg(cmd) => msg::run(orc, cmd, out),
        Command::Reserve(a) => reserve::run(orc, a, out),
        Command::Release(a) => release::run(orc, a, out),
        Command::Reservations => reservations::run(orc, out),
        Command::Session(cmd) => session::run(orc, cmd, out),
        Command::Roles { name } => roles::run(orc, name, out),
        Command::Plan(args) => plan::run(orc, args, out),
        Command::Start(args) => start::run(orc, args, out),
        Command::Brief { id } => brief::run(orc, &id, out),
        Command::Done(args) => done::run(orc, args, out),
        Command::Block { id, reason } => block::run(orc, &id, &reason, out),
        Command::Reopen(args) => reopen::run(orc, args, out),
        Command::Synthesize { id } => synthesize::run(orc, &id, out),
        Command::Stream(cmd) => stream::run(orc, cmd, out),
        Command::Maintenance(cmd) => maintenance::run(orc, cmd, out),
        Command::Hooks(cmd) => hooks::run(orc, cmd, out),
        Command::MergeDriver(_) | Command::Completions { .. } | Command::Man { .. } => {
            unreachable!("dispatched before opening the repository")
        }
        Command::Decision(cmd) => decision::run(orc, cmd, out),
        Command::Files(cmd) => files::run(orc, cmd, start, out),
        Command::Log(a) => log::run(orc, a, out),
        Command::Search(a) => search::run(orc, a, out),
        Command::Show(a) => show::run(orc, a, out),
        Command::Recover(a) => recover::run(orc, a, out),
        Command::Import(cmd) => import::run(orc, cmd, out),
        Command::Serve(args) => serve::run(orc.store().workdir(), args, out),
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
    complete::answer_if_asked();
    // Known before parsing, so that a usage error can be answered in JSON too.
    let json = std::env::args_os().any(|a| a == "--json");
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if json && e.use_stderr() => {
            let rendered = e.render().to_string();
            let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
            let message = lines.next().unwrap_or_default();
            let message = message.strip_prefix("error: ").unwrap_or(message);
            let hint = lines
                .map(str::trim)
                .find(|l| l.starts_with("tip: ") || l.starts_with("For more information"))
                .map(|l| l.strip_prefix("tip: ").unwrap_or(l));
            print_json_error("usage", message, hint);
            return EXIT_USAGE;
        }
        Err(e) => e.exit(),
    };
    cli.no_commit |= no_commit_given(&matches);
    if let Command::Mcp(args) = cli.command {
        // The server owns stdout; it must not be locked here.
        let (remote, local) = (cli.claims_remote, cli.local);
        return match mcp::run(args, cli.directory, cli.agent, cli.no_commit, remote, local) {
            Ok(()) => 0,
            Err(e) => report_error(&e, false),
        };
    }
    anstream::ColorChoice::write_global(cli.color.choice());
    let mut out = Output::stdout(cli.color, cli.json);
    let result = run(cli, &mut out);
    let _ = out.flush();
    match result {
        Ok(()) => out.exit_code,
        Err(e) => report_error(&e, json),
    }
}

/// Exit code of a command that failed (docs/json.md).
const EXIT_ERROR: i32 = 1;
/// Exit code of a command line that does not parse (clap's, for every usage error).
const EXIT_USAGE: i32 = 2;

/// Prints an error and its hint — to stderr, or with `--json` as JSON on stdout — and
/// returns the exit code for it.
fn report_error(e: &crate::Error, json: bool) -> i32 {
    let (message, hint) = (words::message(e), words::hint(e));
    if json {
        print_json_error(e.code(), &message, hint.as_deref());
        return EXIT_ERROR;
    }
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{}", style::highlight(&format!("error: {message}")));
    if let Some(hint) = hint {
        let _ = writeln!(err, "{}", style::highlight(&format!("hint: {hint}")));
    }
    EXIT_ERROR
}

/// `{"version": 1, "error": {"code", "message", "hint"}}` on stdout.
fn print_json_error(code: &str, message: &str, hint: Option<&str>) {
    let mut error = serde_json::json!({ "code": code, "message": message });
    if let Some(h) = hint {
        error["hint"] = h.into();
    }
    let value = serde_json::json!({ "version": output::JSON_VERSION, "error": error });
    let _ = writeln!(std::io::stdout(), "{value}");
}

/// Commands that only read, or change nothing but refs outside branches (messages,
/// reservations): they do not take `--no-commit`.
const READ_ONLY: &[&str] = &[
    "status",
    "brief",
    "board",
    "graph",
    "serve",
    "ready",
    "claims",
    "check",
    "roles",
    "log",
    "show",
    "recover",
    "search",
    "completions",
    "man",
    "merge-driver",
    "task list",
    "task show",
    "task commits",
    "decision list",
    "decision show",
    "decision search",
    "files verify",
    "files log",
    "stream list",
    "stream show",
    "maintenance scan",
    "maintenance validate",
    "session show",
    "session list",
    "hooks status",
    "hooks run",
    "msg send",
    "msg inbox",
    "msg read",
    "msg ack",
    "msg prune",
    "reserve",
    "release",
    "reservations",
];

/// The id of `--no-commit` on the commands that change files.
const NO_COMMIT: &str = "no_commit";

/// The whole command line: the derived definitions plus, on every command that changes
/// files, `--no-commit`, on every command an example at the end of its `--help`, and the
/// completers of task ids and decision numbers.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let mut cmd = with_no_commit(cmd, "");
    for (path, example) in examples::EXAMPLES {
        cmd = at_path(cmd, path, &|c| {
            c.after_long_help(format!("Example: `{example}`"))
        });
    }
    complete::attach(cmd)
}

fn with_no_commit(mut cmd: clap::Command, path: &str) -> clap::Command {
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    if subs.is_empty() {
        if !path.is_empty() && !READ_ONLY.contains(&path) {
            cmd = cmd.arg(
                clap::Arg::new(NO_COMMIT)
                    .long("no-commit")
                    .action(clap::ArgAction::SetTrue)
                    .help("Write files but do not commit them (overrides `commit` in config.toml)"),
            );
        }
        return cmd;
    }
    for name in subs {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |sub| with_no_commit(sub, &sub_path));
    }
    cmd
}

/// Whether `--no-commit` was given, before the command or after it.
fn no_commit_given(matches: &clap::ArgMatches) -> bool {
    let mut m = matches;
    loop {
        if let Ok(Some(true)) = m.try_get_one::<bool>(NO_COMMIT) {
            return true;
        }
        match m.subcommand() {
            Some((_, sub)) => m = sub,
            None => return false,
        }
    }
}

/// Applies `f` to the subcommand at `path` (`task add`).
fn at_path(
    cmd: clap::Command,
    path: &str,
    f: &dyn Fn(clap::Command) -> clap::Command,
) -> clap::Command {
    match path.split_once(' ') {
        Some((first, rest)) => cmd.mut_subcommand(first, |sub| at_path(sub, rest, f)),
        None => cmd.mut_subcommand(path, f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command reachable from `orc`, with its path (`task add`).
    fn leaves(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        let subs: Vec<_> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push((path.clone(), cmd.clone()));
        }
        for sub in subs {
            let p = if path.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{} {}", path, sub.get_name())
            };
            leaves(sub, p, out);
        }
    }

    fn all_leaves() -> Vec<(String, clap::Command)> {
        let mut out = Vec::new();
        leaves(&command(), String::new(), &mut out);
        assert!(out.len() > 40, "found {} commands", out.len());
        out
    }

    #[test]
    fn read_only_commands_do_not_offer_no_commit_and_mutating_ones_do() {
        for (path, cmd) in all_leaves() {
            let offered = cmd.get_arguments().any(|a| a.get_id() == NO_COMMIT);
            let read_only = READ_ONLY.contains(&path.as_str());
            assert_eq!(offered, !read_only, "`orc {path}` offers --no-commit");
        }
        for (line, expected) in [
            (&["orc", "--no-commit", "task", "add", "x"][..], true),
            (&["orc", "task", "add", "x", "--no-commit"][..], true),
            (&["orc", "task", "add", "x"][..], false),
        ] {
            let m = command().try_get_matches_from(line).unwrap();
            assert_eq!(no_commit_given(&m), expected, "{line:?}");
        }
        assert!(
            command()
                .try_get_matches_from(["orc", "status", "--no-commit"])
                .is_err()
        );
        for path in READ_ONLY {
            assert!(
                all_leaves().iter().any(|(p, _)| p == path),
                "READ_ONLY names `{path}`, which is not a command"
            );
        }
    }

    #[test]
    fn added_help_and_completers_keep_the_order_of_positional_arguments() {
        use clap::CommandFactory;
        let mut derived = Vec::new();
        leaves(&Cli::command(), String::new(), &mut derived);
        let positionals = |cmd: &clap::Command| -> Vec<String> {
            let mut cmd = cmd.clone();
            cmd.build();
            let mut args: Vec<&clap::Arg> = cmd.get_positionals().collect();
            args.sort_by_key(|a| a.get_index());
            args.iter().map(|a| a.get_id().to_string()).collect()
        };
        let ours = all_leaves();
        assert_eq!(ours.len(), derived.len());
        for (path, theirs) in &derived {
            let (_, ours) = ours.iter().find(|(p, _)| p == path).expect("same commands");
            assert_eq!(positionals(ours), positionals(theirs), "orc {path}");
        }
    }

    #[test]
    fn every_positional_argument_has_help() {
        let mut missing = Vec::new();
        for (path, cmd) in all_leaves() {
            for arg in cmd.get_positionals() {
                if arg.get_help().is_none() {
                    missing.push(format!("orc {path} <{}>", arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }

    #[test]
    fn every_command_help_shows_an_example() {
        let mut missing = Vec::new();
        for (path, mut cmd) in all_leaves() {
            let help = cmd.render_long_help().to_string();
            if !cmd.is_hide_set() && !help.contains("Example: `orc ") {
                missing.push(format!("orc {path}"));
            }
        }
        assert!(
            missing.is_empty(),
            "commands whose --help shows no example: {missing:#?}"
        );
    }

    /// Words of a command line as a POSIX shell splits them (quotes only).
    fn shell_words(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word: Option<String> = None;
        let mut quote = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.get_or_insert_default().push(c),
                (None, '"' | '\'') => {
                    quote = Some(c);
                    word.get_or_insert_default();
                }
                (None, ' ') => words.extend(word.take()),
                (None, c) => word.get_or_insert_default().push(c),
            }
        }
        words.extend(word);
        words
    }

    #[test]
    fn every_example_parses() {
        for (path, example) in examples::EXAMPLES {
            let words = shell_words(example);
            assert_eq!(words[0], "orc");
            assert!(
                example.starts_with(&format!("orc {path}")),
                "the example for `orc {path}` runs another command: {example}"
            );
            if let Err(e) = command().try_get_matches_from(&words) {
                panic!("example `{example}` does not parse: {e}");
            }
        }
    }
}
