//! `.orchestrator-example/`: the committed example state loads, checks clean and renders.

use std::path::Path;

use crate::harness::Repo;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A repository whose `.orchestrator/` is a copy of the example, committed.
fn example_repo() -> Repo {
    let repo = Repo::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join(".orchestrator-example");
    copy_dir(&example, &repo.root.join(".orchestrator"));
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "example"]);
    repo
}

const PARENT: &str = "task_2f827e4f";
const TESTER: &str = "tester_fbf50bb1";

#[test]
fn example_checks_clean_and_renders() {
    let repo = example_repo();
    let check = repo.ok(&["check"]);
    assert_eq!(check.trim(), "ok: 11 files checked, no problems");

    insta::assert_snapshot!(repo.ok(&["status"]), @r"
    8 tasks: 5 pending, 1 in_progress, 2 completed

    Streams:
      auth                 2/6 done, 4 open
         1. security_f79fcae4      in_progress    medium   security     Security review of the reset flow
         2. tester_fbf50bb1        ready          medium   tester       Integration tests for reset, expiry and rate limits
         3. task_2f827e4f          pending        high     -            Password reset by email
         4. implementer_b9a347f6   ready          medium   implementer  Rate-limit login attempts
      docs                 0/2 done, 2 open
         1. documenter_85b2705c    ready          medium   documenter   Document rate limits for operators
         2. documenter_6421399d    ready          low      documenter   User guide: resetting your password

    Progress:
      task_2f827e4f           40% (2/5)  Password reset by email

    In progress:
      security_f79fcae4      medium   security     Security review of the reset flow

    Ready:
      tester_fbf50bb1        medium   tester       Integration tests for reset, expiry and rate limits
      implementer_b9a347f6   medium   implementer  Rate-limit login attempts
      documenter_85b2705c    medium   documenter   Document rate limits for operators
      documenter_6421399d    low      documenter   User guide: resetting your password
    ");

    let show = repo.ok(&["task", "show", PARENT]);
    assert!(show.contains("Password reset by email"), "{show}");
    assert!(
        show.contains("Subtasks:") && show.contains("architect_dd7e35f0     completed"),
        "{show}"
    );
    let show = repo.ok(&["task", "show", "implementer_6a45badb"]);
    assert!(
        show.contains("src/auth/reset.rs  (16 bytes, sha256 f0cc2a7834e6)"),
        "{show}"
    );

    let roles = repo.ok(&["roles"]);
    assert!(
        roles.contains("security     custom    Reviews changes for security"),
        "{roles}"
    );
    let sessions = repo.ok(&["session", "list"]);
    assert!(
        sessions.contains("session_2425997c  2026-03-02T09:05:00Z  ended 2026-03-02T17:00:00Z"),
        "{sessions}"
    );
    assert!(sessions.contains("[codex] review and tests"), "{sessions}");

    let docs = repo.ok(&["stream", "show", "docs"]);
    assert!(docs.starts_with("stream docs: 0/2 done, 2 open"), "{docs}");
    let streams = repo.json(&["stream", "list"]);
    assert_eq!(streams["streams"][0]["stream"], "auth");
}

#[test]
fn example_brief_builds_on_finished_work() {
    let repo = example_repo();
    let brief = repo.ok(&["start", TESTER, "--agent", "codex"]);
    assert!(
        brief.starts_with("# tester_fbf50bb1: Integration tests for reset, expiry and rate limits"),
        "{brief}"
    );
    assert!(brief.contains("### Tester"), "{brief}");
    assert!(
        brief.contains("## Goal (task_2f827e4f: Password reset by email, 2/5 subtasks done)"),
        "{brief}"
    );
    assert!(
        brief.contains("Users who forgot their password request a reset link"),
        "{brief}"
    );
    assert!(
        brief.contains(
            "### implementer_6a45badb: Implement reset tokens and endpoints (implementer)"
        ),
        "{brief}"
    );
    assert!(brief.contains("- `src/auth/routes.rs`"), "{brief}");
    // The custom role's prompt comes from .orchestrator/roles/security.md.
    let sec = repo.json(&["roles", "security"]);
    assert_eq!(sec["role"]["path"], ".orchestrator/roles/security.md");

    // The security review has been in progress since 2026-03-03T09:05; the limit is 48h.
    // (The tester task started just now, at the harness's ORC_NOW, which is earlier.)
    let out = repo
        .orc_cmd(&["maintenance", "scan"])
        .env("ORC_NOW", "2026-03-06T09:05:00Z")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("stale (in progress longer than 48 hours):"),
        "{text}"
    );
    assert!(
        text.contains("security_f79fcae4        72h since 2026-03-03T09:05:00Z  Security review"),
        "{text}"
    );
}
