//! Claims: the lock that keeps two agents off one task, in every worktree of a
//! repository and, with a claims remote, in every clone of it (`orc claims`).
//!
//! A claim is taken before the task file is committed and given back when the task
//! leaves `in_progress`; if the commit fails, what was taken or given back is restored.
//! The task file's assignee stays the record for people; the claim is the lock.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::partial::Tasks;
use super::{Orc, State};
use crate::error::{Error, Result};
use crate::format;
use crate::model::{Claim, Config, Holder, Status, TaskId};
use crate::store::{Change, ClaimRef, PendingPush, Pushed};

/// How often a push is retried when the remote's claim changes between reading and
/// swapping it.
const PUBLISH_ATTEMPTS: usize = 5;

/// A claim as `orc claims` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimView {
    #[serde(flatten)]
    pub claim: Claim,
    /// The lease still runs.
    pub live: bool,
    /// Taken by this agent in this work tree.
    pub mine: bool,
    /// Where it was found: `local` (the refs every worktree of this clone shares)
    /// and/or the claims remote's name.
    pub seen: Vec<String>,
    /// The task's title and status in this work tree, when the task is here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// What `orc claims` lists.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimsReport {
    /// The claims remote consulted, when there is one (and `--local` was not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    pub lease_hours: u64,
    /// Live claims first, then expired ones; each by task id.
    pub claims: Vec<ClaimView>,
}

/// What taking a claim did.
#[derive(Debug, Clone)]
pub(super) struct Taken {
    /// The claim of someone else this one replaced (expired, or taken over with force).
    pub displaced: Option<Claim>,
}

/// A claim whose push to the claims remote is under way.
pub(super) struct Publishing {
    id: TaskId,
    remote: String,
    oid: String,
    /// What the remote was expected to hold (the local claim it replaces).
    expected: Option<String>,
    push: PendingPush,
    claim: Claim,
    force: bool,
    /// The mutation's undo entry of this claim.
    undo_at: usize,
}

/// How to put back a claim ref changed by a mutation that then failed.
#[derive(Debug, Clone)]
pub(super) struct ClaimUndo {
    task: String,
    /// (value before, value now) of the local ref.
    local: (Option<String>, Option<String>),
    /// (remote, value before, value now) of the remote ref, when it was changed.
    remote: Option<(String, Option<String>, Option<String>)>,
}

impl Orc {
    /// Who acts, for claims.
    pub(super) fn holder(&self) -> Holder {
        Holder {
            agent: self.ctx.agent.clone(),
            host: crate::store::host_name(),
            worktree: self.store.workdir().display().to_string(),
            branch: self.store.branch(),
        }
    }

    /// The remote claims are published to, unless `--local` was given.
    pub(super) fn claims_remote(&self, config: &Config) -> Option<String> {
        if self.ctx.local_claims {
            return None;
        }
        self.ctx
            .claims_remote
            .clone()
            .or_else(|| config.claims.remote.clone())
            .filter(|r| !r.trim().is_empty())
    }

    fn lease(config: &Config) -> SignedDuration {
        SignedDuration::from_hours(config.claims.lease_hours.clamp(1, 24 * 365) as i64)
    }

    /// Takes the claim on `id` for this agent in this work tree: refused while someone
    /// else holds a live claim (unless `force`); an own claim with more than half of its
    /// lease left is kept as it is. With a claims remote the claim counts only once the
    /// remote accepted it.
    pub(super) fn take_claim(&self, config: &Config, id: &TaskId, force: bool) -> Result<Taken> {
        let holder = self.holder();
        let now = self.now();
        let lease = Self::lease(config);
        let local = self.store.claim_ref(id.as_str())?;
        let current = local.as_ref().map(parse_claim).transpose()?;
        let rule = LeaseRule { now, lease, force };
        let Some(succession) = succession(current, &holder, id, &rule)? else {
            return Ok(Taken { displaced: None });
        };
        let remote = self.claims_remote(config);
        let claim = Claim {
            task: id.clone(),
            agent: holder.agent,
            host: holder.host,
            worktree: holder.worktree,
            branch: holder.branch,
            since: succession.since,
            lease_until: now + lease,
            token: token()?,
            displaced: succession.displaced.as_ref().map(Claim::describe),
        };
        let written = self.swap_local_claim(id, local.map(|r| r.oid), &claim)?;
        let mut displaced = succession.displaced;
        if let Some(remote) = remote
            && let Some(d) = self.publish_claim(remote, written, claim, force)?
        {
            displaced = Some(d);
        }
        Ok(Taken { displaced })
    }

    /// Writes `claim` and swaps it into the local claim ref of `id` (which held
    /// `expected`), recording how to undo that.
    fn swap_local_claim(
        &self,
        id: &TaskId,
        expected: Option<String>,
        claim: &Claim,
    ) -> Result<LocalClaim> {
        let oid = self.write_claim(claim)?;
        if !self
            .store
            .swap_claim_ref(id.as_str(), expected.as_deref(), Some(&oid))?
        {
            return Err(self.held_now(id));
        }
        let undo = ClaimUndo {
            task: id.to_string(),
            local: (expected.clone(), Some(oid.clone())),
            remote: None,
        };
        self.claim_undo.borrow_mut().push(undo);
        let undo_at = self.claim_undo.borrow().len() - 1;
        Ok(LocalClaim {
            id: id.clone(),
            expected,
            oid,
            undo_at,
        })
    }

    /// Starts pushing the claim written as `local` to `remote`. The push runs while the
    /// mutation prepares its commit, which waits for it (`await_claims`); a takeover
    /// (`force`) waits now, to return whom it displaced there.
    fn publish_claim(
        &self,
        remote: String,
        local: LocalClaim,
        claim: Claim,
        force: bool,
    ) -> Result<Option<Claim>> {
        let LocalClaim {
            id,
            expected,
            oid,
            undo_at,
        } = local;
        let push =
            self.store
                .start_push_claim(&remote, id.as_str(), expected.as_deref(), Some(&oid))?;
        self.claim_undo.borrow_mut()[undo_at].remote =
            Some((remote.clone(), expected.clone(), Some(oid.clone())));
        let publishing = Publishing {
            id,
            remote,
            oid,
            expected,
            push,
            claim,
            force,
            undo_at,
        };
        if force {
            return self.finish_publishing(publishing);
        }
        self.claim_pushes.borrow_mut().push(publishing);
        Ok(None)
    }

    /// With a claims remote, takes the claim on a pending task `input` names before the
    /// whole state is read, so the push runs meanwhile (`orc start` reads everything for
    /// the brief). Reads only the config and that task; leaves every refusal, and every
    /// case it does not settle in one look, to the caller, which takes the claim then.
    pub(super) fn claim_early(&self, input: &str, force: bool) -> Result<()> {
        let config = State::load_config(&self.store)?;
        if force || self.claims_remote(&config).is_none() {
            return Ok(());
        }
        let mut tasks = super::Partial::new(&self.store, config.clone());
        let Ok(id) = tasks.resolve(input) else {
            return Ok(());
        };
        let Ok(task) = tasks.get(&id).cloned() else {
            return Ok(());
        };
        if task.status != Status::Pending || !tasks.unfinished_dependencies(&task).is_empty() {
            return Ok(());
        }
        // Someone else's claim (live or expired): the caller decides and notes it.
        if self.store.claim_ref(id.as_str())?.is_some() {
            return Ok(());
        }
        self.take_claim(&config, &id, false).map(|_| ())
    }

    /// Waits for the claim pushes started by this mutation; a push that lost to someone
    /// else's claim is settled as [`Orc::take_claim`] would (read theirs, refuse a live
    /// one, replace an expired one). Called before the change is committed.
    pub(super) fn await_claims(&self) -> Result<()> {
        let pending: Vec<Publishing> = self.claim_pushes.borrow_mut().drain(..).collect();
        let mut result = Ok(());
        for p in pending {
            // Every push is waited for, even after an error, so none outlives the mutation.
            let outcome = self.finish_publishing(p);
            if result.is_ok() {
                result = outcome.map(|_| ());
            }
        }
        result
    }

    /// Completes one claim push; returns the remote's claim it replaced, if any.
    fn finish_publishing(&self, p: Publishing) -> Result<Option<Claim>> {
        let holder = self.holder();
        let now = self.now();
        let id = p.id;
        let mut first = Some(p.push);
        let mut expected = p.expected;
        let mut oid = p.oid;
        let mut claim = p.claim;
        let mut displaced: Option<Claim> = None;
        for _ in 0..PUBLISH_ATTEMPTS {
            let pushed = match first.take() {
                Some(push) => push.wait()?,
                None => self.store.push_claim(
                    &p.remote,
                    id.as_str(),
                    expected.as_deref(),
                    Some(&oid),
                )?,
            };
            if pushed == Pushed::Done {
                self.claim_undo.borrow_mut()[p.undo_at].remote =
                    Some((p.remote.clone(), expected, Some(oid)));
                return Ok(displaced);
            }
            // Someone else's claim is there: read it and decide.
            self.store.fetch_claims(&p.remote)?;
            let Some(theirs) = self.store.remote_claim_ref(&p.remote, id.as_str())? else {
                expected = None;
                continue;
            };
            let c = parse_claim(&theirs)?;
            if !c.is_held_by(&holder) {
                if c.is_live(now) && !p.force {
                    return Err(Error::ClaimHeld {
                        id,
                        holder: c.describe(),
                    });
                }
                if displaced.as_ref().is_none_or(|d| d.token != c.token) {
                    // Record whom this claim replaces on the remote.
                    claim.displaced = Some(c.describe());
                    displaced = Some(c);
                    let rewritten = self.write_claim(&claim)?;
                    if !self
                        .store
                        .swap_claim_ref(id.as_str(), Some(&oid), Some(&rewritten))?
                    {
                        return Err(self.held_now(&id));
                    }
                    oid = rewritten;
                    self.claim_undo.borrow_mut()[p.undo_at].local.1 = Some(oid.clone());
                }
            }
            expected = Some(theirs.oid);
        }
        Err(Error::ClaimsRemote {
            remote: p.remote.clone(),
            message: format!(
                "the claim of {id} on {} kept changing; gave up after {PUBLISH_ATTEMPTS} attempts",
                p.remote
            ),
        })
    }

    /// Gives back the claim `r` on a task that is no longer in progress: a claim taken in
    /// this work tree (by any agent) or an expired one is deleted here and on the claims
    /// remote; a live claim from another work tree or clone stays.
    fn release_claim(&self, config: &Config, r: &ClaimRef) -> Result<()> {
        let holder = self.holder();
        // An unreadable claim is nobody's: give it back.
        if let Ok(c) = parse_claim(r)
            && c.is_live(self.now())
            && !c.is_from(&holder)
        {
            return Ok(());
        }
        let mut undo = ClaimUndo {
            task: r.task.clone(),
            local: (Some(r.oid.clone()), None),
            remote: None,
        };
        if let Some(remote) = self.claims_remote(config) {
            // Lost: the remote has another claim (or none); that one is not ours to delete.
            if self
                .store
                .push_claim(&remote, &r.task, Some(&r.oid), None)?
                == Pushed::Done
            {
                undo.remote = Some((remote, Some(r.oid.clone()), None));
            }
        }
        if self.store.swap_claim_ref(&r.task, Some(&r.oid), None)? {
            self.claim_undo.borrow_mut().push(undo);
        } else {
            self.claim_undo.borrow_mut().push(ClaimUndo {
                local: (None, None),
                ..undo
            });
        }
        Ok(())
    }

    /// Before a change is committed: gives back the claims of tasks the change takes out
    /// of `in_progress` (or removes), and returns the tasks it leaves in progress, whose
    /// claims [`Orc::renew_claims`] renews once the change is committed.
    pub(super) fn settle_claims(&self, config: &Config, change: &Change) -> Result<Vec<TaskId>> {
        let mut renew = Vec::new();
        let mut released: Vec<TaskId> = Vec::new();
        for (path, content) in &change.files {
            let Some(id) = claimed_task_of_path(path) else {
                continue;
            };
            // One ref lookup per task file changed (a few per mutation).
            let Some(r) = self.store.claim_ref(id.as_str())? else {
                continue;
            };
            let in_progress = content.as_deref().is_some_and(|bytes| {
                std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|text| format::task_from_toml(text).ok())
                    .is_some_and(|t| t.status == Status::InProgress)
            });
            if in_progress {
                renew.push(id);
            } else if (content.is_none() && moved(change, &id)) || released.contains(&id) {
                // A task file moved to where it belongs, or a claim given back already.
            } else {
                self.release_claim(config, &r)?;
                released.push(id);
            }
        }
        Ok(renew)
    }

    /// Renews this agent's claims on `ids` whose lease is half gone. Best effort: the
    /// change is committed already, and the next command renews again.
    pub(super) fn renew_claims(&self, config: &Config, ids: &[TaskId]) {
        let holder = self.holder();
        for id in ids {
            let own = self
                .store
                .claim_ref(id.as_str())
                .ok()
                .flatten()
                .and_then(|r| parse_claim(&r).ok())
                .is_some_and(|c| c.is_held_by(&holder));
            if own {
                let _ = self.take_claim(config, id, false);
            }
        }
        // A renewal the remote refused (someone took the expired claim there) is put
        // back here too, so this clone does not believe it holds the task.
        match self.await_claims() {
            Ok(()) => self.claim_undo.borrow_mut().clear(),
            Err(_) => self.undo_claims(),
        }
    }

    /// Puts back every claim ref changed since the mutation began (it failed).
    pub(super) fn undo_claims(&self) {
        // A push still under way must end before its ref is put back.
        for p in self.claim_pushes.borrow_mut().drain(..) {
            let _ = p.push.wait();
        }
        let undo: Vec<ClaimUndo> = self.claim_undo.borrow_mut().drain(..).collect();
        for u in undo.iter().rev() {
            self.undo_one(u);
        }
    }

    /// Best effort: the error that made the mutation fail is what the user needs to see.
    fn undo_one(&self, u: &ClaimUndo) {
        if let Some((remote, before, now)) = &u.remote {
            let _ = self
                .store
                .push_claim(remote, &u.task, now.as_deref(), before.as_deref());
        }
        if u.local.0 != u.local.1 {
            let _ = self
                .store
                .swap_claim_ref(&u.task, u.local.1.as_deref(), u.local.0.as_deref());
        }
    }

    fn write_claim(&self, claim: &Claim) -> Result<String> {
        self.store.write_claim_object(
            claim.task.as_str(),
            &format::claim_to_toml(claim),
            self.now().as_second(),
        )
    }

    /// The error for a claim ref that changed between reading and swapping it.
    fn held_now(&self, id: &TaskId) -> Error {
        let holder = self
            .store
            .claim_ref(id.as_str())
            .ok()
            .flatten()
            .and_then(|r| parse_claim(&r).ok())
            .map_or_else(|| "another process".to_owned(), |c| c.describe());
        Error::ClaimHeld {
            id: id.clone(),
            holder,
        }
    }

    /// Whether the claim on `id` in this clone has run out (`None`: there is none).
    pub(super) fn claim_expired(&self, id: &TaskId) -> Result<Option<bool>> {
        Ok(match self.store.claim_ref(id.as_str())? {
            Some(r) => Some(!parse_claim(&r)?.is_live(self.now())),
            None => None,
        })
    }

    /// Every claim of this clone and, with a claims remote, of the remote (fetched first
    /// when `fetch`), by task.
    pub(super) fn known_claims(&self, config: &Config, fetch: bool) -> Result<Vec<ClaimView>> {
        let holder = self.holder();
        let now = self.now();
        let mut views: Vec<ClaimView> = Vec::new();
        let mut add = |r: ClaimRef, seen: &str| -> Result<()> {
            if let Some(v) = views
                .iter_mut()
                .find(|v| v.claim.task.as_str() == r.task && v.claim.token == claim_token(&r))
            {
                v.seen.push(seen.to_owned());
                return Ok(());
            }
            let claim = parse_claim(&r)?;
            views.push(ClaimView {
                live: claim.is_live(now),
                mine: claim.is_held_by(&holder),
                claim,
                seen: vec![seen.to_owned()],
                title: None,
                status: None,
            });
            Ok(())
        };
        for r in self.store.claim_refs()? {
            add(r, "local")?;
        }
        if let Some(remote) = self.claims_remote(config) {
            if fetch {
                self.store.fetch_claims(&remote)?;
            }
            for r in self.store.remote_claim_refs(&remote)? {
                add(r, &remote)?;
            }
        }
        Ok(views)
    }

    /// `orc claims`: live and expired claims of every worktree of this clone and, with
    /// a claims remote, of every clone that publishes there.
    pub fn claims(&self) -> Result<ClaimsReport> {
        let state = self.state()?;
        let mut claims = self.known_claims(&state.config, true)?;
        for v in &mut claims {
            if let Some(t) = state.tasks.get(&v.claim.task) {
                v.title = Some(t.title.clone());
                v.status = Some(t.status);
            }
        }
        claims.sort_by(|a, b| (!a.live, &a.claim.task).cmp(&(!b.live, &b.claim.task)));
        Ok(ClaimsReport {
            remote: self.claims_remote(&state.config),
            lease_hours: state.config.claims.lease_hours,
            claims,
        })
    }

    /// Expired claims, for `orc maintenance scan` (no network: the remote's claims as of
    /// the last fetch).
    pub(super) fn expired_claims(&self, state: &State) -> Result<Vec<ClaimView>> {
        let mut views = self.known_claims(&state.config, false)?;
        views.retain(|v| !v.live);
        for v in &mut views {
            if let Some(t) = state.tasks.get(&v.claim.task) {
                v.title = Some(t.title.clone());
                v.status = Some(t.status);
            }
        }
        Ok(views)
    }
}

/// A claim swapped into the local ref, whose undo entry is at `undo_at`.
struct LocalClaim {
    id: TaskId,
    /// The local ref's value before.
    expected: Option<String>,
    oid: String,
    undo_at: usize,
}

/// When claims are taken, for how long, and whether a live one of someone else's may be
/// taken over.
struct LeaseRule {
    now: Timestamp,
    lease: SignedDuration,
    force: bool,
}

/// How a new claim follows the current one.
struct Succession {
    /// When the claim counts from (kept when an own claim is renewed).
    since: Timestamp,
    /// Someone else's claim it replaces.
    displaced: Option<Claim>,
}

/// How `holder`'s new claim on `id` follows `current`: `None` keeps an own claim with more
/// than half of its lease left; someone else's live claim is refused unless forced.
fn succession(
    current: Option<Claim>,
    holder: &Holder,
    id: &TaskId,
    rule: &LeaseRule,
) -> Result<Option<Succession>> {
    let Some(c) = current else {
        return Ok(Some(Succession {
            since: rule.now,
            displaced: None,
        }));
    };
    if c.is_held_by(holder) {
        if c.lease_until.duration_since(rule.now) > rule.lease / 2 {
            return Ok(None);
        }
        return Ok(Some(Succession {
            since: c.since,
            displaced: None,
        }));
    }
    if c.is_live(rule.now) && !rule.force {
        return Err(Error::ClaimHeld {
            id: id.clone(),
            holder: c.describe(),
        });
    }
    Ok(Some(Succession {
        since: rule.now,
        displaced: Some(c),
    }))
}

/// The claim stored in `r`, or an error naming the ref and how to remove it.
fn parse_claim(r: &ClaimRef) -> Result<Claim> {
    format::claim_from_toml(&r.text).map_err(|e| {
        Error::invalid_with_hint(
            format!("the claim of {} ({}) cannot be read: {e}", r.task, r.oid),
            format!(
                "remove it with `git update-ref -d {}{}`",
                crate::store::CLAIMS_PREFIX,
                r.task
            ),
        )
    })
}

/// The token of a stored claim, to tell the same claim seen in two places from two claims.
fn claim_token(r: &ClaimRef) -> String {
    parse_claim(r)
        .map(|c| c.token)
        .unwrap_or_else(|_| r.oid.clone())
}

/// The task a changed file belongs to, for task files (either layout) and archived ones.
fn claimed_task_of_path(path: &str) -> Option<TaskId> {
    super::state::task_id_of_path(path).or_else(|| {
        let name = path.strip_prefix(super::ARCHIVE_TASKS_DIR)?;
        TaskId::parse(name.rsplit('/').next()?.strip_suffix(".toml")?).ok()
    })
}

/// The tasks the change completes, blocks or cancels: their file reservations end.
pub(super) fn tasks_finishing(change: &Change) -> Vec<TaskId> {
    let mut out: Vec<TaskId> = change
        .files
        .iter()
        .filter_map(|(path, content)| {
            let id = claimed_task_of_path(path)?;
            let task =
                format::task_from_toml(std::str::from_utf8(content.as_deref()?).ok()?).ok()?;
            matches!(
                task.status,
                Status::Completed | Status::Blocked | Status::Cancelled
            )
            .then_some(id)
        })
        .collect();
    out.dedup();
    out
}

/// Whether the change deletes a task file of `id` only to write it elsewhere (a move
/// between layouts), so the deletion does not end the task's claim.
fn moved(change: &Change, id: &TaskId) -> bool {
    change.files.iter().any(|(p, c)| {
        c.is_some()
            && p.starts_with(super::TASKS_DIR)
            && claimed_task_of_path(p).as_ref() == Some(id)
    })
}

/// 16 random hex digits.
fn token() -> Result<String> {
    let a = getrandom::u64().map_err(|e| Error::invalid(format!("no randomness: {e}")))?;
    Ok(format!("{a:016x}"))
}
