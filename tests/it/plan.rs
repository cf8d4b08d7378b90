//! `orc plan`: plan files in TOML and JSON, the original's field names, nested planning,
//! and validation that reports every problem at once and writes nothing.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

use crate::harness::Repo;

fn write_plan(repo: &Repo, name: &str, text: &str) -> String {
    let path = repo.sibling(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn task_files(repo: &Repo) -> usize {
    walkdir::WalkDir::new(repo.root.join(".orchestrator/tasks"))
        .into_iter()
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_type().is_file()))
        .count()
}

#[test]
fn every_problem_is_reported_with_its_location_and_nothing_is_written() {
    let repo = Repo::init();
    let plan = write_plan(
        &repo,
        "bad.toml",
        r#"
description = "no title"
colour = "blue"

[[subtasks]]
key = "a"
title = "A"
role = "wizard"
depends_on = ["c"]

[[subtasks]]
key = "a"
role = "tester"
depends_on = [7, "nowhere"]

[[subtasks]]
key = "c"
title = "C"
role = "tester"
priority = "urgent"
depends_on = ["a"]

[[subtasks]]
title = "D"
"#,
    );
    let count = repo.commit_count();
    let err = repo.fails(&["plan", "--from", &plan]);
    insta::assert_snapshot!(err.replace(&plan, "[plan]"), @r#"
    error: [plan]: 10 problems in the plan; nothing was written:
      colour: unknown field; expected one of: title, description, priority, stream, parent, subtasks
      subtasks[2].priority: unknown priority "urgent"; expected critical, high, medium, low or 0-3
      title: the plan needs a title (the parent task's title)
      subtasks[1].key: key "a" is already used by subtasks[0]
      subtasks[0].role: unknown role "wizard"; known roles: architect, implementer, tester, documenter, reviewer, researcher, debugger
      subtasks[1].title: missing; every subtask needs a title
      subtasks[1].depends_on[0]: there is no subtask 7 at this level (positions 0 to 3)
      subtasks[1].depends_on[1]: "nowhere" is neither a key nor a unique title in this plan, nor an existing task
      subtasks[3].role: missing; every subtask needs a specialist role: architect, implementer, tester, documenter, reviewer, researcher, debugger
      subtasks[0].depends_on: dependency cycle: subtasks[0] -> subtasks[2] -> subtasks[0]
    hint: fix every problem listed and run `orc plan` again; see `orc plan --help` for the file format
    "#);
    assert_eq!(repo.commit_count(), count);
    assert_eq!(task_files(&repo), 0);
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn syntax_errors_name_the_file_and_line() {
    let repo = Repo::init();
    let plan = write_plan(&repo, "broken.toml", "title = \"x\"\n[[subtasks]\n");
    let err = repo.fails(&["plan", "--from", &plan]);
    insta::assert_snapshot!(err.replace(&plan, "[plan]"), @r"
    error: [plan]: line 2, column 12: unclosed array table, expected `]`
    hint: fix the file by hand (or restore it with `git checkout -- <file>`), then run `orc check`
    ");
    let plan = write_plan(
        &repo,
        "broken.json",
        "{\"title\": \"x\",\n \"subtasks\": [}\n",
    );
    let err = repo.fails(&["plan", "--from", &plan]);
    insta::assert_snapshot!(err.replace(&plan, "[plan]"), @r"
    error: [plan]: line 2, column 15: expected value at line 2 column 15
    hint: fix the file by hand (or restore it with `git checkout -- <file>`), then run `orc check`
    ");
}

#[test]
fn quick_form_and_its_errors() {
    let repo = Repo::init();
    let v = repo.json(&[
        "plan",
        "Ship v2",
        "--description",
        "The next release.",
        "--subtask",
        "researcher:Survey users",
        "--subtask",
        "documenter:Release notes",
        "--priority",
        "high",
        "--stream",
        "release",
    ]);
    assert_eq!(v["parent"]["title"], "Ship v2");
    assert_eq!(v["parent"]["priority"], "high");
    assert_eq!(v["subtasks"][1]["role"], "documenter");
    assert_eq!(v["subtasks"][1]["stream"], "release");
    assert_eq!(v["ready"].as_array().unwrap().len(), 2);
    let err = repo.fails(&["plan", "X", "--subtask", "no role here"]);
    insta::assert_snapshot!(err, @r#"
    error: --subtask "no role here" has no role
    hint: write it as ROLE:TITLE, e.g. --subtask tester:"Write the tests"
    "#);
    let err = repo.fails(&["plan", "X", "--subtask", "wizard:Magic"]);
    insta::assert_snapshot!(err, @r#"
    error: 1 problem in the plan; nothing was written:
      subtasks[0].role: unknown role "wizard"; known roles: architect, implementer, tester, documenter, reviewer, researcher, debugger
    hint: fix every problem listed and run `orc plan` again; see `orc plan --help` for the file format
    "#);
    let err = repo.fails(&["plan", "X"]);
    insta::assert_snapshot!(err, @r"
    error: a plan needs subtasks
    hint: add --subtask ROLE:TITLE (repeatable) or --from FILE
    ");
}

#[test]
fn json_from_stdin_with_the_original_field_names() {
    let repo = Repo::init();
    let json = r#"{
      "title": "Import data",
      "subtasks": [
        {"task_id": "schema", "title": "Define the schema", "description": "Tables and keys",
         "specialist_type": "architect", "estimated_effort": "2 hours"},
        {"title": "Write the importer", "specialist_type": "implementer",
         "dependencies": ["schema"], "estimated_effort": 4},
        {"title": "Check the import", "specialist_type": "tester", "dependencies": [1]}
      ]
    }"#;
    let mut child = repo
        .orc_cmd(&["plan", "--from", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let subs = v["subtasks"].as_array().unwrap();
    assert_eq!(subs[0]["key"], "schema");
    assert_eq!(subs[0]["role"], "architect");
    assert_eq!(subs[1]["depends_on"][0], subs[0]["id"]);
    assert_eq!(subs[2]["depends_on"][0], subs[1]["id"]);
    let id = subs[1]["id"].as_str().unwrap();
    let t = repo.json(&["task", "show", id]);
    assert_eq!(t["task"]["estimate"], "4");
    assert_eq!(
        repo.json(&["task", "show", subs[0]["id"].as_str().unwrap()])["task"]["estimate"],
        "2 hours"
    );
}

#[test]
fn nested_planning_three_levels_deep() {
    let repo = Repo::init();
    // Two levels from one file...
    let plan = write_plan(
        &repo,
        "nested.toml",
        r#"
title = "Search"
stream = "search"

[[subtasks]]
key = "index"
title = "Build the index"

[[subtasks.subtasks]]
key = "tokenize"
title = "Tokenizer"
role = "implementer"

[[subtasks.subtasks]]
title = "Tokenizer tests"
role = "tester"
depends_on = [0]

[[subtasks]]
title = "Query API"
role = "implementer"
depends_on = ["index"]
"#,
    );
    let count = repo.commit_count();
    let v = repo.json(&["plan", "--from", &plan]);
    assert_eq!(repo.commit_count(), count + 1, "one commit for all levels");
    let subs = v["subtasks"].as_array().unwrap();
    let depth: Vec<u64> = subs.iter().map(|s| s["depth"].as_u64().unwrap()).collect();
    assert_eq!(depth, [1, 1, 2, 2]);
    let index = subs[0]["id"].as_str().unwrap().to_owned();
    assert!(index.starts_with("task_"), "no role: {index}");
    let tokenizer = subs[2]["id"].as_str().unwrap().to_owned();
    assert_eq!(subs[2]["parent"], index.as_str());
    assert_eq!(subs[3]["depends_on"][0], tokenizer.as_str());
    assert_eq!(subs[2]["stream"], "search", "inherited through levels");

    // ...and a third level planned later under a subtask of the second.
    let v = repo.json(&[
        "plan",
        "--parent",
        &tokenizer,
        "--subtask",
        "researcher:Unicode segmentation rules",
        "--subtask",
        "implementer:Segmenter",
    ]);
    assert_eq!(v["parent_created"], false);
    assert_eq!(v["parent"]["id"], tokenizer.as_str());
    let third = v["subtasks"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        repo.json(&["task", "show", &third])["task"]["parent"],
        tokenizer.as_str()
    );
    assert_eq!(repo.head_paths().len(), 2, "only the new subtasks");
    let msg = repo.git(&["log", "-1", "--format=%s"]);
    assert!(
        msg.starts_with(&format!("orc: plan 2 subtasks under {tokenizer}")),
        "{msg}"
    );

    // Ids are random, so sibling order in the tree is too: check each line's depth.
    let tree = repo.ok(&["task", "list", "--tree"]);
    let mut depths: Vec<(usize, String)> = tree
        .lines()
        .map(|l| {
            let depth = (l.len() - l.trim_start().len()) / 2;
            let title = l.split_whitespace().skip(4).collect::<Vec<_>>().join(" ");
            (depth, title.trim_end_matches(" [search]").to_owned())
        })
        .collect();
    depths.sort();
    let expected = [
        (0, "Search"),
        (1, "Build the index"),
        (1, "Query API"),
        (2, "Tokenizer"),
        (2, "Tokenizer tests"),
        (3, "Segmenter"),
        (3, "Unicode segmentation rules"),
    ];
    assert_eq!(depths, expected.map(|(d, t)| (d, t.to_owned())), "{tree}");

    // Only leaves are ready, in the order they were planned; a parent waits for its
    // subtasks.
    let ready: Vec<String> = repo.json(&["ready"])["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ready, ["Unicode segmentation rules", "Segmenter"]);
    insta::assert_snapshot!(repo.fails(&["start", &tokenizer]), @r"
    error: implementer_86d9adff has open subtasks: implementer_dad8f367, researcher_be9e83c9
    hint: start its subtasks (`orc next`) and combine them with `orc synthesize implementer_86d9adff`, or pass --force
    ");

    // A subtask may not wait for its own ancestor.
    let plan = write_plan(
        &repo,
        "deadlock.toml",
        &format!(
            "[[subtasks]]\ntitle = \"x\"\nrole = \"tester\"\ndepends_on = [\"{tokenizer}\"]\n"
        ),
    );
    let err = repo.fails(&["plan", "--parent", &third, "--from", &plan]);
    insta::assert_snapshot!(err.replace(&plan, "[plan]"), @r"
    error: [plan]: 1 problem in the plan; nothing was written:
      subtasks[0].depends_on[0]: depends on implementer_86d9adff, which contains it; a parent finishes only after its subtasks
    hint: fix every problem listed and run `orc plan` again; see `orc plan --help` for the file format
    ");
}

#[test]
fn planning_under_a_closed_task_is_refused() {
    let repo = Repo::init();
    let v = repo.json(&["plan", "P", "--subtask", "tester:T"]);
    let t = v["subtasks"][0]["id"].as_str().unwrap().to_owned();
    repo.ok(&["start", &t]);
    repo.ok(&["done", &t, "--summary", "ok"]);
    let err = repo.fails(&["plan", "--parent", &t, "--subtask", "tester:more"]);
    insta::assert_snapshot!(err, @r"
    error: 1 problem in the plan; nothing was written:
      parent: tester_554ae981 is completed; reopen it before planning under it
    hint: fix every problem listed and run `orc plan` again; see `orc plan --help` for the file format
    ");
    let err = repo.fails(&[
        "plan",
        "Title",
        "--parent",
        "nope",
        "--subtask",
        "tester:more",
    ]);
    // With no parent to plan under, the title is not questioned: one problem only.
    insta::assert_snapshot!(err, @r#"
    error: 1 problem in the plan; nothing was written:
      parent: no task matches "nope"
    hint: fix every problem listed and run `orc plan` again; see `orc plan --help` for the file format
    "#);
}
