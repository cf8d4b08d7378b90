//! `.orchestrator-example/` and `orc init --example`: the example is written in one commit,
//! checks clean, verifies against the project files shipped with it, and renders.

use std::process::Output;

use crate::harness::Repo;

/// When the example's story stops: the day after the security review started.
const LATER: &str = "2026-03-03T12:00:00Z";

/// Runs orc at [`LATER`] (for orc's clock and for the commit's dates).
fn orc_later(repo: &Repo, args: &[&str]) -> Output {
    repo.orc_cmd(args)
        .env("ORC_NOW", LATER)
        .env("GIT_AUTHOR_DATE", LATER)
        .env("GIT_COMMITTER_DATE", LATER)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A fresh repository with `orc init --example` done.
fn example_repo() -> Repo {
    let repo = Repo::new();
    stdout(&orc_later(&repo, &["init", "--example"]));
    repo
}

const PARENT: &str = "task_2f827e4f";
const TESTER: &str = "tester_fbf50bb1";

#[test]
fn example_checks_clean_and_renders() {
    let repo = example_repo();
    let check = repo.ok(&["check"]);
    assert_eq!(check.trim(), "ok: 15 files checked, no problems");

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
        show.contains("src/auth/reset.rs  (1191 bytes, sha256 8ee37dab14f9)"),
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

const EXAMPLE_FILES: [&str; 20] = [
    ".orchestrator/README.md",
    ".orchestrator/config.toml",
    ".orchestrator/decisions/0001-store-reset-tokens-only-as-sha-256-hashes.md",
    ".orchestrator/decisions/0002-end-all-other-sessions-after-a-password-reset.md",
    ".orchestrator/manifests/architect_dd7e35f0.toml",
    ".orchestrator/manifests/implementer_6a45badb.toml",
    ".orchestrator/roles/security.md",
    ".orchestrator/sessions/session_2425997c.toml",
    ".orchestrator/sessions/session_d0c9a0d5.toml",
    ".orchestrator/tasks/2/task_2f827e4f.toml",
    ".orchestrator/tasks/6/documenter_6421399d.toml",
    ".orchestrator/tasks/6/implementer_6a45badb.toml",
    ".orchestrator/tasks/8/documenter_85b2705c.toml",
    ".orchestrator/tasks/b/implementer_b9a347f6.toml",
    ".orchestrator/tasks/d/architect_dd7e35f0.toml",
    ".orchestrator/tasks/f/security_f79fcae4.toml",
    ".orchestrator/tasks/f/tester_fbf50bb1.toml",
    "docs/design/password-reset.md",
    "src/auth/reset.rs",
    "src/auth/routes.rs",
];

#[test]
fn init_example_is_one_commit_that_checks_verifies_and_recovers() {
    let repo = Repo::new();
    let out = stdout(&orc_later(&repo, &["init", "--example"]));
    let listed: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("  ")).collect();
    assert_eq!(listed, EXAMPLE_FILES, "{out}");
    assert!(
        out.starts_with("initialised .orchestrator/ with the example project (commit "),
        "{out}"
    );

    // One commit with exactly the example's files and the attribute line, orc's trailers,
    // and a clean work tree.
    assert_eq!(repo.commit_count(), 1);
    let mut expected: Vec<&str> = EXAMPLE_FILES.to_vec();
    expected.push(".gitattributes");
    expected.sort();
    assert_eq!(repo.head_paths(), expected);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%B"]).trim_end(),
        "orc: initialise .orchestrator/ with the example project\n\nOrc-Op: init.example"
    );
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(
        repo.read(".gitattributes"),
        ".orchestrator/**/*.toml merge=orc\n.orchestrator/**/decisions/*.md merge=orc\n"
    );
    repo.assert_fsck();

    assert_eq!(
        repo.ok(&["check"]).trim(),
        "ok: 15 files checked, no problems"
    );
    insta::assert_snapshot!(repo.ok(&["decision", "list"]), @r"
    0001  accepted    2026-03-02  Store reset tokens only as SHA-256 hashes  [auth, security]
    0002  proposed    2026-03-03  End all other sessions after a password reset  [auth, security]
    ");
    // The artifacts and manifests refer to the project files shipped with the example.
    insta::assert_snapshot!(repo.ok(&["files", "verify"]), @r"
    verified              docs/design/password-reset.md
    verified              src/auth/reset.rs
    verified              src/auth/routes.rs
    3 checked: 3 verified, 0 modified since, 0 missing, 0 unexpectedly present
    ");
    let show = repo.ok(&["task", "show", "architect_dd7e35f0"]);
    assert!(show.contains("0001"), "{show}");

    let head = repo.git(&["rev-parse", "--short=12", "HEAD"]);
    let recover = stdout(&orc_later(&repo, &["recover"])).replace(head.trim(), "<head>");
    insta::assert_snapshot!(recover, @r#"
    # Recovery briefing

    Branch `main` at `<head>`, generated 2026-03-03T12:00:00Z.

    ## Last session

    `session_d0c9a0d5` "review and tests": agent `codex`, started 2026-03-03T09:00:00Z, never ended.

    It left no handoff note.

    The latest handoff note is from `session_2425997c` "password reset": agent `claude`, started 2026-03-02T09:05:00Z, ended 2026-03-02T17:00:00Z:

    > Design and implementation of password reset are done (see implementer_6a45badb). Next: security review (security_f79fcae4) and integration tests (tester_fbf50bb1) can run in parallel; the user guide (documenter_6421399d) is low priority. Open question from the design: end other sessions on reset?

    ## What changed since the last session started (it never ended) at 2026-03-03T09:00:00Z

    - 2026-03-03T12:00:00Z `<head>` init.example: orc: initialise .orchestrator/ with the example project

    ## In progress

    - `security_f79fcae4` Security review of the reset flow (medium, security, assignee codex, subtask of task_2f827e4f, decisions 0002)
      - latest note (2026-03-02T16:45:00Z, claude): Please check the constant-time comparison of token hashes.

    ## Ready to start

    - `tester_fbf50bb1` Integration tests for reset, expiry and rate limits (medium, tester, subtask of task_2f827e4f)
    - `implementer_b9a347f6` Rate-limit login attempts (medium, implementer)
    - `documenter_85b2705c` Document rate limits for operators (medium, documenter)
    - `documenter_6421399d` User guide: resetting your password (low, documenter, subtask of task_2f827e4f)

    ## Blocked or needing revision

    None.

    ## Decisions of open tasks

    - 0002 proposed: End all other sessions after a password reset (`security_f79fcae4`)

    ## Recorded files that no longer match the disk

    None.

    ## Suggested next actions

    1. Continue security_f79fcae4 "Security review of the reset flow" (in progress for codex): `orc brief security_f79fcae4`
    2. Decide on proposed decision 0002 "End all other sessions after a password reset": `orc decision show 2`, then `orc decision accept 2`

    ## History read

    1 commit read.
    "#);

    let json = repo.json(&["recover"]);
    assert_eq!(json["previous_handoff"]["id"], "session_2425997c");

    // Running it again changes nothing.
    let again = stdout(&orc_later(&repo, &["init", "--example"]));
    assert_eq!(again.trim(), "the example is already here; nothing changed");
    assert_eq!(repo.commit_count(), 1);
}

#[test]
fn init_example_after_plain_init_replaces_the_default_config() {
    let repo = Repo::init();
    stdout(&orc_later(&repo, &["init", "--example"]));
    assert_eq!(repo.commit_count(), 2);
    assert!(repo.read(".orchestrator/config.toml").contains("security"));
    assert_eq!(repo.status_porcelain(), "");
}

#[test]
fn init_example_refuses_to_mix_with_existing_work() {
    let repo = Repo::init();
    let id = crate::harness::add(&repo, &["Mine"]);
    let err = repo.fails(&["init", "--example"]);
    assert!(
        err.contains(&format!(
            "`.orchestrator/` already holds work ({})",
            crate::harness::task_file(&id)
        )),
        "{err}"
    );
    assert!(
        err.contains("hint: try the example in a new repository"),
        "{err}"
    );
    assert_eq!(repo.commit_count(), 2);
    assert_eq!(repo.status_porcelain(), "");

    // A project file of the example that exists with other content is never overwritten.
    let repo = Repo::new();
    repo.write("src/auth/reset.rs", "mine\n");
    let err = repo.fails(&["init", "--example"]);
    assert!(
        err.contains("the example would overwrite src/auth/reset.rs (it exists with other content); nothing was written"),
        "{err}"
    );
    assert_eq!(repo.read("src/auth/reset.rs"), "mine\n");
    assert!(!repo.root.join(".orchestrator").exists());
    assert_eq!(repo.status_porcelain(), "?? src/auth/reset.rs\n");
}
