//! What the user should know about a commit orc made: on a detached HEAD, or with the
//! fallback identity because git has none. Said once per command on stderr (the MCP
//! server puts it in the tool result).

use crate::harness::Repo;

fn stderr_of(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn a_commit_on_a_detached_head_says_so_once() {
    let repo = Repo::init();
    let out = repo.run(&["task", "add", "on main"]);
    assert_eq!(stderr_of(&out), "", "nothing to say on a branch");

    repo.git(&["checkout", "-q", "--detach"]);
    let out = repo.run(&["plan", "detached", "--subtask", "tester:check it"]);
    let err = stderr_of(&out);
    assert_eq!(err.matches("note: HEAD is detached").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // With --json too: stdout stays JSON, the note goes to stderr.
    let out = repo.run(&["task", "add", "detached too", "--json"]);
    let err = stderr_of(&out);
    assert_eq!(err.matches("note: HEAD is detached").count(), 1, "{err}");
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON on stdout");
}

#[test]
fn a_commit_with_the_fallback_identity_says_so_once() {
    let repo = Repo::init();
    let out = repo
        .orc_cmd(&["task", "add", "anonymous"])
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(
        err,
        "note: no user.name/user.email in git's configuration: committed as \"orc <orc@localhost>\" \
         (set them with `git config user.name` and `git config user.email`)\n"
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%cn <%ce>"]).trim(),
        "orc <orc@localhost>"
    );
    // With an identity, nothing is said.
    let out = repo.run(&["task", "add", "named"]);
    assert_eq!(stderr_of(&out), "");
}
