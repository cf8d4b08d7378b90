//! The orchestration workflow end to end: sessions, plan, start/done in dependency order,
//! synthesize, status; block/reopen/needs_revision; the specialist brief and its snapshot.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{Repo, add, plan, task_file};

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
    insta::assert_snapshot!(repo.read(&session_file), @r#"
    format = 1
    id = "session_0e791489"
    name = "login feature"
    branch = "main"
    started = "2026-01-15T10:00:00Z"
    "#);

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
    // The stream is inherited from the plan, the dependencies named by title resolved.
    insta::assert_snapshot!(repo.read(&task_file(&subs[3])), @r#"
    format = 1
    id = "tester_341c9458"
    title = "Test login"
    role = "tester"
    status = "pending"
    priority = "medium"
    parent = "task_be9e83c9"
    plan_order = 4
    depends_on = [
        "implementer_cc552c82",
        "implementer_95b1873e",
    ]
    stream = "auth"
    created = "2026-01-15T10:00:00Z"
    updated = "2026-01-15T10:00:00Z"
    "#);
    let doc_file = repo.read(&task_file(&subs[4]));
    assert!(doc_file.contains("stream = \"docs\""), "{doc_file}");

    // Starting out of order is refused, naming what is missing; nothing is written.
    insta::assert_snapshot!(repo.fails(&["start", &subs[3]]), @r"
    error: tester_341c9458 is waiting for unfinished dependencies: implementer_cc552c82, implementer_95b1873e
    hint: finish those first (`orc ready` lists what can start now)
    ");
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
    insta::assert_snapshot!(repo.ok(&["status"]), @r"
    6 tasks: 6 completed

    Streams:
      auth                 5/5 done, 0 open
      docs                 1/1 done, 0 open
    ");

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
    insta::assert_snapshot!(repo.read(&session_file), @r#"
    format = 1
    id = "session_0e791489"
    name = "login feature"
    branch = "main"
    started = "2026-01-15T10:00:00Z"
    ended = "2026-01-15T10:00:00Z"
    handoff = "Login is done. Next: rate limiting."
    "#);

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
    // The whole history: a subject and trailers for each step.
    insta::assert_snapshot!(
        repo.git(&["log", "--reverse", "--format=%s%n%(trailers)"]),
        @r#"
    orc: initialise .orchestrator/
    Orc-Op: init

    orc: start session session_0e791489 "login feature"
    Orc-Op: session.start
    Orc-Session: session_0e791489

    orc: plan task_be9e83c9 "Add login" (5 subtasks)
    Orc-Op: task.plan
    Orc-Task: task_be9e83c9
    Orc-Session: session_0e791489

    orc: start architect_dad8f367 "Design the login flow"
    Orc-Op: task.start
    Orc-Task: architect_dad8f367
    Orc-Session: session_0e791489

    orc: complete architect_dad8f367 "Design the login flow"
    Orc-Op: task.complete
    Orc-Task: architect_dad8f367
    Orc-Session: session_0e791489

    orc: start implementer_cc552c82 "Implement login"
    Orc-Op: task.start
    Orc-Task: implementer_cc552c82
    Orc-Session: session_0e791489

    orc: complete implementer_cc552c82 "Implement login"
    Orc-Op: task.complete
    Orc-Task: implementer_cc552c82
    Orc-Session: session_0e791489

    orc: start documenter_2d54aeea "Document login"
    Orc-Op: task.start
    Orc-Task: documenter_2d54aeea
    Orc-Session: session_0e791489

    orc: complete documenter_2d54aeea "Document login"
    Orc-Op: task.complete
    Orc-Task: documenter_2d54aeea
    Orc-Session: session_0e791489

    orc: start implementer_95b1873e "Hash passwords with argon2"
    Orc-Op: task.start
    Orc-Task: implementer_95b1873e
    Orc-Session: session_0e791489

    orc: complete implementer_95b1873e "Hash passwords with argon2"
    Orc-Op: task.complete
    Orc-Task: implementer_95b1873e
    Orc-Session: session_0e791489

    orc: start tester_341c9458 "Test login"
    Orc-Op: task.start
    Orc-Task: tester_341c9458
    Orc-Session: session_0e791489

    orc: complete tester_341c9458 "Test login"
    Orc-Op: task.complete
    Orc-Task: tester_341c9458
    Orc-Session: session_0e791489

    orc: synthesize task_be9e83c9 "Add login"
    Orc-Op: task.synthesize
    Orc-Task: task_be9e83c9
    Orc-Session: session_0e791489

    orc: end session session_0e791489
    Orc-Op: session.end
    Orc-Session: session_0e791489

    orc: add task_7d51c5b1 "after the session"
    Orc-Op: task.add
    Orc-Task: task_7d51c5b1
    "#
    );

    // The next session sees the handoff.
    let next = repo.ok(&["session", "start"]);
    let (head, guide) = next.split_once("## Your role").unwrap();
    assert!(
        guide.contains("- task_7d51c5b1 after the session"),
        "{guide}"
    );
    insta::assert_snapshot!(head, @r"
    # Orchestration session session_7dc21328

    Started: 2026-01-15T10:00:00Z

    ## Handoff from session_0e791489 (ended 2026-01-15T10:00:00Z)

    Login is done. Next: rate limiting.
    ");

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
    insta::assert_snapshot!(repo.fails(&["session", "start"]), @r"
    error: session session_0e791489 is already active in this clone
    hint: end it first with `orc session end`, or name separate agents with --agent
    ");
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
    insta::assert_snapshot!(repo.fails(&["session", "end", "--agent", "alice"]), @r#"
    error: no session is active in this clone for agent "alice"
    hint: start one with `orc session start`
    "#);
    let list = repo.json(&["session", "list"]);
    assert_eq!(list["sessions"].as_array().unwrap().len(), 3);
}

#[test]
fn done_refuses_bad_input_and_writes_nothing() {
    let repo = Repo::init();
    let (_, subtasks) = plan(&repo, "Feature", &["implementer:Build", "tester:Test"]);
    let build = subtasks[0].clone();
    let count = repo.commit_count();
    insta::assert_snapshot!(repo.fails(&["done", &build, "--summary", "x"]), @r"
    error: implementer_554ae981 is pending, not in progress; nothing was recorded
    hint: start it first with `orc start implementer_554ae981`
    ");
    repo.ok(&["start", &build]);
    let count2 = repo.commit_count();
    assert_eq!(count2, count + 1);
    let before = repo.read(&task_file(&build));
    let err = repo.fails(&["done", &build, "--summary", "x", "--artifact", "missing.rs"]);
    insta::assert_snapshot!(err.replace(repo.root.to_str().unwrap(), "[repo]"), @r#"
    error: artifact "missing.rs" does not exist (missing.rs); nothing was recorded
    hint: create the file first, or check the --artifact path (relative paths start from [repo])
    "#);
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
    insta::assert_snapshot!(err.replace(outside.to_str().unwrap(), "[outside]"), @r#"
    error: path "[outside]" is outside the repository
    hint: give a path inside the repository, relative to its root or to the current directory
    "#);
    let err = repo.fails(&[
        "done",
        &build,
        "--summary",
        "x",
        "--artifact",
        "../outside.txt",
    ]);
    insta::assert_snapshot!(err, @r#"
    error: path "../outside.txt" is outside the repository
    hint: give a path inside the repository, relative to its root or to the current directory
    "#);
    insta::assert_snapshot!(repo.fails(&["done", &build, "--summary", "  "]), @r"
    error: the summary is empty
    hint: say in --summary what was done and what came out of it
    ");
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
    insta::assert_snapshot!(repo.ok(&["task", "show", &build]), @r"
    implementer_554ae981  Build
    status:    completed
    priority:  medium
    role:      implementer
    parent:    task_0e791489
    created:   2026-01-15T10:00:00Z
    updated:   2026-01-15T10:00:00Z
    started:   2026-01-15T10:00:00Z
    completed: 2026-01-15T10:00:00Z

    Result:
      Built it.

    Artifacts:
      src/lib/a.rs  (10 bytes, sha256 509a0a5b5ce4)
    ");
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

    insta::assert_snapshot!(repo.fails(&["block", &build, "--reason", " "]), @r"
    error: the reason is empty
    hint: say in --reason what the task is waiting for
    ");
    repo.ok(&["block", &build, "--reason", "waiting for API keys"]);
    let st = repo.json(&["status"]);
    assert_eq!(ids(&st["blocked"]), [build.as_str()]);
    insta::assert_snapshot!(repo.ok(&["status"]), @r"
    3 tasks: 2 pending, 1 blocked

    Progress:
      task_0e791489            0% (0/2)  Feature

    Ready:
      reviewer_c77a1e5e      medium   reviewer     Review

    Blocked:
      implementer_554ae981   medium   implementer  Build
    ");
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
    insta::assert_snapshot!(repo.ok(&["status"]), @r"
    3 tasks: 1 pending, 1 needs_revision, 1 completed

    Progress:
      task_0e791489           50% (1/2)  Feature

    Needs revision:
      implementer_554ae981   medium   implementer  Build
    ");
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
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap(), @r"
    # task_0e791489: F

    **Not complete:** 1 of 3 subtasks done; 2 still open.

    ## Results

    ### architect_554ae981: A (architect)

    A done.

    ## Still open

    - tester_c77a1e5e [pending] (tester) B
    - tester_86d9adff [pending] (tester) C

    not completed: 2 subtasks are still open; nothing was written
    ");
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
    insta::assert_snapshot!(v["markdown"].as_str().unwrap(), @r"
    # task_0e791489: F

    All 2 subtasks are completed (1 cancelled).

    ## Results

    ### architect_554ae981: A (architect)

    A done.

    ### tester_c77a1e5e: B (tester)

    B done.

    ## Cancelled

    - tester_86d9adff C
    ");
    insta::assert_snapshot!(repo.fails(&["synthesize", &a]), @r"
    error: architect_554ae981 has no subtasks; there is nothing to synthesize
    hint: plan subtasks with `orc plan --parent architect_554ae981`, or finish it with `orc done architect_554ae981`
    ");
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
    insta::assert_snapshot!(format!("{}\n[role prompt]\n\n## Task{rest}", role.lines().next().unwrap()), @r#"
    # implementer_c77a1e5e: Implement login
    [role prompt]

    ## Task

    Implement login

    ## Goal (task_0e791489: Add login, 1/5 subtasks done)

    Users log in with email and password; sessions last 30 days.

    ## Results you build on

    ### architect_554ae981: Design the login flow (architect)

    Session cookies, POST /login and POST /logout.

    ### Decision
    Cookies are simpler than tokens here.

    Artifacts:

    - `docs/login.md`

    ## Waiting for this

    - tester_61cc3234: Test login (tester)
    - documenter_dd073bac: Document login (documenter)

    ## Expected output

    When you are done, record the result in one command:

    ```sh
    orc done implementer_c77a1e5e --summary "<two or three sentences: what you did and the outcome>" \
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
    insta::assert_snapshot!(repo.ok(&["status"]), @r"
    6 tasks: 4 pending, 1 in_progress, 1 completed

    Streams:
      auth                 1/5 done, 4 open
         1. implementer_c77a1e5e   in_progress    medium   implementer  Implement login
         2. implementer_86d9adff   ready          low      implementer  Hash passwords with argon2
         3. tester_61cc3234        pending        medium   tester       Test login  (waiting for implementer_c77a1e5e, implementer_86d9adff)
         4. task_0e791489          pending        high     -            Add login
      docs                 0/1 done, 1 open
         1. documenter_dd073bac    pending        medium   documenter   Document login  (waiting for implementer_c77a1e5e)

    Progress:
      task_0e791489           20% (1/5)  Add login

    In progress:
      implementer_c77a1e5e   medium   implementer  Implement login

    Ready:
      implementer_86d9adff   low      implementer  Hash passwords with argon2
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
    refuse(&["task", "note", a, " "]);
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
    insta::assert_snapshot!("cli_refusals", transcript);
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
