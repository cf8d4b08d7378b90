//! History queries in a project that adopted orc late: every query gives what a full walk
//! of history gives (`ORC_HISTORY_BOUNDARY=off`, the oracle) while reading none of the
//! commits older than `orc init` — with branches forked before and merged after, a clone
//! initialised on its own and merged, the move of task files into shard folders, history
//! rewritten under a warm cache, a commit-graph, and shallow clones.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::harness::{Repo, success, task_file};

/// Commits made before `orc init`.
const PRE_INIT: usize = 300;

/// Gives every command its own time, one minute after the previous one, so that history
/// has one order (the harness's fixed time would make every commit a tie).
struct Clock(Cell<i64>);

impl Clock {
    fn new() -> Clock {
        // 2026-01-01T00:00:00Z, after the pre-init history.
        Clock(Cell::new(1_767_225_600))
    }

    fn tick(&self, cmd: &mut Command) {
        let t = self.0.get() + 60;
        self.0.set(t);
        let rfc = jiff::Timestamp::from_second(t).unwrap().to_string();
        let git = format!("{t} +0000");
        cmd.env("ORC_NOW", rfc)
            .env("GIT_AUTHOR_DATE", &git)
            .env("GIT_COMMITTER_DATE", &git);
    }

    fn orc(&self, repo: &Repo, dir: &Path, args: &[&str]) -> String {
        let mut cmd = repo.orc_in(dir, args);
        self.tick(&mut cmd);
        success(&mut cmd)
    }

    fn git(&self, repo: &Repo, dir: &Path, args: &[&str]) -> String {
        let mut cmd = repo.git_cmd(dir, args);
        self.tick(&mut cmd);
        success(&mut cmd)
    }
}

/// `PRE_INIT` commits on `main`, one a minute up to 2025-12-31, each changing one of ten
/// files, imported in one `git fast-import` run.
fn import_pre_init_history(repo: &Repo) {
    let mut stream = Vec::new();
    let start = 1_767_225_600 - 60 * PRE_INIT as i64;
    for i in 0..PRE_INIT {
        let t = start + 60 * i as i64;
        let content = format!("line {i}\n");
        let msg = format!("work {i}\n");
        write!(
            stream,
            "commit refs/heads/main\ncommitter Dev <dev@example.com> {t} +0000\ndata {}\n{msg}\n",
            msg.len()
        )
        .unwrap();
        write!(
            stream,
            "M 100644 inline src/f{}.txt\ndata {}\n{content}\n",
            i % 10,
            content.len()
        )
        .unwrap();
    }
    let mut child = repo
        .git_cmd(&repo.root, &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(child.wait().unwrap().success());
    repo.git(&["reset", "-q", "--hard", "main"]);
}

/// The JSON answer of an orc query with `ORC_HISTORY_BOUNDARY` set to `mode` (unset for
/// `None`), without how many commits were read (that is what differs).
fn query(repo: &Repo, dir: &Path, mode: Option<&str>, args: &[&str]) -> (Value, u64) {
    let mut cmd = repo.orc_in(dir, args);
    cmd.arg("--json");
    if let Some(m) = mode {
        cmd.env("ORC_HISTORY_BOUNDARY", m);
    }
    let mut v: Value = serde_json::from_str(&success(&mut cmd)).unwrap();
    let read = strip_commits_read(&mut v);
    (v, read)
}

/// Removes every `commits_read` field; returns the largest.
fn strip_commits_read(v: &mut Value) -> u64 {
    match v {
        Value::Object(m) => {
            let mut most = m
                .remove("commits_read")
                .and_then(|r| r.as_u64())
                .unwrap_or(0);
            for x in m.values_mut() {
                most = most.max(strip_commits_read(x));
            }
            most
        }
        Value::Array(a) => a.iter_mut().map(strip_commits_read).max().unwrap_or(0),
        _ => 0,
    }
}

/// Every query gives the same answer bounded from the first commit (and, with `lazy`, after
/// a few hundred) as the full walk; returns the commits the full and the bounded walk of
/// `orc log` read.
fn assert_same_answers(repo: &Repo, dir: &Path, queries: &[Vec<String>], lazy: bool) -> (u64, u64) {
    let mut reads = (0, 0);
    for q in queries {
        let args: Vec<&str> = q.iter().map(String::as_str).collect();
        let (full, full_read) = query(repo, dir, Some("off"), &args);
        let (eager, eager_read) = query(repo, dir, Some("eager"), &args);
        assert_eq!(eager, full, "orc {q:?} bounded from the start");
        if lazy {
            let (lazy, _) = query(repo, dir, None, &args);
            assert_eq!(lazy, full, "orc {q:?} bounded after a few hundred commits");
        }
        if args == ["log"] {
            reads = (full_read, eager_read);
        }
    }
    reads
}

fn commits_of(v: &Value, list: &str, key: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn history_queries_skip_what_precedes_orc_and_answer_as_a_full_walk() {
    let repo = Repo::new();
    let clock = Clock::new();
    let root = repo.root.clone();
    import_pre_init_history(&repo);
    let first = repo
        .git(&["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_owned();
    let fork = repo.git(&["rev-parse", "HEAD~150"]).trim().to_owned();
    let before_init = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();

    // A clone that adopts orc on its own, from the same pre-init history.
    let other = repo.sibling("other");
    success(&mut repo.git_cmd(
        &root,
        &[
            "clone",
            "-q",
            root.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    ));
    clock.orc(&repo, &other, &["init"]);
    let theirs = clock.orc(&repo, &other, &["task", "add", "From the other clone"]);
    let theirs = theirs.trim().to_owned();

    // Adoption here, and orc's own history.
    clock.orc(&repo, &root, &["init"]);
    let a = clock
        .orc(&repo, &root, &["task", "add", "Parser"])
        .trim()
        .to_owned();
    let b = clock
        .orc(&repo, &root, &["task", "add", "Lexer"])
        .trim()
        .to_owned();
    clock.orc(&repo, &root, &["start", &a]);
    clock.orc(&repo, &root, &["task", "note", &a, "halfway"]);
    clock.orc(
        &repo,
        &root,
        &[
            "decision",
            "new",
            "Hand-written parser",
            "--task",
            &a,
            "--decision",
            "We write it by hand.",
        ],
    );
    std::fs::write(root.join("src/parser.rs"), "fn parse() {}\n").unwrap();
    clock.orc(
        &repo,
        &root,
        &["files", "record", "src/parser.rs", "--task", &a],
    );
    // B's file as an earlier orc wrote it (flat), moved back into its shard by a change.
    let flat_b = format!(".orchestrator/tasks/{b}.toml");
    clock.git(&repo, &root, &["mv", &task_file(&b), &flat_b]);
    clock.git(&repo, &root, &["commit", "-q", "-m", "flat layout"]);
    clock.orc(&repo, &root, &["task", "status", &b, "in_progress"]);

    // A branch forked long before adoption, worked on after it (one commit linked to A
    // by its trailer, as the commit-msg hook writes it), merged after it.
    clock.git(&repo, &root, &["checkout", "-q", "-b", "feat", &fork]);
    std::fs::write(root.join("src/feature.txt"), "feature\n").unwrap();
    clock.git(&repo, &root, &["add", "src/feature.txt"]);
    clock.git(
        &repo,
        &root,
        &[
            "commit",
            "-q",
            "-m",
            &format!("feature for the parser\n\nOrc-Task: {a}"),
        ],
    );
    std::fs::write(root.join("src/f3.txt"), "feature edit\n").unwrap();
    clock.git(&repo, &root, &["commit", "-q", "-am", "feature edit"]);
    let feat_first = repo.git(&["rev-parse", "feat~1"]).trim().to_owned();
    clock.git(&repo, &root, &["checkout", "-q", "main"]);
    clock.git(
        &repo,
        &root,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-X",
            "theirs",
            "-m",
            "merge feat",
            "feat",
        ],
    );

    // The other clone's history, merged: two commits added `.orchestrator/`.
    clock.git(
        &repo,
        &root,
        &["fetch", "-q", other.to_str().unwrap(), "main:other"],
    );
    clock.git(
        &repo,
        &root,
        &["merge", "-q", "--no-ff", "-m", "merge other clone", "other"],
    );
    clock.orc(&repo, &root, &["done", &a, "--summary", "Parser written"]);
    assert_eq!(repo.status_porcelain(), "?? src/parser.rs\n");

    let queries: Vec<Vec<String>> = [
        vec!["log"],
        vec!["log", "--task", &a],
        vec!["show", &a, "--history"],
        vec!["show", &b, "--history"],
        vec!["show", &theirs, "--history"],
        vec!["show", "1", "--history"],
        vec!["task", "commits", &a],
        vec!["recover", "--since", &first],
        vec!["recover", "--since", &before_init],
        vec!["recover", "--since", &feat_first],
        vec!["log", "--since", &feat_first],
        vec!["files", "log"],
    ]
    .iter()
    .map(|q| q.iter().map(|s| s.to_string()).collect())
    .collect();

    let (full_read, bounded_read) = assert_same_answers(&repo, &root, &queries, true);
    // The full walk reads all the pre-init commits; the bounded one only orc's history
    // and the two commits of the merged branch.
    assert!(full_read > PRE_INIT as u64, "{full_read}");
    assert!(bounded_read < 30, "{bounded_read}");
    assert!(root.join(".git/orc/cache/history").is_file());

    // What git says about the same questions.
    let (log, _) = query(&repo, &root, None, &["log"]);
    let mut ours = commits_of(&log, "entries", "commit");
    let mut git: Vec<String> = repo
        .git(&["log", "--format=%H", "--grep=^Orc-Op: ", "--all"])
        .lines()
        .map(str::to_owned)
        .collect();
    ours.sort();
    git.sort();
    assert_eq!(ours, git);
    let (history, _) = query(&repo, &root, None, &["show", &a, "--history"]);
    let git_a: Vec<String> = repo
        .git(&["log", "--format=%H", "--", &task_file(&a)])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(commits_of(&history, "versions", "commit"), git_a);
    // B's history crosses the move between the layouts.
    let (history, _) = query(&repo, &root, None, &["show", &b, "--history"]);
    let paths = commits_of(&history, "versions", "path");
    assert_eq!(paths.first(), Some(&task_file(&b)));
    assert!(paths.contains(&flat_b), "{paths:?}");
    assert_eq!(paths.last(), Some(&task_file(&b)));
    let (linked, _) = query(&repo, &root, None, &["task", "commits", &a]);
    assert_eq!(linked["commits"].as_array().unwrap().len(), 1, "{linked}");

    // With git's commit-graph file, and with the cache warm from the queries above.
    repo.git(&["commit-graph", "write", "--reachable"]);
    assert_same_answers(&repo, &root, &queries, false);

    // History rewritten under the warm cache: the merges undone and made again in the
    // other order, the last commit amended.
    repo.git(&["reset", "-q", "--hard", "HEAD~3"]);
    assert_same_answers(&repo, &root, &queries[..3], false);
    clock.git(
        &repo,
        &root,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "merge other clone first",
            "other",
        ],
    );
    clock.git(
        &repo,
        &root,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-X",
            "theirs",
            "-m",
            "merge feat",
            "feat",
        ],
    );
    clock.orc(&repo, &root, &["task", "note", &a, "after the rewrite"]);
    clock.git(
        &repo,
        &root,
        &["commit", "-q", "--amend", "-m", "amended note"],
    );
    assert_same_answers(&repo, &root, &queries, false);
}

#[test]
fn shallow_clones_answer_as_a_full_walk_of_what_they_have() {
    let repo = Repo::new();
    let clock = Clock::new();
    import_pre_init_history(&repo);
    clock.orc(&repo, &repo.root, &["init"]);
    let a = clock
        .orc(&repo, &repo.root, &["task", "add", "Parser"])
        .trim()
        .to_owned();
    for i in 0..5 {
        clock.orc(
            &repo,
            &repo.root,
            &["task", "note", &a, &format!("step {i}")],
        );
    }
    let url = format!("file://{}", repo.root.display());
    // Cut inside orc's history, and inside the history before it.
    for depth in ["3", "100"] {
        let dir = repo.sibling(&format!("shallow-{depth}"));
        success(&mut repo.git_cmd(
            &repo.root,
            &["clone", "-q", "--depth", depth, &url, dir.to_str().unwrap()],
        ));
        let queries = [
            vec!["log"],
            vec!["show", &a, "--history"],
            vec!["task", "commits", &a],
        ];
        for q in &queries {
            let (full, _) = query(&repo, &dir, Some("off"), q);
            let (eager, _) = query(&repo, &dir, Some("eager"), q);
            assert_eq!(eager, full, "orc {q:?} in a clone of depth {depth}");
            if q[0] == "log" {
                assert_eq!(full["history"]["shallow"], true, "{full}");
            }
        }
        // Unshallowed under a warm cache: the whole history is there now.
        success(&mut repo.git_cmd(&dir, &["fetch", "-q", "--unshallow"]));
        for q in &queries {
            let (full, full_read) = query(&repo, &dir, Some("off"), q);
            let (eager, eager_read) = query(&repo, &dir, Some("eager"), q);
            assert_eq!(eager, full, "orc {q:?} unshallowed from depth {depth}");
            if q[0] == "log" {
                assert_eq!(full["history"]["shallow"], false, "{full}");
                assert!(eager_read < full_read, "{eager_read} < {full_read}");
            }
        }
    }
}

/// `orc show ID --history` answers from the cache of which orc files each commit changed
/// exactly as a full walk that looks every path up answers: built cold, used warm, rebuilt
/// when the file is cut short or damaged, and never trusted for commits that a reset, an
/// amend or a rebase replaced.
#[test]
fn show_history_from_the_path_cache_answers_as_a_full_walk() {
    let repo = Repo::new();
    let clock = Clock::new();
    let root = repo.root.clone();
    clock.orc(&repo, &root, &["init"]);
    let a = clock
        .orc(&repo, &root, &["task", "add", "Parser"])
        .trim()
        .to_owned();
    let b = clock
        .orc(&repo, &root, &["task", "add", "Lexer"])
        .trim()
        .to_owned();
    clock.orc(&repo, &root, &["start", &a]);
    clock.orc(
        &repo,
        &root,
        &["decision", "new", "Hand-written parser", "--task", &a],
    );
    // A side branch that changes A, merged; then a merge that changes A against both
    // sides (orc writes the file during the merge, git commits it).
    clock.git(&repo, &root, &["checkout", "-q", "-b", "side"]);
    clock.orc(&repo, &root, &["task", "note", &a, "on the side"]);
    clock.git(&repo, &root, &["checkout", "-q", "main"]);
    clock.orc(&repo, &root, &["task", "note", &b, "meanwhile"]);
    clock.git(
        &repo,
        &root,
        &["merge", "-q", "--no-ff", "-m", "merge side", "side"],
    );
    clock.git(&repo, &root, &["checkout", "-q", "-b", "side2", "HEAD~1"]);
    clock.orc(&repo, &root, &["task", "note", &b, "on side2"]);
    clock.git(&repo, &root, &["checkout", "-q", "main"]);
    clock.git(
        &repo,
        &root,
        &["merge", "-q", "--no-ff", "--no-commit", "side2"],
    );
    clock.orc(&repo, &root, &["task", "note", &a, "while merging"]);
    clock.git(&repo, &root, &["commit", "-qam", "merge side2"]);
    clock.orc(&repo, &root, &["task", "note", &a, "after the merges"]);
    assert_eq!(repo.status_porcelain(), "");

    let queries: Vec<Vec<&str>> = vec![
        vec!["show", &a, "--history"],
        vec!["show", &b, "--history"],
        vec!["show", "1", "--history"],
    ];
    let cache = repo.git_dir().join("orc/cache/history.paths");
    let same = |when: &str| {
        for q in &queries {
            let (full, _) = query(&repo, &root, Some("off"), q);
            let (cached, _) = query(&repo, &root, None, q);
            assert_eq!(cached, full, "orc {q:?} {when}");
        }
    };
    same("with a cold cache");
    // The merge that changed A against both sides is one of A's versions; the merge that
    // took A from one side is not.
    let (history, _) = query(&repo, &root, None, &queries[0]);
    let summaries: Vec<String> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["summary"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        summaries.contains(&"merge side2".to_owned()),
        "{summaries:?}"
    );
    assert!(
        !summaries.contains(&"merge side".to_owned()),
        "{summaries:?}"
    );
    let built = std::fs::read(&cache).expect("the cache is written");
    same("with a warm cache");
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        built,
        "a warm query rewrites nothing"
    );

    // Cut short, or one byte changed: ignored, and written again as it was.
    std::fs::write(&cache, &built[..built.len() / 2]).unwrap();
    same("with a truncated cache");
    assert_eq!(std::fs::read(&cache).unwrap(), built, "rebuilt");
    for at in [built.len() / 3, built.len() / 2, built.len() - 1] {
        let mut damaged = built.clone();
        damaged[at] ^= 0x55;
        std::fs::write(&cache, &damaged).unwrap();
        same(&format!("with byte {at} of the cache damaged"));
        assert_eq!(std::fs::read(&cache).unwrap(), built, "rebuilt");
    }

    // History rewritten under the warm cache: reset, new commits, an amend that changes
    // A's file, and a branch rebased onto the new history.
    repo.git(&["reset", "-q", "--hard", "HEAD~2"]);
    same("after a reset");
    clock.orc(&repo, &root, &["task", "note", &b, "after the reset"]);
    clock.git(&repo, &root, &["checkout", "-q", "-b", "topic", "HEAD~1"]);
    let c = clock
        .orc(&repo, &root, &["task", "add", "Docs"])
        .trim()
        .to_owned();
    clock.orc(&repo, &root, &["task", "note", &c, "on the topic"]);
    let show_c = query(&repo, &root, None, &["show", &c, "--history"]).0;
    clock.git(&repo, &root, &["checkout", "-q", "main"]);
    clock.orc(&repo, &root, &["task", "note", &a, "to be amended"]);
    same("after new commits");
    let file = task_file(&a);
    let text = repo.read(&file).replace("to be amended", "amended");
    repo.write(&file, &text);
    clock.git(
        &repo,
        &root,
        &["commit", "-q", "-a", "--amend", "--no-edit"],
    );
    same("after an amend");
    clock.git(&repo, &root, &["checkout", "-q", "topic"]);
    same("on the topic branch");
    clock.git(&repo, &root, &["rebase", "-q", "main"]);
    same("after the topic was rebased");
    let (full, _) = query(&repo, &root, Some("off"), &["show", &c, "--history"]);
    let (rebased, _) = query(&repo, &root, None, &["show", &c, "--history"]);
    assert_eq!(rebased, full);
    assert_ne!(
        commits_of(&rebased, "versions", "commit"),
        commits_of(&show_c, "versions", "commit"),
        "the rebased commits are new ones"
    );
    assert_eq!(repo.status_porcelain(), "");
}
