//! `orc hooks install|uninstall|status|run`: orc's git hooks and the registration of its
//! merge driver. Hook runs never fail a commit because of orc's own errors.

use clap::{Args, Subcommand, ValueEnum};

use super::{Cli, Output};
use crate::error::Result;
use crate::service::{Context, Hook, HookOwner, HookStatus, HooksReport, InstallOptions, Orc};

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Install the commit-msg hook (and optional ones), register the merge driver in
    /// git config and route `.orchestrator/` TOML and decision files to it in
    /// `.gitattributes`.
    ///
    /// Run it once in every clone for the hooks: git never copies hooks or config (any
    /// orc command registers the merge driver by itself when `.gitattributes` names it).
    /// An existing hook is kept as `<hook>.orc-user` and run first (chained). Hooks go
    /// to `core.hooksPath` when it is set.
    Install(InstallArgs),
    /// Remove orc's hooks, restore the hooks they replaced and unregister the merge driver
    /// (later orc commands leave it unregistered until `orc hooks install`).
    Uninstall,
    /// Show which hooks are installed, whether they chain a hook of yours, and whether
    /// the merge driver is registered and its program runs.
    Status,
    /// Run a hook's logic (called by the installed scripts).
    #[command(hide = true)]
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Replace an existing hook instead of chaining it; it is kept as `<hook>.orc-user`
    /// but no longer runs (`orc hooks uninstall` restores it).
    #[arg(long)]
    pub force: bool,
    /// Also install a pre-commit hook that runs `orc check` on the staged
    /// `.orchestrator/` files and blocks a commit of broken files, or of files another
    /// live agent reserved exclusively (`orc reserve`; override with
    /// ORC_IGNORE_RESERVATIONS=1).
    #[arg(long)]
    pub pre_commit: bool,
    /// Also install a post-commit hook that says which task a commit was linked to.
    #[arg(long)]
    pub post_commit: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HookArg {
    CommitMsg,
    PreCommit,
    PostCommit,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The hook git is running.
    pub hook: HookArg,
    /// The arguments git passed to the hook.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(orc: &Orc, cmd: HooksCommand, out: &mut Output) -> Result<()> {
    match cmd {
        HooksCommand::Install(a) => {
            let outcome = orc.hooks_install(InstallOptions {
                force: a.force,
                pre_commit: a.pre_commit,
                post_commit: a.post_commit,
            })?;
            out.commit_note(&outcome);
            out.emit(None, &outcome, |out| {
                render(&outcome.value, out);
                if let Some(c) = &outcome.commit {
                    out.line(format!(
                        "committed .gitattributes ({})",
                        crate::render::short_id(c)
                    ));
                }
            });
        }
        HooksCommand::Uninstall => {
            let report = orc.hooks_uninstall()?;
            out.emit(None, &report, |out| {
                render(&report, out);
            });
        }
        HooksCommand::Status => {
            let report = orc.hooks_status()?;
            out.emit(None, &report, |out| {
                render(&report, out);
            });
        }
        HooksCommand::Run(_) => unreachable!("hook runs are dispatched before opening the repo"),
    }
    Ok(())
}

fn hook_line(h: &HookStatus) -> String {
    let state = match h.owner {
        HookOwner::Missing => "not installed".to_owned(),
        HookOwner::Other => "your own hook (not orc's)".to_owned(),
        HookOwner::Orc if h.runs_user_hook => {
            let user = h.user_hook.as_ref().map(|p| p.display().to_string());
            format!("orc, runs your {} first", user.unwrap_or_default())
        }
        HookOwner::Orc => match &h.user_hook {
            Some(u) => format!("orc (your hook is kept, not run: {})", u.display()),
            None => "orc".to_owned(),
        },
    };
    match &h.action {
        Some(a) => format!("  {:<12} {state}\n  {:<12} -> {a}", h.hook.name(), ""),
        None => format!("  {:<12} {state}", h.hook.name()),
    }
}

fn render(r: &HooksReport, out: &mut Output) {
    out.line(format!("hooks directory: {}", r.hooks_dir.display()));
    for h in &r.hooks {
        out.line(hook_line(h));
    }
    match (&r.merge_driver, &r.merge_driver_broken) {
        (Some(cmd), Some(why)) => out.line(format!(
            "merge driver: broken ({cmd}): {why} (run `orc hooks install`)"
        )),
        (Some(cmd), None) => out.line(format!("merge driver: registered ({cmd})")),
        (None, _) => out.line("merge driver: not registered (run `orc hooks install`)"),
    }
    if r.attributes {
        out.line(format!(
            ".gitattributes: {} and {}",
            crate::service::ATTRIBUTE_LINE,
            crate::service::DECISION_ATTRIBUTE_LINE
        ));
    } else {
        out.line(".gitattributes: no orc line (run `orc hooks install`)");
    }
}

/// `orc hooks run <hook>`: what the installed scripts call. orc's own failures are
/// warnings and exit 0; only the pre-commit check exits 1, for broken files or files
/// reserved exclusively by another agent.
pub fn hook_run(cli: &Cli, args: &RunArgs, out: &mut Output) -> Result<()> {
    let hook = match args.hook {
        HookArg::CommitMsg => Hook::CommitMsg,
        HookArg::PreCommit => Hook::PreCommit,
        HookArg::PostCommit => Hook::PostCommit,
    };
    let result = (|| -> Result<()> {
        let start = match &cli.directory {
            Some(d) => d.clone(),
            None => std::env::current_dir().map_err(|e| crate::Error::io(".", e))?,
        };
        let mut ctx = Context::from_env()?;
        ctx.words = &super::words::CLI;
        if cli.agent.is_some() {
            ctx.agent = cli.agent.clone();
        }
        let orc = Orc::open(&start, ctx)?;
        match hook {
            Hook::CommitMsg => {
                let Some(file) = args.args.first() else {
                    return Err(crate::Error::invalid("commit-msg needs the message file"));
                };
                orc.hook_commit_msg(std::path::Path::new(file))?;
            }
            Hook::PreCommit => {
                let ignore = std::env::var("ORC_IGNORE_RESERVATIONS")
                    .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
                let reserved = if ignore {
                    Vec::new()
                } else {
                    orc.reserved_in_commit()?
                };
                if !reserved.is_empty() {
                    say!(
                        "orc: the commit changes files another agent reserved exclusively; commit refused:"
                    );
                    for r in &reserved {
                        say!("  {}: reserved by {}", r.path, r.holder);
                    }
                    say!(
                        "hint: ask the holder to `orc release` them (`orc msg send` reaches them) or wait for the lease to run out; to commit anyway, run the commit with ORC_IGNORE_RESERVATIONS=1 (or git commit --no-verify)"
                    );
                    out.exit_code = 1;
                    return Ok(());
                }
                if let Some(report) = orc.hook_pre_commit()?
                    && !report.ok()
                {
                    say!("orc: the staged .orchestrator/ files are broken; commit refused:");
                    for p in &report.problems {
                        let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                        say!("  {}{line}: {}: {}", p.path, p.kind, p.message);
                    }
                    say!("hint: fix them and `git add` again, or commit with --no-verify");
                    out.exit_code = 1;
                }
            }
            Hook::PostCommit => {
                if let Some(task) = orc.hook_post_commit()? {
                    say!(
                        "orc: commit linked to {task}; its files count as the task's file operations"
                    );
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        say!("orc {} hook: warning: {e}; skipped", hook.name());
    }
    Ok(())
}
