//! File reservations (`orc reserve`, `orc release`, `orc reservations`): an agent
//! declares the paths it is about to change, for a lease; an overlapping exclusive
//! reservation by someone else is refused, and the opt-in pre-commit hook refuses a
//! commit of files another live agent reserved exclusively.
//!
//! All reservations of a repository are one record in one ref outside branches
//! (`refs/orc/reservations/all`), replaced with compare-and-swap — locally, and with a
//! claims remote on the remote first — so of two overlapping reservations made at once
//! exactly one is taken. Expired reservations are ignored and dropped on the next write.

use jiff::SignedDuration;
use serde::Serialize;

use super::{Orc, State};
use crate::error::{Error, Result};
use crate::format;
use crate::model::{
    Config, Reservation, Reservations, TaskId, normalize_pattern, patterns_overlap,
};
use crate::store::{Lease, PushEdit, Pushed};

/// The ref holding every reservation of a repository.
pub const RESERVATIONS_REF: &str = "refs/orc/reservations/all";
const RESERVATIONS_PREFIX: &str = "refs/orc/reservations/";

/// How often a reservation is tried again when someone else changed the record first.
const ATTEMPTS: usize = 8;

/// A reservation as `orc reservations` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ReservationView {
    #[serde(flatten)]
    pub reservation: Reservation,
    pub live: bool,
    /// Taken by this agent in this work tree.
    pub mine: bool,
}

/// What `orc reservations`, `orc reserve` and `orc release` report.
#[derive(Debug, Clone, Serialize)]
pub struct ReservationsReport {
    /// The claims remote the reservations are kept on, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// Live reservations, by holder.
    pub reservations: Vec<ReservationView>,
}

/// A staged path that another agent reserved exclusively, for the pre-commit hook.
#[derive(Debug, Clone, Serialize)]
pub struct ReservedPath {
    pub path: String,
    pub holder: String,
}

/// Where the record was read from, to swap it.
struct Base {
    list: Reservations,
    /// The local ref's object, and the remote's when there is a remote.
    local: Option<String>,
    remote: Option<String>,
}

impl Orc {
    /// `orc reserve`: reserves `patterns` for this agent in this work tree until `lease`
    /// (default: the claims lease) from now. Refused, changing nothing, when a live
    /// reservation of someone else overlaps and either is exclusive.
    pub fn reserve(
        &self,
        patterns: &[String],
        task: Option<&str>,
        exclusive: bool,
        lease: Option<SignedDuration>,
    ) -> Result<ReservationsReport> {
        let config = State::load_config(&self.store)?;
        let patterns = normalize_all(patterns)?;
        let task = match task {
            Some(t) => Some(self.state()?.resolve(t)?),
            None => None,
        };
        let lease = match lease {
            Some(l) if l.is_positive() => l,
            Some(_) => {
                return Err(Error::invalid_with_hint(
                    "a reservation needs a lease longer than zero",
                    "give a duration such as 90m, 2h or 1d",
                ));
            }
            None => SignedDuration::from_hours(config.claims.lease_hours.clamp(1, 24 * 365) as i64),
        };
        let holder = self.holder();
        let now = self.now();
        self.update_reservations(&config, |list| {
            for theirs in list.list.iter().filter(|r| !r.is_held_by(&holder)) {
                if !(exclusive || theirs.exclusive) {
                    continue;
                }
                for mine in &patterns {
                    if let Some(p) = theirs.patterns.iter().find(|p| patterns_overlap(mine, p)) {
                        return Err(Error::invalid_with_hint(
                            format!(
                                "{mine} overlaps {p}, reserved{} by {}; nothing was reserved",
                                if theirs.exclusive { " exclusively" } else { "" },
                                theirs.describe()
                            ),
                            "ask the holder to release it (a message reaches them), wait until the lease runs out, or reserve other paths",
                        ));
                    }
                }
            }
            // The same paths reserved again replace the earlier reservation of them.
            for r in list.list.iter_mut().filter(|r| r.is_held_by(&holder)) {
                r.patterns.retain(|p| !patterns.contains(p));
            }
            list.list.retain(|r| !r.patterns.is_empty());
            list.list.push(Reservation {
                patterns: patterns.clone(),
                agent: holder.agent.clone(),
                host: holder.host.clone(),
                worktree: holder.worktree.clone(),
                branch: holder.branch.clone(),
                task: task.clone(),
                exclusive,
                since: now,
                lease_until: now + lease,
            });
            Ok(())
        })
    }

    /// `orc release`: gives back this agent's reservations of `patterns` (as given to
    /// `orc reserve`), or all of them when none are named.
    pub fn release(&self, patterns: &[String]) -> Result<ReservationsReport> {
        let config = State::load_config(&self.store)?;
        let patterns = if patterns.is_empty() {
            Vec::new()
        } else {
            normalize_all(patterns)?
        };
        let holder = self.holder();
        self.update_reservations(&config, |list| {
            let mine = |r: &Reservation| r.is_held_by(&holder);
            if !patterns.is_empty() {
                for p in &patterns {
                    if !list.list.iter().any(|r| mine(r) && r.patterns.contains(p)) {
                        return Err(Error::invalid_with_hint(
                            format!("{p} is not reserved by this agent in this work tree"),
                            "see the reservations with `orc reservations`",
                        ));
                    }
                }
            }
            for r in list.list.iter_mut().filter(|r| mine(r)) {
                if patterns.is_empty() {
                    r.patterns.clear();
                } else {
                    r.patterns.retain(|p| !patterns.contains(p));
                }
            }
            list.list.retain(|r| !r.patterns.is_empty());
            Ok(())
        })
    }

    /// Gives back the reservations made for `tasks` (any agent's: the tasks left
    /// progress). Best effort: called after the change is committed.
    pub(super) fn release_task_reservations(&self, config: &Config, tasks: &[TaskId]) {
        if tasks.is_empty() {
            return;
        }
        // Without a reservation for these tasks here or in the remote's copy (as of the
        // last fetch), nothing to do: no fetch, no push on every `orc done`.
        let mut names = vec![RESERVATIONS_REF.to_owned()];
        if let Some(remote) = self.claims_remote(config) {
            names.push(tracking_ref(&remote));
        }
        let concerned = names.iter().any(|name| {
            self.store
                .shared_read(name)
                .ok()
                .flatten()
                .is_some_and(|r| {
                    parse(&r.text, &r.name).is_ok_and(|list| {
                        list.list
                            .iter()
                            .any(|r| r.task.as_ref().is_some_and(|t| tasks.contains(t)))
                    })
                })
        });
        if !concerned {
            return;
        }
        let _ = self.update_reservations(config, |list| {
            list.list
                .retain(|r| !r.task.as_ref().is_some_and(|t| tasks.contains(t)));
            Ok(())
        });
    }

    /// `orc start --reserve`: reserves, exclusively and for the task, the files recorded
    /// for it (`orc files`), then starts it. Nothing is started when the reservation is
    /// refused, and nothing stays reserved when the start fails. Returns the brief and
    /// the paths reserved (none when no files are recorded for the task).
    pub fn start_reserving(
        &self,
        input: &str,
        force: bool,
    ) -> Result<(super::Outcome<super::WorkContext>, Vec<String>)> {
        let id = self.state()?.resolve(input)?;
        let mut paths: Vec<String> = Vec::new();
        for (_, m) in self.manifests()?.files.iter().filter(|(_, m)| m.task == id) {
            for op in &m.operations {
                for p in std::iter::once(&op.path).chain(op.from.as_ref()) {
                    if !paths.contains(p) {
                        paths.push(p.clone());
                    }
                }
            }
        }
        if paths.is_empty() {
            return Ok((self.start(id.as_str(), force)?, paths));
        }
        self.reserve(&paths, Some(id.as_str()), true, None)?;
        match self.start(id.as_str(), force) {
            Ok(outcome) => Ok((outcome, paths)),
            Err(e) => {
                let _ = self.release(&paths);
                Err(e)
            }
        }
    }

    /// `orc reservations`: the live reservations (fetched from the claims remote first).
    pub fn reservations(&self) -> Result<ReservationsReport> {
        let config = State::load_config(&self.store)?;
        let base = self.read_reservations(&config, true)?;
        Ok(self.report(&config, &base.list))
    }

    /// For the pre-commit hook: the staged paths of the commit being made that another
    /// live agent reserved exclusively. Empty at once when nobody reserved anything.
    pub fn reserved_in_commit(&self) -> Result<Vec<ReservedPath>> {
        if self
            .store
            .shared_names("refs/orc/")?
            .iter()
            .all(|(n, _)| !n.starts_with(RESERVATIONS_PREFIX) && !n.ends_with("/reservations/all"))
        {
            return Ok(Vec::new());
        }
        let paths = self.store.staged_paths()?;
        self.reserved_by_others(&paths)
    }

    /// For the pre-commit hook: the `paths` (staged for a commit in this work tree) that
    /// another live agent reserved exclusively. No network: the claims remote's record
    /// as of the last fetch counts with the local one.
    pub fn reserved_by_others(&self, paths: &[String]) -> Result<Vec<ReservedPath>> {
        let config = State::load_config(&self.store)?;
        let holder = self.holder();
        let now = self.now();
        let mut records = vec![self.store.shared_read(RESERVATIONS_REF)?];
        if let Some(remote) = self.claims_remote(&config) {
            records.push(self.store.shared_read(&tracking_ref(&remote))?);
        }
        let mut out: Vec<ReservedPath> = Vec::new();
        for r in records.into_iter().flatten() {
            let list = parse(&r.text, &r.name)?;
            for res in list.list.iter().filter(|r| {
                r.exclusive
                    && r.is_live(now)
                    && !(r.host == holder.host && r.worktree == holder.worktree)
            }) {
                for path in paths.iter().filter(|p| res.covers(p)) {
                    if !out.iter().any(|o| o.path == *path) {
                        out.push(ReservedPath {
                            path: path.clone(),
                            holder: res.describe(),
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Reads the record, applies `change` to its live reservations, and swaps it in —
    /// on the claims remote first, when there is one — trying again from a fresh read
    /// when someone else changed it in between.
    fn update_reservations(
        &self,
        config: &Config,
        change: impl Fn(&mut Reservations) -> Result<()>,
    ) -> Result<ReservationsReport> {
        let remote = self.claims_remote(config);
        let now = self.now();
        for _ in 0..ATTEMPTS {
            let base = self.read_reservations(config, true)?;
            let mut list = base.list.clone();
            list.list.retain(|r| r.is_live(now));
            change(&mut list)?;
            if list == base.list {
                return Ok(self.report(config, &list));
            }
            let new = if list.list.is_empty() {
                None
            } else {
                Some(self.store.shared_write(
                    "orc reservations",
                    &format::reservations_to_toml(&list),
                    now.as_second(),
                )?)
            };
            if let Some(r) = &remote {
                let edit = PushEdit {
                    name: RESERVATIONS_REF,
                    lease: base.remote.as_deref().map_or(Lease::Absent, Lease::Is),
                    new: new.as_deref(),
                };
                if self.store.shared_push(r, &[edit])? == Pushed::Lost {
                    continue;
                }
                // The remote decides; this clone's copy follows it.
                let mut local = base.local;
                while !self
                    .store
                    .shared_swap(RESERVATIONS_REF, local.as_deref(), new.as_deref())?
                {
                    local = self.store.shared_read(RESERVATIONS_REF)?.map(|r| r.oid);
                }
                return Ok(self.report(config, &list));
            }
            if self
                .store
                .shared_swap(RESERVATIONS_REF, base.local.as_deref(), new.as_deref())?
            {
                return Ok(self.report(config, &list));
            }
        }
        Err(Error::invalid_with_hint(
            format!("the reservations kept changing; gave up after {ATTEMPTS} attempts"),
            "run the command again",
        ))
    }

    /// The record: the claims remote's when there is one (fetched first when `fetch`),
    /// else this repository's.
    fn read_reservations(&self, config: &Config, fetch: bool) -> Result<Base> {
        let local = self.store.shared_read(RESERVATIONS_REF)?;
        let Some(remote) = self.claims_remote(config) else {
            return Ok(Base {
                list: match &local {
                    Some(r) => parse(&r.text, &r.name)?,
                    None => Reservations::default(),
                },
                local: local.map(|r| r.oid),
                remote: None,
            });
        };
        if fetch {
            self.store.shared_fetch(
                &remote,
                &[(RESERVATIONS_PREFIX, &tracking_prefix(&remote))],
                true,
            )?;
        }
        let theirs = self.store.shared_read(&tracking_ref(&remote))?;
        Ok(Base {
            list: match &theirs {
                Some(r) => parse(&r.text, &r.name)?,
                None => Reservations::default(),
            },
            local: local.map(|r| r.oid),
            remote: theirs.map(|r| r.oid),
        })
    }

    fn report(&self, config: &Config, list: &Reservations) -> ReservationsReport {
        let holder = self.holder();
        let now = self.now();
        let mut reservations: Vec<ReservationView> = list
            .list
            .iter()
            .filter(|r| r.is_live(now))
            .map(|r| ReservationView {
                live: true,
                mine: r.is_held_by(&holder),
                reservation: r.clone(),
            })
            .collect();
        reservations.sort_by(|a, b| {
            (&a.reservation.agent, &a.reservation.since)
                .cmp(&(&b.reservation.agent, &b.reservation.since))
        });
        ReservationsReport {
            remote: self.claims_remote(config),
            reservations,
        }
    }
}

fn normalize_all(patterns: &[String]) -> Result<Vec<String>> {
    if patterns.is_empty() {
        return Err(Error::invalid_with_hint(
            "no paths to reserve",
            "name the files, directories or globs, e.g. `orc reserve src/parser.rs 'docs/*.md'`",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for p in patterns {
        let n = normalize_pattern(p).ok_or_else(|| {
            Error::invalid_with_hint(
                format!("{p:?} is not a path inside the repository"),
                "give paths relative to the repository root, without `..`",
            )
        })?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

fn parse(text: &str, name: &str) -> Result<Reservations> {
    format::reservations_from_toml(text).map_err(|e| {
        Error::invalid_with_hint(
            format!("the reservations in {name} cannot be read: {e}"),
            format!("remove them with `git update-ref -d {name}`"),
        )
    })
}

/// Local refs mirroring the reservations of `remote` (a name or a URL).
fn tracking_prefix(remote: &str) -> String {
    let safe = crate::model::ref_component(remote);
    format!("refs/orc/remotes/{safe}/reservations/")
}

fn tracking_ref(remote: &str) -> String {
    format!("{}all", tracking_prefix(remote))
}
