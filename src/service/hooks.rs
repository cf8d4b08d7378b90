//! Git integration use cases: install, remove and inspect orc's git hooks, register the
//! merge driver, and what each hook does when git runs it.
//!
//! Hooks are tiny shell scripts that call `orc hooks run <name>`, so the logic is here
//! and testable. Not here: the merge rules (`format::merge`) and git plumbing (`store`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{CONFIG_PATH, CheckReport, Orc, Outcome, TASKS_DIR, read_task_file};
use crate::error::{Reason, Result};
use crate::format::{self, trailers};
use crate::model::{CommitMode, Status, Task, TaskId};
use crate::store::{self, FileChange, Store};

/// The file that tells git which merge driver handles which paths.
pub const GITATTRIBUTES: &str = ".gitattributes";
/// The lines orc adds to `.gitattributes`: TOML files and decision records go through
/// orc's merge driver; other Markdown (role overrides) keeps git's line merge.
pub const ATTRIBUTE_LINE: &str = ".orchestrator/**/*.toml merge=orc";
pub const DECISION_ATTRIBUTE_LINE: &str = ".orchestrator/**/decisions/*.md merge=orc";
const ATTRIBUTE_LINES: [&str; 2] = [ATTRIBUTE_LINE, DECISION_ATTRIBUTE_LINE];
/// Commit trailer linking a commit to a task.
pub const TASK_TRAILER: &str = "Orc-Task";
/// Commit trailer on orc's own commits.
pub const OP_TRAILER: &str = "Orc-Op";

/// First line after the shebang of every script orc installs.
/// Local file (in the git dir) naming the task each agent last started in this clone.
const CURRENT_FILE: &str = "current-task.toml";

/// Local marker left by `orc hooks uninstall`: commands then leave the merge driver
/// unregistered although `.gitattributes` names it.
const DRIVER_OFF_FILE: &str = "merge-driver-off";

const MARKER: &str = "# orc-hook:";
/// How an installed script treats the hook it replaced.
const USER_MARKER: &str = "# orc-user-hook:";
/// Suffix under which a replaced hook is kept (and restored by uninstall).
const USER_SUFFIX: &str = ".orc-user";

/// The hooks orc can install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hook {
    /// Adds `Orc-Task: <id>` to commit messages. Always installed.
    CommitMsg,
    /// Runs `orc check` on the staged `.orchestrator/` files (opt-in).
    PreCommit,
    /// Says which task a commit was linked to (opt-in).
    PostCommit,
}

impl Hook {
    pub const ALL: [Hook; 3] = [Hook::CommitMsg, Hook::PreCommit, Hook::PostCommit];

    pub fn name(self) -> &'static str {
        match self {
            Hook::CommitMsg => "commit-msg",
            Hook::PreCommit => "pre-commit",
            Hook::PostCommit => "post-commit",
        }
    }
}

/// What to install.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstallOptions {
    /// Replace an existing hook instead of chaining it: it is kept as `<hook>.orc-user`
    /// but no longer runs (uninstall restores it).
    pub force: bool,
    pub pre_commit: bool,
    pub post_commit: bool,
}

/// Who owns a hook file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookOwner {
    Missing,
    Orc,
    /// A hook orc did not write.
    Other,
}

/// One hook as found (or left) by a hooks command.
#[derive(Debug, Clone, Serialize)]
pub struct HookStatus {
    pub hook: Hook,
    pub path: PathBuf,
    pub owner: HookOwner,
    /// The user's hook that orc's script replaced, kept beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_hook: Option<PathBuf>,
    /// Whether orc's script runs that user hook (first) on every call.
    pub runs_user_hook: bool,
    /// What the command did, in words; absent when it did nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// The state of orc's git integration in this clone.
#[derive(Debug, Clone, Serialize)]
pub struct HooksReport {
    pub hooks_dir: PathBuf,
    pub hooks: Vec<HookStatus>,
    /// `merge.orc.driver` from the repository config, when registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_driver: Option<String>,
    /// Why the registered driver cannot run (its program is missing), when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_driver_broken: Option<String>,
    /// `.gitattributes` routes `.orchestrator/` TOML and decision files to the driver.
    pub attributes: bool,
}

/// A commit linked to a task by its `Orc-Task` trailer (not one of orc's own), with
/// the files it changed outside `.orchestrator/`: the task's file operations as
/// recorded by history.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedCommit {
    pub commit: String,
    pub summary: String,
    pub time: jiff::Timestamp,
    pub files: Vec<LinkedFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkedFile {
    pub path: String,
    pub change: FileChange,
}

/// What the merge driver did with one file.
#[derive(Debug, Clone, Serialize)]
pub struct DriverReport {
    pub path: String,
    /// `fields` (orc's merge) or `lines` (git's line merge, the fallback).
    pub method: &'static str,
    /// Why the field merge was not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    /// True when the result needs no human attention.
    pub clean: bool,
    /// Conflicts written into the file (field merge only).
    pub conflicts: Vec<String>,
}

/// The hooks an install writes: commit-msg always, the others when asked for.
fn wanted_hooks(opts: InstallOptions) -> Vec<Hook> {
    let mut wanted = vec![Hook::CommitMsg];
    if opts.pre_commit {
        wanted.push(Hook::PreCommit);
    }
    if opts.post_commit {
        wanted.push(Hook::PostCommit);
    }
    wanted
}

/// Refuses an install that would rename a team's hook in a shared hooks directory, or
/// replace a user's hook when one is already kept beside it.
fn refuse_hooks_in_the_way(found: &[HookStatus], shared: bool, dir: &Path) -> Result<()> {
    if shared && let Some(st) = found.iter().find(|st| st.owner == HookOwner::Other) {
        return Err(Reason::SharedHook {
            path: st.path.clone(),
            dir: dir.to_path_buf(),
            hook: st.hook.name().to_owned(),
        }
        .into());
    }
    if let Some(st) = found
        .iter()
        .find(|st| st.owner == HookOwner::Other && st.user_hook.is_some())
    {
        return Err(Reason::HookInTheWay {
            path: st.path.clone(),
            user: user_path(&st.path),
        }
        .into());
    }
    Ok(())
}

/// Writes orc's script for one hook (when it differs), moving a user's hook aside first;
/// returns the hook as left.
fn install_hook(mut st: HookStatus, force: bool, exe: &str) -> Result<HookStatus> {
    let user = user_path(&st.path);
    let (run_user, action) = match st.owner {
        HookOwner::Other => {
            store::rename_hook(&st.path, &user)?;
            st.user_hook = Some(user.clone());
            if force {
                (
                    false,
                    format!(
                        "installed; your hook was moved to {} and no longer runs (uninstall restores it)",
                        user.display()
                    ),
                )
            } else {
                (
                    true,
                    format!(
                        "installed; your existing hook is kept as {} and runs first",
                        user.display()
                    ),
                )
            }
        }
        HookOwner::Orc => (st.runs_user_hook && !force, "updated".to_owned()),
        HookOwner::Missing => (st.user_hook.is_some() && !force, "installed".to_owned()),
    };
    let text = script(st.hook, run_user, exe);
    let current = store::read_file(&st.path)?;
    if current.as_deref() != Some(text.as_bytes()) {
        store::write_hook(&st.path, &text)?;
        st.action = Some(action);
    }
    st.owner = HookOwner::Orc;
    st.runs_user_hook = run_user;
    Ok(st)
}

fn user_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(USER_SUFFIX);
    PathBuf::from(s)
}

fn is_orc_script(text: &str) -> bool {
    text.lines().take(3).any(|l| l.starts_with(MARKER))
}

fn runs_user_hook(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim() == format!("{USER_MARKER} run"))
}

/// Quotes a string for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The path of the running orc binary, which hooks and the merge driver call.
fn orc_exe() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| "orc".to_owned())
}

/// The script for `hook`. `run_user` makes it run `<hook>.orc-user` first.
fn script(hook: Hook, run_user: bool, exe: &str) -> String {
    let name = hook.name();
    let user = if run_user { "run" } else { "skip" };
    let chain = if run_user {
        format!(
            "if [ -x \"$hook_dir/{name}{USER_SUFFIX}\" ]; then\n    \"$hook_dir/{name}{USER_SUFFIX}\" \"$@\" || exit $?\nfi\n"
        )
    } else {
        String::new()
    };
    // Only the opt-in check may stop a commit, and only when orc says the files are
    // broken (exit 1); orc's own failures (exit 2+, a crash, no binary) never do.
    let tail = if hook == Hook::PreCommit {
        format!("\"$orc\" hooks run {name} \"$@\" || {{ [ $? -eq 1 ] && exit 1; }}\nexit 0\n")
    } else {
        format!("\"$orc\" hooks run {name} \"$@\"\nexit 0\n")
    };
    format!(
        "#!/bin/sh\n\
         {MARKER} {name}\n\
         {USER_MARKER} {user}\n\
         # Installed by `orc hooks install`; `orc hooks uninstall` removes it and restores\n\
         # the hook it replaced. The work happens in `orc hooks run {name}`.\n\
         hook_dir=$(dirname \"$0\")\n\
         {chain}\
         orc={exe}\n\
         [ -x \"$orc\" ] || orc=orc\n\
         command -v \"$orc\" >/dev/null 2>&1 || {{ echo \"orc hook: orc not found; skipping {name}\" >&2; exit 0; }}\n\
         {tail}",
        exe = sh_quote(exe),
    )
}

/// The command git runs for the merge driver.
fn driver_command(exe: &str) -> String {
    format!("{} merge-driver %O %A %B %P", sh_quote(exe))
}

/// `.gitattributes` text with orc's lines added; `None` when they are all there.
pub fn with_attribute_line(current: Option<&str>) -> Option<String> {
    let current = current.unwrap_or("");
    let missing: Vec<&str> = ATTRIBUTE_LINES
        .into_iter()
        .filter(|line| !current.lines().any(|l| l.trim() == *line))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut out = current.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for line in missing {
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

/// The program a driver command runs: its first shell word, unquoted.
fn driver_program(command: &str) -> String {
    let command = command.trim_start();
    let mut out = String::new();
    let mut chars = command.chars();
    let mut quoted = false;
    for c in chars.by_ref() {
        match c {
            '\'' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => break,
            c => out.push(c),
        }
    }
    out
}

/// Why a registered driver command cannot run, or `None` when its program exists.
fn driver_broken(command: &str) -> Option<String> {
    let program = driver_program(command);
    (!store::program_runs(&program))
        .then(|| format!("its program {program:?} does not exist or is not executable"))
}

/// Registers the merge driver in the repository's git config (never cloned, so every
/// clone runs this once: `orc hooks install`, `orc init`, or any command in a clone whose
/// `.gitattributes` names the driver). Returns true when the config changed.
pub(super) fn register_driver(store: &Store) -> Result<bool> {
    let wanted = driver_command(&orc_exe());
    if store.config_string("merge.orc.driver").as_deref() == Some(wanted.as_str()) {
        return Ok(false);
    }
    store.set_local_config(
        "merge.orc.name",
        "orc: field-level merge of .orchestrator/ files",
    )?;
    store.set_local_config("merge.orc.driver", &wanted)?;
    Ok(true)
}

/// In a clone whose `.gitattributes` names orc's merge driver but whose local git config
/// lacks it (git keeps config out of clones), registers the driver. Returns what the user
/// should hear: the registration, or that a registered driver cannot run. Never fails
/// the command it runs in.
pub(super) fn ensure_driver(store: &Store) -> Option<String> {
    if let Some(command) = store.config_string("merge.orc.driver") {
        return driver_broken(&command).map(|why| {
            format!(
                "orc's merge driver cannot run: {why}; merges of .orchestrator/ files will leave conflict markers until orc's hooks are installed again"
            )
        });
    }
    let routed = store.read(GITATTRIBUTES).ok().flatten().is_some_and(|t| {
        t.lines()
            .any(|l| l.split_whitespace().any(|w| w == "merge=orc"))
    });
    if !routed || store.read_local(DRIVER_OFF_FILE).ok().flatten().is_some() {
        return None;
    }
    Some(match register_driver(store) {
        Ok(_) => "registered orc's merge driver in this clone's git config (.gitattributes names it; uninstalling orc's hooks removes it)".to_owned(),
        Err(e) => format!(
            "could not register orc's merge driver ({e}); merges of .orchestrator/ files will leave conflict markers until orc's hooks are installed"
        ),
    })
}

impl Orc {
    fn hook_status(&self, hook: Hook, dir: &Path) -> Result<HookStatus> {
        let path = dir.join(hook.name());
        let user = user_path(&path);
        let text = store::read_file(&path)?.map(|b| String::from_utf8_lossy(&b).into_owned());
        let (owner, runs) = match &text {
            None if store::hook_exists(&path) => (HookOwner::Other, false),
            None => (HookOwner::Missing, false),
            Some(t) if is_orc_script(t) => (HookOwner::Orc, runs_user_hook(t)),
            Some(_) => (HookOwner::Other, false),
        };
        Ok(HookStatus {
            hook,
            path,
            owner,
            user_hook: store::hook_exists(&user).then_some(user),
            runs_user_hook: runs && owner == HookOwner::Orc,
            action: None,
        })
    }

    /// The current state of hooks, merge driver and `.gitattributes`.
    pub fn hooks_status(&self) -> Result<HooksReport> {
        let dir = self.store.hooks_dir();
        let hooks = Hook::ALL
            .iter()
            .map(|h| self.hook_status(*h, &dir))
            .collect::<Result<_>>()?;
        let merge_driver = self.store.config_string("merge.orc.driver");
        Ok(HooksReport {
            hooks_dir: dir,
            hooks,
            merge_driver_broken: merge_driver.as_deref().and_then(driver_broken),
            merge_driver,
            attributes: self
                .store
                .read(GITATTRIBUTES)?
                .is_some_and(|t| with_attribute_line(Some(&t)).is_none()),
        })
    }

    /// Installs the commit-msg hook (and the opt-in ones), registers the merge driver in
    /// git config, and commits the `.gitattributes` line when it is missing. An existing
    /// hook is chained: kept as `<hook>.orc-user` and run first.
    pub fn hooks_install(&self, opts: InstallOptions) -> Result<Outcome<HooksReport>> {
        let _lock = self.store.lock()?;
        let dir = self.store.hooks_dir();
        // A hooks directory inside the work tree (`core.hooksPath = .husky`) is shared with
        // everyone through git: its scripts call `orc` from PATH rather than this machine's
        // path to the binary, and the team's hooks there are never renamed.
        let shared = self.store.is_in_work_tree(&dir);
        let exe = if shared { "orc".to_owned() } else { orc_exe() };
        let found = wanted_hooks(opts)
            .into_iter()
            .map(|h| self.hook_status(h, &dir))
            .collect::<Result<Vec<_>>>()?;
        // Refuse before touching anything, so a refusal leaves no half-installed state.
        refuse_hooks_in_the_way(&found, shared, &dir)?;
        let done = found
            .into_iter()
            .map(|st| install_hook(st, opts.force, &exe))
            .collect::<Result<Vec<_>>>()?;
        register_driver(&self.store)?;
        self.store.write_local(DRIVER_OFF_FILE, None)?;
        let mut change = self.change(
            "route .orchestrator/ TOML and decision files to orc's merge driver".into(),
            "hooks.install",
            None,
        );
        if let Some(text) = with_attribute_line(self.store.read(GITATTRIBUTES)?.as_deref()) {
            change.write(GITATTRIBUTES, text);
        }
        let commit = !self.ctx.no_commit && self.commit_mode() == CommitMode::Auto;
        let applied = self.store.apply(&change, commit)?;
        let mut report = self.hooks_status()?;
        for st in done {
            if let Some(slot) = report.hooks.iter_mut().find(|h| h.hook == st.hook) {
                *slot = st;
            }
        }
        report.merge_driver = Some(driver_command(&exe));
        report.merge_driver_broken = None;
        report.attributes = true;
        Ok(Outcome::new(report, applied))
    }

    /// Removes orc's hooks, restores the hooks they replaced and unregisters the merge
    /// driver. `.gitattributes` stays: without the config git just merges lines.
    pub fn hooks_uninstall(&self) -> Result<HooksReport> {
        let _lock = self.store.lock()?;
        let dir = self.store.hooks_dir();
        let mut hooks = Vec::new();
        for hook in Hook::ALL {
            let mut st = self.hook_status(hook, &dir)?;
            if st.owner == HookOwner::Orc {
                store::remove_hook(&st.path)?;
                st.owner = HookOwner::Missing;
                st.action = Some("removed".into());
                if let Some(user) = st.user_hook.take() {
                    store::rename_hook(&user, &st.path)?;
                    st.owner = HookOwner::Other;
                    st.action = Some(format!(
                        "removed; restored your hook from {}",
                        user.display()
                    ));
                }
                st.runs_user_hook = false;
            }
            hooks.push(st);
        }
        self.store.remove_local_section("merge.orc")?;
        self.store.write_local(
            DRIVER_OFF_FILE,
            Some("`orc hooks uninstall` unregistered the merge driver; `orc hooks install` registers it again\n"),
        )?;
        let mut report = self.hooks_status()?;
        report.hooks = hooks;
        report.merge_driver = None;
        report.merge_driver_broken = None;
        Ok(report)
    }

    fn commit_mode(&self) -> CommitMode {
        self.state().map(|s| s.config.commit).unwrap_or_default()
    }

    /// The task the commit-msg hook links commits to: the task this agent last started
    /// in this clone (`orc start`, recorded locally) while it is still in progress. When
    /// nothing was recorded, the in-progress task assigned to this agent, or the only
    /// in-progress task when no agent is named.
    pub fn current_task(&self) -> Result<Option<Task>> {
        let key = self.ctx.agent.clone().unwrap_or_default();
        if let Some(text) = self.store.read_local(CURRENT_FILE)?
            && let Ok(map) = toml::from_str::<BTreeMap<String, String>>(&text)
            && let Some(id) = map.get(&key)
        {
            let task = TaskId::parse(id).ok().and_then(|id| {
                let (_, text) = read_task_file(&self.store, &id).ok()??;
                format::task_from_toml(&text).ok()
            });
            return Ok(task.filter(|t| t.status == Status::InProgress));
        }
        self.scan_current_task()
    }

    /// Records (or with `None` forgets) the task this agent works on in this clone.
    pub(super) fn remember_current_task(&self, id: Option<&TaskId>) -> Result<()> {
        let key = self.ctx.agent.clone().unwrap_or_default();
        let mut map: BTreeMap<String, String> = self
            .store
            .read_local(CURRENT_FILE)?
            .and_then(|t| toml::from_str(&t).ok())
            .unwrap_or_default();
        match id {
            Some(id) => map.insert(key, id.to_string()),
            None => map.remove(&key),
        };
        let text = toml::to_string(&map).expect("a string map serialises");
        self.store.write_local(CURRENT_FILE, Some(&text))
    }

    fn scan_current_task(&self) -> Result<Option<Task>> {
        // A task file starts with a few short keys and then `status`; reading its
        // first bytes decides for almost every file whether it needs parsing at all.
        const PROBE: usize = 1024;
        let mut in_progress = Vec::new();
        for path in self.store.list_nested(TASKS_DIR, ".toml")? {
            let Ok(Some(start)) = self.store.read_start(&path, PROBE) else {
                continue;
            };
            let status_line = start
                .find("\nstatus = ")
                .and_then(|i| start[i + 1..].split_once('\n'))
                .map(|(line, _)| line);
            let whole_file = start.len() < PROBE;
            match status_line {
                Some(line) if !line.contains("in_progress") => continue,
                None if whole_file && !start.contains("in_progress") => continue,
                _ => {}
            }
            let Ok(Some(text)) = self.store.read(&path) else {
                continue;
            };
            if let Ok(task) = format::task_from_toml(&text)
                && task.status == Status::InProgress
            {
                in_progress.push(task);
            }
        }
        Ok(match &self.ctx.agent {
            Some(agent) => in_progress
                .into_iter()
                .filter(|t| t.assignee.as_deref() == Some(agent.as_str()))
                .max_by_key(|t| (t.started, t.updated)),
            None if in_progress.len() == 1 => in_progress.pop(),
            None => None,
        })
    }

    /// The commit-msg hook: adds `Orc-Task: <current task>` to the message in `file`.
    /// Leaves alone messages of orc's own commits (`Orc-Op`), messages that already name
    /// a task, empty messages, and everything when no task is current. Returns the task
    /// added.
    pub fn hook_commit_msg(&self, file: &Path) -> Result<Option<TaskId>> {
        let Some(bytes) = store::read_file(file)? else {
            return Ok(None);
        };
        let message = String::from_utf8_lossy(&bytes);
        let comment = self.store.comment_char();
        if !trailers::values(&message, OP_TRAILER, comment).is_empty()
            || !trailers::values(&message, TASK_TRAILER, comment).is_empty()
        {
            return Ok(None);
        }
        let Some(task) = self.current_task()? else {
            return Ok(None);
        };
        let updated = trailers::add(&message, TASK_TRAILER, task.id.as_str(), comment);
        if updated == message {
            return Ok(None);
        }
        store::write_file(file, updated.as_bytes())?;
        Ok(Some(task.id))
    }

    /// Commits linked to task `id` (a unique prefix is fine) by an `Orc-Task` trailer,
    /// newest first, with the files each changed outside `.orchestrator/`. Derived from
    /// history on every call: the commit-msg hook's trailer is the whole record, so no
    /// hook writes anything and rebases or amends keep it right.
    pub fn task_commits(&self, id: &str) -> Result<Vec<LinkedCommit>> {
        let id = self.state()?.resolve(id)?;
        let comment = self.store.comment_char();
        let prefix = format!("{}/", store::ORC_DIR);
        let mut linked = Vec::new();
        let mut failure = None;
        self.store.walk_history(None, |c| {
            let ours = trailers::values(&c.message, OP_TRAILER, comment).is_empty()
                && trailers::values(&c.message, TASK_TRAILER, comment)
                    .iter()
                    .any(|v| v == id.as_str());
            if ours {
                match self.store.commit_changes(c) {
                    Ok(files) => linked.push(LinkedCommit {
                        commit: c.id.clone(),
                        summary: c.summary.clone(),
                        time: c.time,
                        files: files
                            .into_iter()
                            .filter(|(p, _)| !p.starts_with(&prefix))
                            .map(|(path, change)| LinkedFile { path, change })
                            .collect(),
                    }),
                    Err(e) => {
                        failure = Some(e);
                        return std::ops::ControlFlow::Break(());
                    }
                }
            }
            std::ops::ControlFlow::Continue(())
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(linked),
        }
    }

    /// The pre-commit hook: checks `.orchestrator/` as staged for the commit. `None`
    /// when the commit does not change orc state (the common, fast case) or contains
    /// none at all.
    pub fn hook_pre_commit(&self) -> Result<Option<CheckReport>> {
        if self.store.staged_state_is_head()? {
            return Ok(None);
        }
        let staged = Orc {
            store: self.store.staged()?,
            ctx: self.ctx.clone(),
            notices: Vec::new(),
            problems: self.problems.clone(),
            claim_undo: Default::default(),
            claim_pushes: Default::default(),
        };
        if staged.store.read(CONFIG_PATH)?.is_none() {
            return Ok(None);
        }
        staged.check_files().map(Some)
    }

    /// The post-commit hook: the task HEAD's commit is linked to by its trailer, unless
    /// it is one of orc's own commits. Its changed files are the task's file operations,
    /// derived from history when asked for, so nothing is written here.
    pub fn hook_post_commit(&self) -> Result<Option<String>> {
        let Some(message) = self.store.head_message()? else {
            return Ok(None);
        };
        let comment = self.store.comment_char();
        if !trailers::values(&message, OP_TRAILER, comment).is_empty() {
            return Ok(None);
        }
        Ok(trailers::values(&message, TASK_TRAILER, comment)
            .into_iter()
            .next())
    }
}

/// The merge driver: merges `ours` (git's `%A`, also the output), `base` (`%O`) and
/// `theirs` (`%B`) of the repository path `path` (`%P`). Task, manifest, session and
/// config files get the field merge; decisions get it for their front matter and git's
/// line merge for their body; anything else, or a side that does not parse, gets git's
/// line merge with conflict markers.
pub fn merge_driver(base: &Path, ours: &Path, theirs: &Path, path: &str) -> Result<DriverReport> {
    let read = |p: &Path| -> Result<Option<String>> {
        Ok(store::read_file(p)?.and_then(|b| String::from_utf8(b).ok()))
    };
    let fallback = |reason: String| -> Result<DriverReport> {
        let clean = store::line_merge(base, ours, theirs, path)?;
        Ok(DriverReport {
            path: path.to_owned(),
            method: "lines",
            fallback_reason: Some(reason),
            clean,
            conflicts: Vec::new(),
        })
    };
    let Some(kind) = format::merge::FileKind::of_path(path) else {
        return fallback("no field rules for this path".into());
    };
    let (Some(b), Some(o), Some(t)) = (read(base)?, read(ours)?, read(theirs)?) else {
        return fallback("a side is missing or not UTF-8".into());
    };
    if kind == format::merge::FileKind::Decision {
        if b.trim().is_empty() {
            return fallback("both sides added this decision file".into());
        }
        let merged = match format::merge::merge_decision(&b, &o, &t) {
            Ok(m) => m,
            Err(e) => return fallback(e.to_string()),
        };
        let (body, body_clean) = match merged.trivial_body() {
            Some(body) => (body.to_owned(), true),
            None => {
                let [b, o, t] = &merged.bodies;
                store::line_merge_texts(ours, [b, o, t], path)?
            }
        };
        store::write_file(ours, merged.text(&body).as_bytes())?;
        return Ok(DriverReport {
            path: path.to_owned(),
            method: "fields",
            fallback_reason: (!body_clean)
                .then(|| "both sides changed the same lines of the body".to_owned()),
            clean: merged.conflicts.is_empty() && body_clean,
            conflicts: merged.conflicts.iter().map(|c| c.describe()).collect(),
        });
    }
    match format::merge::merge(kind, &b, &o, &t) {
        Ok(merged) => {
            store::write_file(ours, merged.text.as_bytes())?;
            Ok(DriverReport {
                path: path.to_owned(),
                method: "fields",
                fallback_reason: None,
                clean: merged.conflicts.is_empty(),
                conflicts: merged.conflicts.iter().map(|c| c.describe()).collect(),
            })
        }
        Err(e) => fallback(e.to_string()),
    }
}
