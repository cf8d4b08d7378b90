//! git's `index.lock`, taken so that the next orc process can tell it is orc's.
//!
//! Before the lock exists, its token is in orc's journal: the lock file is first written
//! (holding only that token) under `<git-dir>/orc/tmp/`, the journal names the token, and
//! then the file is hard-linked into place as `index.lock`, which fails like git's own
//! exclusive create while another process holds the lock. So at every instant a lock that
//! orc made holds a token the journal names; git's locks hold index data, never a token.
//! The new index goes to a temporary file renamed over `index` while the lock is held,
//! so the lock keeps its token until it is removed, and the lock can outlive the write
//! (orc writes the index before it moves HEAD, and releases the lock after).

use std::fs;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Store, fsutil};
use crate::error::{Error, Result};

pub(super) struct IndexLock {
    lock: PathBuf,
    index: PathBuf,
    tmp_dir: PathBuf,
    token: String,
    held: bool,
}

/// `<index>.lock` of the repository's index.
pub(super) fn lock_path(store: &Store) -> PathBuf {
    let mut p = store.repo.index_path().into_os_string();
    p.push(".lock");
    PathBuf::from(p)
}

/// Whether the file at `lock` is the lock orc took with `token`.
pub(super) fn is_ours(lock: &Path, token: &str) -> bool {
    match fs::symlink_metadata(lock) {
        Ok(meta) if meta.is_file() && meta.len() == token.len() as u64 => {
            fs::read(lock).is_ok_and(|bytes| bytes == token.as_bytes())
        }
        _ => false,
    }
}

impl IndexLock {
    /// Takes the index lock, waiting up to `wait` while another process holds it, and
    /// giving up at once when `interrupted` says so. `announce` gets the lock's token
    /// before the lock can exist (to write the journal); nothing but what `announce`
    /// wrote is left behind when it fails.
    pub(super) fn acquire(
        store: &Store,
        wait: Duration,
        interrupted: &dyn Fn() -> bool,
        announce: impl FnOnce(&str) -> Result<()>,
    ) -> Result<IndexLock> {
        let tmp_dir = store.local_dir().join("tmp");
        fs::create_dir_all(&tmp_dir).map_err(|e| Error::io(&tmp_dir, e))?;
        let mut random = [0u8; 16];
        getrandom::fill(&mut random)
            .map_err(|e| Error::invalid(format!("no randomness for the index lock: {e}")))?;
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let token = format!("orc {} {hex}\n", std::process::id());
        let staged = tmp_dir.join(format!("index-lock-{hex}"));
        fs::write(&staged, &token).map_err(|e| Error::io(&staged, e))?;
        if let Err(e) = announce(&token) {
            let _ = fs::remove_file(&staged);
            return Err(e);
        }
        let lock = lock_path(store);
        let result = link_waiting(&staged, &lock, &token, wait, interrupted);
        let _ = fs::remove_file(&staged);
        result?;
        Ok(IndexLock {
            lock,
            index: store.repo.index_path(),
            tmp_dir,
            token,
            held: true,
        })
    }

    pub(super) fn token(&self) -> &str {
        &self.token
    }

    /// Replaces the index with what `write` produces; the lock stays held until dropped.
    pub(super) fn replace_index(
        &self,
        write: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
    ) -> Result<()> {
        let tmp = self.tmp_dir.join(format!(
            "index-{}",
            self.token.rsplit(' ').next().unwrap_or_default().trim()
        ));
        let result = (|| {
            let file = fs::File::create(&tmp)?;
            let mut out = BufWriter::with_capacity(64 * 1024, file);
            write(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.flush()?;
            fs::rename(&tmp, &self.index)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(Error::io(&self.index, e));
        }
        Ok(())
    }

    fn release(&mut self) {
        if std::mem::take(&mut self.held) {
            let _ = fsutil::remove(&self.lock);
        }
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        self.release();
    }
}

/// Links `staged` to `lock`, retrying while the lock exists, for up to `wait`.
fn link_waiting(
    staged: &Path,
    lock: &Path,
    token: &str,
    wait: Duration,
    interrupted: &dyn Fn() -> bool,
) -> Result<()> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match fs::hard_link(staged, lock) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                if start.elapsed() >= wait {
                    return Err(held_too_long(lock, wait));
                }
                if interrupted() {
                    return Err(Error::invalid(format!(
                        "interrupted while waiting for {}",
                        lock.display()
                    )));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            // A file system without hard links: an exclusive create, then the token.
            // A kill between the two leaves an empty lock that the next orc process
            // cannot tell from git's.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::Unsupported
                        | ErrorKind::PermissionDenied
                        | ErrorKind::CrossesDevices
                ) =>
            {
                return create_waiting(lock, token, start, wait);
            }
            Err(e) => return Err(Error::io(lock, e)),
        }
    }
}

fn create_waiting(lock: &Path, token: &str, start: Instant, wait: Duration) -> Result<()> {
    let mut pause = Duration::from_millis(1);
    loop {
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(lock)
        {
            Ok(mut file) => {
                return file
                    .write_all(token.as_bytes())
                    .map_err(|e| Error::io(lock, e));
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                if start.elapsed() >= wait {
                    return Err(held_too_long(lock, wait));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => return Err(Error::io(lock, e)),
        }
    }
}

fn held_too_long(lock: &Path, wait: Duration) -> Error {
    Error::invalid_with_hint(
        format!(
            "could not lock {}: another process has held it for {} s",
            lock.display(),
            wait.as_secs()
        ),
        "another git process is running; if none is, remove the stale index.lock file",
    )
}
