//! Decision records: lifecycle, editing, search, bad files, renumbering after a merge.

use crate::harness::{Repo, add, plan};

const DIR: &str = ".orchestrator/decisions";

fn decision_files(repo: &Repo) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo.root.join(DIR))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn lifecycle_new_accept_supersede() {
    let repo = Repo::init();
    let task = add(&repo, &["Pick a git library"]);
    let out = repo.ok(&[
        "decision",
        "new",
        "Use gix for git access",
        "--task",
        &task,
        "--tag",
        "git",
        "--tag",
        "Deps",
        "--context",
        "orc writes commits itself.",
        "--decision",
        "We will use gix.",
        "--alternative",
        "git2: needs libgit2 (C)",
        "--alternative",
        "running the git CLI",
        "--consequences",
        "Pure Rust build; gix stays under src/store/.",
    ]);
    assert_eq!(
        out.trim(),
        "recorded decision 0001 \"Use gix for git access\" (proposed) in .orchestrator/decisions/0001-use-gix-for-git-access.md"
    );
    let text = repo.read(&format!("{DIR}/0001-use-gix-for-git-access.md"));
    assert_eq!(
        text,
        format!(
            "---\nformat: 1\nnumber: 1\ntitle: Use gix for git access\nstatus: proposed\ndate: 2026-01-15\ntask: {task}\ntags:\n- git\n- deps\n---\n\n\
# 1. Use gix for git access\n\n## Context\n\norc writes commits itself.\n\n## Decision\n\nWe will use gix.\n\n\
## Alternatives considered\n\n- git2: needs libgit2 (C)\n- running the git CLI\n\n## Consequences\n\n\
Pure Rust build; gix stays under src/store/.\n"
        )
    );
    // One commit with the file and queryable trailers.
    assert_eq!(
        repo.head_paths(),
        vec![format!("{DIR}/0001-use-gix-for-git-access.md")]
    );
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(msg.contains("Orc-Op: decision.new\n"), "{msg}");
    assert!(msg.contains(&format!("Orc-Task: {task}\n")), "{msg}");
    assert!(msg.contains("Orc-Decision: 0001\n"), "{msg}");
    assert_eq!(repo.status_porcelain(), "");

    repo.ok(&["decision", "new", "Vendor nothing", "--tag", "deps"]);
    repo.ok(&["decision", "accept", "1"]);
    let err = repo.fails(&["decision", "accept", "0001"]);
    assert!(err.contains("already accepted"), "{err}");

    let before = repo.commit_count();
    let out = repo.ok(&["decision", "supersede", "1", "--by", "ADR-2"]);
    assert_eq!(
        out.trim(),
        "decision 0001 \"Use gix for git access\" is superseded by 0002 \"Vendor nothing\""
    );
    assert_eq!(repo.commit_count(), before + 1);
    let mut paths = repo.head_paths();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            format!("{DIR}/0001-use-gix-for-git-access.md"),
            format!("{DIR}/0002-vendor-nothing.md"),
        ]
    );
    let one = repo.json(&["decision", "show", "1"]);
    assert_eq!(one["decision"]["status"], "superseded");
    assert_eq!(one["decision"]["superseded_by"], 2);
    let two = repo.json(&["decision", "show", "2"]);
    assert_eq!(two["decision"]["supersedes"], serde_json::json!([1]));
    // A superseded decision is final.
    let err = repo.fails(&["decision", "accept", "1"]);
    assert!(
        err.contains("cannot move decision 0001 from superseded"),
        "{err}"
    );

    let list = repo.json(&["decision", "list", "--status", "proposed"]);
    let numbers: Vec<u64> = list["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![2]);
    let list = repo.json(&["decision", "list", "--task", &task]);
    assert_eq!(list["decisions"].as_array().unwrap().len(), 1);
    let text = repo.ok(&["decision", "list", "--tag", "deps"]);
    assert_eq!(
        text,
        "0001  superseded  2026-01-15  Use gix for git access  [git, deps]\n\
         0002  proposed    2026-01-15  Vendor nothing  [deps]\n"
    );

    // The task shows its decisions.
    let view = repo.json(&["task", "show", &task]);
    assert_eq!(view["decisions"][0]["number"], 1);
    let text = repo.ok(&["task", "show", &task]);
    assert!(
        text.contains("Decisions:\n  0001  superseded  2026-01-15  Use gix for git access"),
        "{text}"
    );
    // And so does the top-level show, for both kinds of ids.
    assert!(repo.ok(&["show", &task]).contains("Decisions:"));
    assert!(
        repo.ok(&["show", "2"])
            .starts_with("0002  Vendor nothing\nstatus:        proposed\n")
    );
    repo.ok(&["check"]);
    repo.assert_fsck();
}

#[test]
fn search_ranks_title_over_tags_over_body_and_shows_lines() {
    let repo = Repo::init();
    repo.ok(&[
        "decision",
        "new",
        "Store state as TOML",
        "--context",
        "The cache must survive restarts.",
    ]);
    repo.ok(&["decision", "new", "Cache nothing", "--tag", "perf"]);
    repo.ok(&["decision", "new", "Index layout", "--tag", "cache"]);
    let hits = repo.json(&["decision", "search", "cache"]);
    let order: Vec<u64> = hits["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["number"].as_u64().unwrap())
        .collect();
    assert_eq!(order, vec![2, 3, 1]);
    let text = repo.ok(&["decision", "search", "cache", "restarts"]);
    assert_eq!(
        text,
        "0001  proposed    2026-01-15  Store state as TOML\n    \
         .orchestrator/decisions/0001-store-state-as-toml.md:13: The cache must survive restarts.\n"
    );
    assert_eq!(
        repo.ok(&["decision", "search", "nothing-like-this"]),
        "no decision matches\n"
    );
}

#[test]
fn edit_and_from_file() {
    let repo = Repo::init();
    let task = add(&repo, &["T"]);
    // The "editor" fills the context section and changes the tags.
    let editor = repo.sibling("editor.sh");
    std::fs::write(
        &editor,
        "#!/usr/bin/env python3\nimport sys\np = sys.argv[1]\ns = open(p).read()\n\
         s = s.replace('tags:\\n- x\\n', 'tags: [edited]\\n')\n\
         s = s.replace('## Decision\\n', 'Written in the editor.\\n\\n## Decision\\n', 1)\n\
         open(p, 'w').write(s)\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = repo
        .orc_cmd(&[
            "decision",
            "new",
            "Edited one",
            "--task",
            &task,
            "--tag",
            "x",
            "--edit",
        ])
        .env("EDITOR", &editor)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = repo.json(&["decision", "show", "1"]);
    assert_eq!(d["decision"]["title"], "Edited one");
    assert_eq!(d["decision"]["tags"], serde_json::json!(["edited"]));
    assert_eq!(d["decision"]["task"], task.as_str());
    let body = d["decision"]["body"].as_str().unwrap();
    assert!(
        body.contains("## Context\n\nWritten in the editor.\n"),
        "{body}"
    );
    assert!(
        !body.contains("What is the situation"),
        "prompt left in a filled section: {body}"
    );
    assert!(body.contains("<!-- What was decided"), "{body}");

    // An editor that fails records nothing; broken YAML keeps the text for a retry.
    let before = repo.commit_count();
    let out = repo
        .orc_cmd(&["decision", "new", "Nope", "--edit"])
        .env("EDITOR", "false")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was recorded"));
    let out = repo
        .orc_cmd(&["decision", "new", "Nope", "--edit"])
        .env("EDITOR", "sed -i 's/^status: proposed/status: [oops/'")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("ORC_DECISION_EDITMSG"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert_eq!(repo.commit_count(), before);

    // --from: a plain Markdown file; the title comes from its heading.
    let file = repo.sibling("adr.md");
    std::fs::write(
        &file,
        "# 9. Keep ids random\n\n## Context\n\nBranches collide.\n",
    )
    .unwrap();
    let out = repo.ok(&[
        "decision",
        "new",
        "--from",
        file.to_str().unwrap(),
        "--status",
        "accepted",
    ]);
    assert_eq!(
        out.trim(),
        "recorded decision 0002 \"Keep ids random\" (accepted) in .orchestrator/decisions/0002-keep-ids-random.md"
    );
    let d = repo.json(&["decision", "show", "2"]);
    assert!(
        d["decision"]["body"]
            .as_str()
            .unwrap()
            .starts_with("# 2. Keep ids random\n")
    );
    let err = repo.fails(&["decision", "new"]);
    assert!(err.contains("needs a title"), "{err}");
}

#[test]
fn a_malformed_file_is_reported_with_its_line_and_the_rest_still_lists() {
    let repo = Repo::init();
    repo.ok(&["decision", "new", "Good one"]);
    repo.write(
        &format!("{DIR}/0002-broken.md"),
        "---\nformat: 1\nnumber: 2\ntitle: Broken\nstatus: sleeping\ndate: 2026-01-15\n---\nbody\n",
    );
    let out = repo.run(&["decision", "list"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0001  proposed    2026-01-15  Good one\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".orchestrator/decisions/0002-broken.md: line 5"),
        "{err}"
    );
    let err = repo.fails(&["decision", "show", "2"]);
    assert!(err.contains("0002-broken.md: line 5"), "{err}");
    // The broken file's number is taken: the next decision gets 3.
    assert!(repo.ok(&["decision", "new", "Next"]).contains("0003"));
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(".orchestrator/decisions/0002-broken.md:5: parse:"),
        "{text}"
    );

    // Bad input writes nothing.
    let before = repo.commit_count();
    let err = repo.fails(&["decision", "new", "X", "--task", "task_nope"]);
    assert!(err.contains("no task matches"), "{err}");
    let err = repo.fails(&["decision", "new", "X", "--status", "superseded"]);
    assert!(err.contains("cannot start as superseded"), "{err}");
    let err = repo.fails(&["decision", "supersede", "1", "--by", "1"]);
    assert!(err.contains("cannot supersede itself"), "{err}");
    let err = repo.fails(&["decision", "show", "42"]);
    assert!(err.contains("no decision has number 0042"), "{err}");
    assert_eq!(repo.commit_count(), before);
}

#[test]
fn renumber_after_two_branches_each_add_0003() {
    let repo = Repo::init();
    repo.ok(&["decision", "new", "One"]);
    repo.ok(&["decision", "new", "Two"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.ok(&["decision", "new", "Feature choice"]);
    repo.ok(&["decision", "new", "Feature choice v2"]);
    repo.ok(&["decision", "supersede", "3", "--by", "4"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.ok(&["decision", "new", "Main choice"]);
    repo.git(&["merge", "-q", "--no-edit", "feature"]);
    assert_eq!(
        decision_files(&repo),
        vec![
            "0001-one.md",
            "0002-two.md",
            "0003-feature-choice.md",
            "0003-main-choice.md",
            "0004-feature-choice-v2.md"
        ]
    );
    let out = repo.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("duplicate-number"));
    let err = repo.fails(&["decision", "show", "3"]);
    assert!(err.contains("orc decision renumber"), "{err}");

    let out = repo.ok(&["decision", "renumber"]);
    assert_eq!(
        out,
        "0003 -> 0005  Feature choice  (.orchestrator/decisions/0005-feature-choice.md)\n"
    );
    // Main's 0003 arrived on this branch first and keeps its number.
    assert_eq!(
        decision_files(&repo),
        vec![
            "0001-one.md",
            "0002-two.md",
            "0003-main-choice.md",
            "0004-feature-choice-v2.md",
            "0005-feature-choice.md"
        ]
    );
    let status = repo.git(&["show", "--format=", "--name-status", "--no-renames", "HEAD"]);
    assert_eq!(
        status,
        "D\t.orchestrator/decisions/0003-feature-choice.md\n\
         M\t.orchestrator/decisions/0004-feature-choice-v2.md\n\
         A\t.orchestrator/decisions/0005-feature-choice.md\n"
    );
    let five = repo.json(&["decision", "show", "5"]);
    assert_eq!(five["decision"]["number"], 5);
    assert_eq!(five["decision"]["superseded_by"], 4);
    assert!(
        five["decision"]["body"]
            .as_str()
            .unwrap()
            .starts_with("# 5. Feature choice\n")
    );
    let four = repo.json(&["decision", "show", "4"]);
    assert_eq!(four["decision"]["supersedes"], serde_json::json!([5]));
    let three = repo.json(&["decision", "show", "3"]);
    assert_eq!(three["decision"]["title"], "Main choice");
    repo.ok(&["check"]);
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(
        repo.ok(&["decision", "renumber"]),
        "no duplicate decision numbers; nothing changed\n"
    );
    // History follows the renumbered file back to its old name.
    assert_eq!(
        crate::harness::history_paths(&repo, "5"),
        vec![
            ".orchestrator/decisions/0005-feature-choice.md",
            ".orchestrator/decisions/0003-feature-choice.md",
            ".orchestrator/decisions/0003-feature-choice.md",
        ]
    );
    repo.assert_fsck();
}

#[test]
fn decisions_of_a_task_and_its_goal_show_in_the_start_brief() {
    let repo = Repo::init();
    let (parent, subtasks) = plan(
        &repo,
        "Parser",
        &["architect:Design the lexer", "implementer:Write the lexer"],
    );
    let (design, sub) = (subtasks[0].clone(), subtasks[1].clone());
    repo.ok(&[
        "decision",
        "new",
        "Hand-written lexer",
        "--task",
        &parent,
        "--status",
        "accepted",
    ]);
    repo.ok(&[
        "decision",
        "new",
        "Lexer errors carry spans",
        "--task",
        &sub,
    ]);
    repo.ok(&["decision", "new", "Unrelated choice"]);
    // A decision made for the work this task builds on binds it too.
    repo.ok(&["task", "edit", &sub, "--add-dep", &design]);
    repo.ok(&["decision", "new", "Tokens are spans", "--task", &design]);
    repo.ok(&["start", &design]);
    repo.ok(&["done", &design, "--summary", "Designed"]);

    let brief = repo.json(&["start", &sub]);
    let titles: Vec<&str> = brief["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Hand-written lexer",
            "Lexer errors carry spans",
            "Tokens are spans"
        ]
    );
    let text = repo.ok(&["start", &sub]);
    assert!(text.contains("## Related decisions"), "{text}");
    assert!(
        text.contains("0001 Hand-written lexer (accepted)"),
        "{text}"
    );
    let shown = repo.json(&["task", "show", &sub]);
    assert_eq!(shown["decisions"][0]["title"], "Lexer errors carry spans");
}

#[test]
fn titles_in_other_scripts_give_readable_file_names() {
    let repo = Repo::init();
    repo.ok(&["decision", "new", "Überprüfung der Eingaben"]);
    repo.ok(&["decision", "new", "数据库 schema"]);
    assert_eq!(
        decision_files(&repo),
        [
            "0001-uberprufung-der-eingaben.md",
            "0002-shu-ju-ku-schema.md"
        ]
    );
    repo.ok(&["check"]);
}
