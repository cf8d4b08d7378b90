//! Messages between agents: across worktrees (at once) and clones (through a
//! file-system claims remote), acknowledgements seen by the sender, mail to a role,
//! unread mail in the briefings, and pruning that keeps unacknowledged mail.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{Repo, plan};

const T0: &str = "2026-01-15T10:00:00Z";
const T20D: &str = "2026-02-04T10:00:00Z";

fn ok_at(repo: &Repo, dir: &Path, now: &str, agent: &str, args: &[&str]) -> String {
    repo.ok_at(dir, now, Some(agent), args)
}

fn json_at(repo: &Repo, dir: &Path, agent: &str, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok_at(repo, dir, T0, agent, &args)).unwrap()
}

/// Ids of the messages in `agent`'s inbox (unread only), sorted (messages sent in the
/// same second, as on this fixed clock, have no order).
fn inbox(repo: &Repo, dir: &Path, agent: &str) -> Vec<String> {
    let mut ids: Vec<String> = json_at(repo, dir, agent, &["msg", "inbox"])["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn send(repo: &Repo, dir: &Path, from: &str, to: &str, text: &str) -> String {
    json_at(repo, dir, from, &["msg", "send", to, text])["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn refs(repo: &Repo, dir: &Path, prefix: &str) -> Vec<String> {
    repo.git_in(dir, &["for-each-ref", "--format=%(refname)", prefix])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The repository with `[claims] remote = "origin"`, a bare origin it is pushed to, a
/// linked worktree and a clone of origin.
fn shared(repo: &Repo) -> (PathBuf, PathBuf) {
    let mut config = repo.read(".orchestrator/config.toml");
    config.push_str("\n[claims]\nremote = \"origin\"\n");
    repo.write(".orchestrator/config.toml", &config);
    repo.git(&["commit", "-qam", "claims through origin"]);
    let origin = repo.sibling("origin.git");
    let o = origin.to_str().unwrap();
    repo.git(&["init", "-q", "--bare", "-b", "main", o]);
    repo.git(&["remote", "add", "origin", o]);
    repo.git(&["push", "-q", "origin", "main"]);
    let wt = repo.sibling("wt");
    repo.git(&["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()]);
    let clone = repo.sibling("clone");
    repo.git(&["clone", "-q", o, clone.to_str().unwrap()]);
    (wt, clone)
}

#[test]
fn a_message_reaches_every_worktree_at_once_and_clones_through_the_remote() {
    let repo = Repo::init();
    let (wt, clone) = shared(&repo);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let id = send(
        &repo,
        &repo.root,
        "bob",
        "alice",
        "Rebase on main\nThe API moved.",
    );

    // Another worktree sees it without a fetch; so does a clone (its inbox fetches).
    assert_eq!(inbox(&repo, &wt, "alice"), [id.as_str()]);
    assert_eq!(inbox(&repo, &clone, "alice"), [id.as_str()]);
    assert!(inbox(&repo, &clone, "carol").is_empty(), "not for carol");
    assert!(
        inbox(&repo, &repo.root, "bob").is_empty(),
        "not for its sender"
    );

    // Acknowledged in the clone: gone from alice's inbox everywhere, seen by the sender.
    ok_at(
        &repo,
        &clone,
        T0,
        "alice",
        &["msg", "ack", &id, "--note", "done"],
    );
    assert!(inbox(&repo, &clone, "alice").is_empty());
    assert!(
        inbox(&repo, &wt, "alice").is_empty(),
        "the ack came through the remote"
    );
    let read = ok_at(&repo, &repo.root, T0, "bob", &["msg", "read", &id]);
    assert!(read.contains("acknowledged by alice"), "{read}");
    assert!(read.contains(": done"), "{read}");

    // Nothing was committed, staged or left in a branch; the objects are sound.
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(repo.git_in(&clone, &["status", "--porcelain"]), "");
    for dir in [&repo.root, &clone] {
        let out = repo
            .git_cmd(dir, &["fsck", "--strict", "--no-dangling"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(refs(&repo, &clone, "refs/orc/msg/").len(), 1);

    // A reply joins the thread.
    let reply = json_at(
        &repo,
        &clone,
        "alice",
        &["msg", "send", "bob", "Rebased", "--reply-to", &id],
    );
    assert_eq!(reply["message"]["thread"], id.as_str());
    let thread = json_at(&repo, &repo.root, "bob", &["msg", "read", &id]);
    assert_eq!(thread["thread"].as_array().unwrap().len(), 2);
}

#[test]
fn mail_to_a_role_reaches_every_agent_of_it_and_briefings_show_unread_mail() {
    let repo = Repo::init();
    let (_, ids) = plan(
        &repo,
        "Work",
        &["implementer:One", "implementer:Two", "tester:Three"],
    );
    ok_at(&repo, &repo.root, T0, "alice", &["start", &ids[0]]);
    ok_at(&repo, &repo.root, T0, "dave", &["start", &ids[2]]);
    let id = send(
        &repo,
        &repo.root,
        "bob",
        "implementer",
        "Use the new error type",
    );
    let all = send(&repo, &repo.root, "bob", "all", "Freeze at noon");
    assert_eq!(
        inbox(&repo, &repo.root, "alice"),
        sorted(vec![all.clone(), id.clone()])
    );
    assert_eq!(inbox(&repo, &repo.root, "dave"), [all.as_str()], "a tester");

    // carol becomes an implementer by starting a task: her brief shows the mail.
    let brief = ok_at(&repo, &repo.root, T0, "carol", &["start", &ids[1]]);
    assert!(brief.contains("## Mail"), "{brief}");
    assert!(brief.contains("2 unread messages"), "{brief}");
    assert!(
        brief.contains(&format!("{id} from bob: Use the new error type")),
        "{brief}"
    );
    assert_eq!(
        inbox(&repo, &repo.root, "carol"),
        sorted(vec![all.clone(), id.clone()])
    );

    let recover = ok_at(&repo, &repo.root, T0, "dave", &["recover"]);
    assert!(recover.contains("1 unread message"), "{recover}");
    // Nothing is ready for dave (exit 3), and the mail is there all the same.
    let out = repo
        .orc_cmd(&["next"])
        .env("ORC_NOW", T0)
        .env("ORC_AGENT", "dave")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let next = String::from_utf8(out.stdout).unwrap();
    assert!(
        next.contains("1 unread message (`orc msg inbox`):"),
        "{next}"
    );
    assert!(
        next.contains(&format!("{all} from bob: Freeze at noon")),
        "{next}"
    );
    let session = json_at(&repo, &repo.root, "dave", &["session", "start"]);
    assert_eq!(session["mail"]["newest"][0]["subject"], "Freeze at noon");

    ok_at(&repo, &repo.root, T0, "dave", &["msg", "ack", &all]);
    let recover = ok_at(&repo, &repo.root, T0, "dave", &["recover"]);
    assert!(!recover.contains("## Mail"), "{recover}");
    // One agent's acknowledgement leaves the others' inboxes as they were.
    assert_eq!(inbox(&repo, &repo.root, "alice").len(), 2);
}

#[test]
fn pruning_removes_old_acknowledged_mail_here_and_on_the_remote_and_keeps_the_rest() {
    let repo = Repo::init();
    let (_, clone) = shared(&repo);
    let old_acked = send(&repo, &repo.root, "bob", "alice", "old and answered");
    let old_open = send(&repo, &repo.root, "bob", "alice", "old and open");
    ok_at(&repo, &clone, T0, "alice", &["msg", "ack", &old_acked]);
    let young = {
        let out = ok_at(
            &repo,
            &repo.root,
            T20D,
            "bob",
            &["msg", "send", "alice", "new", "--json"],
        );
        serde_json::from_str::<Value>(&out).unwrap()["message"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    ok_at(&repo, &clone, T20D, "alice", &["msg", "ack", &young]);

    let v: Value = serde_json::from_str(&ok_at(
        &repo,
        &repo.root,
        T20D,
        "bob",
        &["msg", "prune", "--days", "14", "--json"],
    ))
    .unwrap();
    assert_eq!(v["pruned"], serde_json::json!([old_acked]));
    assert_eq!(v["kept_unacknowledged"], serde_json::json!([old_open]));
    let left = refs(&repo, &repo.root, "refs/orc/msg/");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.iter().any(|r| r.ends_with(&old_acked)));
    assert!(refs(&repo, &repo.root, &format!("refs/orc/acks/{old_acked}/")).is_empty());
    let remote = repo.git(&["ls-remote", "origin", "refs/orc/msg/*"]);
    assert!(!remote.contains(&old_acked), "{remote}");
    assert!(
        remote.contains(&old_open) && remote.contains(&young),
        "{remote}"
    );
}

#[test]
fn bad_recipients_and_unknown_messages_are_refused_clearly() {
    let repo = Repo::init();
    let out = repo
        .orc_cmd(&["msg", "send", "role:nobody", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a role"));
    let out = repo.orc_cmd(&["msg", "ack", "m-nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no message \"m-nope\""), "{err}");
    // An unreachable remote: not sent anywhere, and the inbox still reads this clone.
    let nowhere = repo.sibling("nowhere.git");
    let out = repo
        .orc_cmd(&[
            "msg",
            "send",
            "alice",
            "hi",
            "--claims-remote",
            nowhere.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not publish to"), "{err}");
    assert!(refs(&repo, &repo.root, "refs/orc/").is_empty());
    let out = repo
        .orc_cmd(&["msg", "inbox", "--claims-remote", nowhere.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only this clone's messages"));
}

/// Messages and reservations in every repository shape (reftable refs go through the
/// git command line): send, read, acknowledge, prune; reserve, conflict, release.
fn messages_and_reservations(shape: crate::harness::Shape) {
    let repo = Repo::init_shaped(shape);
    let root = repo.root.clone();
    let id = send(&repo, &root, "bob", "alice", "hello");
    assert_eq!(inbox(&repo, &root, "alice"), [id.as_str()]);
    ok_at(&repo, &root, T0, "alice", &["msg", "ack", &id]);
    assert!(inbox(&repo, &root, "alice").is_empty());
    let out = ok_at(&repo, &root, T20D, "bob", &["msg", "prune"]);
    assert!(out.starts_with("pruned 1 message"), "{shape:?}: {out}");
    assert!(refs(&repo, &root, "refs/orc/msg/").is_empty(), "{shape:?}");
    assert!(refs(&repo, &root, "refs/orc/acks/").is_empty(), "{shape:?}");

    ok_at(&repo, &root, T0, "bob", &["reserve", "src", "--exclusive"]);
    let wt = repo.sibling("wt");
    repo.git(&["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()]);
    let out = repo
        .orc_in(&wt, &["reserve", "src/a.rs"])
        .env("ORC_NOW", T0)
        .env("ORC_AGENT", "alice")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{shape:?}");
    ok_at(&repo, &root, T0, "bob", &["release"]);
    ok_at(&repo, &wt, T0, "alice", &["reserve", "src/a.rs"]);
    assert_eq!(refs(&repo, &root, "refs/orc/reservations/").len(), 1);
    assert_eq!(repo.status_porcelain(), "", "{shape:?}");
}

crate::for_each_shape!(messages_and_reservations);
