//! References: reading HEAD and other refs, listing them by prefix, and moving or deleting
//! one with compare-and-swap: HEAD, the branch it names and claim refs go through here.
//!
//! The `files` backend (loose refs and `packed-refs`) goes through gix. gix cannot read
//! reftable yet, so in a repository whose `extensions.refStorage` is `reftable` exactly
//! these reads and updates go through the git command line (`git rev-parse`,
//! `git symbolic-ref`, `git show-ref`, `git for-each-ref`, `git update-ref <ref> <new> <old>`,
//! `git update-ref -d <ref> <old>`), with the same guarantee: an update or deletion succeeds
//! only while the ref still has the value the caller saw.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use gix::ObjectId;
use gix::refs::Target;
use gix::refs::transaction::{Change as RefChange, LogChange, PreviousValue, RefEdit, RefLog};

use super::Store;
use crate::error::{Error, Result};

/// How a repository stores its refs (`extensions.refStorage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backend {
    /// Loose files and `packed-refs`: read and updated through gix.
    Files,
    /// reftable: read and updated through the git command line.
    Reftable,
}

impl Backend {
    /// The backend `extensions.refStorage` names; an unknown one is an error, as in git.
    pub(super) fn of(repo: &gix::Repository) -> Result<Backend> {
        let config = repo.config_snapshot();
        match config.string("extensions.refStorage").as_deref() {
            None => Ok(Backend::Files),
            Some(v) if v.eq_ignore_ascii_case(b"files") => Ok(Backend::Files),
            Some(v) if v.eq_ignore_ascii_case(b"reftable") => Ok(Backend::Reftable),
            Some(other) => Err(Error::invalid_with_hint(
                format!(
                    "{}: extensions.refStorage is {:?}, a ref backend orc does not know",
                    repo.path().display(),
                    String::from_utf8_lossy(other)
                ),
                "orc supports the `files` and `reftable` ref backends",
            )),
        }
    }
}

/// What HEAD is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Head {
    /// The commit; `None` on an unborn branch.
    pub id: Option<ObjectId>,
    /// The full name of the branch HEAD points to (`refs/heads/main`); `None` when detached.
    pub branch: Option<String>,
}

/// Why a ref update did not happen.
#[derive(Debug)]
pub(super) enum UpdateError {
    /// The ref no longer has the expected value (or exists when it should not).
    Race,
    Failed(Error),
}

/// HEAD's commit and branch.
pub(super) fn head(store: &Store) -> Result<Head> {
    match store.refs {
        Backend::Files => {
            let head = store.repo.head().map_err(Error::git)?;
            Ok(Head {
                id: head.id().map(|id| id.detach()),
                branch: head.referent_name().map(|n| n.as_bstr().to_string()),
            })
        }
        Backend::Reftable => {
            // One process in the common case (a branch with commits, or detached).
            // `--` so that a file named HEAD is not taken for a path.
            let out = git(
                store,
                &["rev-parse", "HEAD", "--symbolic-full-name", "HEAD", "--"],
            )?;
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout);
                let mut lines = text.lines();
                let id = parse_id(lines.next().unwrap_or_default())?;
                let branch = lines
                    .next()
                    .filter(|n| *n != "HEAD" && *n != "--")
                    .map(str::to_owned);
                return Ok(Head {
                    id: Some(id),
                    branch,
                });
            }
            // An unborn branch: HEAD names a branch that does not exist yet.
            let out = git(store, &["symbolic-ref", "-q", "HEAD"])?;
            if !out.status.success() {
                return Err(failed("git symbolic-ref HEAD", &out));
            }
            Ok(Head {
                id: None,
                branch: Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()),
            })
        }
    }
}

/// The object a ref (full name, e.g. `refs/orc/claims/x`, or `HEAD`) points to; `None`
/// when it does not exist.
pub(super) fn read(store: &Store, name: &str) -> Result<Option<ObjectId>> {
    if name == "HEAD" {
        return Ok(head(store)?.id);
    }
    match store.refs {
        Backend::Files => {
            let Some(mut r) = store.repo.try_find_reference(name).map_err(Error::git)? else {
                return Ok(None);
            };
            Ok(Some(r.peel_to_id().map_err(Error::git)?.detach()))
        }
        Backend::Reftable => {
            let out = git(store, &["show-ref", "--verify", name])?;
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout);
                let id = text.split_whitespace().next().unwrap_or_default();
                return parse_id(id).map(Some);
            }
            if String::from_utf8_lossy(&out.stderr).contains("not a valid ref") {
                return Ok(None);
            }
            Err(failed(&format!("git show-ref {name}"), &out))
        }
    }
}

/// Moves the ref `name` to `new` if it still points to `expected` (`None`: if it does not
/// exist), writing a reflog entry with `message` by `committer`. `HEAD` moves the branch
/// it names, and both reflogs get the entry.
pub(super) fn update(
    store: &Store,
    name: &str,
    new: ObjectId,
    expected: Option<ObjectId>,
    message: &str,
    committer: &gix::actor::Signature,
) -> std::result::Result<(), UpdateError> {
    let update = Update {
        name,
        new,
        expected,
        message,
    };
    match store.refs {
        Backend::Files => update_files(store, &update, committer),
        Backend::Reftable => update_cli(store, &update, committer),
    }
}

/// One compare-and-swap move of a ref, as [`update`] describes it.
struct Update<'a> {
    name: &'a str,
    new: ObjectId,
    expected: Option<ObjectId>,
    message: &'a str,
}

/// [`update`] through gix, for refs stored as files.
fn update_files(
    store: &Store,
    update: &Update<'_>,
    committer: &gix::actor::Signature,
) -> std::result::Result<(), UpdateError> {
    let edit = RefEdit {
        change: RefChange::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: update.message.into(),
            },
            expected: match update.expected {
                Some(p) => PreviousValue::MustExistAndMatch(Target::Object(p)),
                None => PreviousValue::MustNotExist,
            },
            new: Target::Object(update.new),
        },
        name: update.name.try_into().map_err(|e| {
            let name = update.name;
            UpdateError::Failed(Error::git_while(format!("bad ref name {name:?}"), e))
        })?,
        deref: true,
    };
    edit_files(store, edit, committer)
}

/// Applies one ref edit through gix; a ref that changed meanwhile is a race.
fn edit_files(
    store: &Store,
    edit: RefEdit,
    committer: &gix::actor::Signature,
) -> std::result::Result<(), UpdateError> {
    let mut time_buf = gix::date::parse::TimeBuf::default();
    match store
        .repo
        .edit_references_as(Some(edit), Some(committer.to_ref(&mut time_buf)))
    {
        Ok(_) => Ok(()),
        Err(e) => {
            use gix::refs::file::transaction::prepare::{MustNotExist, ReferenceOutOfDate};
            if e.downcast_any_ref::<ReferenceOutOfDate>().is_some()
                || e.downcast_any_ref::<MustNotExist>().is_some()
            {
                Err(UpdateError::Race)
            } else {
                Err(UpdateError::Failed(Error::git(e)))
            }
        }
    }
}

/// How long an update waits while another process holds the reftable stack's lock (git
/// 2.47 does not wait itself).
const REFTABLE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// [`update`] through `git update-ref`, for refs stored in reftable.
fn update_cli(
    store: &Store,
    update: &Update<'_>,
    committer: &gix::actor::Signature,
) -> std::result::Result<(), UpdateError> {
    let Update { name, new, .. } = *update;
    let new_hex = new.to_string();
    // An empty old value: the ref must not exist.
    let old = update.expected.map(|e| e.to_string()).unwrap_or_default();
    run_update(
        store,
        name,
        &[
            "update-ref",
            "-m",
            update.message,
            "--end-of-options",
            name,
            &new_hex,
            &old,
        ],
        committer,
        |now| now == Some(new),
    )
}

/// Runs `git update-ref` with `args` as `committer`, waiting while another writer holds
/// the reftable stack's lock. A mismatched old value is a race; when git fails otherwise,
/// `done` tells from where the ref is now whether the update happened anyway.
fn run_update(
    store: &Store,
    name: &str,
    args: &[&str],
    committer: &gix::actor::Signature,
    done: impl Fn(Option<ObjectId>) -> bool,
) -> std::result::Result<(), UpdateError> {
    let seconds = committer.time.seconds;
    let offset = committer.time.offset;
    let date = format!(
        "{seconds} {}{:02}{:02}",
        if offset < 0 { '-' } else { '+' },
        offset.unsigned_abs() / 3600,
        offset.unsigned_abs() % 3600 / 60
    );
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        let mut cmd = command(store);
        cmd.args(args)
            .env("GIT_COMMITTER_NAME", committer.name.to_string())
            .env("GIT_COMMITTER_EMAIL", committer.email.to_string())
            .env("GIT_COMMITTER_DATE", &date);
        let out = cmd.output().map_err(|e| UpdateError::Failed(no_git(e)))?;
        if out.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The old value did not match, the ref exists already, or (deleting) it is gone.
        if stderr.contains("but expected")
            || stderr.contains("reference already exists")
            || stderr.contains("unable to resolve reference")
        {
            return Err(UpdateError::Race);
        }
        // Another writer holds the stack's lock for the moment it takes to add a table.
        if stderr.contains("cannot lock references") && start.elapsed() < REFTABLE_LOCK_WAIT {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
            continue;
        }
        let error = failed(&format!("git update-ref {name}"), &out);
        // Killed by a signal after the update, say: what counts is where the ref is.
        return match read(store, name) {
            Ok(now) if done(now) => Ok(()),
            _ => Err(UpdateError::Failed(error)),
        };
    }
}

/// Deletes the ref `name` if it still points to `expected`, writing `message` by
/// `committer` to the reflogs that record it.
pub(super) fn delete(
    store: &Store,
    name: &str,
    expected: ObjectId,
    message: &str,
    committer: &gix::actor::Signature,
) -> std::result::Result<(), UpdateError> {
    match store.refs {
        Backend::Files => {
            let edit = RefEdit {
                change: RefChange::Delete {
                    expected: PreviousValue::MustExistAndMatch(Target::Object(expected)),
                    log: RefLog::AndReference,
                },
                name: name.try_into().map_err(|e| {
                    UpdateError::Failed(Error::git_while(format!("bad ref name {name:?}"), e))
                })?,
                deref: false,
            };
            match edit_files(store, edit, committer) {
                // Gone already: someone else deleted it first.
                Err(UpdateError::Failed(_)) if matches!(read(store, name), Ok(None)) => {
                    Err(UpdateError::Race)
                }
                other => other,
            }
        }
        Backend::Reftable => {
            let old = expected.to_string();
            run_update(
                store,
                name,
                &[
                    "update-ref",
                    "-d",
                    "-m",
                    message,
                    "--end-of-options",
                    name,
                    &old,
                ],
                committer,
                |now| now.is_none(),
            )
        }
    }
}

/// Every ref whose full name starts with `prefix` (`refs/orc/claims/`), with the object it
/// points to, sorted by name. Symbolic refs are left out: they name a ref listed anyway,
/// or one elsewhere.
pub(super) fn list(store: &Store, prefix: &str) -> Result<Vec<(String, ObjectId)>> {
    let mut out = Vec::new();
    match store.refs {
        Backend::Files => {
            let platform = store.repo.references().map_err(Error::git)?;
            for r in platform.prefixed(prefix).map_err(Error::git)? {
                let r = r.map_err(Error::git)?;
                if let Some(id) = r.target().try_id() {
                    out.push((r.name().as_bstr().to_string(), id.to_owned()));
                }
            }
        }
        Backend::Reftable => {
            // `for-each-ref` matches whole path components: list the folder holding the
            // prefix and keep what starts with it.
            let folder = match prefix.rfind('/') {
                Some(i) => &prefix[..=i],
                None => "",
            };
            let out_git = git(
                store,
                &[
                    "for-each-ref",
                    "--format=%(refname)%00%(objectname)%00%(symref)",
                    "--end-of-options",
                    folder,
                ],
            )?;
            if !out_git.status.success() {
                return Err(failed(&format!("git for-each-ref {folder}"), &out_git));
            }
            for line in String::from_utf8_lossy(&out_git.stdout).lines() {
                let mut fields = line.split('\0');
                let (Some(name), Some(id), Some(symref)) =
                    (fields.next(), fields.next(), fields.next())
                else {
                    continue;
                };
                if name.starts_with(prefix) && symref.is_empty() {
                    out.push((name.to_owned(), parse_id(id)?));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Resolves a revision through `git rev-parse` (for reftable, where gix cannot).
pub(super) fn rev_parse(store: &Store, spec: &str) -> Result<Option<ObjectId>> {
    let spec = format!("{spec}^{{commit}}");
    let out = git(
        store,
        &["rev-parse", "--verify", "-q", "--end-of-options", &spec],
    )?;
    if !out.status.success() {
        return Ok(None);
    }
    parse_id(String::from_utf8_lossy(&out.stdout).trim()).map(Some)
}

/// `git` in the work tree, for this repository (also in a linked worktree). In a process
/// group of its own: a Ctrl-C at the terminal reaches orc, which finishes its commit
/// first, not the git process that moves a ref for it.
fn command(store: &Store) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(store.workdir())
        .env("GIT_DIR", store.repo.path())
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd
}

/// Waits, up to `wait`, while a git process holds the reftable stack's lock: an orc process
/// killed while its `git update-ref` ran leaves that process to finish on its own.
pub(super) fn settle(store: &Store, wait: Duration) {
    if store.refs != Backend::Reftable {
        return;
    }
    let lock = store
        .repo
        .common_dir()
        .join("reftable")
        .join("tables.list.lock");
    let start = Instant::now();
    while lock.exists() && start.elapsed() < wait {
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn git(store: &Store, args: &[&str]) -> Result<Output> {
    command(store).args(args).output().map_err(no_git)
}

fn no_git(e: std::io::Error) -> Error {
    Error::invalid_with_hint(
        format!("could not run `git`: {e}"),
        "in a reftable repository orc reads and moves refs through the git command line; install git 2.45 or newer",
    )
}

fn failed(what: &str, out: &Output) -> Error {
    Error::git(format!(
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

fn parse_id(hex: &str) -> Result<ObjectId> {
    ObjectId::from_hex(hex.trim().as_bytes())
        .map_err(|e| Error::git_while(format!("git printed {hex:?}, not an object id"), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testgit::ok as git;

    /// Any ref, not only HEAD, is read and moved with compare-and-swap in both backends.
    // Long on purpose: one scenario whose steps build on the refs the previous ones moved.
    #[test]
    fn refs_are_read_and_updated_with_compare_and_swap_in_both_backends() {
        for format in ["files", "reftable"] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            git(
                dir,
                &[
                    "init",
                    "-q",
                    "-b",
                    "main",
                    &format!("--ref-format={format}"),
                ],
            );
            git(dir, &["commit", "-q", "--allow-empty", "-m", "one"]);
            git(dir, &["commit", "-q", "--allow-empty", "-m", "two"]);
            let store = Store::discover(dir).unwrap();
            assert_eq!(
                store.refs,
                if format == "files" {
                    Backend::Files
                } else {
                    Backend::Reftable
                }
            );
            let id =
                |rev: &str| ObjectId::from_hex(git(dir, &["rev-parse", rev]).as_bytes()).unwrap();
            let (one, two) = (id("HEAD~1"), id("HEAD"));
            let head = head(&store).unwrap();
            assert_eq!(head.id, Some(two), "{format}");
            assert_eq!(head.branch.as_deref(), Some("refs/heads/main"), "{format}");

            let name = "refs/orc/test/x";
            let who = gix::actor::Signature {
                name: "orc".into(),
                email: "orc@localhost".into(),
                time: gix::date::Time::new(1_700_000_000, 3600),
            };
            assert_eq!(read(&store, name).unwrap(), None, "{format}");
            update(&store, name, one, None, "create", &who).unwrap();
            assert_eq!(read(&store, name).unwrap(), Some(one), "{format}");
            assert!(
                matches!(
                    update(&store, name, two, None, "again", &who),
                    Err(UpdateError::Race)
                ),
                "{format}: exists already"
            );
            assert!(
                matches!(
                    update(&store, name, two, Some(two), "stale", &who),
                    Err(UpdateError::Race)
                ),
                "{format}: not at the expected value"
            );
            update(&store, name, two, Some(one), "move", &who).unwrap();
            assert_eq!(git(dir, &["rev-parse", name]), two.to_string(), "{format}");

            assert_eq!(rev_parse(&store, "main~1").unwrap(), Some(one), "{format}");

            // Listed by prefix, whole folders or not; deleted with compare-and-swap.
            let other = "refs/orc/testing";
            update(&store, other, one, None, "other", &who).unwrap();
            assert_eq!(
                list(&store, "refs/orc/test/").unwrap(),
                vec![(name.to_owned(), two)],
                "{format}"
            );
            assert_eq!(
                list(&store, "refs/orc/te").unwrap(),
                vec![(name.to_owned(), two), (other.to_owned(), one)],
                "{format}"
            );
            assert!(
                matches!(
                    delete(&store, name, one, "stale", &who),
                    Err(UpdateError::Race)
                ),
                "{format}: not at the expected value"
            );
            delete(&store, name, two, "release", &who).unwrap();
            assert_eq!(read(&store, name).unwrap(), None, "{format}");
            assert!(
                matches!(
                    delete(&store, name, two, "again", &who),
                    Err(UpdateError::Race)
                ),
                "{format}: gone already"
            );
            assert_eq!(
                git(dir, &["for-each-ref", "--format=%(refname)", "refs/orc/"]),
                other,
                "{format}"
            );

            // HEAD moves its branch, and both reflogs say who did it.
            update(&store, "HEAD", one, Some(two), "commit: back", &who).unwrap();
            assert_eq!(
                git(dir, &["rev-parse", "main"]),
                one.to_string(),
                "{format}"
            );
            assert_eq!(
                git(dir, &["log", "-g", "-1", "--format=%gs|%gn|%ge", "main"]),
                "commit: back|orc|orc@localhost",
                "{format}"
            );
            git(dir, &["checkout", "-q", "--detach"]);
            let detached = super::head(&Store::discover(dir).unwrap()).unwrap();
            assert_eq!(
                (detached.id, detached.branch),
                (Some(one), None),
                "{format}"
            );
        }
    }
}
