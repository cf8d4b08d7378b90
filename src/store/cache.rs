//! A cache of parsed files keyed by file status, like git's index: reading 10,000 task
//! files costs a directory listing, a `stat` per file and one decode, not 10,000 parses.
//!
//! The cache lives in the git dir (`<git-dir>/orc/cache/<name>`), is private to this work
//! tree, and is only ever an optimisation: a missing, stale or unreadable cache is rebuilt.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Store, fsutil};
use crate::error::{Error, Result};
use crate::format::FormatError;

/// Bumped whenever the encoding changes; together with the crate version it guards
/// against decoding a cache written by another build.
const CACHE_VERSION: u32 = 2;

/// Files modified this recently are re-read every time and not cached: a later change
/// within the file system's timestamp granularity could otherwise go unnoticed.
const SETTLE: Duration = Duration::from_secs(2);

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct FileKey {
    size: u64,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileKey {
    fn of(meta: &fs::Metadata) -> FileKey {
        FileKey {
            size: meta.len(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// Changed within [`SETTLE`] of `now`.
    fn is_recent(&self, now: SystemTime) -> bool {
        let changed = self.mtime.max(self.ctime);
        let since_epoch = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_sub(SETTLE);
        changed.0 >= since_epoch.as_secs() as i64
    }
}

#[derive(Serialize, Deserialize)]
struct CacheFile<T> {
    version: u32,
    build: String,
    entries: Vec<(String, FileKey, T)>,
}

/// One file of a directory: its repository-relative path and its parsed value or error.
pub type Parsed<T> = (String, std::result::Result<T, FormatError>);

impl Store {
    /// Parses every `*ext` file in `rel_dir` with `parse`, reusing the values cached
    /// under `cache_name` for files whose size, inode, mtime and ctime are unchanged.
    /// Results are sorted by path. Files that cannot be read become errors, not failures.
    pub fn load_dir_cached<T>(
        &self,
        rel_dir: &str,
        ext: &str,
        cache_name: &str,
        parse: impl Fn(&str) -> std::result::Result<T, FormatError> + Sync,
    ) -> Result<Vec<Parsed<T>>>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync,
    {
        if self.staged.is_some() {
            // A view of the index (pre-commit check): small, and not what the cache holds.
            return self.load_dir(rel_dir, ext, parse);
        }
        self.load_dir_cached_at(rel_dir, ext, cache_name, parse, SystemTime::now())
    }

    /// Parses every `*ext` file in `rel_dir` with `parse`, without a cache. Results are
    /// sorted by path; files that cannot be read become errors, not failures.
    pub fn load_dir<T>(
        &self,
        rel_dir: &str,
        ext: &str,
        parse: impl Fn(&str) -> std::result::Result<T, FormatError>,
    ) -> Result<Vec<Parsed<T>>> {
        let mut out = Vec::new();
        for rel in self.list(rel_dir, ext)? {
            let parsed = match self.read(&rel) {
                Ok(Some(text)) => parse(&text),
                Ok(None) => continue,
                // A file that exists but cannot be read as text is reported like one
                // that does not parse.
                Err(Error::Io { source, .. }) => Err(io_problem(&source)),
                Err(Error::NotAFile { .. }) => Err(FormatError {
                    line: None,
                    column: None,
                    message: "expected a file, found a directory".into(),
                }),
                Err(e) => return Err(e),
            };
            out.push((rel, parsed));
        }
        Ok(out)
    }

    /// [`Store::load_dir_cached`] with the time that decides which files have settled.
    fn load_dir_cached_at<T>(
        &self,
        rel_dir: &str,
        ext: &str,
        cache_name: &str,
        parse: impl Fn(&str) -> std::result::Result<T, FormatError> + Sync,
        now: SystemTime,
    ) -> Result<Vec<Parsed<T>>>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync,
    {
        let cache_path = self.local_dir().join("cache").join(cache_name);
        // Sorted by name, like the directory listing below: matched by a merge, not a map.
        let mut cached = read_cache::<T>(&cache_path)
            .map(|c| c.entries)
            .unwrap_or_default()
            .into_iter()
            .peekable();
        let mut unmatched_cache_entries = false;

        let dir = self.abs(rel_dir);
        let listing = match fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(dir, e)),
        };
        let mut entries = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            if let Some(name) = entry.file_name().to_str()
                && name.ends_with(ext)
                && !name.starts_with('.')
            {
                entries.push((name.to_owned(), entry));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // `stat` dominates on large directories: spread it over the cores.
        let stats = parallel_map(&entries, |(_, entry)| entry.metadata());

        let mut out: Vec<Parsed<T>> = Vec::with_capacity(entries.len());
        let mut misses: Vec<(usize, FileKey, bool)> = Vec::new();
        let mut keys: Vec<Option<FileKey>> = Vec::with_capacity(entries.len());
        for ((name, _), meta) in entries.iter().zip(stats) {
            let rel = format!("{rel_dir}/{name}");
            let meta = match meta {
                Ok(m) => m,
                Err(e) => {
                    out.push((rel, Err(io_problem(&e))));
                    keys.push(None);
                    continue;
                }
            };
            let key = FileKey::of(&meta);
            keys.push(Some(key));
            while cached.next_if(|(n, _, _)| n < name).is_some() {
                unmatched_cache_entries = true;
            }
            match cached.next_if(|(n, _, _)| n == name) {
                Some((_, old_key, value)) if old_key == key => out.push((rel, Ok(value))),
                _ => {
                    misses.push((out.len(), key, meta.is_dir()));
                    out.push((rel, Err(io_problem(&std::io::Error::other("not read yet")))));
                }
            }
        }
        let dirty = !misses.is_empty() || unmatched_cache_entries || cached.next().is_some();
        let parsed = parallel_map(&misses, |(slot, _, is_dir)| {
            if *is_dir {
                return Err(FormatError {
                    line: None,
                    column: None,
                    message: "expected a file, found a directory".into(),
                });
            }
            match fs::read(entries_path(&dir, &out[*slot].0)) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => parse(&text),
                    Err(_) => Err(FormatError {
                        line: None,
                        column: None,
                        message: "file is not valid UTF-8".into(),
                    }),
                },
                Err(e) => Err(io_problem(&e)),
            }
        });
        for ((slot, _, _), result) in misses.iter().zip(parsed) {
            out[*slot].1 = result;
        }
        if dirty {
            // Cache every parsed file that has settled; recent ones are re-read next time.
            let keep: Vec<(String, FileKey, T)> = entries
                .iter()
                .zip(&keys)
                .zip(&out)
                .filter_map(|(((name, _), key), (_, parsed))| {
                    let key = (*key)?;
                    let value = parsed.as_ref().ok()?;
                    (!key.is_recent(now)).then(|| (name.clone(), key, value.clone()))
                })
                .collect();
            write_cache(&cache_path, keep);
        }
        Ok(out)
    }
}

fn entries_path(dir: &std::path::Path, rel: &str) -> std::path::PathBuf {
    dir.join(rel.rsplit('/').next().expect("rel has a file name"))
}

/// Maps `f` over `items` on up to two threads (the machines orc targets have few cores;
/// the work is system calls and small parses). Order is kept.
fn parallel_map<I: Sync, O: Send>(items: &[I], f: impl Fn(&I) -> O + Sync) -> Vec<O> {
    const MIN_PER_THREAD: usize = 256;
    // Asking for the core count reads cgroup files: not worth it for small inputs.
    if items.len() < 2 * MIN_PER_THREAD {
        return items.iter().map(&f).collect();
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(items.len() / MIN_PER_THREAD)
        .max(1);
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<O>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker threads do not panic"))
            .collect()
    })
}

fn io_problem(e: &std::io::Error) -> FormatError {
    FormatError {
        line: None,
        column: None,
        message: e.to_string(),
    }
}

fn read_cache<T: DeserializeOwned>(path: &std::path::Path) -> Option<CacheFile<T>> {
    let bytes = fs::read(path).ok()?;
    let cache: CacheFile<T> = postcard::from_bytes(&bytes).ok()?;
    (cache.version == CACHE_VERSION && cache.build == env!("CARGO_PKG_VERSION")).then_some(cache)
}

/// Best effort: a cache that cannot be written only costs speed next time.
fn write_cache<T: Serialize>(path: &std::path::Path, entries: Vec<(String, FileKey, T)>) {
    let file = CacheFile {
        version: CACHE_VERSION,
        build: env!("CARGO_PKG_VERSION").to_owned(),
        entries,
    };
    if let Ok(bytes) = postcard::to_stdvec(&file) {
        let _ = fsutil::write_atomic(path, &bytes, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Note, Task, TaskId};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn store() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().unwrap();
        std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(tmp.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap();
        let store = Store::discover(tmp.path()).unwrap();
        (tmp, store)
    }

    #[test]
    fn settled_files_come_from_the_cache_and_changes_are_seen() {
        let (_tmp, s) = store();
        std::fs::create_dir_all(s.abs("d")).unwrap();
        for i in 0..5 {
            std::fs::write(s.abs(&format!("d/{i}.txt")), format!("v{i}")).unwrap();
        }
        let parses = AtomicUsize::new(0);
        let parse = |t: &str| {
            parses.fetch_add(1, Ordering::SeqCst);
            Ok(t.to_owned())
        };
        let later = SystemTime::now() + Duration::from_secs(3600);
        let load = |now| {
            s.load_dir_cached_at("d", ".txt", "test", parse, now)
                .unwrap()
        };

        let first = load(later);
        assert_eq!(parses.load(Ordering::SeqCst), 5);
        assert_eq!(first[4], ("d/4.txt".to_owned(), Ok("v4".to_owned())));
        assert_eq!(load(later), first);
        assert_eq!(
            parses.load(Ordering::SeqCst),
            5,
            "second read is served by the cache"
        );

        // Same size, new content: the ctime/mtime change is noticed.
        std::fs::write(s.abs("d/2.txt"), "w2").unwrap();
        std::fs::remove_file(s.abs("d/3.txt")).unwrap();
        std::fs::write(s.abs("d/9.txt"), "new").unwrap();
        let third = load(later);
        assert_eq!(
            parses.load(Ordering::SeqCst),
            7,
            "only the changed and new files are parsed"
        );
        let values: Vec<_> = third.iter().map(|(_, v)| v.clone().unwrap()).collect();
        assert_eq!(values, ["v0", "v1", "w2", "v4", "new"]);

        // Files that changed within the settle time are not cached at all.
        let now = SystemTime::now();
        let fresh = |now| {
            s.load_dir_cached_at("d", ".txt", "other", parse, now)
                .unwrap()
        };
        fresh(now);
        fresh(now);
        assert_eq!(
            parses.load(Ordering::SeqCst),
            7 + 10,
            "recent files are re-read"
        );
    }

    #[test]
    fn tasks_round_trip_through_the_cache_encoding() {
        let mut t = Task::new(
            TaskId::parse("task_00000001").unwrap(),
            "t".into(),
            "2026-01-01T00:00:00Z".parse().unwrap(),
        );
        t.notes.push(Note {
            at: "2026-01-01T00:00:01Z".parse().unwrap(),
            author: None,
            text: "n".into(),
        });
        t.stream = Some("s".into());
        let key = FileKey {
            size: 1,
            ino: 2,
            mtime: (3, 4),
            ctime: (5, 6),
        };
        let bytes = postcard::to_stdvec(&CacheFile {
            version: CACHE_VERSION,
            build: "x".into(),
            entries: vec![("a".to_owned(), key, t.clone())],
        })
        .unwrap();
        let back: CacheFile<Task> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.entries[0].2, t);
        assert_eq!(back.entries[0].1, key);
    }
}
