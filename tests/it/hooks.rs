//! `orc hooks`: real `git commit`s in temp repositories run the installed scripts.

use std::path::Path;

use crate::harness::{Repo, add, task_file};

fn commit_msg(repo: &Repo) -> String {
    repo.git(&["log", "-1", "--format=%B"])
}

/// A repository with hooks installed and one task in progress for agent `ann`.
fn with_task_in_progress() -> (Repo, String) {
    let repo = Repo::init();
    repo.ok(&["hooks", "install"]);
    let id = add(&repo, &["Parser", "--assignee", "ann"]);
    repo.ok(&["task", "status", &id, "in_progress"]);
    (repo, id)
}

fn user_commit(repo: &Repo, file: &str, msg: &str) -> std::process::Output {
    repo.write(file, "content\n");
    repo.git(&["add", file]);
    repo.git_cmd(&repo.root, &["commit", "-q", "-m", msg])
        .output()
        .unwrap()
}

#[test]
fn commit_msg_links_user_commits_to_the_task_in_progress() {
    let (repo, id) = with_task_in_progress();
    let out = user_commit(&repo, "a.txt", "Add a");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(commit_msg(&repo), format!("Add a\n\nOrc-Task: {id}\n\n"));
    assert_eq!(
        repo.git(&["log", "-1", "--format=%(trailers:key=Orc-Task,valueonly)"])
            .trim(),
        id
    );

    // A trailer the user wrote wins.
    let out = user_commit(&repo, "b.txt", "Add b\n\nOrc-Task: task_0000aaaa");
    assert!(out.status.success());
    assert_eq!(
        commit_msg(&repo),
        "Add b\n\nOrc-Task: task_0000aaaa\n\n",
        "no second trailer"
    );

    // orc's own commits do not run hooks and keep exactly their trailers.
    repo.ok(&["task", "note", &id, "hello"]);
    let msg = commit_msg(&repo);
    assert_eq!(msg.matches("Orc-Task:").count(), 1, "{msg}");
}

#[test]
fn the_task_follows_the_agent_and_is_never_guessed() {
    let (repo, id) = with_task_in_progress();
    let other = add(&repo, &["Lexer", "--assignee", "bob"]);
    repo.ok(&["task", "status", &other, "in_progress"]);

    // The task this clone last started (without an agent) is the current one.
    assert!(user_commit(&repo, "a0.txt", "Add a0").status.success());
    assert_eq!(
        commit_msg(&repo),
        format!("Add a0\n\nOrc-Task: {other}\n\n")
    );

    // Started elsewhere (nothing recorded in this clone), two tasks in progress and no
    // agent: no trailer rather than a guess.
    std::fs::remove_file(repo.root.join(".git/orc/current-task.toml")).unwrap();
    assert!(user_commit(&repo, "a.txt", "Add a").status.success());
    assert_eq!(commit_msg(&repo), "Add a\n\n");

    // ORC_AGENT picks the agent's own task.
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let mut cmd = repo.git_cmd(&repo.root, &["commit", "-qm", "Add b"]);
    cmd.env("ORC_AGENT", "bob");
    assert!(cmd.output().unwrap().status.success());
    assert_eq!(commit_msg(&repo), format!("Add b\n\nOrc-Task: {other}\n\n"));

    // No task in progress for that agent: none.
    let mut cmd = repo.git_cmd(&repo.root, &["commit", "-qm", "Empty", "--allow-empty"]);
    cmd.env("ORC_AGENT", "carol");
    assert!(cmd.output().unwrap().status.success());
    assert_eq!(commit_msg(&repo), "Empty\n\n");
    let _ = id;
}

#[test]
fn an_existing_hook_is_chained_and_restored_on_uninstall() {
    let repo = Repo::init();
    let hooks = repo.root.join(".git/hooks");
    let user_hook =
        "#!/bin/sh\ngit interpret-trailers --in-place --trailer 'Reviewed-by: user hook' \"$1\"\n";
    write_exec(&hooks.join("commit-msg"), user_hook);

    let out = repo.ok(&["hooks", "install"]);
    assert!(out.contains("kept as"), "{out}");
    assert!(out.contains("runs first"), "{out}");
    let status = repo.json(&["hooks", "status"]);
    let cm = &status["hooks"][0];
    assert_eq!(cm["hook"], "commit-msg");
    assert_eq!(cm["owner"], "orc");
    assert_eq!(cm["runs_user_hook"], true);

    let id = add(&repo, &["Parser"]);
    repo.ok(&["task", "status", &id, "in_progress"]);
    assert!(user_commit(&repo, "a.txt", "Add a").status.success());
    assert_eq!(
        commit_msg(&repo),
        format!("Add a\n\nReviewed-by: user hook\nOrc-Task: {id}\n\n"),
        "the user's hook ran first, orc joined its trailer block"
    );

    // Installing again changes nothing and keeps the chain.
    let again = repo.ok(&["hooks", "install"]);
    assert!(!again.contains("->"), "{again}");

    let out = repo.ok(&["hooks", "uninstall"]);
    assert!(out.contains("restored your hook"), "{out}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("commit-msg")).unwrap(),
        user_hook
    );
    assert!(!hooks.join("commit-msg.orc-user").exists());
    let config = std::fs::read_to_string(repo.root.join(".git/config")).unwrap();
    assert!(
        !config.contains("merge-driver"),
        "driver unregistered:\n{config}"
    );
}

#[cfg(unix)]
fn write_exec(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn force_replaces_a_hook_without_running_it() {
    let repo = Repo::init();
    let hooks = repo.root.join(".git/hooks");
    write_exec(&hooks.join("commit-msg"), "#!/bin/sh\nexit 1\n");
    let out = repo.ok(&["hooks", "install", "--force"]);
    assert!(out.contains("no longer runs"), "{out}");
    assert!(
        user_commit(&repo, "a.txt", "Add a").status.success(),
        "the failing hook did not run"
    );
    repo.ok(&["hooks", "uninstall"]);
    assert_eq!(
        std::fs::read_to_string(hooks.join("commit-msg")).unwrap(),
        "#!/bin/sh\nexit 1\n"
    );
}

#[test]
fn hooks_go_to_core_hooks_path() {
    let repo = Repo::init();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let status = repo.json(&["hooks", "install"]);
    let dir = status["hooks_dir"].as_str().unwrap();
    assert!(dir.ends_with("/repo/.githooks"), "{dir}");
    assert!(repo.root.join(".githooks/commit-msg").exists());
    assert!(!repo.root.join(".git/hooks/commit-msg").exists());
    let id = add(&repo, &["Parser"]);
    repo.ok(&["task", "status", &id, "in_progress"]);
    // A hooks directory in the work tree is shared: its script calls `orc` from PATH.
    let script = repo.read(".githooks/commit-msg");
    assert!(script.contains("orc='orc'"), "{script}");
    let orc_dir = std::path::Path::new(assert_cmd::cargo::cargo_bin!("orc"))
        .parent()
        .unwrap()
        .to_owned();
    let path = std::env::join_paths(
        std::iter::once(orc_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    repo.write("a.txt", "content\n");
    repo.git(&["add", "a.txt"]);
    let out = repo
        .git_cmd(&repo.root, &["commit", "-q", "-m", "Add a"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(commit_msg(&repo).contains(&format!("Orc-Task: {id}")));
}

#[test]
fn install_registers_the_merge_driver_and_commits_gitattributes() {
    let repo = Repo::new();
    repo.write(".gitattributes", "*.png binary");
    repo.git(&["add", ".gitattributes"]);
    repo.git(&["commit", "-qm", "attrs"]);
    let out = repo.ok(&["hooks", "install"]);
    assert!(out.contains("merge driver: registered"), "{out}");
    assert!(out.contains("committed .gitattributes"), "{out}");
    assert_eq!(
        repo.read(".gitattributes"),
        "*.png binary\n.orchestrator/**/*.toml merge=orc\n.orchestrator/**/decisions/*.md merge=orc\n"
    );
    assert_eq!(repo.head_paths(), [".gitattributes"]);
    assert!(
        repo.git(&["log", "-1", "--format=%B"])
            .contains("Orc-Op: hooks.install")
    );
    let driver = repo.git(&["config", "merge.orc.driver"]);
    assert!(
        driver.trim().ends_with("merge-driver %O %A %B %P"),
        "{driver}"
    );
    assert_eq!(
        repo.git(&["check-attr", "merge", ".orchestrator/tasks/1/task_1.toml"])
            .trim(),
        ".orchestrator/tasks/1/task_1.toml: merge: orc"
    );
    assert_eq!(
        repo.git(&["check-attr", "merge", ".orchestrator/decisions/0001-a.md"])
            .trim(),
        ".orchestrator/decisions/0001-a.md: merge: orc",
        "decisions merge by field too"
    );
    assert_eq!(
        repo.git(&["check-attr", "merge", ".orchestrator/roles/architect.md"])
            .trim(),
        ".orchestrator/roles/architect.md: merge: unspecified",
        "other Markdown keeps git's line merge"
    );
    let before = repo.commit_count();
    repo.ok(&["hooks", "install"]);
    assert_eq!(
        repo.commit_count(),
        before,
        "nothing to commit the second time"
    );
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn pre_commit_checks_the_staged_files_not_the_work_tree() {
    let repo = Repo::init();
    repo.ok(&["hooks", "install", "--pre-commit"]);
    let id = add(&repo, &["Parser"]);
    let path = task_file(&id);
    let good = repo.read(&path);

    // Broken file staged: refused with the file and line.
    repo.write(
        &path,
        &good.replace("status = \"pending\"", "status = \"sleeping\""),
    );
    repo.git(&["add", &path]);
    repo.write(&path, &good); // the work tree is fine again, the index is not
    let out = repo
        .git_cmd(&repo.root, &["commit", "-qm", "break it"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{path}:")), "{err}");
    assert!(err.contains("sleeping"), "{err}");
    assert!(err.contains("commit refused"), "{err}");

    // Staged fine, work tree broken: allowed.
    repo.git(&["add", &path]);
    repo.write(&path, "not toml [");
    let out = user_commit(&repo, "a.txt", "Add a");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn orc_failures_never_block_a_commit() {
    let repo = Repo::init();
    repo.ok(&["hooks", "install", "--pre-commit", "--post-commit"]);
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let out = repo
        .git_cmd(&repo.root, &["commit", "-qm", "Add a"])
        .env("ORC_NOW", "not a time")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("commit-msg hook: warning"), "{err}");
    assert!(err.contains("ORC_NOW"), "{err}");
}

#[test]
fn post_commit_names_the_linked_task() {
    let (repo, id) = with_task_in_progress();
    repo.ok(&["hooks", "install", "--post-commit"]);
    let out = user_commit(&repo, "a.txt", "Add a");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("orc: commit linked to {id}")),
        "{err}"
    );
}

#[test]
fn completions_and_man_page_are_generated() {
    let repo = Repo::new();
    let bash = repo.ok(&["completions", "bash"]);
    assert!(
        bash.contains("_clap_complete_orc()") && bash.contains("COMPLETE=\"bash\""),
        "{}",
        &bash[..200.min(bash.len())]
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(
            repo.ok(&["completions", shell]).contains("COMPLETE"),
            "{shell}"
        );
    }
    let man = repo.ok(&["man"]);
    assert!(man.starts_with(".ie"), "{}", &man[..100.min(man.len())]);
    assert!(man.contains(".TH orc 1"), "{}", &man[..300.min(man.len())]);

    // With --dir, every page the top page refers to (`orc-init(1)`, ...) exists.
    let dir = repo.sibling("man1");
    let out = repo.ok(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(out.starts_with("wrote "), "{out}");
    let top = std::fs::read_to_string(dir.join("orc.1")).unwrap();
    let refs: Vec<&str> = top
        .split("orc\\-")
        .skip(1)
        .filter_map(|rest| rest.split_once("(1)").map(|(name, _)| name))
        .collect();
    assert!(refs.contains(&"init") && refs.len() > 20, "{refs:?}");
    for name in refs {
        let page = format!("orc-{}.1", name.replace("\\-", "-"));
        assert!(dir.join(&page).exists(), "{page} is referenced but missing");
    }
    assert!(dir.join("orc-task-add.1").exists());

    // A reader that stops early (`orc completions bash | head`) is no reason to panic.
    for args in [["completions", "bash"].as_slice(), ["man"].as_slice()] {
        let mut child = repo
            .orc_cmd(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn a_long_description_does_not_hide_the_task_in_progress() {
    let repo = Repo::init();
    repo.ok(&["hooks", "install"]);
    let long = "word ".repeat(600);
    let id = add(&repo, &["Long", "--description", &long]);
    repo.ok(&["task", "status", &id, "in_progress"]);
    assert!(user_commit(&repo, "a.txt", "Add a").status.success());
    assert_eq!(commit_msg(&repo), format!("Add a\n\nOrc-Task: {id}\n\n"));
}

#[test]
fn install_refuses_to_overwrite_a_hook_and_its_backup() {
    let repo = Repo::init();
    let hooks = repo.root.join(".git/hooks");
    write_exec(&hooks.join("pre-commit"), "#!/bin/sh\nexit 0\n");
    write_exec(&hooks.join("pre-commit.orc-user"), "#!/bin/sh\nexit 0\n");
    let err = repo.fails(&["hooks", "install", "--pre-commit"]);
    assert!(err.contains("orc will not overwrite either"), "{err}");
    assert!(err.contains("move one of them away"), "{err}");
    assert!(!hooks.join("commit-msg").exists(), "nothing was installed");
}

#[test]
fn completion_offers_task_ids_with_titles_and_decision_numbers() {
    let repo = Repo::init();
    let a = crate::harness::add(&repo, &["Write the parser", "--role", "implementer"]);
    let b = crate::harness::add(&repo, &["Document it"]);
    repo.ok(&["decision", "new", "Hand-written parser"]);
    let hex = &a[a.find('_').unwrap() + 1..][..4];
    // The protocol the fish script speaks: one `value<TAB>help` line per candidate.
    let complete = |words: &[&str]| {
        let mut args = vec!["--", "orc"];
        args.extend_from_slice(words);
        let out = repo
            .orc_cmd(&args)
            .env("COMPLETE", "fish")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let all = complete(&["start", ""]);
    assert!(
        all.contains(&format!("{a}\tWrite the parser [pending]\n")),
        "{all}"
    );
    assert!(
        all.contains(&format!("{b}\tDocument it [pending]\n")),
        "{all}"
    );
    assert_eq!(
        complete(&["done", hex]),
        format!("{a}\tWrite the parser [pending]\n")
    );
    assert_eq!(
        complete(&["task", "add", "x", "--depends-on", "implementer_"]),
        format!("{a}\tWrite the parser [pending]\n")
    );
    // An empty word also gets the options, after the values.
    assert!(
        complete(&["decision", "show", ""]).starts_with("0001\tHand-written parser [proposed]\n-")
    );
    assert_eq!(
        complete(&["decision", "accept", "1"]),
        "0001\tHand-written parser [proposed]\n"
    );
    // Real bash: the registered function turns a hex prefix into the whole id.
    let script = repo.ok(&["completions", "bash"]);
    let orc_dir = std::path::Path::new(assert_cmd::cargo::cargo_bin!("orc"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let out = repo
        .command("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(format!(
            "PATH={orc_dir}:$PATH\n{script}\nCOMP_WORDS=(orc start {hex}); COMP_CWORD=2; COMP_TYPE=9\n_clap_complete_orc orc {hex} start\nprintf '%s\\n' \"${{COMPREPLY[@]}}\""
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{a}\n"),
        "{out:?}"
    );
}

#[test]
fn a_hooks_directory_in_the_work_tree_gets_portable_scripts_and_keeps_the_teams_hooks() {
    let repo = Repo::init();
    repo.write(
        ".husky/commit-msg",
        "#!/bin/sh\nnpx commitlint --edit \"$1\"\n",
    );
    repo.git(&["add", ".husky"]);
    repo.git(&["commit", "-qm", "team hooks"]);
    repo.git(&["config", "core.hooksPath", ".husky"]);
    let err = repo.fails(&["hooks", "install"]);
    assert!(err.contains("inside the work tree"), "{err}");
    assert!(err.contains("orc hooks run commit-msg \"$@\""), "{err}");
    assert_eq!(
        repo.read(".husky/commit-msg"),
        "#!/bin/sh\nnpx commitlint --edit \"$1\"\n"
    );
    assert!(!repo.root.join(".husky/commit-msg.orc-user").exists());
    assert_eq!(repo.status_porcelain(), "");

    // Without a hook of the team's there, the script orc writes calls `orc` from PATH,
    // not this machine's path to the binary.
    repo.git(&["rm", "-q", ".husky/commit-msg"]);
    repo.git(&["commit", "-qm", "no commit-msg hook"]);
    repo.ok(&["hooks", "install"]);
    let script = repo.read(".husky/commit-msg");
    let exe = assert_cmd::cargo::cargo_bin!("orc").display().to_string();
    assert!(script.contains("orc='orc'"), "{script}");
    assert!(!script.contains(&exe), "{script}");
}
