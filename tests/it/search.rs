//! `orc search`: tasks and decisions by their text, ranked, with the match in context.

use crate::harness::{Repo, add};

fn ids(v: &serde_json::Value, key: &str, field: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[field].to_string().trim_matches('"').to_owned())
        .collect()
}

#[test]
fn search_ranks_titles_first_shows_context_and_filters() {
    let repo = Repo::init();
    let in_title = add(&repo, &["Token expiry for password resets"]);
    let in_description = add(
        &repo,
        &[
            "Email templates",
            "--description",
            "The mail says when the TOKEN EXPIRY is.",
        ],
    );
    let in_note = add(&repo, &["Rate limits"]);
    repo.ok(&[
        "task",
        "note",
        &in_note,
        "Checked: token expiry does not affect limits",
    ]);
    let unrelated = add(&repo, &["Token storage"]);
    repo.ok(&[
        "decision",
        "new",
        "Tokens expire after 30 minutes",
        "--context",
        "Token expiry must be short.",
    ]);
    repo.ok(&["task", "status", &in_title, "in_progress"]);

    let v = repo.json(&["search", "token", "expiry"]);
    assert_eq!(v["query"], "token expiry");
    assert_eq!(
        ids(&v, "tasks", "id"),
        [in_title.clone(), in_description.clone(), in_note.clone()]
    );
    assert!(!ids(&v, "tasks", "id").contains(&unrelated));
    assert_eq!(ids(&v, "decisions", "number"), ["1"]);
    let description = &v["tasks"][1]["matches"][0];
    assert_eq!(description["field"], "description");
    assert_eq!(
        description["text"],
        "The mail says when the TOKEN EXPIRY is."
    );
    assert_eq!(v["tasks"][2]["matches"][0]["field"], "note");

    // Text output: each task, then the matching text indented under it.
    let text = repo.ok(&["search", "TOKEN", "expiry"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(&in_title) && lines[0].contains("in_progress"),
        "{text}"
    );
    assert_eq!(lines[1], "    title: Token expiry for password resets");
    assert!(
        text.contains(
            "    note 2026-01-15T10:00:00Z: Checked: token expiry does not affect limits"
        ),
        "{text}"
    );
    assert!(text.contains("0001  proposed"), "{text}");

    // Filters.
    let v = repo.json(&["search", "token", "--status", "in_progress"]);
    assert_eq!(ids(&v, "tasks", "id"), [in_title]);
    assert_eq!(v["decisions"], serde_json::json!([]));
    let v = repo.json(&["search", "expiry", "--notes"]);
    assert_eq!(ids(&v, "tasks", "id"), [in_note]);
    let v = repo.json(&["search", "expiry", "--decisions"]);
    assert_eq!(v["tasks"], serde_json::json!([]));
    assert_eq!(ids(&v, "decisions", "number"), ["1"]);

    assert_eq!(
        repo.ok(&["search", "nothing-like-this"]),
        "nothing matches \"nothing-like-this\"\n"
    );
    assert!(
        repo.fails(&["search", " "])
            .contains("the search query is empty")
    );
    // Reading only: no commit.
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.ok(&["search", "token"]);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
}
