//! Hermetic test repositories: no global git config, fixed identities and dates, a fixed
//! clock (`ORC_NOW`) and seeded ids (`ORC_SEED`, one seed per repository or clone: see
//! [`Repo::seed`]), so outputs repeat on every run and are checked whole.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::cargo_bin;

/// The time every orc command in tests believes it is (`ORC_NOW`).
pub const NOW: &str = "2026-01-15T10:00:00Z";
const GIT_DATE: &str = "2026-01-15T10:00:00+00:00";

/// The kinds of repository git makes that orc must work in; the core tests run in each
/// (see [`for_each_shape!`](crate::for_each_shape)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `git init`: SHA-1 object names, refs as files.
    Sha1Files,
    /// `git init --object-format=sha256`.
    Sha256,
    /// `git init --ref-format=reftable`.
    Reftable,
    /// A linked worktree (`git worktree add`) of a repository on another branch.
    LinkedWorktree,
    /// A blobless partial clone (`git clone --filter=blob:none`) of a repository served
    /// over `file://`; the tests that read history clone one with history in it
    /// ([`Repo::blobless_clone`]).
    PartialClone,
}

/// The oldest git with every shape: reftable came in git 2.45.
pub const SHAPES_NEED_GIT: (u32, u32) = (2, 45);

impl Shape {
    /// The git version this shape needs, and what for.
    fn needs(self) -> ((u32, u32), &'static str) {
        match self {
            Shape::Sha1Files => ((2, 0), "plain repositories"),
            Shape::Sha256 => ((2, 29), "`git init --object-format=sha256`"),
            Shape::Reftable => (SHAPES_NEED_GIT, "`git init --ref-format=reftable`"),
            Shape::LinkedWorktree => ((2, 42), "`git worktree add --orphan`"),
            Shape::PartialClone => ((2, 29), "blobless clones and `git fetch --stdin`"),
        }
    }

    /// How many processes a concurrency test runs in this shape: `full` in the reference
    /// shape (SHA-1 + files), a third of it (at least 4) in the others, which exercise the
    /// same races with a suite that stays fast.
    pub fn processes(self, full: usize) -> usize {
        match self {
            Shape::Sha1Files => full,
            _ => (full / 3).max(4),
        }
    }

    /// Whether this machine's git makes this shape. When it does not, says so on the
    /// terminal (not captured by the test runner), or fails when `ORC_REQUIRE_ALL_SHAPES`
    /// is set (CI sets it).
    pub fn available(self) -> bool {
        let (needed, what) = self.needs();
        let have = git_version();
        if have >= needed {
            return true;
        }
        let message = format!(
            "git {}.{} is too old for {what}, which needs git {}.{} or newer: the {self:?} variant of this test is SKIPPED",
            have.0, have.1, needed.0, needed.1
        );
        assert!(
            std::env::var_os("ORC_REQUIRE_ALL_SHAPES").is_none(),
            "{message} (ORC_REQUIRE_ALL_SHAPES is set)"
        );
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "\n{message}");
        false
    }
}

/// The version of the `git` on PATH (major, minor), asked once.
pub fn git_version() -> (u32, u32) {
    static VERSION: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
    *VERSION.get_or_init(|| {
        let out = Command::new("git")
            .arg("--version")
            .output()
            .expect("git runs");
        let text = String::from_utf8_lossy(&out.stdout);
        // "git version 2.47.3" (vendors may append more).
        let mut parts = text
            .split_whitespace()
            .nth(2)
            .unwrap_or_default()
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    })
}

/// Defines, for each named function `fn name(shape: Shape)`, a module `name` with one test
/// per repository shape (`name::sha1_files`, `name::sha256`, `name::reftable`,
/// `name::linked_worktree`, `name::partial_clone`). A shape this git cannot make is
/// skipped with a message (see [`Shape::available`]).
#[macro_export]
macro_rules! for_each_shape {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            use $crate::harness::Shape;
            fn run(shape: Shape) {
                if shape.available() {
                    super::$test(shape);
                }
            }
            #[test]
            fn sha1_files() {
                run(Shape::Sha1Files)
            }
            #[test]
            fn sha256() {
                run(Shape::Sha256)
            }
            #[test]
            fn reftable() {
                run(Shape::Reftable)
            }
            #[test]
            fn linked_worktree() {
                run(Shape::LinkedWorktree)
            }
            #[test]
            fn partial_clone() {
                run(Shape::PartialClone)
            }
        }
    )*};
}

/// A git repository in a temp dir with `main` checked out.
pub struct Repo {
    /// The temp dir holding it; `None` for a repository in another one's temp dir.
    _tmp: Option<tempfile::TempDir>,
    pub root: PathBuf,
    home: PathBuf,
}

/// Environment shared by `orc` and `git` invocations (git passes it to the hooks, which
/// may run orc): the clock and the seed of ids are fixed (see [`Repo::seed`]).
fn hermetic(cmd: &mut Command, home: &Path, seed: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_AUTHOR_DATE", GIT_DATE)
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_COMMITTER_DATE", GIT_DATE)
        .env("ORC_NOW", NOW)
        .env("ORC_SEED", seed)
        .env("LC_ALL", "C");
}

impl Repo {
    /// An empty repository on an unborn `main` branch.
    pub fn new() -> Repo {
        Repo::with_shape(Shape::Sha1Files)
    }

    /// An empty work tree of the given shape on an unborn `main` branch, at `root`.
    pub fn with_shape(shape: Shape) -> Repo {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("repo");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let repo = Repo {
            _tmp: Some(tmp),
            root,
            home,
        };
        let top = repo.root.parent().unwrap().to_path_buf();
        let root = repo.root.to_str().unwrap();
        match shape {
            Shape::Sha1Files => repo.git_in(&top, &["init", "-q", "-b", "main", root]),
            Shape::Sha256 => repo.git_in(
                &top,
                &["init", "-q", "-b", "main", "--object-format=sha256", root],
            ),
            Shape::Reftable => repo.git_in(
                &top,
                &["init", "-q", "-b", "main", "--ref-format=reftable", root],
            ),
            Shape::LinkedWorktree => {
                let main = repo.sibling("main-worktree");
                repo.git_in(&top, &["init", "-q", "-b", "trunk", main.to_str().unwrap()]);
                repo.git_in(
                    &main,
                    &["worktree", "add", "-q", "--orphan", "-b", "main", root],
                )
            }
            Shape::PartialClone => {
                let upstream = repo.sibling("upstream");
                repo.git_in(
                    &top,
                    &["init", "-q", "-b", "main", upstream.to_str().unwrap()],
                );
                serve_filtered(&repo, &upstream);
                let url = format!("file://{}", upstream.display());
                repo.git_in(&top, &["clone", "-q", "--filter=blob:none", &url, root])
            }
        };
        repo
    }

    /// A repository with `orc init` done.
    pub fn init() -> Repo {
        Repo::init_shaped(Shape::Sha1Files)
    }

    /// A repository of the given shape with `orc init` done.
    pub fn init_shaped(shape: Shape) -> Repo {
        let repo = Repo::with_shape(shape);
        repo.ok(&["init"]);
        repo
    }

    /// A blobless clone (`--filter=blob:none`, over `file://`) of this repository in the
    /// same temp dir, on `main`, with the same environment: its history has commits and
    /// trees but no file contents until git fetches them from this repository.
    pub fn blobless_clone(&self, name: &str) -> Repo {
        serve_filtered(self, &self.root);
        let url = format!("file://{}", self.root.display());
        let root = self.sibling(name);
        let top = self.root.parent().unwrap();
        self.git_in(
            top,
            &[
                "clone",
                "-q",
                "--filter=blob:none",
                &url,
                root.to_str().unwrap(),
            ],
        );
        Repo {
            _tmp: None,
            root,
            home: self.home.clone(),
        }
    }

    /// The git dir of the work tree (`.git`, or the linked worktree's own).
    pub fn git_dir(&self) -> PathBuf {
        let dir = self.git(&["rev-parse", "--absolute-git-dir"]);
        PathBuf::from(dir.trim())
    }

    /// The seed of ids (`ORC_SEED`) of every orc run in `dir`: the name of the directory
    /// of the temp dir that holds `dir` — `repo` for this repository, the name given to
    /// [`Repo::sibling`] for a clone or a worktree beside it (`top` in the temp dir
    /// itself, where git makes them). So ids repeat on every run,
    /// and two clones of one test (which may stand on the same branch at the same depth)
    /// draw different ones, as two machines would.
    pub fn seed(&self, dir: &Path) -> String {
        let top = self.root.parent().expect("a repository inside a temp dir");
        match dir.strip_prefix(top).map(|d| d.components().next()) {
            Ok(Some(first)) => first.as_os_str().to_string_lossy().into_owned(),
            // git run in the temp dir itself (`git init repo`, `git clone … clone`).
            Ok(None) => "top".to_owned(),
            Err(_) => panic!(
                "{} is outside the test's temp dir {}: ids would not repeat",
                dir.display(),
                top.display()
            ),
        }
    }

    /// Another directory inside the same temp dir (for clones, remotes, worktrees).
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.root.parent().unwrap().join(name)
    }

    /// An `orc` command in the repository root with the hermetic environment.
    pub fn orc_cmd(&self, args: &[&str]) -> Command {
        self.orc_in(&self.root, args)
    }

    pub fn orc_in(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(cargo_bin!("orc"));
        hermetic(&mut cmd, &self.home, &self.seed(dir));
        cmd.current_dir(dir).args(args);
        cmd
    }

    /// Runs orc in `dir` at time `now` (`ORC_NOW`), as `agent` (`ORC_AGENT`) when given.
    pub fn orc_at(&self, dir: &Path, now: &str, agent: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = self.orc_in(dir, args);
        cmd.env("ORC_NOW", now);
        if let Some(agent) = agent {
            cmd.env("ORC_AGENT", agent);
        }
        cmd.output().expect("orc runs")
    }

    /// [`Repo::orc_at`] that must succeed; returns its stdout.
    pub fn ok_at(&self, dir: &Path, now: &str, agent: Option<&str>, args: &[&str]) -> String {
        let out = self.orc_at(dir, now, agent, args);
        assert!(
            out.status.success(),
            "orc {args:?}{} in {} failed:\n{}",
            agent.map(|a| format!(" as {a}")).unwrap_or_default(),
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs orc; whatever it prints must not name an MCP tool (the CLI's words are its
    /// own), unless it is the MCP server or a guide to it.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.orc_cmd(args).output().expect("orc runs");
        if !matches!(args.first(), Some(&"mcp")) && !args.contains(&"--help") {
            assert_no_tool_names(
                &format!("the stdout of orc {args:?}"),
                &String::from_utf8_lossy(&out.stdout),
            );
            assert_no_tool_names(
                &format!("the stderr of orc {args:?}"),
                &String::from_utf8_lossy(&out.stderr),
            );
        }
        out
    }

    /// Runs orc, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "orc {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs orc, asserts exit code 1, returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "orc {args:?} should fail with 1:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    /// `orc ... --json` parsed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let text = self.ok(&args);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("bad JSON from {args:?}: {e}\n{text}"))
    }

    /// Any program in the repository root with the hermetic environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        hermetic(&mut cmd, &self.home, &self.seed(&self.root));
        cmd.current_dir(&self.root);
        cmd
    }

    pub fn git_cmd(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        hermetic(&mut cmd, &self.home, &self.seed(dir));
        cmd.current_dir(dir).args(args);
        cmd
    }

    /// Runs git in `dir`, asserts success, returns stdout.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_cmd(dir, args).output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.root, args)
    }

    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }

    /// Paths changed by HEAD's commit.
    pub fn head_paths(&self) -> Vec<String> {
        self.git(&["show", "--format=", "--name-only", "HEAD"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn status_porcelain(&self) -> String {
        self.git(&["status", "--porcelain=v1", "-uall"])
    }

    pub fn write(&self, rel: &str, content: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// `git fsck --strict` finds nothing.
    pub fn assert_fsck(&self) {
        let out = self
            .git_cmd(&self.root, &["fsck", "--strict", "--no-dangling"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "fsck: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// No temporary file of orc is left in the work tree or in `<git-dir>/orc/tmp/`.
    pub fn assert_no_temp_files(&self) {
        let tmp = self.git_dir().join("orc/tmp");
        if tmp.exists() {
            let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
            assert!(left.is_empty(), "left in .git/orc/tmp: {left:?}");
        }
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let e = e.unwrap();
                let name = e.file_name();
                let name = name.to_string_lossy();
                assert!(
                    !name.contains(".orc-tmp"),
                    "leftover {}",
                    e.path().display()
                );
                if e.file_type().unwrap().is_dir() && name != ".git" {
                    stack.push(e.path());
                }
            }
        }
    }
}

/// Lets `repo` serve blobless clones and the fetches of their missing blobs.
fn serve_filtered(repo: &Repo, server: &Path) {
    repo.git_in(server, &["config", "uploadpack.allowFilter", "true"]);
    repo.git_in(server, &["config", "uploadpack.allowAnySHA1InWant", "true"]);
}

/// Runs `cmd`, asserts that it succeeded (showing its output otherwise), returns stdout.
pub fn success(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// Adds a task and returns its id.
pub fn add(repo: &Repo, args: &[&str]) -> String {
    let mut full = vec!["task", "add"];
    full.extend_from_slice(args);
    repo.ok(&full).trim().to_owned()
}

/// `orc plan TITLE --subtask ROLE:TITLE…`; returns the parent's id and the subtasks' ids
/// in order.
pub fn plan(repo: &Repo, title: &str, subtasks: &[&str]) -> (String, Vec<String>) {
    let mut args = vec!["plan", title];
    for s in subtasks {
        args.extend(["--subtask", s]);
    }
    let v = repo.json(&args);
    let id = |t: &serde_json::Value| t["id"].as_str().expect("an id").to_owned();
    let subs = v["subtasks"]
        .as_array()
        .expect("subtasks")
        .iter()
        .map(id)
        .collect();
    (id(&v["parent"]), subs)
}

/// The path of each committed version of a task or decision, newest first
/// (`orc show WHAT --history`).
pub fn history_paths(repo: &Repo, what: &str) -> Vec<String> {
    let history = repo.json(&["show", what, "--history"]);
    history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_owned())
        .collect()
}

/// The repository-relative path of a task's file: `.orchestrator/tasks/<c>/<id>.toml`,
/// `<c>` being the first character of the part after the id's last `_`.
pub fn task_file(id: impl std::fmt::Display) -> String {
    let id = id.to_string();
    let random = id.rsplit_once('_').map_or(id.as_str(), |(_, r)| r);
    let shard = if random.is_empty() {
        &id[..1]
    } else {
        &random[..1]
    };
    format!(".orchestrator/tasks/{shard}/{id}.toml")
}

/// Copies a directory tree (test fixtures into a repository).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The CLI's syntax found in `text` (text an MCP client reads): `` `orc ``, `run orc`,
/// `orc <command>` for any of orc's commands, and `--<flag>` for any of orc's long flags
/// (read from the command line's definition, so a new flag is covered as it is added).
/// Git's own commands and flags (`git worktree add`, `git fetch --unshallow`) are fine.
pub fn cli_syntax(text: &str) -> Vec<String> {
    static WORDS: std::sync::OnceLock<(Vec<String>, Vec<String>)> = std::sync::OnceLock::new();
    let (commands, flags) = WORDS.get_or_init(|| {
        fn walk(cmd: &clap::Command, flags: &mut Vec<String>) {
            flags.extend(
                cmd.get_arguments()
                    .filter_map(|a| a.get_long())
                    .map(str::to_owned),
            );
            for sub in cmd.get_subcommands() {
                walk(sub, flags);
            }
        }
        let root = orc::cli::command();
        let mut commands: Vec<String> = root
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        let mut flags = Vec::new();
        walk(&root, &mut flags);
        commands.sort();
        commands.dedup();
        flags.sort();
        flags.dedup();
        (commands, flags)
    });
    let ends_word =
        |rest: &str| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let mut found = Vec::new();
    for literal in ["`orc ", "run orc"] {
        if text.contains(literal) {
            found.push(literal.to_owned());
        }
    }
    for c in commands {
        let needle = format!("orc {c}");
        if text
            .match_indices(&needle)
            .any(|(at, _)| ends_word(&text[at + needle.len()..]))
        {
            found.push(needle);
        }
    }
    for f in flags {
        let needle = format!("--{f}");
        if text.match_indices(&needle).any(|(at, _)| {
            ends_word(&text[at + needle.len()..])
                && !text[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
        }) {
            found.push(needle);
        }
    }
    found
}

/// Panics when `text`, which the CLI printed, names an MCP tool.
pub fn assert_no_tool_names(what: &str, text: &str) {
    assert!(
        !text.contains("orchestrator_"),
        "the CLI named an MCP tool in {what}:\n{text}"
    );
}
