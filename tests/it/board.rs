//! `orc board` (columns by status, fitted to the width) and colour on every command
//! (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`).

use std::process::Command;

use crate::harness::{Repo, success};

/// When the example's story stops: the day after the security review started.
pub const LATER: &str = "2026-03-03T12:00:00Z";

/// A fresh repository with `orc init --example` done at [`LATER`].
pub fn example_repo() -> Repo {
    let repo = Repo::new();
    success(&mut at_later(&repo, &["init", "--example"]));
    repo
}

/// `orc ARGS` at [`LATER`] (orc's clock and the commits' dates).
pub fn at_later(repo: &Repo, args: &[&str]) -> Command {
    let mut cmd = repo.orc_cmd(args);
    cmd.env("ORC_NOW", LATER)
        .env("GIT_AUTHOR_DATE", LATER)
        .env("GIT_COMMITTER_DATE", LATER);
    cmd
}

fn board(repo: &Repo, columns: usize, args: &[&str]) -> String {
    let mut all = vec!["board"];
    all.extend_from_slice(args);
    let text = success(at_later(repo, &all).env("COLUMNS", columns.to_string()));
    for line in text.lines() {
        assert!(
            line.chars().count() <= columns,
            "line wider than {columns}: {line:?}"
        );
    }
    text
}

#[test]
fn board_puts_tasks_in_columns_fitted_to_the_width() {
    let repo = example_repo();
    success(&mut at_later(
        &repo,
        &[
            "block",
            "documenter_6421399d",
            "--reason",
            "waiting for the final UI copy from design",
        ],
    ));
    insta::assert_snapshot!(board(&repo, 100, &[]), @r"
    Board

    TO DO (4)                         IN PROGRESS (1)                   BLOCKED (1)
    ────────────────────────────────  ────────────────────────────────  ────────────────────────────────
    tester_fbf50bb1 [auth]            security_f79fcae4 [auth]          documenter_6421399d low [docs]
    Integration tests for reset, ex…  Security review of the reset fl…  User guide: resetting your pass…
    ready                             @codex · 2h                       waiting for the final UI copy f…

    implementer_b9a347f6 [auth]
    Rate-limit login attempts
    ready

    documenter_85b2705c [docs]
    Document rate limits for operat…
    ready

    task_2f827e4f high [auth]
    Password reset by email
    waits for its subtasks

    DONE (2)
    ────────────────────────────────
    implementer_6a45badb high [auth]
    Implement reset tokens and endp…
    done 19h ago

    architect_dd7e35f0 high [auth]
    Design the reset flow and token…
    done 1d ago
    ");
    insta::assert_snapshot!(board(&repo, 50, &["--stream", "docs"]), @r"
    Board · stream docs

    TO DO (1)                 IN PROGRESS (0)
    ────────────────────────  ────────────────────────
    documenter_85b2705c
    Document rate limits fo…
    ready

    BLOCKED (1)               DONE (0)
    ────────────────────────  ────────────────────────
    documenter_6421399d low
    User guide: resetting y…
    waiting for the final U…
    ");
}

#[test]
fn board_narrow_terminal_stacks_columns_and_cuts_titles() {
    let repo = example_repo();
    let text = board(&repo, 30, &[]);
    assert!(text.contains("TO DO (5)\n"), "{text}");
    assert!(text.contains("\nDONE (2)\n"), "{text}");
    assert!(text.contains("Integration tests for reset, …"), "{text}");
}

#[test]
fn board_json_has_every_column_and_the_filters() {
    let repo = example_repo();
    let json = repo.json(&["board", "--role", "documenter"]);
    let columns: Vec<&str> = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["column"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        ["todo", "in_progress", "blocked", "needs_revision", "done"]
    );
    assert_eq!(json["role"], "documenter");
    assert_eq!(json["columns"][0]["total"], 2);
    assert_eq!(json["columns"][0]["tasks"][0]["id"], "documenter_85b2705c");
    assert_eq!(json["columns"][0]["tasks"][0]["ready"], true);
    let all = repo.json(&["board"]);
    let progress = &all["columns"][1]["tasks"][0];
    assert_eq!(progress["assignee"], "codex");
    assert!(progress["since"].is_string(), "{progress}");
}

#[test]
fn board_limits_columns_to_ten_cards_unless_all() {
    let repo = Repo::init();
    for i in 0..12 {
        crate::harness::add(&repo, &[&format!("Task number {i}")]);
    }
    let text = board(&repo, 80, &[]);
    assert!(text.contains("TO DO (12)"), "{text}");
    assert!(text.contains("… and 2 more (--all)"), "{text}");
    let all = board(&repo, 80, &["--all"]);
    assert!(!all.contains("more (--all)"), "{all}");
    assert_eq!(all.matches("Task number").count(), 12);
}

const ESC: &str = "\u{1b}[";

#[test]
fn color_always_styles_output_and_never_or_pipes_do_not() {
    let repo = example_repo();
    for args in [&["board"][..], &["status"], &["task", "list"]] {
        let mut colored = args.to_vec();
        colored.extend(["--color", "always"]);
        let text = success(&mut at_later(&repo, &colored));
        assert!(
            text.contains(&format!("{ESC}36mtester_fbf50bb1{ESC}0m")),
            "{args:?}: {text:?}"
        );
        let piped = success(&mut at_later(&repo, args));
        assert!(!piped.contains(ESC), "{args:?}: {piped:?}");
        let no_color = success(at_later(&repo, args).env("NO_COLOR", "1"));
        assert!(!no_color.contains(ESC), "{args:?}: {no_color:?}");
        let forced = success(at_later(&repo, args).env("CLICOLOR_FORCE", "1"));
        assert!(forced.contains(ESC), "{args:?}: {forced:?}");
        let never = success(
            at_later(&repo, &colored)
                .env("CLICOLOR_FORCE", "1")
                .args(["--color", "never"]),
        );
        assert!(!never.contains(ESC), "{args:?}: {never:?}");
        let mut json = colored.clone();
        json.push("--json");
        let json = success(at_later(&repo, &json).env("CLICOLOR_FORCE", "1"));
        assert!(!json.contains(ESC), "{args:?}: {json:?}");
    }
    let err = repo
        .orc_cmd(&["show", "nosuchtask_00000000", "--color", "always"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(err.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("{ESC}1m{ESC}31merror:")),
        "{stderr:?}"
    );
    let err = repo
        .orc_cmd(&["show", "nosuchtask_00000000"])
        .output()
        .unwrap();
    assert!(!String::from_utf8(err.stderr).unwrap().contains(ESC));
}
