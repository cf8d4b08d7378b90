//! Claim refs: `refs/orc/claims/<task>`, shared by every worktree of a repository, and
//! their copies on a claims remote.
//!
//! Each ref points at a small parentless commit (empty tree) whose message holds the
//! claim's TOML. Local updates are compare-and-swap ref transactions; the remote is
//! reached through the git CLI (`git push --force-with-lease`, `git fetch`), so the
//! user's credentials and remote configuration apply. What a claim means is the
//! service's business; this module only stores, swaps and moves them.

use std::process::Command;

use gix::ObjectId;

use super::Store;
use super::refs::{self, UpdateError};
use crate::error::{Error, Result};

/// Where claim refs live, locally and on a claims remote.
pub const CLAIMS_PREFIX: &str = "refs/orc/claims/";

/// One claim ref as stored: the task it names, the object it points to and the claim text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRef {
    pub task: String,
    /// The object id in hex: what compare-and-swap compares.
    pub oid: String,
    /// The claim's TOML (the commit message after its first line).
    pub text: String,
}

/// What a push of a claim ref did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// The remote now has the new value.
    Done,
    /// The remote's ref was not what was expected: someone else changed it first.
    Lost,
}

impl Store {
    /// The claim ref of `task` in this repository, if any.
    pub fn claim_ref(&self, task: &str) -> Result<Option<ClaimRef>> {
        self.read_claim_ref(&format!("{CLAIMS_PREFIX}{task}"), task)
    }

    /// Every claim ref of this repository, by task id.
    pub fn claim_refs(&self) -> Result<Vec<ClaimRef>> {
        self.claim_refs_under(CLAIMS_PREFIX)
    }

    /// The claim refs of `remote` as of the last [`Store::fetch_claims`].
    pub fn remote_claim_refs(&self, remote: &str) -> Result<Vec<ClaimRef>> {
        self.claim_refs_under(&tracking_prefix(remote))
    }

    /// The claim ref of `task` on `remote` as of the last [`Store::fetch_claims`].
    pub fn remote_claim_ref(&self, remote: &str, task: &str) -> Result<Option<ClaimRef>> {
        self.read_claim_ref(&format!("{}{task}", tracking_prefix(remote)), task)
    }

    fn claim_refs_under(&self, prefix: &str) -> Result<Vec<ClaimRef>> {
        let mut out = Vec::new();
        for (name, id) in refs::list(self, prefix)? {
            let task = name.strip_prefix(prefix).unwrap_or(&name);
            if let Some(c) = self.claim_at(Some(id), task)? {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.task.cmp(&b.task));
        Ok(out)
    }

    fn read_claim_ref(&self, name: &str, task: &str) -> Result<Option<ClaimRef>> {
        self.claim_at(refs::read(self, name)?, task)
    }

    fn claim_at(&self, id: Option<ObjectId>, task: &str) -> Result<Option<ClaimRef>> {
        let Some(id) = id else { return Ok(None) };
        let commit = self.repo.find_commit(id).map_err(|e| {
            Error::invalid_with_hint(
                format!(
                    "the claim ref of {task} points at {id}, which is not a readable commit: {e}"
                ),
                format!("remove it with `git update-ref -d {CLAIMS_PREFIX}{task}`"),
            )
        })?;
        let message = String::from_utf8_lossy(commit.message_raw_sloppy()).into_owned();
        let text = message
            .split_once("\n\n")
            .map_or(message.as_str(), |(_, body)| body)
            .to_owned();
        Ok(Some(ClaimRef {
            task: task.to_owned(),
            oid: id.to_string(),
            text,
        }))
    }

    /// Writes the object of a claim on `task` with the claim's `text`, dated `seconds`
    /// (Unix time), and returns its id in hex. Nothing points at it yet.
    pub fn write_claim_object(&self, task: &str, text: &str, seconds: i64) -> Result<String> {
        self.shared_write(&format!("orc claim {task}"), text, seconds)
    }

    /// Points the claim ref of `task` at `new` (`None` deletes it) if it still points at
    /// `expected` (`None`: if it does not exist). Returns false, changing nothing, when
    /// someone else changed it first.
    pub fn swap_claim_ref(
        &self,
        task: &str,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<bool> {
        let name = format!("{CLAIMS_PREFIX}{task}");
        let who = identity(&self.repo, gix::date::Time::now_utc().seconds)?;
        let message = format!("orc claim {task}");
        let expected = expected.map(parse_id).transpose()?;
        let outcome = match (new, expected) {
            (Some(hex), _) => refs::update(self, &name, parse_id(hex)?, expected, &message, &who),
            (None, Some(old)) => refs::delete(self, &name, old, &message, &who),
            // Deleting what must not exist: done when it does not.
            (None, None) => {
                return Ok(refs::read(self, &name)?.is_none());
            }
        };
        match outcome {
            Ok(()) => Ok(true),
            Err(UpdateError::Race) => Ok(false),
            Err(UpdateError::Failed(e)) => Err(e),
        }
    }

    /// Publishes the claim ref of `task` on `remote` with compare-and-swap done by the
    /// server: `new` (`None` deletes it) replaces `expected` (`None`: must not exist).
    pub fn push_claim(
        &self,
        remote: &str,
        task: &str,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<Pushed> {
        self.start_push_claim(remote, task, expected, new)?.wait()
    }

    /// [`Store::push_claim`] running in the background: the push goes on while the caller
    /// prepares its commit; [`PendingPush::wait`] gives the outcome.
    pub fn start_push_claim(
        &self,
        remote: &str,
        task: &str,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<PendingPush> {
        let name = format!("{CLAIMS_PREFIX}{task}");
        let lease = format!("--force-with-lease={name}:{}", expected.unwrap_or(""));
        let refspec = format!("{}:{name}", new.unwrap_or(""));
        let child = self
            .git_command(&[
                "push",
                "--porcelain",
                "--no-verify",
                &lease,
                remote,
                &refspec,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(no_git)?;
        Ok(PendingPush {
            child,
            remote: remote.to_owned(),
            name,
            deleting: new.is_none(),
        })
    }

    /// Brings the claim refs of `remote` to `refs/orc/remotes/<remote>/claims/` (claims
    /// deleted there are deleted here too).
    pub fn fetch_claims(&self, remote: &str) -> Result<()> {
        let refspec = format!("+{CLAIMS_PREFIX}*:{}*", tracking_prefix(remote));
        let out = self.git(&[
            "fetch",
            "--quiet",
            "--prune",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-auto-gc",
            remote,
            &refspec,
        ])?;
        if out.status.success() {
            Ok(())
        } else {
            Err(remote_error(
                remote,
                "read the claims of",
                &String::from_utf8_lossy(&out.stdout),
                &String::from_utf8_lossy(&out.stderr),
            ))
        }
    }

    /// The content of the repository-relative file `rel` at the tip of every other branch
    /// (local branches and remote-tracking ones, not the one checked out here), by branch
    /// name. Work on a task finished on another branch shows here before it is merged.
    pub fn file_on_other_branches(&self, rel: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let here = refs::head(self)?.branch;
        let mut out = Vec::new();
        for prefix in ["refs/heads/", "refs/remotes/"] {
            // Symbolic refs (`origin/HEAD`) are not listed: they name a branch listed anyway.
            for (name, id) in refs::list(self, prefix)? {
                if here.as_deref() == Some(name.as_str()) {
                    continue;
                }
                let Some(tree) = self
                    .repo
                    .find_object(id)
                    .ok()
                    .and_then(|o| o.peel_to_tree().ok())
                else {
                    continue;
                };
                let Ok(Some(entry)) = tree.lookup_entry_by_path(rel) else {
                    continue;
                };
                let Ok(object) = entry.object() else { continue };
                let short = name
                    .strip_prefix("refs/heads/")
                    .or_else(|| name.strip_prefix("refs/remotes/"))
                    .unwrap_or(&name);
                out.push((short.to_owned(), object.data.clone()));
            }
        }
        Ok(out)
    }

    /// Runs the git CLI in this work tree (the network part of claims).
    pub(super) fn git(&self, args: &[&str]) -> Result<std::process::Output> {
        self.git_command(args).output().map_err(no_git)
    }

    pub(super) fn git_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C")
            .arg(&self.workdir)
            .args(args)
            // This repository, whatever a calling git (a hook) put in the environment.
            .env("GIT_DIR", self.repo.path())
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_COMMON_DIR")
            .stdin(std::process::Stdio::null());
        cmd
    }
}

/// A push of a claim ref under way.
pub struct PendingPush {
    child: std::process::Child,
    remote: String,
    name: String,
    deleting: bool,
}

impl PendingPush {
    /// Waits for the push: done, lost to someone else's claim, or an error.
    pub fn wait(self) -> Result<Pushed> {
        let out = self.child.wait_with_output().map_err(no_git)?;
        if out.status.success() {
            return Ok(Pushed::Done);
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let rejected = stdout
            .lines()
            .filter(|l| l.starts_with('!'))
            .find(|l| l.contains(&self.name));
        // `[rejected] (stale info)`: the lease did not match. A push racing another one
        // for the same ref passes the lease check and then loses on the server's ref
        // lock: `[remote rejected] (failed to update ref)`, "cannot lock ref".
        let lost_on_server = |line: &str| {
            line.contains("[remote rejected]")
                && (line.contains("failed to update ref") || line.contains("failed to lock"))
        };
        match rejected {
            Some(line) if line.contains("[rejected]") || lost_on_server(line) => Ok(Pushed::Lost),
            // Deleting a claim the remote no longer has: nothing to release there.
            Some(line) if self.deleting && line.contains("does not exist") => Ok(Pushed::Lost),
            _ => Err(remote_error(
                &self.remote,
                "publish the claim on",
                &stdout,
                &stderr,
            )),
        }
    }
}

pub(super) fn no_git(e: std::io::Error) -> Error {
    crate::error::Reason::NoGitForClaims {
        cause: e.to_string(),
    }
    .into()
}

/// The name of this machine, recorded in claims: two clones at the same path on two
/// machines are different holders.
pub fn host_name() -> String {
    let from_file = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    from_file("/proc/sys/kernel/hostname")
        .or_else(|| from_file("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Local refs that mirror the claims of `remote` (a name or a URL).
fn tracking_prefix(remote: &str) -> String {
    let safe = crate::model::ref_component(remote);
    format!("refs/orc/remotes/{safe}/claims/")
}

fn parse_id(hex: &str) -> Result<ObjectId> {
    ObjectId::from_hex(hex.as_bytes())
        .map_err(|e| Error::invalid(format!("{hex:?} is not an object id: {e}")))
}

/// The signature of claim objects: git's committer (or orc's fallback), at `seconds`.
pub(super) fn identity(repo: &gix::Repository, seconds: i64) -> Result<gix::actor::Signature> {
    let (name, email) = match repo.committer() {
        Some(Ok(sig)) => (sig.name.to_owned(), sig.email.to_owned()),
        Some(Err(e)) => return Err(Error::git(e)),
        None => ("orc".into(), "orc@localhost".into()),
    };
    Ok(gix::actor::Signature {
        name,
        email,
        time: gix::date::Time { seconds, offset: 0 },
    })
}

pub(super) fn remote_error(remote: &str, what: &str, stdout: &str, stderr: &str) -> Error {
    let detail: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines().filter(|l| l.starts_with('!')))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Error::ClaimsRemote {
        remote: remote.to_owned(),
        message: format!("could not {what} {remote}: {}", detail.join("; ")),
    }
}
