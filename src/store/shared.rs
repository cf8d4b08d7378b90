//! Shared records: small texts kept in refs outside branches (`refs/orc/msg/…`,
//! `refs/orc/acks/…`, `refs/orc/reservations`), seen at once by every worktree of a
//! repository (refs live in the common git dir) and carried to clones through a remote.
//!
//! Each ref points at a parentless commit with the empty tree whose message holds the
//! record's text, so nothing reaches a branch, the index or a merge. Local changes are
//! compare-and-swap ref updates through [`super::refs`] (both ref backends); remotes
//! are reached through the git CLI. What a record means is the service's business.

use gix::ObjectId;

use super::Store;
use super::claims::{identity, no_git, remote_error};
use super::refs::{self, UpdateError};
use crate::error::{Error, Result};
use crate::store::Pushed;

/// One shared record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRef {
    /// The ref's full name.
    pub name: String,
    /// The object id in hex: what compare-and-swap compares.
    pub oid: String,
    /// The record's text (the commit message after its first line).
    pub text: String,
}

/// What a push to a remote expects the remote's ref to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease<'a> {
    /// Whatever it is: the push replaces it.
    Any,
    /// It must not exist.
    Absent,
    /// It must point at this object (hex).
    Is(&'a str),
}

/// One ref change of a push: the ref, what the remote must have, and the new object
/// (`None` deletes the ref).
#[derive(Debug, Clone, Copy)]
pub struct PushEdit<'a> {
    pub name: &'a str,
    pub lease: Lease<'a>,
    pub new: Option<&'a str>,
}

impl Store {
    /// Writes a record object titled `title` holding `text`, dated `seconds` (Unix
    /// time), and returns its id in hex. Nothing points at it yet.
    pub fn shared_write(&self, title: &str, text: &str, seconds: i64) -> Result<String> {
        let repo = &self.repo;
        let tree = repo
            .write_object(gix::objs::Tree::empty())
            .map_err(Error::git)?
            .detach();
        let who = identity(repo, seconds)?;
        let commit = gix::objs::Commit {
            tree,
            parents: Default::default(),
            author: who.clone(),
            committer: who,
            encoding: None,
            message: format!("{title}\n\n{text}").into(),
            extra_headers: Vec::new(),
        };
        Ok(repo.write_object(&commit).map_err(Error::git)?.to_string())
    }

    /// The record the ref `name` points at, if the ref exists.
    pub fn shared_read(&self, name: &str) -> Result<Option<SharedRef>> {
        match refs::read(self, name)? {
            Some(id) => self.shared_at(name, id).map(Some),
            None => Ok(None),
        }
    }

    /// Every record under `prefix` (e.g. `refs/orc/msg/`), by ref name.
    pub fn shared_list(&self, prefix: &str) -> Result<Vec<SharedRef>> {
        refs::list(self, prefix)?
            .into_iter()
            .map(|(name, id)| self.shared_at(&name, id))
            .collect()
    }

    /// The names of the refs under `prefix` and their objects, without reading them.
    pub fn shared_names(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        Ok(refs::list(self, prefix)?
            .into_iter()
            .map(|(name, id)| (name, id.to_string()))
            .collect())
    }

    fn shared_at(&self, name: &str, id: ObjectId) -> Result<SharedRef> {
        let commit = self.repo.find_commit(id).map_err(|e| {
            Error::invalid_with_hint(
                format!("{name} points at {id}, which is not a readable commit: {e}"),
                format!("remove it with `git update-ref -d {name}`"),
            )
        })?;
        let message = String::from_utf8_lossy(commit.message_raw_sloppy()).into_owned();
        let text = message
            .split_once("\n\n")
            .map_or("", |(_, body)| body)
            .to_owned();
        Ok(SharedRef {
            name: name.to_owned(),
            oid: id.to_string(),
            text,
        })
    }

    /// Points the ref `name` at `new` (`None` deletes it) if it still points at
    /// `expected` (`None`: if it does not exist). Returns false, changing nothing, when
    /// someone else changed it first.
    pub fn shared_swap(
        &self,
        name: &str,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<bool> {
        let expected = expected.map(parse_id).transpose()?;
        let who = identity(&self.repo, gix::date::Time::now_utc().seconds)?;
        let outcome = match new {
            Some(hex) => refs::update(self, name, parse_id(hex)?, expected, "orc record", &who),
            None => match expected {
                Some(e) => refs::delete(self, name, e, "orc record", &who),
                None => return Ok(refs::read(self, name)?.is_none()),
            },
        };
        match outcome {
            Ok(()) => Ok(true),
            Err(UpdateError::Race) => Ok(false),
            Err(UpdateError::Failed(e)) => Err(e),
        }
    }

    /// Pushes `edits` to `remote` in one atomic push, each with its lease checked by the
    /// server. [`Pushed::Lost`] when a lease did not hold (nothing changed there).
    pub fn shared_push(&self, remote: &str, edits: &[PushEdit<'_>]) -> Result<Pushed> {
        if edits.is_empty() {
            return Ok(Pushed::Done);
        }
        let mut args: Vec<String> = ["push", "--porcelain", "--no-verify"]
            .map(str::to_owned)
            .to_vec();
        if edits.len() > 1 {
            args.push("--atomic".to_owned());
        }
        for e in edits {
            match e.lease {
                Lease::Any => {}
                Lease::Absent => args.push(format!("--force-with-lease={}:", e.name)),
                Lease::Is(oid) => args.push(format!("--force-with-lease={}:{oid}", e.name)),
            }
        }
        args.push(remote.to_owned());
        for e in edits {
            let force = if e.lease == Lease::Any { "+" } else { "" };
            args.push(format!("{force}{}:{}", e.new.unwrap_or(""), e.name));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.git(&args)?;
        if out.status.success() {
            return Ok(Pushed::Done);
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // `[rejected] (stale info)`: a lease did not hold. Two pushes racing for one ref
        // both pass the lease check and one then loses on the server's ref lock.
        let lock_lost = stderr.contains("cannot lock ref");
        let lost = stdout.lines().filter(|l| l.starts_with('!')).any(|l| {
            l.contains("[rejected]")
                || (l.contains("[remote rejected]")
                    && (l.contains("failed to update ref")
                        || l.contains("failed to lock")
                        || (lock_lost && l.contains("atomic transaction failed"))))
        });
        if lost {
            Ok(Pushed::Lost)
        } else {
            Err(remote_error(remote, "publish to", &stdout, &stderr))
        }
    }

    /// Fetches the refs under each of `prefixes` (e.g. `refs/orc/msg/`) from `remote`
    /// into `into(prefix)` here; with `prune`, refs gone there go here too.
    pub fn shared_fetch(&self, remote: &str, prefixes: &[(&str, &str)], prune: bool) -> Result<()> {
        let mut args = vec![
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-auto-gc",
        ];
        if prune {
            args.push("--prune");
        }
        args.push(remote);
        let specs: Vec<String> = prefixes
            .iter()
            .map(|(from, to)| format!("+{from}*:{to}*"))
            .collect();
        args.extend(specs.iter().map(String::as_str));
        let out = self.git_command(&args).output().map_err(no_git)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(remote_error(
                remote,
                "fetch from",
                &String::from_utf8_lossy(&out.stdout),
                &String::from_utf8_lossy(&out.stderr),
            ))
        }
    }
}

fn parse_id(hex: &str) -> Result<ObjectId> {
    ObjectId::from_hex(hex.as_bytes())
        .map_err(|e| Error::invalid(format!("{hex:?} is not an object id: {e}")))
}

impl Store {
    /// The paths staged for the commit being made (the index git points at, against
    /// HEAD), repository-relative. In a hook, `GIT_INDEX_FILE` is the index of the
    /// commit (`git commit -a` and `git commit PATH` use a temporary one).
    pub fn staged_paths(&self) -> Result<Vec<String>> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&self.workdir)
            .args([
                "diff",
                "--cached",
                "--name-only",
                "-z",
                "--no-renames",
                "--no-ext-diff",
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(no_git)?;
        if !out.status.success() {
            return Err(Error::git(format!(
                "git diff --cached failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }
}
