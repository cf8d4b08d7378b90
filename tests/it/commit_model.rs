//! The commit model: one commit per mutation, only orc's paths, the user's work untouched,
//! locking and compare-and-swap under concurrency, and the git states where orc must not
//! commit.

use crate::harness::{Repo, Shape, add, task_file};

fn init_makes_the_root_commit_and_is_idempotent(shape: Shape) {
    let repo = Repo::with_shape(shape);
    let out = repo.ok(&["init"]);
    assert!(out.contains("initialised"), "{out}");
    assert_eq!(repo.commit_count(), 1);
    assert_eq!(
        repo.git(&["rev-list", "--max-parents=0", "HEAD"]).trim(),
        repo.git(&["rev-parse", "HEAD"]).trim(),
        "first commit is a root commit"
    );
    let mut paths = repo.head_paths();
    paths.sort();
    assert_eq!(
        paths,
        [
            ".gitattributes",
            ".orchestrator/README.md",
            ".orchestrator/config.toml"
        ]
    );
    assert!(
        repo.read(".orchestrator/config.toml")
            .starts_with("format = 1\n")
    );

    let again = repo.ok(&["init"]);
    assert!(again.contains("already initialised"), "{again}");
    assert_eq!(repo.commit_count(), 1, "second init commits nothing");
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn outside_a_repository_suggests_git_init() {
    let repo = Repo::new();
    let elsewhere = repo.sibling("plain");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = repo.orc_in(&elsewhere, &["init"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not inside a git repository"), "{err}");
    assert!(err.contains("git init"), "{err}");
}

#[test]
fn commands_before_init_say_how_to_start() {
    let repo = Repo::new();
    let err = repo.fails(&["status"]);
    assert!(err.contains("orc init"), "{err}");
}

fn each_mutation_is_one_commit_of_only_its_paths_with_trailers(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    let a = add(&repo, &["Design", "--role", "architect"]);
    assert_eq!(repo.commit_count(), 2);
    assert_eq!(repo.head_paths(), [task_file(&a)]);
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        msg.starts_with(&format!("orc: add {a} \"Design\"\n\n")),
        "{msg}"
    );
    assert!(msg.contains("Orc-Op: task.add\n"), "{msg}");
    assert!(msg.contains(&format!("Orc-Task: {a}\n")), "{msg}");
    let trailers = repo.git(&["log", "-1", "--format=%(trailers:key=Orc-Op,valueonly)"]);
    assert_eq!(trailers.trim(), "task.add");
    let who = repo.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>|%at"]);
    assert_eq!(
        who.trim(),
        "Test Author <author@example.com>|Test Committer <committer@example.com>|1768471200"
    );

    for (args, op) in [
        (vec!["task", "note", &a, "thinking"], "task.note"),
        (vec!["task", "status", &a, "in_progress"], "task.status"),
        (vec!["task", "edit", &a, "--priority", "high"], "task.edit"),
    ] {
        let before = repo.commit_count();
        repo.ok(&args);
        assert_eq!(repo.commit_count(), before + 1, "{args:?}");
        assert_eq!(repo.head_paths(), [task_file(&a)]);
        let got = repo.git(&["log", "-1", "--format=%(trailers:key=Orc-Op,valueonly)"]);
        assert_eq!(got.trim(), op);
    }
    let parent = repo.git(&["rev-parse", "HEAD~1"]);
    assert_eq!(repo.git(&["log", "-1", "--format=%P"]), parent);
    assert_eq!(repo.status_porcelain(), "");
    repo.assert_fsck();
}

fn user_staged_and_unstaged_work_survives_every_command(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    repo.write("user.txt", "v1\n");
    repo.write("other.txt", "o1\n");
    repo.git(&["add", "user.txt", "other.txt"]);
    repo.git(&["commit", "-qm", "user files"]);
    repo.write("user.txt", "staged\n");
    repo.git(&["add", "user.txt"]);
    repo.write("user.txt", "staged then edited\n");
    repo.write("other.txt", "unstaged\n");
    repo.write("new.txt", "untracked\n");
    let before = repo.status_porcelain();
    assert_eq!(before, " M other.txt\nMM user.txt\n?? new.txt\n");
    let staged_blob = repo.git(&["rev-parse", ":user.txt"]);

    let a = add(&repo, &["One"]);
    let b = add(&repo, &["Two", "--depends-on", &a, "--parent", &a]);
    repo.ok(&["task", "note", &b, "n"]);
    repo.ok(&["task", "status", &a, "in_progress"]);
    repo.ok(&["task", "edit", &b, "--title", "Two!"]);
    repo.ok(&["task", "rm", &a, "--recursive"]);

    assert_eq!(repo.status_porcelain(), before);
    assert_eq!(repo.git(&["rev-parse", ":user.txt"]), staged_blob);
    assert_eq!(repo.read("user.txt"), "staged then edited\n");
    // The user's files were never part of an orc commit.
    let touched = repo.git(&["log", "--format=", "--name-only", "-6"]);
    assert!(
        touched
            .lines()
            .all(|p| p.is_empty() || p.starts_with(".orchestrator/")),
        "{touched}"
    );
    // And the user's next commit contains exactly what they staged.
    repo.git(&["commit", "-qm", "mine"]);
    assert_eq!(repo.head_paths(), ["user.txt"]);
    assert_eq!(repo.git(&["show", "HEAD:user.txt"]), "staged\n");
    repo.assert_fsck();
}

fn parallel_processes_lose_no_update(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    let before = repo.commit_count();
    let per_worker = shape.processes(25);
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let cmds: Vec<_> = (0..per_worker)
                .map(|i| repo.orc_cmd(&["task", "add", &format!("w{w} t{i}")]))
                .collect();
            std::thread::spawn(move || {
                for mut c in cmds {
                    let out = c.output().unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let tasks = repo.json(&["task", "list"]);
    assert_eq!(tasks["tasks"].as_array().unwrap().len(), 4 * per_worker);
    assert_eq!(repo.commit_count(), before + 4 * per_worker);
    assert_eq!(
        repo.git(&["rev-list", "--min-parents=2", "--count", "HEAD"])
            .trim(),
        "0"
    );
    assert_eq!(repo.status_porcelain(), "");
    repo.assert_fsck();
}

/// How many `orc task add` race as many `git commit -- <path>` in
/// `racing_git_commits_are_not_lost`: `ORC_RACE_COMMITS`, 20 by default.
fn race_commits() -> usize {
    std::env::var("ORC_RACE_COMMITS")
        .map(|v| v.parse().expect("ORC_RACE_COMMITS is a number"))
        .unwrap_or(20)
}

fn racing_git_commits_are_not_lost(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    let n = shape.processes(race_commits());
    let mut orc_cmds: Vec<_> = (0..n)
        .map(|i| repo.orc_cmd(&["task", "add", &format!("t{i}")]))
        .collect();
    let root = repo.root.clone();
    let git_cmds: Vec<_> = (0..n)
        .map(|i| {
            let mut add = repo.git_cmd(&root, &["add", &format!("f{i}.txt")]);
            let mut commit = repo.git_cmd(
                &root,
                &[
                    "commit",
                    "-qm",
                    &format!("user {i}"),
                    "--",
                    &format!("f{i}.txt"),
                ],
            );
            let _ = (&mut add, &mut commit);
            (i, add, commit)
        })
        .collect();
    let git_thread = std::thread::spawn(move || {
        let mut landed = Vec::new();
        for (i, mut add, mut commit) in git_cmds {
            std::fs::write(root.join(format!("f{i}.txt")), format!("{i}\n")).unwrap();
            // git refuses, not waits, while orc holds the index lock: retry like a user would.
            for _ in 0..200 {
                if add.output().unwrap().status.success()
                    && commit.output().unwrap().status.success()
                {
                    landed.push(i);
                    break;
                }
            }
        }
        landed
    });
    for c in &mut orc_cmds {
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let landed = git_thread.join().unwrap();
    assert_eq!(landed.len(), n, "every user commit eventually landed");
    let log = repo.git(&["log", "--format=%s"]);
    for i in 0..n {
        assert!(
            log.lines().any(|l| l == format!("user {i}")),
            "user {i} missing:\n{log}"
        );
        assert!(repo.root.join(format!("f{i}.txt")).exists());
    }
    assert_eq!(log.lines().filter(|l| l.starts_with("orc: add")).count(), n);
    // `git commit -- <path>` reads HEAD, then the index, then takes the index lock; orc
    // writes the index before it moves HEAD: git never commits or writes back an index
    // without orc's files, so there is nothing to restore and nothing left staged.
    assert_eq!(repo.status_porcelain(), "");
    let restored = repo.git(&["log", "--format=%(trailers:key=Orc-Restored)"]);
    assert_eq!(restored.trim(), "", "no orc file was reverted in HEAD");
    assert_eq!(
        repo.json(&["task", "list"])["tasks"]
            .as_array()
            .unwrap()
            .len(),
        n
    );
    repo.assert_fsck();
}

/// Path -> blob of the `.orchestrator/` entries of `git ls-tree -r HEAD` or of
/// `git ls-files --stage` (the two print the blob id in the same column).
fn orc_entries(listing: &str) -> std::collections::BTreeMap<String, String> {
    listing
        .lines()
        .map(|l| {
            let (meta, path) = l.split_once('\t').expect("tab before the path");
            let blob = meta.split(' ').find(|f| f.len() == 40).expect("blob id");
            (path.to_owned(), blob.to_owned())
        })
        .collect()
}

/// `git commit` reads HEAD, then the index without holding `index.lock`, and then commits
/// on the HEAD it read and writes back the index it read plus its own paths. If, while orc
/// commits, HEAD already has orc's new file and the index not yet, a `git commit` reading
/// in between makes a commit without orc's file or leaves an index without it. So at every
/// stage of an orc commit, an index read after HEAD holds every orc file HEAD holds.
#[test]
fn git_never_sees_head_ahead_of_the_index() {
    let repo = Repo::init();
    add(&repo, &["first"]);
    let paused = repo.root.join(".git/orc/paused");
    for point in ["after-files", "in-index", "before-ref", "after-ref"] {
        let orc = repo
            .orc_cmd(&["task", "add", point])
            .env("ORC_TEST_PAUSE_AT", point)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while !paused.exists() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "orc never paused at {point}"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // In git's order: HEAD first, then the index.
        let head = orc_entries(&repo.git(&["ls-tree", "-r", "HEAD", ".orchestrator"]));
        let index = orc_entries(&repo.git(&["ls-files", "--stage", ".orchestrator"]));
        std::fs::remove_file(&paused).unwrap();
        let out = orc.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (path, blob) in &head {
            assert_eq!(
                index.get(path),
                Some(blob),
                "at {point}: HEAD has {path} and the index read after it does not"
            );
        }
    }
    assert_eq!(repo.commit_count(), 6);
    assert_eq!(repo.status_porcelain(), "");
}

/// git's own race: `git commit` without paths reads the index, then takes `index.lock`,
/// writes back what it read and fails its compare-and-swap on the HEAD orc moved meanwhile.
/// When an orc commit fits in between, HEAD and the work tree have orc's change and the
/// index the entries from before. Orc's next change sets them again and commits nothing
/// else.
#[test]
fn an_index_written_back_by_a_racing_git_commit_is_repaired() {
    let repo = Repo::init();
    let first = add(&repo, &["first"]);
    let index = repo.root.join(".git/index");

    // A new task file lost from the index.
    let read_by_git = std::fs::read(&index).unwrap();
    let second = task_file(add(&repo, &["second"]));
    std::fs::write(&index, &read_by_git).unwrap();
    assert_eq!(
        repo.status_porcelain(),
        format!("D  {second}\n?? {second}\n")
    );
    repo.ok(&["task", "note", &first, "a note"]);
    assert_eq!(repo.status_porcelain(), "");

    // An edit lost from the index.
    let read_by_git = std::fs::read(&index).unwrap();
    repo.ok(&["task", "note", &first, "another note"]);
    std::fs::write(&index, &read_by_git).unwrap();
    let first_file = task_file(&first);
    assert_eq!(repo.status_porcelain(), format!("MM {first_file}\n"));
    add(&repo, &["third"]);
    assert_eq!(repo.status_porcelain(), "");

    // A removal lost from the index.
    let read_by_git = std::fs::read(&index).unwrap();
    repo.ok(&["task", "rm", &first]);
    std::fs::write(&index, &read_by_git).unwrap();
    assert_eq!(repo.status_porcelain(), format!("AD {first_file}\n"));
    let fourth = add(&repo, &["fourth"]);
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(
        repo.git(&["show", "--name-only", "--format=", "HEAD"]),
        format!("{}\n", task_file(&fourth)),
        "the repair is no part of the commit"
    );
    let restored = repo.git(&["log", "--format=%(trailers:key=Orc-Restored)"]);
    assert_eq!(restored.trim(), "", "nothing was missing in HEAD");
    repo.assert_fsck();
}

fn detached_head_commits_on_head(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    add(&repo, &["on main"]);
    repo.git(&["checkout", "-q", "--detach"]);
    let main_before = repo.git(&["rev-parse", "main"]);
    let id = add(&repo, &["detached"]);
    assert_eq!(
        repo.git(&["rev-parse", "main"]),
        main_before,
        "branch untouched"
    );
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), main_before);
    assert_eq!(repo.head_paths(), [task_file(&id)]);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn mid_merge_writes_files_but_does_not_commit() {
    let repo = Repo::init();
    repo.write("f.txt", "base\n");
    repo.git(&["add", "f.txt"]);
    repo.git(&["commit", "-qm", "base"]);
    repo.git(&["checkout", "-qb", "side"]);
    repo.write("f.txt", "side\n");
    repo.git(&["commit", "-qam", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("f.txt", "main\n");
    repo.git(&["commit", "-qam", "main"]);
    let merge = repo
        .git_cmd(&repo.root, &["merge", "-q", "side"])
        .output()
        .unwrap();
    assert!(!merge.status.success(), "the merge conflicts");
    let count = repo.commit_count();

    let out = repo.run(&["task", "add", "during merge"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not committed") && err.contains("merge"),
        "{err}"
    );
    assert_eq!(repo.commit_count(), count, "no commit during a merge");
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(repo.root.join(task_file(&id)).exists());
    assert!(
        repo.status_porcelain()
            .contains(&format!("?? {}", task_file(&id)))
    );
}

#[test]
fn without_identity_the_fallback_is_used() {
    let repo = Repo::init();
    let out = repo
        .orc_cmd(&["task", "add", "anonymous"])
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>"])
            .trim(),
        "orc <orc@localhost>|orc <orc@localhost>"
    );
}

#[test]
fn identity_comes_from_repository_config() {
    let repo = Repo::init();
    repo.git(&["config", "user.name", "Config User"]);
    repo.git(&["config", "user.email", "config@example.com"]);
    let out = repo
        .orc_cmd(&["task", "add", "configured"])
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "Config User <config@example.com>"
    );
}

#[test]
fn no_commit_flag_and_commit_off_leave_committing_to_the_user() {
    let repo = Repo::init();
    let count = repo.commit_count();
    let out = repo.run(&["task", "add", "uncommitted", "--no-commit"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not committed"));
    assert_eq!(repo.commit_count(), count);
    assert_eq!(repo.status_porcelain().lines().count(), 1);

    repo.write(
        ".orchestrator/config.toml",
        "format = 1\ncommit = \"off\"\n",
    );
    repo.git(&["commit", "-qam", "turn commits off"]);
    let count = repo.commit_count();
    add(&repo, &["also uncommitted"]);
    assert_eq!(repo.commit_count(), count);
    assert_eq!(repo.status_porcelain().lines().count(), 2);
}

#[test]
fn malformed_task_file_is_named_with_its_line_and_others_still_work() {
    let repo = Repo::init();
    let good = add(&repo, &["good"]);
    repo.write(
        ".orchestrator/tasks/0/task_0badf11e.toml",
        "format = 1\nid = \"task_0badf11e\"\ntitle = \"broken\nstatus = \"pending\"\n",
    );
    let count = repo.commit_count();
    let before = repo.status_porcelain();

    let err = repo.fails(&["task", "show", "task_0badf11e"]);
    assert!(
        err.contains(".orchestrator/tasks/0/task_0badf11e.toml"),
        "{err}"
    );
    assert!(err.contains("line 3"), "{err}");

    // Commands that do not need the broken file still work.
    repo.ok(&["task", "note", &good, "still fine"]);
    let status = repo.ok(&["status"]);
    assert!(status.contains("task_0badf11e.toml"), "{status}");

    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(".orchestrator/tasks/0/task_0badf11e.toml:3: parse"),
        "{text}"
    );
    assert_eq!(repo.commit_count(), count + 1);
    assert_eq!(repo.status_porcelain(), before);
}

#[test]
fn failed_commands_write_nothing() {
    let repo = Repo::init();
    let a = add(&repo, &["a"]);
    let b = add(&repo, &["b", "--depends-on", &a]);
    let count = repo.commit_count();
    let snapshot = |r: &Repo| (r.read(&task_file(&a)), r.read(&task_file(&b)));
    let files = snapshot(&repo);

    for (args, needle) in [
        (vec!["task", "add", "   "], "title is empty"),
        (
            vec!["task", "add", "x", "--parent", "task_deadbeef"],
            "no task matches",
        ),
        (vec!["task", "add", "x", "--role", "wizard"], "unknown role"),
        (
            vec!["task", "edit", &a, "--add-dep", &b],
            "dependency cycle",
        ),
        (
            vec!["task", "status", &a, "completed"],
            "in_progress, blocked, cancelled",
        ),
        (
            vec!["task", "status", &b, "in_progress"],
            "unfinished dependencies",
        ),
        (vec!["task", "rm", &a], "depend on"),
        (vec!["task", "note", "nope", "x"], "no task matches"),
    ] {
        let err = repo.fails(&args);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            err.contains("hint:") || needle == "title is empty",
            "{args:?} has no hint: {err}"
        );
    }
    assert_eq!(repo.commit_count(), count);
    assert_eq!(snapshot(&repo), files);
    assert_eq!(repo.status_porcelain(), "");
    let leftovers: Vec<_> = walkdir::WalkDir::new(repo.root.join(".orchestrator"))
        .into_iter()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("orc-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn works_from_a_subdirectory_and_with_dash_c() {
    let repo = Repo::init();
    std::fs::create_dir_all(repo.root.join("src/deep")).unwrap();
    let out = repo
        .orc_in(&repo.root.join("src/deep"), &["task", "add", "from below"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let elsewhere = repo.sibling("");
    let out = repo
        .orc_in(
            &elsewhere,
            &["-C", repo.root.to_str().unwrap(), "task", "list"],
        )
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("from below"));
}

#[test]
fn usage_errors_exit_with_two() {
    let repo = Repo::init();
    assert_eq!(repo.run(&["task", "add"]).status.code(), Some(2));
    assert_eq!(repo.run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        repo.run(&["task", "status", "x", "sleeping"]).status.code(),
        Some(2)
    );
}

/// orc reads the index without hashing it (as git does outside `git fsck`) and writes a
/// checksum unless the user chose `index.skipHash`.
fn index_checksum_follows_index_skip_hash(shape: Shape) {
    let repo = Repo::init_shaped(shape);
    // 20 bytes of SHA-1 or 32 of SHA-256, as the repository's objects.
    let len = match repo.git(&["rev-parse", "--show-object-format"]).trim() {
        "sha1" => 20,
        "sha256" => 32,
        other => panic!("object format {other}"),
    };
    let trailer = |repo: &Repo| {
        let bytes = std::fs::read(repo.git_dir().join("index")).unwrap();
        bytes[bytes.len() - len..].to_vec()
    };
    add(&repo, &["with checksum"]);
    assert_ne!(trailer(&repo), vec![0u8; len]);
    // `git fsck` verifies the checksum.
    repo.assert_fsck();
    repo.git(&["config", "index.skipHash", "true"]);
    add(&repo, &["without checksum"]);
    assert_eq!(trailer(&repo), vec![0u8; len]);
    assert_eq!(repo.status_porcelain(), "");
    repo.assert_fsck();
}

crate::for_each_shape!(
    init_makes_the_root_commit_and_is_idempotent,
    each_mutation_is_one_commit_of_only_its_paths_with_trailers,
    user_staged_and_unstaged_work_survives_every_command,
    parallel_processes_lose_no_update,
    racing_git_commits_are_not_lost,
    detached_head_commits_on_head,
    index_checksum_follows_index_skip_hash,
);
