//! Docs that run: every ```console block of README.md and docs/*.md is executed in a fresh
//! temp directory, one shell command at a time, and its output compared with the text the
//! reader sees — so a changed message or a missing step fails here.
//!
//! The format, so a page reads naturally and still runs:
//! - `$ command` lines (a trailing `\` continues onto the next line) run in `bash` from the
//!   page's current directory (`cd` carries over); the lines after one, up to the next
//!   `$`, are its stdout and stderr as a terminal shows them.
//! - Output is matched with snapbox: `...` on a line of its own stands for any lines,
//!   `[..]` for any text within a line, `[ROOT]` for the page's temp directory; blanks at
//!   the ends of lines do not count.
//! - A command must exit 0, unless it ends with `# exits N`.
//! - The clock starts at 2026-03-02T09:00:00Z and advances one minute per command
//!   (`ORC_NOW` and git's dates); ids come from `ORC_SEED`, so they repeat on every run.
//! - Directives in HTML comments, invisible on a rendered page:
//!   `<!-- docs: now 2026-03-03T08:00:00Z -->` sets the clock; `<!-- docs: skip -->` leaves
//!   the next console block unrun (say why in the page); a `<!-- docs: setup` comment
//!   holds `$` lines run silently (they must succeed).
//! - A block whose info string names a file (```` ```toml file=plan.toml ````) is written
//!   to that file in the current directory, as the reader would save it.
//!
//! `ORC_DOCS=overwrite cargo test --test it docs` writes the actual output into the pages
//! where it differs (then review the diff); `ORC_DOCS_PAGE=docs/x.md` runs one page.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin;
use jiff::{Timestamp, ToSpan};

const START: &str = "2026-03-02T09:00:00Z";

/// One `$` command of a page, with the lines of the page that hold its expected output.
#[derive(Debug)]
struct Step {
    command: String,
    /// 1-based line of the `$`.
    line: usize,
    expected: Option<std::ops::Range<usize>>,
    exit: i32,
    now: Option<String>,
}

fn parse(text: &str, page: &str) -> Vec<Step> {
    let lines: Vec<&str> = text.lines().collect();
    let mut steps = Vec::new();
    let mut skip_next = false;
    let mut now: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if let Some(rest) = line.trim_start().strip_prefix("<!-- docs:") {
            let rest = rest.trim();
            if rest == "skip -->" {
                skip_next = true;
            } else if let Some(t) = rest.strip_prefix("now ") {
                now = Some(t.trim_end_matches("-->").trim().to_owned());
            } else if rest == "setup" {
                i += 1;
                while i < lines.len() && lines[i].trim() != "-->" {
                    let (command, next) = command_at(&lines, i);
                    steps.push(Step {
                        command,
                        line: i + 1,
                        expected: None,
                        exit: 0,
                        now: now.take(),
                    });
                    i = next;
                }
            } else {
                panic!("{page}:{}: unknown docs directive {line:?}", i + 1);
            }
            i += 1;
            continue;
        }
        if let Some(name) = line.strip_prefix("```").and_then(|info| {
            info.split_whitespace()
                .find_map(|w| w.strip_prefix("file="))
        }) {
            let start = i;
            let mut content = String::new();
            i += 1;
            while i < lines.len() && !lines[i].starts_with("```") {
                content.push_str(lines[i]);
                content.push('\n');
                i += 1;
            }
            steps.push(Step {
                command: format!("cat > {name} <<'ORC_DOCS_EOF'\n{content}ORC_DOCS_EOF"),
                line: start + 1,
                expected: None,
                exit: 0,
                now: now.take(),
            });
            i += 1;
            continue;
        }
        if line.starts_with("```console") {
            let run = !std::mem::take(&mut skip_next);
            i += 1;
            while i < lines.len() && !lines[i].starts_with("```") {
                if !run {
                    i += 1;
                    continue;
                }
                assert!(
                    lines[i].starts_with('$'),
                    "{page}:{}: output before any `$` command",
                    i + 1
                );
                let start = i;
                let (mut command, next) = command_at(&lines, i);
                let mut exit = 0;
                if let Some((cmd, code)) = command.rsplit_once("# exits ") {
                    exit = code.trim().parse().unwrap_or_else(|_| {
                        panic!("{page}:{}: `# exits` takes a number", start + 1)
                    });
                    command = cmd.trim_end().to_owned();
                }
                i = next;
                let out_start = i;
                while i < lines.len() && !lines[i].starts_with('$') && !lines[i].starts_with("```")
                {
                    i += 1;
                }
                if !command.is_empty() {
                    steps.push(Step {
                        command,
                        line: start + 1,
                        expected: Some(out_start..i),
                        exit,
                        now: now.take(),
                    });
                }
            }
        }
        i += 1;
    }
    steps
}

/// The command starting at `lines[i]` (after `$`), joined over `\` continuations, and the
/// index of the line after it.
fn command_at(lines: &[&str], mut i: usize) -> (String, usize) {
    let mut command = String::new();
    let mut first = true;
    loop {
        let mut l = lines[i];
        if first {
            l = l.trim_start().strip_prefix('$').unwrap_or(l).trim_start();
            first = false;
        }
        i += 1;
        match l.strip_suffix('\\') {
            Some(_) if i < lines.len() => {
                command.push_str(l);
                command.push('\n');
            }
            _ => {
                command.push_str(l);
                return (command.trim().to_owned(), i);
            }
        }
    }
}

struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    cwd: PathBuf,
    path: std::ffi::OsString,
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("work");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let orc_dir = Path::new(cargo_bin!("orc")).parent().unwrap().to_owned();
        let mut paths = vec![orc_dir];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Sandbox {
            cwd: root.clone(),
            root,
            home,
            _tmp: tmp,
            path: std::env::join_paths(paths).unwrap(),
        }
    }

    /// Runs one command; returns its exit code and combined output.
    fn run(&mut self, command: &str, now: &str) -> (i32, String) {
        let pwd_file = self.home.join(".docs-pwd");
        let script = format!(
            "cd {cwd:?} || exit 99\n{{\n{command}\n}} 2>&1\ns=$?\npwd > {pwd:?}\nexit $s\n",
            cwd = self.cwd,
            pwd = pwd_file,
        );
        let git_date = now.replace('Z', "+00:00");
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-c", &script])
            .env_clear()
            .env("PATH", &self.path)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", &git_date)
            .env("GIT_COMMITTER_DATE", &git_date)
            .env("ORC_NOW", now)
            .env("ORC_SEED", "docs")
            .env("LC_ALL", "C")
            .env("TERM", "dumb")
            .current_dir(&self.root)
            .output()
            .expect("bash runs");
        if let Ok(pwd) = std::fs::read_to_string(&pwd_file) {
            self.cwd = PathBuf::from(pwd.trim_end());
        }
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.code().unwrap_or(-1), text)
    }
}

/// Runs every step of one page; returns the failures, and the page with actual outputs
/// in place of mismatched ones.
fn run_page(rel: &str) -> (Vec<String>, Option<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let steps = parse(&text, rel);
    if steps.is_empty() {
        return (Vec::new(), None);
    }
    let mut sandbox = Sandbox::new();
    let mut redactions = snapbox::Redactions::new();
    redactions
        .insert("[ROOT]", sandbox.root.display().to_string())
        .unwrap();
    let assert = snapbox::Assert::new()
        .redact_with(redactions.clone())
        .action(snapbox::assert::Action::Verify);
    let mut clock: Timestamp = START.parse().unwrap();
    let mut failures = Vec::new();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut replacements: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    for step in &steps {
        if let Some(t) = &step.now {
            clock = t
                .parse()
                .unwrap_or_else(|e| panic!("{rel}:{}: bad time {t}: {e}", step.line));
        }
        let now = clock.to_string();
        clock = clock.checked_add(1.minute()).unwrap();
        let (code, output) = sandbox.run(&step.command, &now);
        let Some(range) = &step.expected else {
            if code != 0 {
                failures.push(format!(
                    "{rel}:{}: setup `{}` exited {code}:\n{output}",
                    step.line, step.command
                ));
            }
            continue;
        };
        if code != step.exit {
            failures.push(format!(
                "{rel}:{}: `{}` exited {code}, the page says {}:\n{output}",
                step.line, step.command, step.exit
            ));
        }
        // Trailing blanks are invisible on a page (and editors strip them).
        let trim = |text: &str| -> String {
            let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
            lines.join("\n").trim_end_matches('\n').to_owned()
        };
        let expected = trim(&lines[range.clone()].join("\n"));
        let actual = trim(&output);
        let actual = actual.as_str();
        if let Err(e) = assert.try_eq(
            Some(&format!("{rel}:{}", step.line)),
            actual.to_owned().into(),
            expected.clone().into(),
        ) {
            failures.push(format!("{rel}:{}: `{}`\n{e}", step.line, step.command));
            let redacted = redactions.redact(actual);
            let new: Vec<String> = if redacted.is_empty() {
                Vec::new()
            } else {
                redacted.lines().map(str::to_owned).collect()
            };
            replacements.push((range.clone(), new));
        }
    }
    let rewritten = (!replacements.is_empty()).then(|| {
        for (range, new) in replacements.into_iter().rev() {
            lines.splice(range, new);
        }
        let mut s = lines.join("\n");
        s.push('\n');
        s
    });
    (failures, rewritten)
}

/// README.md and every page of docs/.
fn pages() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec!["README.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

#[test]
fn every_console_example_in_the_docs_runs_as_shown() {
    let overwrite = std::env::var("ORC_DOCS").is_ok_and(|v| v == "overwrite");
    let mut failures = Vec::new();
    let mut ran = 0;
    let only = std::env::var("ORC_DOCS_PAGE").ok();
    for page in pages() {
        if only.as_ref().is_some_and(|o| *o != page) {
            continue;
        }
        let (mut f, rewritten) = run_page(&page);
        ran += 1;
        if overwrite && let Some(text) = rewritten {
            std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join(&page), text).unwrap();
        }
        failures.append(&mut f);
    }
    assert!(ran > 10 || only.is_some(), "found only {ran} pages");
    assert!(
        failures.is_empty(),
        "{} docs examples differ from what orc does (ORC_DOCS=overwrite writes the actual output):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_runner_reads_commands_outputs_and_directives() {
    let page = "text\n<!-- docs: setup\n$ echo hidden > f\n-->\n<!-- docs: now 2026-01-01T00:00:00Z -->\n```console\n$ cat f \\\n  f\nhidden\n...\n$ false  # exits 1\n```\n```toml file=p.toml\na = 1\n```\n<!-- docs: skip -->\n```console\n$ not run\n```\n";
    let steps = parse(page, "t.md");
    let got: Vec<_> = steps
        .iter()
        .map(|s| (s.command.as_str(), s.line, s.expected.clone(), s.exit))
        .collect();
    assert_eq!(
        got,
        vec![
            ("echo hidden > f", 3, None, 0),
            ("cat f \\\n  f", 7, Some(8..10), 0),
            ("false", 11, Some(11..11), 1),
            (
                "cat > p.toml <<'ORC_DOCS_EOF'\na = 1\nORC_DOCS_EOF",
                13,
                None,
                0
            ),
        ]
    );
    assert_eq!(steps[1].now.as_deref(), Some("2026-01-01T00:00:00Z"));
}
