//! Objects a partial clone does not have yet: which are missing, and fetching them from
//! the promisor remote in one batch, the way git fetches missing objects on demand.
//!
//! Only history queries read old file contents; orc's mutations need nothing beyond
//! HEAD's trees and the blobs they write.

use std::io::Write;
use std::process::{Command, Stdio};

use gix::ObjectId;

use super::Store;
use crate::error::{Error, Result};

/// How many missing ids an error message lists before saying how many more there are.
const LISTED: usize = 5;

impl Store {
    /// The remote a partial clone fetches missing objects from (`extensions.partialClone`,
    /// else the first remote with `promisor = true`); `None` for a complete repository.
    fn promisor_remote(&self) -> Option<String> {
        let config = self.repo.config_snapshot();
        if let Some(name) = config.string("extensions.partialClone") {
            return Some(name.to_string());
        }
        self.repo.remote_names().into_iter().find_map(|name| {
            config
                .boolean(format!("remote.{name}.promisor").as_str())
                .unwrap_or(false)
                .then(|| name.to_string())
        })
    }

    /// Makes sure every object of `ids` is in the object database: in a partial clone,
    /// the missing ones are fetched from the promisor remote with one `git fetch`. Fails,
    /// naming the missing objects and how to get them, when they cannot be fetched (no
    /// network, say) or the repository is not a partial clone.
    pub(super) fn ensure_objects(&self, ids: &[ObjectId]) -> Result<()> {
        let mut missing: Vec<ObjectId> = ids
            .iter()
            .filter(|id| !self.repo.has_object(*id))
            .copied()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        missing.sort();
        missing.dedup();
        let Some(remote) = self.promisor_remote() else {
            return Err(Error::invalid_with_hint(
                format!(
                    "{} that this needs {} missing from the repository: {}",
                    crate::render::count(missing.len(), "object"),
                    crate::render::plural(missing.len(), "is", "are"),
                    listed(&missing)
                ),
                "the repository is damaged; `git fsck` says more",
            ));
        };
        match fetch(self, &remote, &missing) {
            Ok(()) if missing.iter().all(|id| self.repo.has_object(id)) => Ok(()),
            Ok(()) => Err(unfetched(
                &remote,
                &missing,
                "the remote did not send them all",
            )),
            Err(why) => Err(unfetched(&remote, &missing, &why)),
        }
    }
}

/// What git runs to fetch missing objects of a partial clone (promisor-remote.c):
/// no negotiation, no tags, no FETCH_HEAD, the ids on stdin.
fn fetch(store: &Store, remote: &str, ids: &[ObjectId]) -> std::result::Result<(), String> {
    let mut child = Command::new("git")
        .current_dir(store.workdir())
        .env("GIT_DIR", store.repo.path())
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        // No prompt for credentials: a query must not hang.
        .env("GIT_TERMINAL_PROMPT", "0")
        .args([
            "-c",
            "fetch.negotiationAlgorithm=noop",
            "fetch",
            remote,
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            "--filter=blob:none",
            "--quiet",
            "--stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run `git fetch`: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let written = ids
        .iter()
        .try_for_each(|id| writeln!(stdin, "{id}"))
        .map_err(|e| format!("could not write to `git fetch`: {e}"));
    drop(stdin);
    let out = child
        .wait_with_output()
        .map_err(|e| format!("`git fetch` failed: {e}"))?;
    written?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

fn listed(ids: &[ObjectId]) -> String {
    let mut text = ids
        .iter()
        .take(LISTED)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > LISTED {
        text.push_str(&format!(" and {} more", ids.len() - LISTED));
    }
    text
}

fn unfetched(remote: &str, missing: &[ObjectId], why: &str) -> Error {
    let first = missing.first().map(ToString::to_string).unwrap_or_default();
    Error::invalid_with_hint(
        format!(
            "this is a partial clone and {} of its history {} not here yet: {}; fetching them from {remote:?} failed: {why}",
            crate::render::count(missing.len(), "object"),
            crate::render::plural(missing.len(), "is", "are"),
            listed(missing)
        ),
        format!(
            "run the command again when {remote:?} can be reached (git then fetches what is missing), or fetch them yourself, e.g. `git fetch {remote} {first}`; `git rev-list --objects --missing=print HEAD | grep '^?'` lists every missing object"
        ),
    )
}
