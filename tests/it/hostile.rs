//! Hostile input: paths that escape the repository, symlink loops, pipes, NUL bytes,
//! huge titles and files, non-UTF-8 names, and files of `.orchestrator/` replaced by
//! directories or by a newer format. Each is refused with exit code 1, an error saying
//! what and where, a hint saying what to do, and nothing written: no commit, the same
//! `git status`, the same index, no temporary file.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Repo, add, task_file};

/// The state a refused command must leave untouched.
fn snapshot(repo: &Repo) -> (String, String, Vec<u8>) {
    // `git status` may refresh the index's stat data: take it first.
    let status = repo.status_porcelain();
    let index = std::fs::read(repo.root.join(".git/index")).unwrap();
    (repo.git(&["rev-parse", "HEAD"]), status, index)
}

/// Runs `cmd` and asserts a refusal that wrote nothing; returns stderr.
fn refused_cmd(repo: &Repo, mut cmd: Command) -> String {
    let before = snapshot(repo);
    let out = cmd.output().expect("orc runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{cmd:?} should fail with 1:\nstdout: {}\nstderr: {stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.starts_with("error: "), "{cmd:?}: {stderr}");
    assert!(
        stderr.contains("\nhint: "),
        "{cmd:?} gives no hint: {stderr}"
    );
    let after = snapshot(repo);
    assert_eq!(before.0, after.0, "{cmd:?} committed");
    assert_eq!(before.1, after.1, "{cmd:?} changed the work tree");
    assert!(before.2 == after.2, "{cmd:?} changed the index");
    repo.assert_no_temp_files();
    stderr
}

fn refused(repo: &Repo, args: &[&str]) -> String {
    refused_cmd(repo, repo.orc_cmd(args))
}

/// A repository with one task in progress (for `done --artifact`) and one pending.
fn repo_with_work() -> (Repo, String) {
    let repo = Repo::init();
    let id = add(&repo, &["Build it"]);
    repo.ok(&["start", &id]);
    repo.write("src/lib.rs", "fn main() {}\n");
    (repo, id)
}

#[test]
fn paths_escaping_the_repository_are_refused() {
    let (repo, id) = repo_with_work();
    let outside = repo.sibling("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret\n").unwrap();
    symlink(&outside, repo.root.join("escape")).unwrap();
    symlink(outside.join("secret.txt"), repo.root.join("escape.txt")).unwrap();
    symlink("loop", repo.root.join("loop")).unwrap();
    symlink("ping", repo.root.join("pong")).unwrap();
    symlink("pong", repo.root.join("ping")).unwrap();
    let abs_outside = outside.join("secret.txt");
    let abs_outside = abs_outside.to_str().unwrap();

    let cases = [
        ("../outside/secret.txt", "is outside the repository"),
        ("src/../../outside/secret.txt", "is outside the repository"),
        (abs_outside, "is outside the repository"),
        ("/etc/passwd", "is outside the repository"),
        ("escape/secret.txt", "is outside the repository"),
        ("escape", "is outside the repository"),
        ("escape.txt", "is outside the repository"),
        ("loop", "symbolic link loop"),
        ("ping", "symbolic link loop"),
        (".git/config", "inside .git/"),
    ];
    for (path, why) in cases {
        let err = refused(&repo, &["files", "record", path, "--task", &id]);
        assert!(err.contains(path) && err.contains(why), "{path}: {err}");
        let err = refused(&repo, &["done", &id, "--summary", "s", "--artifact", path]);
        assert!(err.contains(path) && err.contains(why), "{path}: {err}");
    }
    // The task is still in progress, and no manifest was written.
    assert_eq!(
        repo.json(&["task", "show", &id])["task"]["status"],
        "in_progress"
    );
    assert!(!repo.root.join(".orchestrator/manifests").exists());

    // A directory walk does not follow symbolic links out of the repository.
    std::fs::create_dir_all(repo.root.join("src/sub")).unwrap();
    symlink(&outside, repo.root.join("src/sub/away")).unwrap();
    symlink("../sub", repo.root.join("src/sub/cycle")).unwrap();
    let recorded = repo.json(&["files", "record", "src", "--task", &id]);
    let paths: Vec<&str> = recorded["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["src/lib.rs"]);
}

#[test]
fn pipes_directories_and_special_files_are_refused_without_hanging() {
    let (repo, id) = repo_with_work();
    let fifo = repo.root.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // Opening a pipe for reading waits for a writer forever: orc must not open it.
    let err = refused(&repo, &["files", "record", "pipe", "--task", &id]);
    assert!(err.contains("pipe is not a regular file"), "{err}");
    let err = refused(
        &repo,
        &["done", &id, "--summary", "s", "--artifact", "pipe"],
    );
    assert!(err.contains("pipe is not a regular file"), "{err}");
    let err = refused(&repo, &["done", &id, "--summary", "s", "--artifact", "src"]);
    assert!(err.contains("src is a directory, not a file"), "{err}");
    // A directory walk skips the pipe.
    std::fs::rename(&fifo, repo.root.join("src/pipe")).unwrap();
    let recorded = repo.json(&["files", "record", "src", "--task", &id]);
    assert_eq!(recorded["recorded"].as_array().unwrap().len(), 1);
}

#[test]
fn nul_bytes_in_input_are_refused() {
    let (repo, id) = repo_with_work();
    let dir = repo.sibling("input");
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, content: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_owned()
    };

    let json = file(
        "plan.json",
        br#"{"title": "Plan\u0000x", "subtasks": [{"title": "a\u0000b", "role": "tester"}]}"#,
    );
    let err = refused(&repo, &["plan", "--from", &json]);
    assert!(err.contains("plan.json: 2 problems"), "{err}");
    assert!(
        err.contains("  title: the title contains a NUL byte")
            && err.contains("  subtasks[0].title: the title contains a NUL byte"),
        "{err}"
    );
    let toml = file(
        "plan.toml",
        b"title = \"ok\"\n[[subtasks]]\ntitle = \"x\\u0000y\"\nrole = \"tester\"\n",
    );
    let err = refused(&repo, &["plan", "--from", &toml]);
    assert!(
        err.contains("subtasks[0].title: the title contains a NUL byte"),
        "{err}"
    );

    // Raw NUL bytes in a text file: refused where they are, before anything is parsed.
    let md = file("decision.md", b"# Use NUL\n\nThe body\nhas a \0 byte.\n");
    let err = refused(&repo, &["decision", "new", "--from", &md]);
    assert!(
        err.contains("decision.md: line 4: contains a NUL byte"),
        "{err}"
    );
    let detail = file("detail.md", b"done\0");
    let err = refused(
        &repo,
        &["done", &id, "--summary", "s", "--detail-file", &detail],
    );
    assert!(
        err.contains("detail.md: line 1: contains a NUL byte"),
        "{err}"
    );
    let front = file("front.md", b"---\ntitle: \"a\\0b\"\n---\nbody\n");
    let err = refused(&repo, &["decision", "new", "--from", &front]);
    assert!(err.contains("the title contains a NUL byte"), "{err}");

    // Text that reaches orc another way (here an editor) is checked before writing: a NUL
    // byte would make git treat the decision as a binary file.
    let editor = file(
        "editor.sh",
        b"#!/bin/sh\nprintf '# From the editor\\n\\nbinary \\000 body\\n' > \"$1\"\n",
    );
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut cmd = repo.orc_cmd(&["decision", "new", "--edit"]);
    cmd.env("EDITOR", &editor);
    let err = refused_cmd(&repo, cmd);
    assert!(
        err.contains("0001-from-the-editor.md contains a NUL byte (line 11); nothing was written"),
        "{err}"
    );
    assert!(!repo.root.join(".orchestrator/decisions").exists());
}

#[test]
fn very_long_titles_are_refused_everywhere() {
    let repo = Repo::init();
    let id = add(&repo, &["short"]);
    let long = "x".repeat(501);
    let too_long = "the title is 501 characters long; at most 500 are allowed";
    for args in [
        vec!["task", "add", &long],
        vec!["task", "edit", &id, "--title", &long],
        vec!["decision", "new", &long],
        vec!["plan", &long, "--subtask", "tester:t"],
    ] {
        let err = refused(&repo, &args);
        assert!(err.contains(too_long), "{args:?}: {err}");
    }
    let sub = format!("tester:{long}");
    let err = refused(&repo, &["plan", "ok", "--subtask", &sub]);
    assert!(
        err.contains(&format!("subtasks[0].title: {too_long}")),
        "{err}"
    );
    let md = repo.sibling("long.md");
    std::fs::write(&md, format!("# {long}\n\nbody\n")).unwrap();
    let err = refused(&repo, &["decision", "new", "--from", md.to_str().unwrap()]);
    assert!(err.contains(too_long), "{err}");

    // 500 characters (1,000 bytes of UTF-8) are fine; the decision's file name stays short.
    let max = "é".repeat(499) + "x";
    add(&repo, &[&max]);
    let d = repo.json(&["decision", "new", &max]);
    // `NNNN-` + a slug of at most 50 characters + `.md`.
    let name = d["path"].as_str().unwrap().rsplit('/').next().unwrap();
    assert!(name.len() <= 58, "{d}");
    assert!(name.starts_with("0001-eeeee"), "{d}");
}

#[test]
fn file_names_that_are_not_utf8_are_refused_not_skipped() {
    let (repo, id) = repo_with_work();
    std::fs::create_dir_all(repo.root.join("data")).unwrap();
    std::fs::write(repo.root.join("data/good.txt"), "good\n").unwrap();
    let bad = repo.root.join(OsStr::from_bytes(b"data/bad\xff.txt"));
    std::fs::write(&bad, "bad\n").unwrap();

    let err = refused(&repo, &["files", "record", "data", "--task", &id]);
    assert!(
        err.contains(r#""data/bad\xff.txt": the file name is not valid UTF-8"#),
        "{err}"
    );
    let err = refused(&repo, &["files", "record", "--changed", "--task", &id]);
    assert!(err.contains("the file name is not valid UTF-8"), "{err}");
    let mut cmd = repo.orc_cmd(&["files", "record", "--task", &id]);
    cmd.arg(OsStr::from_bytes(b"data/bad\xff.txt"));
    let err = refused_cmd(&repo, cmd);
    assert!(err.contains("is not valid UTF-8"), "{err}");
    let mut cmd = repo.orc_cmd(&["done", &id, "--summary", "s", "--artifact"]);
    cmd.arg(OsStr::from_bytes(b"data/bad\xff.txt"));
    let err = refused_cmd(&repo, cmd);
    assert!(err.contains("is not valid UTF-8"), "{err}");

    // Once git ignores it, the rest of the directory is recorded.
    std::fs::write(repo.root.join(".git/info/exclude"), "bad*\n").unwrap();
    let recorded = repo.json(&["files", "record", "data", "--task", &id]);
    assert_eq!(recorded["recorded"][0]["path"], "data/good.txt");
    assert_eq!(recorded["recorded"].as_array().unwrap().len(), 1);
}

#[test]
fn huge_input_files_fail_fast_with_a_size_limit() {
    let (repo, id) = repo_with_work();
    // 100 MB: a plan's first line, then a sparse tail (cheap to create, real to read).
    let big = repo.sibling("big.toml");
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(b"title = \"big\"\ndescription = \"\"\"")
        .unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    drop(f);
    let big = big.to_str().unwrap();

    let started = Instant::now();
    let err = refused(&repo, &["plan", "--from", big]);
    let elapsed = started.elapsed();
    assert!(
        err.contains("big.toml is 104857600 bytes; orc reads at most 10 MB of input"),
        "{err}"
    );
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    for args in [
        vec!["decision", "new", "--from", big],
        vec!["done", &id, "--summary", "s", "--detail-file", big],
    ] {
        let err = refused(&repo, &args);
        assert!(err.contains("orc reads at most 10 MB"), "{args:?}: {err}");
    }

    // Standard input has no size up front: orc stops reading just past the limit.
    let mut cmd = repo.orc_cmd(&["plan", "--from", "-"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let before = snapshot(&repo);
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'#'; 1024 * 1024];
        // orc closes the pipe once it has read enough: a write error ends the loop.
        for _ in 0..100 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("<stdin> is over 10485760 bytes; orc reads at most 10 MB"),
        "{err}"
    );
    assert!(snapshot(&repo) == before, "nothing written");
}

/// A file (or a symlink) where a shard directory of task files goes: refused before
/// anything is committed, with the path to move.
#[test]
fn a_file_where_a_task_directory_goes_is_refused_before_committing() {
    let repo = Repo::init();
    let tasks = repo.root.join(".orchestrator/tasks");
    std::fs::create_dir_all(&tasks).unwrap();
    for c in "0123456789abcdef".chars() {
        if c == 'e' {
            symlink(repo.sibling("elsewhere"), tasks.join("e")).unwrap();
        } else {
            std::fs::write(tasks.join(c.to_string()), "mine\n").unwrap();
        }
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "files where orc's directories go"]);
    let err = refused(&repo, &["task", "add", "hello"]);
    assert!(err.contains("is not a directory"), "{err}");
    assert!(err.contains("hint: move .orchestrator/tasks/"), "{err}");
    assert!(
        !repo.sibling("elsewhere").exists(),
        "nothing written through the symlink"
    );
}

#[test]
fn a_task_file_replaced_by_a_directory_is_reported_not_fatal() {
    let repo = Repo::init();
    let broken = add(&repo, &["broken"]);
    let fine = add(&repo, &["fine"]);
    let path = task_file(&broken);
    std::fs::remove_file(repo.root.join(&path)).unwrap();
    std::fs::create_dir(repo.root.join(&path)).unwrap();

    for args in [
        vec!["task", "note", &broken, "hello"],
        vec!["task", "status", &broken, "in_progress"],
        vec!["task", "edit", &broken, "--title", "new"],
        vec!["start", &broken],
        vec!["task", "show", &broken],
    ] {
        let err = refused(&repo, &args);
        assert!(
            err.contains(&format!("{path}: expected a file, found a directory")),
            "{args:?}: {err}"
        );
    }
    let err = refused(&repo, &["task", "note", &broken, "hello"]);
    assert!(
        err.contains(&format!(
            "restore the file with `git checkout HEAD -- {path}`"
        )),
        "{err}"
    );

    // Everything else still works, and the broken file is listed.
    let status = repo.ok(&["status"]);
    assert!(
        status.contains(&format!(
            "Unreadable files (run `orc check`):\n  {path}: expected a file, found a directory"
        )),
        "{status}"
    );
    assert_eq!(
        repo.json(&["status"])["unreadable"][0]["path"],
        path.as_str()
    );
    repo.ok(&["task", "note", &fine, "still works"]);
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains(&format!(
            "{path}: parse: expected a file, found a directory"
        )),
        "{report}"
    );
}

#[test]
fn a_config_that_is_a_directory_gives_a_clear_error() {
    let repo = Repo::init();
    add(&repo, &["a task"]);
    let config = repo.root.join(".orchestrator/config.toml");
    std::fs::remove_file(&config).unwrap();
    std::fs::create_dir(&config).unwrap();
    for args in [
        vec!["status"],
        vec!["task", "list"],
        vec!["task", "add", "another"],
        vec!["decision", "new", "D"],
        vec!["init"],
    ] {
        let err = refused(&repo, &args);
        assert!(
            err.contains(".orchestrator/config.toml: expected a file, found a directory\nhint: move the directory out of the way, then restore the file with `git checkout HEAD -- .orchestrator/config.toml`"),
            "{args:?}: {err}"
        );
    }
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains(".orchestrator/config.toml: parse: expected a file, found a directory"),
        "{report}"
    );
}

#[test]
fn a_task_file_of_a_newer_format_is_read_only_by_a_newer_orc() {
    let repo = Repo::init();
    let newer = add(&repo, &["from the future"]);
    let path = task_file(&newer);
    let text = repo.read(&path).replace("format = 1", "format = 9");
    repo.write(&path, &text);
    let message = format!(
        "{path}: line 1: format 9 is newer than this orc understands (format 1); upgrade orc"
    );
    for args in [
        vec!["task", "note", &newer, "hello"],
        vec!["task", "status", &newer, "in_progress"],
        vec!["task", "show", &newer],
        vec!["task", "rm", &newer],
    ] {
        let err = refused(&repo, &args);
        assert!(err.contains(&message), "{args:?}: {err}");
    }
    let status = repo.ok(&["status"]);
    assert!(
        status.contains(&format!("  {path}: line 1: format 9 is newer")),
        "{status}"
    );
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains(&format!("{path}:1: parse: format 9"))
    );
    assert_eq!(repo.read(&path), text, "left as it was");
}
