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

use super::paths::{FileDigest, digest_file};
use super::{Store, fsutil};
use crate::error::{Error, Result};
use crate::format::FormatError;

/// Bumped whenever the encoding changes; together with the crate version it guards
/// against decoding a cache written by another build.
const CACHE_VERSION: u32 = 6;

/// Files modified this recently are re-read every time and not cached: a later change
/// within the file system's timestamp granularity could otherwise go unnoticed.
const SETTLE: Duration = Duration::from_secs(2);

/// From this size of cache file on (about 250 tasks), the cache is decoded while another
/// thread lists the directory.
const PARALLEL_DECODE_BYTES: usize = 64 * 1024;

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FileKey {
    pub size: u64,
    pub ino: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

impl FileKey {
    pub(super) fn of(meta: &fs::Metadata) -> FileKey {
        FileKey {
            size: meta.len(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The key of what `stat` returned (`rustix`'s `statat`, relative to a directory).
    // The field types of `struct stat` differ between architectures.
    #[allow(clippy::unnecessary_cast)]
    fn of_stat(st: &rustix::fs::Stat) -> FileKey {
        FileKey {
            size: st.st_size as u64,
            ino: st.st_ino as u64,
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as i64),
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

/// The files the last cached read of each directory found, with their status: the
/// work-tree side of [`Store::uncommitted_orc_files`], so that comparing with the index
/// costs no second `stat` per file.
#[derive(Debug, Default)]
pub(super) struct Listed(std::sync::Mutex<std::collections::HashMap<String, ListedDir>>);

/// One directory's files of the extension read (repository-relative path, status), in
/// listing order; files of other extensions there are not seen.
#[derive(Debug, Default)]
pub(super) struct ListedDir {
    pub files: Vec<(String, FileKey)>,
}

impl Listed {
    fn record(&self, rel_dir: &str, dir: ListedDir) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(rel_dir.to_owned(), dir);
    }

    /// Takes what was recorded (a later read records again).
    pub(super) fn take(&self) -> std::collections::HashMap<String, ListedDir> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// The content of a cache of parsed files or digests: per file, sorted by name, its name
/// (or path), its status when it was read, and what was read.
type Entries<T> = Vec<(String, FileKey, T)>;

/// One file of a directory: its repository-relative path and its parsed value or error.
pub type Parsed<T> = (String, std::result::Result<T, FormatError>);

impl Store {
    /// Parses every `*ext` file in `rel_dir` and its direct subdirectories with `parse`,
    /// reusing the values cached under `cache_name` for files whose size, inode, mtime and
    /// ctime are unchanged, and hands each file's repository-relative path and value (or
    /// error) to `visit`, in file name order (see [`Store::list_nested`]), without
    /// collecting them (10,000 tasks are 4 MB per copy). Files that cannot be read become
    /// errors, not failures.
    pub fn load_dir_cached<T>(
        &self,
        rel_dir: &str,
        ext: &str,
        cache_name: &str,
        parse: impl Fn(&str) -> std::result::Result<T, FormatError> + Sync,
        mut visit: impl FnMut(&str, std::result::Result<T, FormatError>),
    ) -> Result<()>
    where
        T: Serialize + DeserializeOwned + Send + Sync,
    {
        if self.staged.is_some() {
            // A view of the index (pre-commit check): small, and not what the cache holds.
            for (path, parsed) in self.parse_files(self.list_nested(rel_dir, ext)?, parse)? {
                visit(&path, parsed);
            }
            return Ok(());
        }
        self.load_dir_cached_at(rel_dir, ext, cache_name, parse, SystemTime::now(), visit)
    }

    /// Parses every `*ext` file in `rel_dir` with `parse`, without a cache. Results are
    /// sorted by path; files that cannot be read become errors, not failures.
    pub fn load_dir<T>(
        &self,
        rel_dir: &str,
        ext: &str,
        parse: impl Fn(&str) -> std::result::Result<T, FormatError>,
    ) -> Result<Vec<Parsed<T>>> {
        self.parse_files(self.list(rel_dir, ext)?, parse)
    }

    /// Parses each of `rels` with `parse`, in the given order; files that cannot be read
    /// become errors, and files that are gone are left out.
    fn parse_files<T>(
        &self,
        rels: Vec<String>,
        parse: impl Fn(&str) -> std::result::Result<T, FormatError>,
    ) -> Result<Vec<Parsed<T>>> {
        let mut out = Vec::new();
        for rel in rels {
            let parsed = match self.read(&rel) {
                Ok(Some(text)) => parse(&text),
                Ok(None) => continue,
                // A file that exists but cannot be read as text is reported like one
                // that does not parse.
                Err(Error::Io { source, .. }) => Err(io_problem(&source)),
                Err(Error::NotAFile { .. }) => Err(problem("expected a file, found a directory")),
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
        mut visit: impl FnMut(&str, std::result::Result<T, FormatError>),
    ) -> Result<()>
    where
        T: Serialize + DeserializeOwned + Send + Sync,
    {
        let cache_path = self.local_dir().join("cache").join(cache_name);
        let dir = self.abs(rel_dir);
        let (cached, listing) = decode_and_list::<T>(&cache_path, &dir, ext, now);
        let cached = cached.unwrap_or_default();
        let entries = match listing {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(dir, e)),
        };
        let Matched {
            sources,
            misses,
            mut dirty,
        } = match_cache(&entries, &cached);
        let parsed = parallel_map(&misses, |miss| parse_miss(&dir, miss, &parse));
        dirty |= misses
            .iter()
            .zip(&parsed)
            .any(|(miss, parsed)| parsed.is_ok() && !miss.key.is_recent(now));
        if dirty {
            write_settled(&cache_path, &entries, &sources, &cached, &parsed, now);
        }
        let listed = hand_over(rel_dir, entries, sources, cached, parsed, &mut visit);
        self.listed.record(rel_dir, listed);
        Ok(())
    }
}

/// Decodes the cache at `cache_path` and lists + `stat`s `dir`, at the same time when the
/// cache is large.
fn decode_and_list<T: DeserializeOwned>(
    cache_path: &std::path::Path,
    dir: &std::path::Path,
    ext: &str,
    now: SystemTime,
) -> (Option<Entries<T>>, std::io::Result<Listing>) {
    // Decoding the cache and listing + `stat`-ing the directory do not depend on each
    // other and cost about the same on large directories: do them at the same time.
    // (The decoded values stay on this thread: allocated where they will be freed.)
    // Small ones are not worth a thread.
    let names_path = cache_path.with_extension("names");
    let bytes = fs::read(cache_path).unwrap_or_default();
    if bytes.len() < PARALLEL_DECODE_BYTES {
        (
            decode_cache::<Entries<T>>(&bytes),
            list_and_stat(dir, ext, &names_path, now),
        )
    } else {
        std::thread::scope(|scope| {
            let listing = scope.spawn(|| list_and_stat(dir, ext, &names_path, now));
            let cached = decode_cache::<Entries<T>>(&bytes);
            let listing = listing.join().expect("listing a directory does not panic");
            (cached, listing)
        })
    }
}

/// Where each listed file's value comes from.
enum Source {
    /// The cache entry at this index.
    Cached(usize),
    /// The parse at this index (one per [`Miss`]).
    Parsed(usize),
    /// The file could not be examined.
    Failed(FormatError),
}

/// A listed file the cache has no current value for: it is parsed.
struct Miss<'a> {
    name: &'a str,
    is_dir: bool,
    key: FileKey,
}

/// A listing matched against the cache.
struct Matched<'a> {
    /// One per listed file, in listing order.
    sources: Vec<Source>,
    misses: Vec<Miss<'a>>,
    /// Whether the cache file would change: rewriting it costs a temporary file and a
    /// rename, worth saving when only recent (never cached) files had to be parsed.
    dirty: bool,
}

/// Says for each listed file whether its cached value holds (same name, same status) or
/// it must be parsed, and whether a file was gone or changed.
fn match_cache<'a, T>(entries: &'a Listing, cached: &Entries<T>) -> Matched<'a> {
    // The cache is sorted by name, like the listing: matched by a merge, not a map.
    let mut sources = Vec::with_capacity(entries.len());
    let mut misses: Vec<Miss<'a>> = Vec::new();
    let mut next = 0;
    let mut dirty = false;
    for (name, stat) in entries {
        let (key, is_dir) = match stat {
            Ok(stat) => *stat,
            Err(e) => {
                sources.push(Source::Failed(io_problem(e)));
                continue;
            }
        };
        while next < cached.len() && by_file_name(&cached[next].0, name).is_lt() {
            next += 1;
            dirty = true; // the file is gone
        }
        let same_name = next < cached.len() && cached[next].0 == *name;
        if same_name && cached[next].1 == key {
            sources.push(Source::Cached(next));
        } else {
            dirty |= same_name; // the file changed
            sources.push(Source::Parsed(misses.len()));
            misses.push(Miss { name, is_dir, key });
        }
        next += usize::from(same_name);
    }
    dirty |= next < cached.len();
    Matched {
        sources,
        misses,
        dirty,
    }
}

/// Reads and parses one file of `dir` the cache had no value for.
fn parse_miss<T>(
    dir: &std::path::Path,
    miss: &Miss<'_>,
    parse: impl Fn(&str) -> std::result::Result<T, FormatError>,
) -> std::result::Result<T, FormatError> {
    if miss.is_dir {
        return Err(problem("expected a file, found a directory"));
    }
    match fs::read(dir.join(miss.name)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => parse(&text),
            Err(_) => Err(problem("file is not valid UTF-8")),
        },
        Err(e) => Err(io_problem(&e)),
    }
}

/// Rewrites the cache with every parsed file that has settled; recent ones are re-read
/// next time.
fn write_settled<T: Serialize>(
    cache_path: &std::path::Path,
    entries: &Listing,
    sources: &[Source],
    cached: &Entries<T>,
    parsed: &[std::result::Result<T, FormatError>],
    now: SystemTime,
) {
    let keep: Vec<(&str, FileKey, &T)> = entries
        .iter()
        .zip(sources)
        .filter_map(|((name, stat), source)| {
            let (key, _) = *stat.as_ref().ok()?;
            let value = match source {
                Source::Cached(i) => &cached[*i].2,
                Source::Parsed(i) => parsed[*i].as_ref().ok()?,
                Source::Failed(_) => return None,
            };
            (!key.is_recent(now)).then_some((name.as_str(), key, value))
        })
        .collect();
    write_cache(cache_path, &keep);
}

/// Hands the values over to `visit` in listing order, moving them out of the cache and the
/// parses, and returns the files listed (for [`Store::uncommitted_orc_files`]).
fn hand_over<T>(
    rel_dir: &str,
    entries: Listing,
    sources: Vec<Source>,
    cached: Entries<T>,
    parsed: Vec<std::result::Result<T, FormatError>>,
    visit: &mut impl FnMut(&str, std::result::Result<T, FormatError>),
) -> ListedDir {
    let mut cached = cached.into_iter().enumerate();
    let mut parsed = parsed.into_iter();
    let mut rel = format!("{rel_dir}/");
    let mut listed = ListedDir {
        files: Vec::with_capacity(entries.len()),
    };
    for ((name, stat), source) in entries.into_iter().zip(sources) {
        rel.truncate(rel_dir.len() + 1);
        rel.push_str(&name);
        if let Ok((key, false)) = stat {
            listed.files.push((rel.clone(), key));
        }
        let value = match source {
            Source::Cached(i) => {
                let (_, (_, _, value)) = cached
                    .find(|(j, _)| *j == i)
                    .expect("cache indices increase with the listing");
                Ok(value)
            }
            Source::Parsed(_) => parsed.next().expect("one parse per miss"),
            Source::Failed(e) => Err(e),
        };
        visit(&rel, value);
    }
    listed
}

impl Store {
    /// [`Store::digest`] of each of `rels`, reusing the digests cached under
    /// `cache/digests` for files whose size, inode, mtime and ctime are unchanged: like
    /// git's index, a file is hashed again only when its status says it may have changed.
    /// `progress(done, total)` is called as files are examined.
    pub fn digests(
        &self,
        rels: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Vec<Result<Option<FileDigest>>> {
        self.digests_at(rels, SystemTime::now(), progress)
    }

    fn digests_at(
        &self,
        rels: &[&str],
        now: SystemTime,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Vec<Result<Option<FileDigest>>> {
        let cache_path = self.local_dir().join("cache").join("digests");
        // Sorted by path.
        let cached: Entries<FileDigest> = read_cache(&cache_path).unwrap_or_default();
        let jobs: Vec<(&str, std::path::PathBuf)> =
            rels.iter().map(|r| (*r, self.abs(r))).collect();
        // Each result, the file's status (`None`: the file is gone or odd), whether the
        // cache had an entry for the path, and whether that entry was used.
        let one = |(rel, path): &(&str, std::path::PathBuf)| {
            let entry = cached
                .binary_search_by(|(p, _, _)| p.as_str().cmp(rel))
                .ok();
            let key = match fs::metadata(path) {
                Ok(meta) if meta.is_file() => FileKey::of(&meta),
                // Missing, a directory, a pipe…: `digest_file` says what it is.
                _ => return (digest_file(path), None, entry.is_some(), false),
            };
            match entry {
                Some(i) if cached[i].1 == key => {
                    (Ok(Some(cached[i].2.clone())), Some(key), true, true)
                }
                _ => (digest_file(path), Some(key), entry.is_some(), false),
            }
        };
        let mut results = Vec::with_capacity(jobs.len());
        for chunk in jobs.chunks(1024) {
            results.extend(parallel_map(chunk, one));
            progress(results.len(), jobs.len());
        }

        // Rewritten only when its content changes: a digest to add or replace, or one to
        // drop (the file is gone, or changed too recently to be cached).
        let mut dirty = false;
        let mut fresh: Vec<(String, FileKey, FileDigest)> = Vec::new();
        for ((rel, _), (result, key, was_cached, hit)) in jobs.iter().zip(&results) {
            let cacheable = matches!((result, key), (Ok(Some(_)), Some(k)) if !k.is_recent(now));
            dirty |= !hit && (cacheable || *was_cached);
            if let (true, Ok(Some(d)), Some(key)) = (cacheable, result, key) {
                fresh.push(((*rel).to_owned(), *key, d.clone()));
            }
        }
        if dirty {
            // Keep what other calls cached, replace what this one looked at.
            let asked: std::collections::HashSet<&str> = rels.iter().copied().collect();
            let mut entries: Vec<(String, FileKey, FileDigest)> = cached
                .into_iter()
                .filter(|(p, _, _)| !asked.contains(p.as_str()))
                .chain(fresh)
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|a, b| a.0 == b.0);
            let refs: Vec<(&str, FileKey, &FileDigest)> = entries
                .iter()
                .map(|(p, k, d)| (p.as_str(), *k, d))
                .collect();
            write_cache(&cache_path, &refs);
        }
        results.into_iter().map(|(result, ..)| result).collect()
    }
}

/// A directory's `*ext` files (not hidden), directly in it or in one of its
/// subdirectories (`<sub>/<name>`), in [`by_file_name`] order, each with its [`FileKey`]
/// and whether it is a directory, or why it could not be examined.
type Listing = Vec<(String, std::io::Result<(FileKey, bool)>)>;

/// The order of listings and caches: by file name, then by the path within the directory
/// (task files are named after their ids, so this is id order whatever their shard).
pub(super) fn by_file_name(a: &str, b: &str) -> std::cmp::Ordering {
    fn name(p: &str) -> &str {
        p.rsplit_once('/').map_or(p, |(_, n)| n)
    }
    name(a).cmp(name(b)).then_with(|| a.cmp(b))
}

/// The listing cache: each directory read (`""` for the top one) with its status when
/// it was read, and the names found.
type NamesCache = (Vec<(String, FileKey)>, Vec<String>);

/// The [`Listing`] of `dir`: the names from the listing cache at `names_path` while it
/// holds, else read again; then a `stat` of each.
fn list_and_stat(
    dir: &std::path::Path,
    ext: &str,
    names_path: &std::path::Path,
    now: SystemTime,
) -> std::io::Result<Listing> {
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    let dir_fd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let dir_key = FileKey::of_stat(&rustix::fs::fstat(&dir_fd)?);
    let names = match cached_names(&dir_fd, dir_key, names_path) {
        Some(names) => names,
        None => read_names(dir, &dir_fd, dir_key, ext, names_path, now)?,
    };
    // `stat` dominates on large directories: spread it over the cores. Relative to the
    // directory, without following symlinks (like `DirEntry::metadata`).
    let stats = parallel_map(&names, |name| {
        rustix::fs::statat(&dir_fd, name.as_str(), AtFlags::SYMLINK_NOFOLLOW)
            .map(|st| {
                let is_dir = FileType::from_raw_mode(st.st_mode as _) == FileType::Directory;
                (FileKey::of_stat(&st), is_dir)
            })
            .map_err(std::io::Error::from)
    });
    Ok(names
        .into_iter()
        .zip(stats)
        // Removed since the directory was read: not there.
        .filter(|(_, stat)| !matches!(stat, Err(e) if e.kind() == ErrorKind::NotFound))
        .collect())
}

/// The status of `rel` in the directory `dir_fd`, without following symlinks.
fn stat_key(dir_fd: &std::os::fd::OwnedFd, rel: &str) -> std::io::Result<FileKey> {
    let st = rustix::fs::statat(dir_fd, rel, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
    Ok(FileKey::of_stat(&st))
}

/// The names of the listing cache at `names_path`, if every directory it read still has
/// the status it had then.
fn cached_names(
    dir_fd: &std::os::fd::OwnedFd,
    dir_key: FileKey,
    names_path: &std::path::Path,
) -> Option<Vec<String>> {
    // The names as listed when the directories had the statuses kept with them: while
    // their statuses are unchanged, no entry was added, removed or renamed, and the list
    // is used instead of reading the directories again (10,000 entries: about 10 ms).
    // A directory added or removed changes the top directory's status.
    let (_, names) = read_cache::<NamesCache>(names_path).filter(|(dirs, _)| {
        dirs.iter().all(|(sub, key)| {
            let now_key = if sub.is_empty() {
                Ok(dir_key)
            } else {
                stat_key(dir_fd, sub)
            };
            now_key.is_ok_and(|k| k == *key)
        })
    })?;
    Some(names)
}

/// Reads the `*ext` names of `dir` and its subdirectories, in [`by_file_name`] order, and
/// keeps them in the listing cache at `names_path` once the directories have settled.
fn read_names(
    dir: &std::path::Path,
    dir_fd: &std::os::fd::OwnedFd,
    dir_key: FileKey,
    ext: &str,
    names_path: &std::path::Path,
    now: SystemTime,
) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut dirs = vec![(String::new(), dir_key)];
    let mut subdirs = Vec::new();
    for (name, is_dir) in fsutil::read_entries(dir)? {
        if name.ends_with(ext) {
            names.push(name);
        } else if is_dir {
            subdirs.push(name);
        }
    }
    for sub in subdirs {
        // The status before the read: a file added in between makes it differ
        // next time, so the listing is read again rather than missing the file.
        let key = match stat_key(dir_fd, &sub) {
            Ok(key) => key,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let entries = match fsutil::read_entries(&dir.join(&sub)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for (name, _) in entries {
            if name.ends_with(ext) {
                names.push(format!("{sub}/{name}"));
            }
        }
        dirs.push((sub, key));
    }
    names.sort_unstable_by(|a, b| by_file_name(a, b));
    // Only a listing of directories that have settled is kept: an entry added in
    // the same clock tick as the listing would not change a directory's status.
    if !dirs.iter().any(|(_, key)| key.is_recent(now)) {
        write_cache(names_path, &(&dirs, &names));
    }
    Ok(names)
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

/// A file that could not be read, reported like one that does not parse.
fn io_problem(e: &std::io::Error) -> FormatError {
    problem(e.to_string())
}

/// A problem with a whole file (no line or column).
fn problem(message: impl Into<String>) -> FormatError {
    FormatError {
        line: None,
        column: None,
        message: message.into(),
    }
}

/// A cache file's content, if this build wrote it. Every cache file is
/// `(CACHE_VERSION, orc version, content)`: one written by another build is ignored.
pub(super) fn read_cache<C: DeserializeOwned>(path: &std::path::Path) -> Option<C> {
    decode_cache(&fs::read(path).ok()?)
}

/// [`read_cache`] of bytes already read.
fn decode_cache<C: DeserializeOwned>(bytes: &[u8]) -> Option<C> {
    let (version, build, content): (u32, String, C) = postcard::from_bytes(bytes).ok()?;
    (version == CACHE_VERSION && build == env!("CARGO_PKG_VERSION")).then_some(content)
}

/// Writes what [`read_cache`] reads. `content` may borrow: postcard writes `&str` like
/// `String`, a `Vec` of references like one of values and `&T` like `T`, so entries
/// written as `(&str, FileKey, &T)` read back as [`Entries<T>`]. Best effort: a cache that
/// cannot be written only costs speed next time.
pub(super) fn write_cache<C: Serialize>(path: &std::path::Path, content: &C) {
    if let Ok(bytes) = postcard::to_stdvec(&(CACHE_VERSION, env!("CARGO_PKG_VERSION"), content)) {
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

    fn collect(
        s: &Store,
        cache: &str,
        parse: &(impl Fn(&str) -> std::result::Result<String, FormatError> + Sync),
        now: SystemTime,
    ) -> Vec<Parsed<String>> {
        let mut out = Vec::new();
        s.load_dir_cached_at("d", ".txt", cache, parse, now, |p, v| {
            out.push((p.to_owned(), v))
        })
        .unwrap();
        out
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
        let load = |now| collect(&s, "test", &parse, now);

        let first = load(later);
        assert_eq!(parses.load(Ordering::SeqCst), 5);
        let names = s.local_dir().join("cache").join("test.names");
        assert!(names.exists(), "the settled directory's listing is kept");
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
        // (On a file system with coarse timestamps all of this could fall in the tick of
        // the first listing; real reads never keep a listing that recent, see SETTLE.)
        std::fs::File::open(s.abs("d"))
            .unwrap()
            .set_modified(SystemTime::now() + Duration::from_secs(10))
            .unwrap();
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
        let fresh = |now| collect(&s, "other", &parse, now);
        fresh(now);
        fresh(now);
        assert_eq!(
            parses.load(Ordering::SeqCst),
            7 + 10,
            "recent files are re-read"
        );
        assert!(
            !s.local_dir().join("cache").join("other").exists(),
            "nothing to cache, nothing written"
        );
        assert!(
            !s.local_dir().join("cache").join("other.names").exists(),
            "a directory changed just now is listed every time"
        );
    }

    #[test]
    fn files_in_subdirectories_are_listed_in_file_name_order_and_changes_are_seen() {
        let (_tmp, s) = store();
        for (dir, name) in [("b", "a1"), ("a", "b2"), ("b", "c3"), ("", "d4")] {
            std::fs::create_dir_all(s.abs(&format!("d/{dir}"))).unwrap();
            std::fs::write(s.abs(&format!("d/{dir}/{name}.txt")), name).unwrap();
        }
        // Deeper files, hidden directories and other extensions are not read.
        std::fs::create_dir_all(s.abs("d/a/deeper")).unwrap();
        std::fs::write(s.abs("d/a/deeper/x.txt"), "x").unwrap();
        std::fs::create_dir_all(s.abs("d/.hidden")).unwrap();
        std::fs::write(s.abs("d/.hidden/y.txt"), "y").unwrap();
        std::fs::write(s.abs("d/b/z.md"), "z").unwrap();
        let parse = |t: &str| Ok(t.to_owned());
        let later = SystemTime::now() + Duration::from_secs(3600);
        let paths = || -> Vec<String> {
            collect(&s, "nested", &parse, later)
                .into_iter()
                .map(|(p, _)| p)
                .collect()
        };
        let expected = ["d/b/a1.txt", "d/a/b2.txt", "d/b/c3.txt", "d/d4.txt"];
        assert_eq!(paths(), expected);
        assert!(s.local_dir().join("cache").join("nested.names").exists());
        assert_eq!(paths(), expected, "from the listing cache");
        assert_eq!(
            s.list_nested("d", ".txt").unwrap(),
            expected,
            "the uncached listing agrees"
        );

        // A file added to a subdirectory changes only that directory's status.
        std::fs::write(s.abs("d/a/a0.txt"), "a0").unwrap();
        std::fs::File::open(s.abs("d/a"))
            .unwrap()
            .set_modified(SystemTime::now() + Duration::from_secs(10))
            .unwrap();
        assert_eq!(paths()[0], "d/a/a0.txt");
        // So does a new subdirectory, to the top directory.
        std::fs::create_dir_all(s.abs("d/c")).unwrap();
        std::fs::write(s.abs("d/c/e5.txt"), "e5").unwrap();
        std::fs::File::open(s.abs("d"))
            .unwrap()
            .set_modified(SystemTime::now() + Duration::from_secs(20))
            .unwrap();
        assert_eq!(paths().last().unwrap(), "d/c/e5.txt");
        assert_eq!(paths().len(), 6);
    }

    #[test]
    fn digests_are_reused_while_the_file_status_is_unchanged() {
        let (_tmp, s) = store();
        std::fs::write(s.abs("a.txt"), "one").unwrap();
        let cache_path = s.local_dir().join("cache").join("digests");
        let get = |now| -> Vec<Option<FileDigest>> {
            s.digests_at(&["a.txt", "gone.txt"], now, &mut |_, _| {})
                .into_iter()
                .map(|r| r.unwrap())
                .collect()
        };

        // Just written: hashed, but not cached (a change in the same clock tick would
        // not show in its status), and no cache file written for nothing.
        let first = get(SystemTime::now());
        assert_eq!(first[0].as_ref().unwrap().size, 3);
        assert_eq!(first[1], None, "a missing file has no digest");
        assert!(!cache_path.exists());

        // Settled: cached. A planted digest for the same status is what comes back.
        let later = SystemTime::now() + Duration::from_secs(3600);
        assert_eq!(get(later), first);
        let mut cache = read_cache::<Entries<FileDigest>>(&cache_path).unwrap();
        assert_eq!(cache.len(), 1);
        cache[0].2.sha256 = "planted".into();
        write_cache(&cache_path, &cache);
        assert_eq!(get(later)[0].as_ref().unwrap().sha256, "planted");

        // Changed content and status: hashed again.
        std::fs::write(s.abs("a.txt"), "two").unwrap();
        std::fs::File::options()
            .write(true)
            .open(s.abs("a.txt"))
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(100))
            .unwrap();
        let again = get(later);
        let d = again[0].as_ref().unwrap();
        assert_ne!(d.sha256, "planted");
        assert_ne!(d.sha256, first[0].as_ref().unwrap().sha256);
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
        let (_tmp, s) = store();
        let path = s.local_dir().join("test-cache");
        write_cache(&path, &vec![("a", key, &t)]);
        let back: Entries<Task> = read_cache(&path).unwrap();
        assert_eq!(back[0].2, t);
        assert_eq!(back[0].1, key);
        // Written by another build: ignored.
        let other = postcard::to_stdvec(&(CACHE_VERSION, "x", vec![("a", key, &t)])).unwrap();
        assert!(decode_cache::<Entries<Task>>(&other).is_none());
    }
}
