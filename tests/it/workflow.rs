//! The orchestration workflow end to end: sessions, plan, start/done in dependency order,
//! synthesize, status; block/reopen/needs_revision; the specialist brief and its snapshot.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{Repo, add, plan, redact_ids, task_file};

/// A feature planned into five subtasks across four roles.
const PLAN: &str = r#"
title = "Add login"
description = "Users log in with email and password; sessions last 30 days."
stream = "auth"
priority = "high"

[[subtasks]]
key = "design"
title = "Design the login flow"
role = "architect"
priority = "high"
description = "Decide between session cookies and tokens; define the endpoints."

[[subtasks]]
key = "build"
title = "Implement login"
role = "implementer"
depends_on = ["design"]
estimate = "3h"

[[subtasks]]
key = "hash"
title = "Hash passwords with argon2"
role = "implementer"
depends_on = ["design"]
priority = "low"

[[subtasks]]
key = "test"
title = "Test login"
role = "tester"
depends_on = ["build", "hash"]

[[subtasks]]
title = "Document login"
role = "documenter"
stream = "docs"
depends_on = ["build"]
"#;

fn trailers(repo: &Repo, rev: &str) -> String {
    repo.git(&["log", "-1", "--format=%(trailers:only,unfold)", rev])
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

fn sha256(repo: &Repo, rel: &str) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(repo.root.join(rel))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[test]
fn full_workflow_one_commit_per_step() {
    let repo = Repo::init();
    assert_eq!(repo.commit_count(), 1);

    // Session start: one commit with the session file.
    let s = repo.json(&["session", "start", "--name", "login feature"]);
    let session = s["session"]["id"].as_str().unwrap().to_owned();
    assert!(session.starts_with("session_"), "{session}");
    assert!(s["guidance"].as_str().unwrap().contains("orchestrator"));
    assert_eq!(s["roles"].as_array().unwrap().len(), 7);
    assert_eq!(repo.commit_count(), 2);
    let session_file = format!(".orchestrator/sessions/{session}.toml");
    assert_eq!(repo.head_paths(), [session_file.as_str()]);
    let t = trailers(&repo, "HEAD");
    assert!(t.contains("Orc-Op: session.start"), "{t}");
    assert!(t.contains(&format!("Orc-Session: {session}")), "{t}");
    let text = repo.read(&session_file);
    assert!(
        text.starts_with(&format!(
            "format = 1\nid = \"{session}\"\nname = \"login feature\"\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("started = \"2026-01-15T10:00:00Z\""),
        "{text}"
    );
    assert!(!text.contains("ended"), "{text}");

    // Plan: parent + 5 subtasks in ONE commit.
    let plan_file = repo.sibling("plan.toml");
    std::fs::write(&plan_file, PLAN).unwrap();
    let p = repo.json(&["plan", "--from", plan_file.to_str().unwrap()]);
    assert_eq!(repo.commit_count(), 3);
    let parent = p["parent"]["id"].as_str().unwrap().to_owned();
    assert!(parent.starts_with("task_"));
    assert_eq!(p["parent_created"], true);
    let subs = ids(&p["subtasks"]);
    assert_eq!(subs.len(), 5);
    let roles: BTreeSet<&str> = p["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 4);
    assert_eq!(ids(&p["ready"]), [subs[0].as_str()]);
    let mut paths = repo.head_paths();
    paths.sort();
    let mut expected: Vec<String> = std::iter::once(&parent)
        .chain(&subs)
        .map(task_file)
        .collect();
    expected.sort();
    assert_eq!(paths, expected);
    let t = trailers(&repo, "HEAD");
    assert!(t.contains("Orc-Op: task.plan"), "{t}");
    assert!(t.contains(&format!("Orc-Task: {parent}")), "{t}");
    assert!(t.contains(&format!("Orc-Session: {session}")), "{t}");
    let test_file = repo.read(&task_file(&subs[3]));
    assert!(
        test_file.contains(&format!(
            "depends_on = [\n    \"{}\",\n    \"{}\",\n]",
            subs[1], subs[2]
        )),
        "{test_file}"
    );
    assert!(
        test_file.contains(&format!("parent = \"{parent}\"")),
        "{test_file}"
    );
    assert!(
        test_file.contains("stream = \"auth\""),
        "inherited: {test_file}"
    );
    let doc_file = repo.read(&task_file(&subs[4]));
    assert!(doc_file.contains("stream = \"docs\""), "{doc_file}");

    // Starting out of order is refused, naming what is missing; nothing is written.
    let err = repo.fails(&["start", &subs[3]]);
    assert!(err.contains("unfinished dependencies"), "{err}");
    assert!(err.contains(&subs[1]) && err.contains(&subs[2]), "{err}");
    assert_eq!(repo.commit_count(), 3);

    // Work through the plan in dependency order: start + done, one commit each.
    let mut done: Vec<String> = Vec::new();
    let mut commits = 3;
    loop {
        let ready = ids(&repo.json(&["ready"])["tasks"]);
        // Once all subtasks are done the parent itself is ready: for synthesis.
        let Some(next) = ready.first().cloned().filter(|n| n != &parent) else {
            break;
        };
        let ctx = repo.json(&["start", &next]);
        commits += 1;
        assert_eq!(repo.commit_count(), commits);
        assert_eq!(ctx["task"]["status"], "in_progress");
        assert_eq!(ctx["claimed"], true);
        assert_eq!(ctx["decisions"], serde_json::json!([]));
        assert_eq!(ctx["goal"]["id"], parent.as_str());
        for dep in ctx["task"]["depends_on"].as_array().into_iter().flatten() {
            assert!(
                done.contains(&dep.as_str().unwrap().to_owned()),
                "{next} before {dep}"
            );
        }
        let deps = ctx["dependencies"].as_array().unwrap();
        for d in deps {
            assert_eq!(d["status"], "completed");
            assert!(d["result"].as_str().unwrap().starts_with("Did "), "{d}");
            assert_eq!(
                d["artifacts"][0]["path"],
                format!("work/{}.md", d["id"].as_str().unwrap())
            );
        }
        let t = trailers(&repo, "HEAD");
        assert!(
            t.contains("Orc-Op: task.start") && t.contains(&format!("Orc-Task: {next}")),
            "{t}"
        );

        let artifact = format!("work/{next}.md");
        repo.write(&artifact, &format!("# {next}\n"));
        let r = repo.json(&[
            "done",
            &next,
            "--summary",
            &format!("Did {next}."),
            "--artifact",
            &artifact,
            "--detail",
            "## Notes\nAll good.",
        ]);
        commits += 1;
        assert_eq!(repo.commit_count(), commits);
        assert_eq!(repo.head_paths(), [task_file(&next)]);
        let t = trailers(&repo, "HEAD");
        assert!(t.contains("Orc-Op: task.complete"), "{t}");
        assert!(t.contains(&format!("Orc-Session: {session}")), "{t}");
        assert_eq!(r["task"]["status"], "completed");
        assert_eq!(
            r["task"]["artifacts"][0]["sha256"],
            sha256(&repo, &artifact).as_str()
        );
        assert_eq!(r["task"]["artifacts"][0]["size"], next.len() + 3);
        done.push(next.clone());
        assert_eq!(r["parent"]["done"], done.len());
        // Newly ready tasks are exactly the ones whose last dependency this was.
        let now_ready = ids(&r["newly_ready"]);
        for id in &now_ready {
            assert!(!done.contains(id));
        }
        if next == subs[0] {
            assert_eq!(now_ready.len(), 2, "{r}");
        }
        let file = repo.read(&task_file(&next));
        assert!(
            file.contains(&format!("result = \"Did {next}.\"")),
            "{file}"
        );
        assert!(
            file.contains("[[artifacts]]") && file.contains(&artifact),
            "{file}"
        );
    }
    assert_eq!(done.len(), 5);
    assert_eq!(done[0], subs[0], "design first");
    assert_eq!(done[1], subs[1], "medium priority before low");
    assert!(
        done.iter().position(|d| d == &subs[3]) > done.iter().position(|d| d == &subs[2]),
        "{done:?}"
    );

    // 100% before synthesis; synthesize completes the parent in one commit.
    let st = repo.json(&["status"]);
    assert_eq!(st["parents"][0]["id"], parent.as_str());
    assert_eq!(st["parents"][0]["percent"], 100);
    assert_eq!(st["parents"][0]["done"], 5);
    let syn = repo.json(&["synthesize", &parent]);
    commits += 1;
    assert_eq!(repo.commit_count(), commits);
    assert_eq!(syn["complete"], true);
    assert_eq!(syn["artifacts"].as_array().unwrap().len(), 5);
    let t = trailers(&repo, "HEAD");
    assert!(t.contains("Orc-Op: task.synthesize"), "{t}");
    let show = repo.json(&["task", "show", &parent]);
    assert_eq!(show["task"]["status"], "completed");
    let detail = show["task"]["detail"].as_str().unwrap();
    for id in &subs {
        assert!(detail.contains(&format!("Did {id}.")), "{detail}");
    }
    let st = repo.json(&["status"]);
    assert_eq!(st["by_status"]["completed"], 6);
    assert_eq!(st["parents"], serde_json::json!([]));
    assert!(repo.ok(&["status"]).starts_with("6 tasks: 6 completed"));

    // Session end: one commit, handoff in the file, trailer still present.
    let handoff = "Login is done. Next: rate limiting.";
    repo.ok(&["session", "end", "--handoff", handoff]);
    commits += 1;
    assert_eq!(repo.commit_count(), commits);
    assert_eq!(commits, 15);
    assert_eq!(repo.head_paths(), [session_file.as_str()]);
    let t = trailers(&repo, "HEAD");
    assert!(
        t.contains("Orc-Op: session.end") && t.contains(&format!("Orc-Session: {session}")),
        "{t}"
    );
    let text = repo.read(&session_file);
    assert!(text.contains("ended = \"2026-01-15T10:00:00Z\""), "{text}");
    assert!(text.contains(&format!("handoff = \"{handoff}\"")), "{text}");

    // Every commit of the session carries its id; the next commit does not.
    let tagged = repo.git(&[
        "log",
        "--format=%(trailers:key=Orc-Session,valueonly)",
        "HEAD~14..HEAD",
    ]);
    assert_eq!(
        tagged.lines().filter(|l| l.trim() == session).count(),
        14,
        "{tagged}"
    );
    add(&repo, &["after the session"]);
    assert!(!trailers(&repo, "HEAD").contains("Orc-Session"));

    // The next session sees the handoff.
    let next = repo.ok(&["session", "start"]);
    assert!(
        next.contains(&format!("## Handoff from {session}")),
        "{next}"
    );
    assert!(next.contains(handoff), "{next}");

    // orc's files are committed and clean; only the user's artifacts are untracked.
    assert_eq!(
        repo.git(&["status", "--porcelain", "--", ".orchestrator"]),
        ""
    );
    assert_eq!(repo.status_porcelain().lines().count(), 5);
    repo.assert_fsck();
}

#[test]
fn one_session_per_clone_unless_agents_are_named() {
    let repo = Repo::init();
    repo.ok(&["session", "start"]);
    let err = repo.fails(&["session", "start"]);
    assert!(err.contains("already active"), "{err}");
    assert!(err.contains("--agent"), "{err}");
    let a = repo.json(&["session", "start", "--agent", "alice"]);
    let b = repo.json(&["session", "start", "--agent", "bob"]);
    let (a, b) = (
        a["session"]["id"].as_str().unwrap(),
        b["session"]["id"].as_str().unwrap(),
    );
    assert_ne!(a, b);
    // Each agent's commits carry its own session.
    add(&repo, &["by alice", "--agent", "alice"]);
    assert!(trailers(&repo, "HEAD").contains(&format!("Orc-Session: {a}")));
    let out = repo
        .orc_cmd(&["task", "add", "by bob"])
        .env("ORC_AGENT", "bob")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(trailers(&repo, "HEAD").contains(&format!("Orc-Session: {b}")));
    // The active-session record is local: never committed.
    assert_eq!(repo.status_porcelain(), "");
    assert!(repo.root.join(".git/orc/sessions.toml").exists());
    repo.ok(&["session", "end", "--agent", "alice"]);
    let err = repo.fails(&["session", "end", "--agent", "alice"]);
    assert!(
        err.contains("no session is active") && err.contains("alice"),
        "{err}"
    );
    let list = repo.json(&["session", "list"]);
    assert_eq!(list["sessions"].as_array().unwrap().len(), 3);
}

#[test]
fn done_refuses_bad_input_and_writes_nothing() {
    let repo = Repo::init();
    let (_, subtasks) = plan(&repo, "Feature", &["implementer:Build", "tester:Test"]);
    let build = subtasks[0].clone();
    let count = repo.commit_count();
    let err = repo.fails(&["done", &build, "--summary", "x"]);
    assert!(
        err.contains("is pending, not in progress") && err.contains("orc start"),
        "{err}"
    );
    repo.ok(&["start", &build]);
    let count2 = repo.commit_count();
    assert_eq!(count2, count + 1);
    let before = repo.read(&task_file(&build));
    let err = repo.fails(&["done", &build, "--summary", "x", "--artifact", "missing.rs"]);
    assert!(
        err.contains("missing.rs") && err.contains("does not exist"),
        "{err}"
    );
    assert!(err.contains("check the --artifact path"), "{err}");
    let outside = repo.sibling("outside.txt");
    std::fs::write(&outside, "x").unwrap();
    let err = repo.fails(&[
        "done",
        &build,
        "--summary",
        "x",
        "--artifact",
        outside.to_str().unwrap(),
    ]);
    assert!(err.contains("outside the repository"), "{err}");
    let err = repo.fails(&[
        "done",
        &build,
        "--summary",
        "x",
        "--artifact",
        "../outside.txt",
    ]);
    assert!(err.contains("outside the repository"), "{err}");
    let err = repo.fails(&["done", &build, "--summary", "  "]);
    assert!(err.contains("summary is empty"), "{err}");
    assert_eq!(repo.commit_count(), count2);
    assert_eq!(repo.read(&task_file(&build)), before);

    // Artifacts relative to the current directory, detail from a file.
    repo.write("src/lib/a.rs", "fn a() {}\n");
    repo.write("notes.md", "# What I did\n");
    let out = repo
        .orc_in(
            &repo.root.join("src/lib"),
            &[
                "done",
                &build,
                "--summary",
                "Built it.",
                "--artifact",
                "a.rs",
                "--detail-file",
                "../../notes.md",
                "--json",
            ],
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["task"]["artifacts"][0]["path"], "src/lib/a.rs");
    assert_eq!(v["task"]["detail"], "# What I did");
    let text = repo.ok(&["task", "show", &build]);
    assert!(text.contains("src/lib/a.rs  (10 bytes, sha256"), "{text}");
}

#[test]
fn start_claims_and_refuses_other_agents_unless_forced() {
    let repo = Repo::init();
    let a = add(&repo, &["A", "--role", "debugger"]);
    let v = repo.json(&["start", &a, "--agent", "alice"]);
    assert_eq!(v["task"]["assignee"], "alice");
    let count = repo.commit_count();
    // Starting again as the same agent re-prints the brief without a commit.
    let v = repo.json(&["start", &a, "--agent", "alice"]);
    assert_eq!(v["claimed"], false);
    assert_eq!(repo.commit_count(), count);
    let err = repo.fails(&["start", &a, "--agent", "bob"]);
    assert!(
        err.contains("in progress for alice") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(repo.commit_count(), count);
    let v = repo.json(&["start", &a, "--agent", "bob", "--force"]);
    assert_eq!(v["task"]["assignee"], "bob");
    let note = v["task"]["notes"][0]["text"].as_str().unwrap();
    assert!(
        note.starts_with("taken over from alice (worktree "),
        "{note}"
    );
    assert_eq!(repo.commit_count(), count + 1);
}

#[test]
fn block_reopen_and_needs_revision_show_in_status() {
    let repo = Repo::init();
    let (parent, subtasks) = plan(&repo, "Feature", &["implementer:Build", "reviewer:Review"]);
    let (build, review) = (subtasks[0].clone(), subtasks[1].clone());

    let err = repo.fails(&["block", &build, "--reason", " "]);
    assert!(err.contains("reason is empty"), "{err}");
    repo.ok(&["block", &build, "--reason", "waiting for API keys"]);
    let st = repo.json(&["status"]);
    assert_eq!(ids(&st["blocked"]), [build.as_str()]);
    assert!(repo.ok(&["status"]).contains("Blocked:"));
    repo.ok(&["reopen", &build]);
    assert_eq!(
        repo.json(&["task", "show", &build])["task"]["status"],
        "pending"
    );

    // A reviewer sends the work back; the brief shows why.
    repo.ok(&["start", &build]);
    repo.ok(&["done", &build, "--summary", "Built."]);
    repo.ok(&["start", &review]);
    repo.ok(&["done", &review, "--summary", "Approved."]);
    repo.ok(&["synthesize", &parent]);
    let v = repo.json(&[
        "reopen",
        &build,
        "--needs-revision",
        "--reason",
        "handle empty passwords",
    ]);
    assert_eq!(v["task"]["status"], "needs_revision");
    assert_eq!(
        ids(&v["also_changed"]),
        [parent.as_str()],
        "the completed parent is reopened"
    );
    let st = repo.json(&["status"]);
    assert_eq!(ids(&st["needs_revision"]), [build.as_str()]);
    assert_eq!(st["parents"][0]["done"], 1);
    let text = repo.ok(&["status"]);
    assert!(
        text.contains("Needs revision:") && text.contains(&build),
        "{text}"
    );
    let brief = repo.ok(&["start", &build]);
    assert!(
        brief.contains("reopened as needs_revision: handle empty passwords"),
        "{brief}"
    );

    // done --next-action needs_revision records the result but does not complete.
    let v = repo.json(&[
        "done",
        &build,
        "--summary",
        "Half way.",
        "--next-action",
        "needs_revision",
    ]);
    assert_eq!(v["task"]["status"], "needs_revision");
    assert_eq!(v["task"]["result"], "Half way.");
    assert_eq!(v["task"]["next_action"], "needs_revision");
    let t = trailers(&repo, "HEAD");
    assert!(t.contains("Orc-Op: task.needs_revision"), "{t}");
}

#[test]
fn synthesize_refuses_to_complete_with_open_subtasks() {
    let repo = Repo::init();
    let (parent, subtasks) = plan(&repo, "F", &["architect:A", "tester:B", "tester:C"]);
    let (a, c) = (subtasks[0].clone(), subtasks[2].clone());
    repo.ok(&["start", &a]);
    repo.ok(&["done", &a, "--summary", "A done."]);
    let count = repo.commit_count();
    let out = repo.run(&["synthesize", &parent]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("**Not complete:** 1 of 3 subtasks done; 2 still open."),
        "{text}"
    );
    assert!(text.contains("## Still open"), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert!(!text.contains("All 3 subtasks"), "{text}");
    assert_eq!(repo.commit_count(), count);
    assert_eq!(
        repo.json(&["task", "show", &parent])["task"]["status"],
        "pending"
    );
    // Cancelled subtasks do not count.
    repo.ok(&["task", "status", &c, "cancelled"]);
    let b = subtasks[1].clone();
    repo.ok(&["start", &b]);
    let v = repo.json(&["done", &b, "--summary", "B done."]);
    assert_eq!(v["synthesize"], parent.as_str());
    let v = repo.json(&["synthesize", &parent]);
    assert_eq!(v["complete"], true);
    assert!(
        v["markdown"]
            .as_str()
            .unwrap()
            .contains("All 2 subtasks are completed (1 cancelled).")
    );
    let err = repo.fails(&["synthesize", &a]);
    assert!(err.contains("no subtasks"), "{err}");
}

#[test]
fn roles_list_overrides_and_custom_roles() {
    let repo = Repo::init();
    let text = repo.ok(&["roles"]);
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(
        text.lines()
            .next()
            .unwrap()
            .starts_with("architect    built-in  You design"),
        "{text}"
    );
    repo.write(
        ".orchestrator/roles/tester.md",
        "# Tester\n\nOur testers use property tests.\n",
    );
    repo.write(
        ".orchestrator/config.toml",
        "format = 1\n\n[[roles]]\nname = \"security\"\ndescription = \"Threat models and audits.\"\n",
    );
    let v = repo.json(&["roles"]);
    let roles = v["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 8);
    let tester = roles.iter().find(|r| r["name"] == "tester").unwrap();
    assert_eq!(tester["source"], "override");
    assert_eq!(tester["description"], "Our testers use property tests.");
    assert_eq!(tester["path"], ".orchestrator/roles/tester.md");
    assert_eq!(roles[7]["name"], "security");
    assert_eq!(roles[7]["source"], "custom");
    let prompt = repo.ok(&["roles", "security"]);
    assert!(
        prompt.starts_with("# security\n\nThreat models and audits."),
        "{prompt}"
    );
    let err = repo.fails(&["roles", "wizard"]);
    assert!(
        err.contains("unknown role") && err.contains("security"),
        "{err}"
    );
    // The brief of a task uses the override.
    let id = add(&repo, &["Fuzz it", "--role", "tester"]);
    let brief = repo.ok(&["start", &id]);
    assert!(brief.contains("Our testers use property tests."), "{brief}");
}

#[test]
fn start_brief_snapshot() {
    let repo = Repo::init();
    let plan = repo.sibling("plan.toml");
    std::fs::write(&plan, PLAN).unwrap();
    let p = repo.json(&["plan", "--from", plan.to_str().unwrap()]);
    let design = p["subtasks"][0]["id"].as_str().unwrap().to_owned();
    let build = p["subtasks"][1]["id"].as_str().unwrap().to_owned();
    repo.ok(&["start", &design]);
    repo.write("docs/login.md", "# Login design\n");
    repo.ok(&[
        "done",
        &design,
        "--summary",
        "Session cookies, POST /login and POST /logout.",
        "--artifact",
        "docs/login.md",
        "--detail",
        "# Decision\nCookies are simpler than tokens here.",
    ]);
    let brief = repo.ok(&["start", &build, "--agent", "claude"]);
    let (role, rest) = brief.split_once("## Task").unwrap();
    assert!(
        role.contains("## Your role\n\n### Implementer\n\nYou turn a design"),
        "{role}"
    );
    assert!(role.contains("#### A good result contains"), "{role}");
    insta::assert_snapshot!(redact_ids(&format!("{}\n[role prompt]\n\n## Task{rest}", role.lines().next().unwrap())), @r#"
    # implementer_00000001: Implement login
    [role prompt]

    ## Task

    Implement login

    ## Goal (task_00000002: Add login, 1/5 subtasks done)

    Users log in with email and password; sessions last 30 days.

    ## Results you build on

    ### architect_00000003: Design the login flow (architect)

    Session cookies, POST /login and POST /logout.

    ### Decision
    Cookies are simpler than tokens here.

    Artifacts:

    - `docs/login.md`

    ## Waiting for this

    - tester_00000004: Test login (tester)
    - documenter_00000005: Document login (documenter)

    ## Expected output

    When you are done, record the result in one command:

    ```sh
    orc done implementer_00000001 --summary "<two or three sentences: what you did and the outcome>" \
        --artifact <each file you created or changed> \
        --detail-file <Markdown notes: decisions, limitations, follow-ups>
    ```

    - The summary is what the next specialist and the orchestrator read first.
    - List every file you produced with `--artifact`; orc records its SHA-256 so it can be verified later.
    - If the work is not finished, say so: `--next-action needs_revision` (it must be redone or changed) or `--next-action blocked` (it cannot go on; explain why in the summary).
    "#);
    assert!(
        brief.lines().nth(2).unwrap().contains("Assignee: claude"),
        "{brief}"
    );
    insta::assert_snapshot!(redact_ids(&repo.ok(&["status"])), @r"
    6 tasks: 4 pending, 1 in_progress, 1 completed

    Streams:
      auth                 1/5 done, 4 open
         1. implementer_00000001   in_progress    medium   implementer  Implement login
         2. implementer_00000002   ready          low      implementer  Hash passwords with argon2
         3. tester_00000003        pending        medium   tester       Test login  (waiting for implementer_00000001, implementer_00000002)
         4. task_00000004          pending        high     -            Add login
      docs                 0/1 done, 1 open
         1. documenter_00000005    pending        medium   documenter   Document login  (waiting for implementer_00000001)

    Progress:
      task_00000004           20% (1/5)  Add login

    In progress:
      implementer_00000001   medium   implementer  Implement login

    Ready:
      implementer_00000002   low      implementer  Hash passwords with argon2
    ");
}

#[test]
fn the_active_session_is_per_worktree() {
    let repo = Repo::init();
    let s = repo.json(&["session", "start"]);
    let session = s["session"]["id"].as_str().unwrap().to_owned();
    let wt = repo.sibling("wt");
    repo.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    // No session is active in the new worktree: its commits carry none.
    let out = repo
        .orc_in(&wt, &["task", "add", "in the worktree"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msg = repo.git_in(&wt, &["log", "-1", "--format=%B"]);
    assert!(!msg.contains("Orc-Session"), "{msg}");
    // A session of its own there, independent of the main worktree's.
    let out = repo
        .orc_in(&wt, &["session", "start", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    add(&repo, &["in main"]);
    assert!(trailers(&repo, "HEAD").contains(&format!("Orc-Session: {session}")));
}

#[test]
fn restarting_work_sent_back_takes_the_current_agent_and_says_who_had_it() {
    let repo = Repo::init();
    let id = crate::harness::add(&repo, &["Parser"]);
    repo.ok(&["--agent", "alice", "start", &id]);
    repo.ok(&["--agent", "alice", "done", &id, "--summary", "first try"]);
    repo.ok(&[
        "reopen",
        &id,
        "--needs-revision",
        "--reason",
        "errors lack lines",
    ]);
    // Started again without --agent: the task is no longer alice's, and orc says so.
    let out = repo.run(&["start", &id]);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: started by an agent without a name; it was assigned to alice"),
        "{err}"
    );
    let task = &repo.json(&["task", "show", &id])["task"];
    assert_eq!(task["assignee"], serde_json::Value::Null);
    assert!(
        task["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["text"] == "started by an agent without a name; it was assigned to alice")
    );
    // And bob, by name, takes it the same way.
    repo.ok(&["--agent", "bob", "block", &id, "--reason", "waiting"]);
    repo.ok(&["reopen", &id]);
    let out = repo.run(&["--agent", "bob", "start", &id]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(repo.json(&["task", "show", &id])["task"]["assignee"], "bob");
}

/// The CLI words refusals in its own terms: the command or flag to use next, with the
/// id filled in, and never an MCP tool (`Repo::run` checks every command's output).
#[test]
fn refusals_name_the_command_to_run_next() {
    let repo = Repo::init();
    let (parent, subs) = plan(&repo, "P", &["implementer:A"]);
    let a = subs[0].as_str();
    let mut transcript = String::new();
    let mut refuse = |args: &[&str]| {
        let err = repo.fails(args);
        assert!(err.contains("\nhint: "), "no hint for {args:?}:\n{err}");
        transcript.push_str(&format!("$ orc {}\n{err}\n", args.join(" ")));
    };
    refuse(&["done", a, "--summary", "x"]);
    refuse(&["start", &parent]);
    refuse(&["synthesize", a]);
    refuse(&["task", "edit", a]);
    refuse(&["task", "rm", &parent]);
    refuse(&["decision", "show", "99"]);
    refuse(&["decision", "new", "D", "--status", "superseded"]);
    refuse(&["task", "show", "nope"]);
    refuse(&["session", "end"]);
    refuse(&["stream", "show", "nowhere"]);
    refuse(&["files", "record", "x.txt"]);
    repo.ok(&["start", a]);
    refuse(&["done", a, "--summary", " "]);
    refuse(&["block", a, "--reason", " "]);
    refuse(&["task", "add", "two\nlines"]);
    refuse(&["msg", "send", "all", " "]);
    refuse(&["msg", "send", "role:wizard", "hi"]);
    refuse(&["msg", "read", "nope"]);
    insta::assert_snapshot!("cli_refusals", redact_ids(&transcript));
}

#[test]
fn brief_prints_what_start_prints_and_changes_nothing() {
    let repo = Repo::init();
    let plan = repo.sibling("plan.toml");
    std::fs::write(&plan, PLAN).unwrap();
    let p = repo.json(&["plan", "--from", plan.to_str().unwrap()]);
    let goal = p["parent"]["id"].as_str().unwrap().to_owned();
    let design = p["subtasks"][0]["id"].as_str().unwrap().to_owned();
    let build = p["subtasks"][1]["id"].as_str().unwrap().to_owned();
    repo.ok(&["start", &design]);
    repo.ok(&["done", &design, "--summary", "Session cookies."]);
    repo.ok(&["decision", "new", "Cookies, not tokens", "--task", &design]);
    repo.ok(&["decision", "new", "Sessions last 30 days", "--task", &goal]);
    let claims = || {
        repo.git(&[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/orc/",
        ])
    };
    let unchanged = |what: &str, before: &(String, String, String)| {
        let now = (
            repo.git(&["rev-parse", "HEAD"]),
            claims(),
            repo.status_porcelain(),
        );
        assert_eq!(&now, before, "{what} changed HEAD, claims or the work tree");
    };

    // Before anyone starts it: the brief of a pending task, nothing claimed.
    let before = (
        repo.git(&["rev-parse", "HEAD"]),
        claims(),
        repo.status_porcelain(),
    );
    let pending = repo.ok(&["brief", &build, "--agent", "claude"]);
    unchanged("brief of a pending task", &before);
    assert!(pending.contains("Status: pending"), "{pending}");
    for part in [
        "## Your role",
        "## Results you build on",
        "Session cookies.",
        "## Related decisions",
        "Cookies, not tokens",
        "Sessions last 30 days",
    ] {
        assert!(pending.contains(part), "{part} missing from:\n{pending}");
    }
    assert_eq!(
        repo.json(&["task", "show", &build])["task"]["status"],
        "pending"
    );

    // Once started, brief prints exactly what start printed, and renews no claim.
    let started = repo.ok(&["start", &build, "--agent", "claude"]);
    let before = (
        repo.git(&["rev-parse", "HEAD"]),
        claims(),
        repo.status_porcelain(),
    );
    assert_eq!(repo.ok(&["brief", &build, "--agent", "claude"]), started);
    assert_eq!(
        repo.ok(&["brief", &build, "--agent", "someone-else"]),
        started
    );
    let json = repo.json(&["brief", &build]);
    unchanged("brief of a task in progress", &before);
    assert_eq!(json["claimed"], false);
    assert_eq!(json["task"]["id"], build.as_str());
    assert_eq!(json["task"]["status"], "in_progress");
    assert_eq!(json["decisions"].as_array().unwrap().len(), 2, "{json}");
    assert_eq!(json["dependencies"][0]["result"], "Session cookies.");

    let err = repo.fails(&["brief", "nope"]);
    assert!(err.contains("nope"), "{err}");
}
