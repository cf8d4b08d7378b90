//! Commit signing as git does it: `commit.gpgsign`, `gpg.format` (openpgp, x509, ssh),
//! `user.signingKey`, `gpg.program` / `gpg.<format>.program`.
//!
//! The commit without its signature is the payload. For openpgp and x509 it goes to
//! `<program> --status-fd=2 -bsau <key>` on stdin and the detached signature comes back
//! on stdout; for ssh it is written to a file signed with
//! `<program> -Y sign -n git -f <key file> [-U] <file>`, which writes `<file>.sig`. The
//! signature goes into the `gpgsig` header (`gpgsig-sha256` in a SHA-256 repository).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Store;
use crate::error::{Error, Result};

/// How the repository asks commits to be signed.
pub(super) struct Signer {
    format: Format,
    program: String,
    /// `user.signingKey`, or what stands in for it.
    key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    OpenPgp,
    X509,
    Ssh,
}

impl Signer {
    /// The signer `commit.gpgsign` asks for, `None` when commits are not signed.
    pub(super) fn from_config(
        store: &Store,
        committer: &gix::actor::Signature,
    ) -> Result<Option<Signer>> {
        let config = store.repo.config_snapshot();
        if !config.boolean("commit.gpgsign").unwrap_or(false) {
            return Ok(None);
        }
        let string = |key: &str| {
            config
                .string(key)
                .map(|v| v.to_string())
                .filter(|v| !v.is_empty())
        };
        let format = match string("gpg.format").as_deref() {
            None | Some("openpgp") => Format::OpenPgp,
            Some("x509") => Format::X509,
            Some("ssh") => Format::Ssh,
            Some(other) => {
                return Err(Error::invalid_with_hint(
                    format!(
                        "commit.gpgsign is set but gpg.format is {other:?}, which git does not know; nothing was committed"
                    ),
                    "set gpg.format to openpgp, x509 or ssh",
                ));
            }
        };
        let program = match format {
            Format::OpenPgp => string("gpg.openpgp.program")
                .or_else(|| string("gpg.program"))
                .unwrap_or_else(|| "gpg".into()),
            Format::X509 => string("gpg.x509.program").unwrap_or_else(|| "gpgsm".into()),
            Format::Ssh => string("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".into()),
        };
        let key = match (string("user.signingkey"), format) {
            (Some(key), _) => key,
            (None, Format::Ssh) => match string("gpg.ssh.defaultKeyCommand") {
                Some(command) => default_ssh_key(&command)?,
                None => {
                    return Err(Error::invalid_with_hint(
                        "commit.gpgsign is set with gpg.format = ssh but user.signingKey is not; nothing was committed",
                        "set user.signingKey to your public or private key file, or gpg.ssh.defaultKeyCommand",
                    ));
                }
            },
            // As git: the committer's identity names the key.
            (None, _) => format!("{} <{}>", committer.name, committer.email),
        };
        Ok(Some(Signer {
            format,
            program,
            key,
        }))
    }

    /// The name of the signature header in a repository using `hash`.
    pub(super) fn header(hash: gix::hash::Kind) -> &'static str {
        if hash == gix::hash::Kind::Sha1 {
            "gpgsig"
        } else {
            "gpgsig-sha256"
        }
    }

    /// Signs `payload`; the signature as the header's value.
    pub(super) fn sign(&self, store: &Store, payload: &[u8]) -> Result<Vec<u8>> {
        let signature = match self.format {
            Format::OpenPgp | Format::X509 => self.sign_gpg(payload)?,
            Format::Ssh => self.sign_ssh(store, payload)?,
        };
        // As git: no carriage returns (a signer on Windows).
        let signature: Vec<u8> = signature.into_iter().filter(|b| *b != b'\r').collect();
        if signature.is_empty() {
            return Err(self.failed("it produced no signature"));
        }
        Ok(signature)
    }

    fn failed(&self, why: impl std::fmt::Display) -> Error {
        Error::invalid_with_hint(
            format!(
                "commit.gpgsign is set and signing with `{}` failed: {why}; nothing was committed",
                self.program
            ),
            "check that `git commit -S` works in this repository (key, agent, gpg.format, user.signingKey)",
        )
    }

    fn sign_gpg(&self, payload: &[u8]) -> Result<Vec<u8>> {
        let mut child = Command::new(&self.program)
            .args(["--status-fd=2", "-bsau", &self.key])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.failed(format_args!("cannot run it: {e}")))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let payload = payload.to_vec();
        // Written from a thread: the signer may write before it has read everything.
        let writer = std::thread::spawn(move || stdin.write_all(&payload));
        let out = child
            .wait_with_output()
            .map_err(|e| self.failed(format_args!("{e}")))?;
        let _ = writer.join();
        let status = String::from_utf8_lossy(&out.stderr);
        let created = status
            .lines()
            .any(|l| l.starts_with("[GNUPG:] SIG_CREATED "));
        if !out.status.success() || !created {
            return Err(self.failed(last_lines(&status)));
        }
        Ok(out.stdout)
    }

    fn sign_ssh(&self, store: &Store, payload: &[u8]) -> Result<Vec<u8>> {
        let tmp_dir = store.local_dir().join("tmp");
        std::fs::create_dir_all(&tmp_dir).map_err(|e| Error::io(&tmp_dir, e))?;
        let unique = format!("{}-{}", std::process::id(), getrandom::u32().unwrap_or(0));
        let buffer = tmp_dir.join(format!("sign-buffer-{unique}"));
        let mut signature_file = buffer.clone().into_os_string();
        signature_file.push(".sig");
        let signature_file = PathBuf::from(signature_file);
        // A literal public key (`key::ssh-…` or `ssh-…`) is used through the agent.
        let literal = self
            .key
            .strip_prefix("key::")
            .or_else(|| self.key.starts_with("ssh-").then_some(self.key.as_str()));
        let key_file = match literal {
            Some(key) => {
                let path = tmp_dir.join(format!("sign-key-{unique}"));
                std::fs::write(&path, key).map_err(|e| Error::io(&path, e))?;
                path
            }
            None => expand_home(&self.key),
        };
        let result = (|| {
            std::fs::write(&buffer, payload).map_err(|e| Error::io(&buffer, e))?;
            let mut cmd = Command::new(&self.program);
            cmd.args(["-Y", "sign", "-n", "git", "-f"]).arg(&key_file);
            if literal.is_some() {
                cmd.arg("-U");
            }
            let out = cmd
                .arg(&buffer)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| self.failed(format_args!("cannot run it: {e}")))?;
            if !out.status.success() {
                let stderr = String::from_utf8_lossy(&out.stderr);
                if stderr.contains("usage:") {
                    return Err(self.failed(
                        "`ssh-keygen -Y sign` is needed for ssh signing (OpenSSH 8.2p1 or later)",
                    ));
                }
                return Err(self.failed(last_lines(&stderr)));
            }
            std::fs::read(&signature_file)
                .map_err(|e| self.failed(format_args!("{}: {e}", signature_file.display())))
        })();
        for path in [&buffer, &signature_file] {
            let _ = std::fs::remove_file(path);
        }
        if literal.is_some() {
            let _ = std::fs::remove_file(&key_file);
        }
        result
    }
}

/// The key `gpg.ssh.defaultKeyCommand` prints first, as git reads it.
fn default_ssh_key(command: &str) -> Result<String> {
    let mut words = command.split_whitespace();
    let program = words.next().unwrap_or_default();
    let out = Command::new(program)
        .args(words)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Error::invalid_with_hint(
                format!(
                    "gpg.ssh.defaultKeyCommand `{command}` cannot run: {e}; nothing was committed"
                ),
                "set user.signingKey, or fix gpg.ssh.defaultKeyCommand",
            )
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().next().map(str::trim) {
        Some(line) if out.status.success() && line.starts_with("ssh-") => {
            Ok(format!("key::{line}"))
        }
        Some(line) if out.status.success() && line.starts_with("key::") => Ok(line.to_owned()),
        _ => Err(Error::invalid_with_hint(
            format!("gpg.ssh.defaultKeyCommand `{command}` gave no key; nothing was committed"),
            "set user.signingKey, or fix gpg.ssh.defaultKeyCommand",
        )),
    }
}

/// `~/…` in a configured path, as git's path interpolation does.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The last few lines of a signer's error output.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("[GNUPG:]") && !l.trim().is_empty())
        .collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    if tail.is_empty() {
        "it exited with an error".to_owned()
    } else {
        tail.join("; ")
    }
}
