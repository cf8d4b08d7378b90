//! Signed commits: with `commit.gpgsign`, orc signs its commits with the configured
//! program (ssh-keygen, gpg) as git does; `git verify-commit` is the judge. When signing
//! fails, nothing is committed or written.
//!
//! These tests need `ssh-keygen` and `gpg`: without them they say "skipped" on stderr,
//! and fail instead when `ORC_REQUIRE_SIGNING_TOOLS` is set (`.ci/run` sets it).

use std::path::Path;
use std::process::Command;

use crate::harness::{Repo, success};

/// Whether `tool` can run here; if not, says the test is skipped (or fails in CI).
fn have(tool: &str, test: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    if !found {
        assert!(
            std::env::var_os("ORC_REQUIRE_SIGNING_TOOLS").is_none(),
            "{test}: {tool} is required (ORC_REQUIRE_SIGNING_TOOLS is set)"
        );
        eprintln!("skipped {test}: {tool} is not installed");
    }
    found
}

fn ssh_key(repo: &Repo) -> (std::path::PathBuf, String) {
    let key = repo.sibling("id_ed25519");
    success(
        repo.command("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
            .arg(&key),
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_owned())
}

#[test]
fn ssh_signed_commits_verify_with_git() {
    if !have("ssh-keygen", "ssh_signed_commits_verify_with_git") {
        return;
    }
    let repo = Repo::init();
    let (key, public) = ssh_key(&repo);
    let allowed = repo.sibling("allowed_signers");
    std::fs::write(&allowed, format!("committer@example.com {public}\n")).unwrap();
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&["config", "user.signingkey", key.to_str().unwrap()]);
    repo.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        allowed.to_str().unwrap(),
    ]);

    repo.ok(&["task", "add", "signed"]);
    repo.git(&["verify-commit", "HEAD"]);
    assert_eq!(repo.git(&["log", "-1", "--format=%G?"]).trim(), "G");
    // The signature covers the commit: a commit with the same payload is what git signs.
    let raw = repo.git(&["cat-file", "commit", "HEAD"]);
    assert!(
        raw.contains("\ngpgsig -----BEGIN SSH SIGNATURE-----\n"),
        "{raw}"
    );

    // A literal public key in user.signingKey is used through the agent, as git does;
    // without an agent that fails: a clear error, and nothing committed or written.
    let commits = repo.commit_count();
    repo.git(&["config", "user.signingkey", &format!("key::{public}")]);
    let err = repo.fails(&["task", "add", "no agent"]);
    assert!(err.contains("signing with `ssh-keygen` failed"), "{err}");
    assert!(err.contains("nothing was committed"), "{err}");
    assert_eq!(repo.commit_count(), commits);
    assert_eq!(repo.status_porcelain(), "");
    assert_eq!(
        repo.json(&["task", "list"])["tasks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(!repo.root.join(".git/index.lock").exists());
    repo.assert_no_temp_files();
    repo.assert_fsck();
}

#[test]
fn a_missing_signing_key_commits_nothing() {
    if !have("ssh-keygen", "a_missing_signing_key_commits_nothing") {
        return;
    }
    let repo = Repo::init();
    let commits = repo.commit_count();
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&["config", "user.signingkey", "/nonexistent/key"]);
    let err = repo.fails(&["task", "add", "unsigned"]);
    assert!(err.contains("commit.gpgsign is set and signing"), "{err}");
    assert_eq!(repo.commit_count(), commits);
    assert_eq!(repo.status_porcelain(), "");

    // An unknown format is refused the same way.
    repo.git(&["config", "gpg.format", "pgp"]);
    let err = repo.fails(&["task", "add", "unsigned"]);
    assert!(err.contains("gpg.format is \"pgp\""), "{err}");
    assert_eq!(repo.commit_count(), commits);

    // Signing off: committed unsigned.
    repo.git(&["config", "commit.gpgsign", "false"]);
    repo.ok(&["task", "add", "unsigned"]);
    assert_eq!(repo.git(&["log", "-1", "--format=%G?"]).trim(), "N");
}

/// Stops the gpg-agent a test's GNUPGHOME started, even when the test fails.
struct Agent<'a>(&'a Path);

impl Drop for Agent<'_> {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.0)
            .output();
    }
}

#[test]
fn gpg_signed_commits_verify_with_git() {
    if !have("gpg", "gpg_signed_commits_verify_with_git") {
        return;
    }
    let repo = Repo::init();
    let home = repo.sibling("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    let _agent = Agent(&home);
    success(
        repo.command("gpg")
            .env("GNUPGHOME", &home)
            .args(["--batch", "--passphrase", "", "--quick-gen-key"])
            .args([
                "Test Committer <committer@example.com>",
                "ed25519",
                "sign",
                "never",
            ]),
    );
    repo.git(&["config", "commit.gpgsign", "true"]);

    // No user.signingKey: the committer's identity names the key, as for git.
    success(
        repo.orc_cmd(&["task", "add", "gpg signed"])
            .env("GNUPGHOME", &home),
    );
    success(
        repo.git_cmd(&repo.root, &["verify-commit", "HEAD"])
            .env("GNUPGHOME", &home),
    );
    let status = success(
        repo.git_cmd(&repo.root, &["log", "-1", "--format=%G?"])
            .env("GNUPGHOME", &home),
    );
    assert_eq!(status.trim(), "G");
    assert_eq!(repo.status_porcelain(), "");

    // gpg.program names the program.
    repo.git(&["config", "gpg.program", "/nonexistent/gpg"]);
    let out = repo
        .orc_cmd(&["task", "add", "no gpg"])
        .env("GNUPGHOME", &home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/gpg"), "{err}");
}
