//! Nothing disappears silently: files that do not parse are named by every reading
//! command, conflict markers are called what they are, and files orc wrote without
//! committing are reported as uncommitted.

use crate::harness::{Repo, add, task_file};

/// A repository with a task whose file is broken and a task that depends on it.
fn broken_and_dependent() -> (Repo, String, String, String) {
    let repo = Repo::init();
    let broken = add(&repo, &["Broken"]);
    let dependent = add(&repo, &["Dependent", "--depends-on", &broken]);
    let path = task_file(&broken);
    let text = repo.read(&path);
    repo.write(&path, &text.replace("title = ", "title = = "));
    (repo, broken, dependent, path)
}

fn stderr_of(repo: &Repo, args: &[&str]) -> String {
    let out = repo.run(args);
    assert!(
        out.status.success(),
        "orc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_task_file_that_does_not_parse_is_named_by_every_reading_command() {
    let (repo, broken, _, path) = broken_and_dependent();
    for args in [
        vec!["task", "list"],
        vec!["ready"],
        vec!["status"],
        vec!["recover"],
        vec!["stream", "list"],
    ] {
        let err = stderr_of(&repo, &args);
        assert!(
            err.contains("warning: 1 file under .orchestrator/ could not be read")
                && err.contains(&format!("  {path}: line ")),
            "{args:?}: {err}"
        );
    }
    for args in [vec!["task", "list"], vec!["ready"], vec!["status"]] {
        let json = repo.json(&args);
        assert_eq!(
            json["problems"][0]["path"],
            path.as_str(),
            "{args:?}: {json}"
        );
        assert!(
            json["problems"][0]["error"]
                .as_str()
                .unwrap()
                .starts_with("line ")
        );
    }
    // `task show` finds the file by id, and by a prefix of it.
    for input in [broken.as_str(), &broken[..9]] {
        let err = repo.fails(&["task", "show", input]);
        assert!(err.starts_with(&format!("error: {path}: line ")), "{err}");
    }
}

#[test]
fn a_parse_error_does_not_make_references_to_that_task_dangle() {
    let (repo, _, _, path) = broken_and_dependent();
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("{path}:")), "{text}");
    assert!(!text.contains("does not exist"), "{text}");
    assert!(text.contains("1 problem in"), "{text}");
    let out = repo.run(&["maintenance", "scan", "--json"]);
    let scan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        scan["scan"]["broken_references"],
        serde_json::json!([]),
        "{scan}"
    );
    assert_eq!(scan["problems"][0]["path"], path.as_str(), "{scan}");
}

#[test]
fn conflict_markers_left_by_a_line_merge_are_named_as_such() {
    let repo = Repo::init();
    // Without the driver git merges task files line by line.
    repo.ok(&["hooks", "uninstall"]);
    let id = add(&repo, &["Title"]);
    repo.git(&["branch", "other"]);
    repo.ok(&["task", "edit", &id, "--title", "Ours"]);
    repo.git(&["checkout", "-q", "other"]);
    repo.ok(&["task", "edit", &id, "--title", "Theirs"]);
    let out = repo
        .git_cmd(&repo.root, &["merge", "--no-edit", "main"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "git leaves markers");
    let path = task_file(&id);
    let line = repo
        .read(&path)
        .lines()
        .position(|l| l.starts_with("<<<<<<<"))
        .unwrap()
        + 1;
    let expected = format!("unresolved conflict markers at {path}:{line}");

    let out = repo.run(&["check"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("{path}:{line}: conflict-markers: {expected}")),
        "{text}"
    );
    assert!(!text.contains("parse"), "{text}");
    let err = stderr_of(&repo, &["task", "list"]);
    assert!(err.contains(&expected), "{err}");
    let err = repo.fails(&["task", "show", &id]);
    assert!(err.starts_with(&format!("error: {expected}")), "{err}");

    // In the config, every command names the markers.
    repo.git(&["merge", "--abort"]);
    let config = repo.read(".orchestrator/config.toml");
    repo.write(
        ".orchestrator/config.toml",
        &format!("<<<<<<< HEAD\n{config}=======\n{config}>>>>>>> other\n"),
    );
    let err = repo.fails(&["status"]);
    assert!(
        err.starts_with("error: unresolved conflict markers at .orchestrator/config.toml:1"),
        "{err}"
    );
    let out = repo.run(&["check"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("conflict-markers"),
        "{out:?}"
    );
}

#[test]
fn files_written_without_a_commit_are_reported_as_uncommitted() {
    let repo = Repo::init();
    let id = add(&repo, &["Committed"]);
    let status = repo.ok(&["status"]);
    assert!(!status.contains("Not committed (written"), "{status}");
    let new = repo.ok(&["--no-commit", "task", "add", "Second"]);
    let new_path = task_file(new.trim());

    // A merge stops on a conflict in a user file; orc writes but does not commit, and
    // the merge is then aborted.
    repo.write("a.txt", "base\n");
    repo.git(&["add", "a.txt"]);
    repo.git(&["commit", "-qm", "a"]);
    repo.git(&["branch", "other"]);
    repo.write("a.txt", "main\n");
    repo.git(&["commit", "-qam", "main"]);
    repo.git(&["checkout", "-q", "other"]);
    repo.write("a.txt", "other\n");
    repo.git(&["commit", "-qam", "other"]);
    let out = repo
        .git_cmd(&repo.root, &["merge", "--no-edit", "main"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    repo.ok(&["task", "note", &id, "during the merge"]);
    repo.git(&["merge", "--abort"]);
    let old_path = task_file(&id);
    let porcelain = repo.status_porcelain();
    assert!(
        porcelain.contains(&old_path) && porcelain.contains(&new_path),
        "git agrees: {porcelain}"
    );

    let status = repo.ok(&["status"]);
    assert!(
        status.contains(&format!(
            "Not committed (written by orc or by hand, not in HEAD):\n  {old_path}\n  {new_path}"
        )) || status.contains(&format!(
            "Not committed (written by orc or by hand, not in HEAD):\n  {new_path}\n  {old_path}"
        )),
        "{status}"
    );
    let json = repo.json(&["status"]);
    assert_eq!(json["uncommitted"].as_array().unwrap().len(), 2, "{json}");
    let check = repo.ok(&["check"]);
    assert!(check.starts_with("ok:"), "not a problem: {check}");
    assert!(
        check.contains(&format!("{old_path}: uncommitted"))
            && check.contains(&format!("{new_path}: uncommitted")),
        "{check}"
    );
    let json = repo.json(&["check"]);
    assert_eq!(json["uncommitted"].as_array().unwrap().len(), 2, "{json}");

    // Committed, nothing is reported.
    repo.git(&["add", ".orchestrator"]);
    repo.git(&["commit", "-qm", "by hand"]);
    let status = repo.ok(&["status"]);
    assert!(
        !status.contains("Not committed (written"),
        "{status}\n{}",
        repo.status_porcelain()
    );
    assert!(
        repo.json(&["check"])
            .get("uncommitted")
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn uncommitted_covers_edits_staged_changes_deletions_and_new_files_but_not_ignored_ones() {
    let repo = Repo::init();
    let a = add(&repo, &["Alpha"]);
    let b = add(&repo, &["Bravo"]);
    repo.ok(&["decision", "new", "Use TOML"]);
    repo.write(".orchestrator/.gitignore", "scratch.txt\n");
    repo.git(&["add", ".orchestrator/.gitignore"]);
    repo.git(&["commit", "-qm", "ignore scratch"]);
    let uncommitted = |repo: &Repo| -> Vec<String> {
        repo.json(&["status"])["uncommitted"]
            .as_array()
            .map(|a| a.iter().map(|p| p.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert_eq!(uncommitted(&repo), Vec::<String>::new());

    // Same size, right after orc wrote it: only the content tells.
    let a_path = task_file(&a);
    let text = repo.read(&a_path);
    repo.write(&a_path, &text.replace("Alpha", "Alphb"));
    let b_path = task_file(&b);
    std::fs::remove_file(repo.root.join(&b_path)).unwrap();
    let decision = repo
        .git(&["ls-files", ".orchestrator/decisions"])
        .trim()
        .to_owned();
    let text = repo.read(&decision);
    repo.write(&decision, &format!("{text}\nMore.\n"));
    repo.git(&["add", &decision]);
    repo.write(".orchestrator/notes.txt", "mine\n");
    repo.write(".orchestrator/scratch.txt", "ignored\n");

    let mut expected = vec![
        a_path,
        b_path,
        decision,
        ".orchestrator/notes.txt".to_owned(),
    ];
    expected.sort();
    assert_eq!(uncommitted(&repo), expected);
    let mut porcelain: Vec<String> = repo
        .status_porcelain()
        .lines()
        .map(|l| l[3..].to_owned())
        .collect();
    porcelain.sort();
    assert_eq!(porcelain, expected, "git agrees");
}
