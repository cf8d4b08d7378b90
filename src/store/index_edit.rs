//! Changing a few entries of git's index without decoding the others.
//!
//! A commit changes one to a few of orc's files, but the index holds every tracked file
//! of the repository: decoding 20,000 entries, changing two and encoding them again cost
//! more than the rest of a commit. Here the old index is scanned once, the runs of
//! unchanged entries are copied as they are, and only the changed entries are encoded.
//! Forms this does not handle (version 4's compressed paths, split and sparse indexes,
//! extensions git requires readers to understand) are left to gix. SHA-1 and SHA-256
//! indexes differ only in the length of ids and of the checksum.

use gix::index::entry::{Mode, Stat};

/// What a commit does to one path's stage-0 entry: set it (new blob and file status,
/// a regular file) or remove the path (every stage).
pub(super) type Edit<'a> = (&'a [u8], Option<(gix::ObjectId, Stat)>);

/// Applies `edits` to an index decoded by gix: the slower path, for the forms
/// [`splice`] leaves alone, and the behaviour [`splice`] reproduces.
pub(super) fn apply_decoded(index: &mut gix::index::State, edits: &[Edit<'_>]) {
    use gix::bstr::ByteSlice;
    use gix::index::entry::{Flags, Stage};
    for (path, entry) in edits {
        let path = path.as_bstr();
        match entry {
            Some((id, stat)) => {
                if let Some(e) = index.entry_mut_by_path_and_stage(path, Stage::Unconflicted) {
                    e.id = *id;
                    e.stat = *stat;
                    e.mode = Mode::FILE;
                } else {
                    index.dangerously_push_entry(*stat, *id, Flags::empty(), Mode::FILE, path);
                    index.sort_entries();
                }
            }
            None => index.remove_entries(|_, p, _| p == path),
        }
    }
}

/// An on-disk entry: 40 bytes of file status and mode, the object id (20 bytes for
/// SHA-1, 32 for SHA-256), 16 bits of flags, 16 more when extended, then the path.
const ID_AT: usize = 40;
/// The largest fixed part of an entry: SHA-256 id and extended flags.
const MAX_HEAD: usize = ID_AT + 32 + 4;

/// Offset of the flags in an on-disk entry with ids of `hash_len` bytes.
const fn flags_at(hash_len: usize) -> usize {
    ID_AT + hash_len
}

/// Size of the fixed part (without extended flags) of such an entry.
const fn head_len(hash_len: usize) -> usize {
    ID_AT + hash_len + 2
}
/// Flag bits of an on-disk entry.
const EXTENDED: u16 = 0x4000;
const STAGE: u16 = 0x3000;
const NAME_LEN: u16 = 0x0fff;

/// A part of the new index: bytes of the old one, or a newly encoded entry.
enum Piece {
    Old(std::ops::Range<usize>),
    New([u8; MAX_HEAD], usize, Vec<u8>),
}

/// The new index: its header, the pieces of its entries and the extensions kept, to be
/// written in order and followed by the checksum.
pub(super) struct Spliced<'a> {
    old: &'a [u8],
    header: [u8; 12],
    pieces: Vec<Piece>,
}

impl Spliced<'_> {
    /// Hands every byte of the new index before the checksum to `sink`, in order.
    pub(super) fn emit(
        &self,
        mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        sink(&self.header)?;
        for piece in &self.pieces {
            match piece {
                Piece::Old(range) => sink(&self.old[range.clone()])?,
                Piece::New(head, head_len, path) => {
                    sink(&head[..*head_len])?;
                    sink(path)?;
                    let len = head_len + path.len();
                    let padded = (len + 8) & !7;
                    sink(&[0u8; 8][..padded - len])?;
                }
            }
        }
        Ok(())
    }
}

/// The fixed part of an on-disk entry: file status, mode, object id, flags (the path
/// length saturates at 0xfff) and, when `extended` is given, the extended flags.
pub(super) fn entry_head(
    stat: &Stat,
    mode: Mode,
    id: &gix::oid,
    flags: u16,
    path_len: usize,
    extended: Option<u16>,
) -> ([u8; MAX_HEAD], usize) {
    let mut head = [0u8; MAX_HEAD];
    let hash_len = id.as_bytes().len();
    let (flags_at, fixed) = (flags_at(hash_len), head_len(hash_len));
    for (i, field) in [
        stat.ctime.secs,
        stat.ctime.nsecs,
        stat.mtime.secs,
        stat.mtime.nsecs,
        stat.dev,
        stat.ino,
        mode.bits(),
        stat.uid,
        stat.gid,
        stat.size,
    ]
    .into_iter()
    .enumerate()
    {
        head[i * 4..i * 4 + 4].copy_from_slice(&field.to_be_bytes());
    }
    head[ID_AT..flags_at].copy_from_slice(id.as_bytes());
    let flags = (flags & !NAME_LEN) | path_len.min(NAME_LEN as usize) as u16;
    head[flags_at..fixed].copy_from_slice(&flags.to_be_bytes());
    match extended {
        Some(ext) => {
            head[fixed..fixed + 2].copy_from_slice(&ext.to_be_bytes());
            (head, fixed + 2)
        }
        None => (head, fixed),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Applies `edits` (sorted by path, one per path) to the index `old` (the file's bytes,
/// checksum included, not verified) of a repository whose object ids, and the index
/// checksum, are `hash` ids. `None` when the index has a form this does not
/// handle or does not parse: the caller then goes through gix, which reports problems.
///
/// Like orc's update through gix: a set path keeps the flags of its stage-0 entry (or
/// gets a new entry, sorted before its conflict stages); a removed path loses every
/// stage; the cache-tree and the other optional extensions are dropped (git rebuilds
/// what it needs) except the resolve-undo records, which name no offsets.
pub(super) fn splice<'a>(
    old: &'a [u8],
    hash: gix::hash::Kind,
    edits: &[Edit<'_>],
) -> Option<Spliced<'a>> {
    let hash_len = hash.len_in_bytes();
    if edits
        .iter()
        .any(|(_, e)| e.is_some_and(|(id, _)| id.kind() != hash))
    {
        return None;
    }
    let version = version_of(old, hash_len)?;
    let count = be32(old, 8)? as usize;
    let end_of_data = old.len() - hash_len;
    let mut out = Splicer {
        pieces: Vec::with_capacity(2 * edits.len() + 2),
        new_count: count,
        run_start: 12,
    };
    // Edits not applied yet: `next` is the first whose path is not below the entry's.
    let mut next = 0;
    let mut applied = vec![false; edits.len()];
    let mut at = 12;
    for _ in 0..count {
        let entry = entry_at(old, at, hash_len, version, end_of_data)?;
        // New paths below this one go in first.
        while next < edits.len() && edits[next].0 < entry.path {
            if let (false, Some((id, stat))) = (applied[next], &edits[next].1) {
                out.insert(at, edits[next].0, id, stat);
            }
            next += 1;
        }
        if next < edits.len() && edits[next].0 == entry.path {
            out.edit(old, &entry, &edits[next].1, &mut applied[next]);
        }
        at = entry.end;
    }
    // New paths after the last entry.
    for (edit, done) in edits[next..].iter().zip(&applied[next..]) {
        if let (false, Some((id, stat))) = (done, &edit.1) {
            out.insert(at, edit.0, id, stat);
        }
    }
    out.pieces.push(Piece::Old(out.run_start..at));
    keep_extensions(old, at, end_of_data, &mut out.pieces)?;
    let mut header = [0u8; 12];
    header[..8].copy_from_slice(&old[..8]);
    header[8..].copy_from_slice(&u32::try_from(out.new_count).ok()?.to_be_bytes());
    let mut pieces = out.pieces;
    pieces.retain(|p| !matches!(p, Piece::Old(r) if r.is_empty()));
    Some(Spliced {
        old,
        header,
        pieces,
    })
}

/// The version of the index `old` when it is one [`splice`] handles (2 or 3).
fn version_of(old: &[u8], hash_len: usize) -> Option<u32> {
    if old.len() < 12 + hash_len || &old[..4] != b"DIRC" {
        return None;
    }
    let version = be32(old, 4)?;
    (version == 2 || version == 3).then_some(version)
}

/// One entry of the old index, as found on disk.
struct OnDisk<'a> {
    /// Where it starts.
    at: usize,
    flags: u16,
    /// Where its extended flags are, when it has some.
    extended_at: Option<usize>,
    path: &'a [u8],
    /// Where it ends, padding included.
    end: usize,
}

/// Reads the entry at `at` of the index `old`; `None` when it does not parse or has a form
/// [`splice`] does not handle.
fn entry_at(
    old: &[u8],
    at: usize,
    hash_len: usize,
    version: u32,
    end_of_data: usize,
) -> Option<OnDisk<'_>> {
    let (flags_at, fixed) = (flags_at(hash_len), head_len(hash_len));
    let flags = be16(old, at + flags_at)?;
    let extended = flags & EXTENDED != 0;
    if extended && version == 2 {
        return None;
    }
    let name_at = at + fixed + if extended { 2 } else { 0 };
    let name_len = match flags & NAME_LEN {
        NAME_LEN => old
            .get(name_at..end_of_data)?
            .iter()
            .position(|&b| b == 0)?,
        n => n as usize,
    };
    let path = old.get(name_at..name_at + name_len)?;
    let entry_end = (name_at - at + name_len + 8) & !7;
    let entry_end = at + entry_end;
    if entry_end > end_of_data {
        return None;
    }
    Some(OnDisk {
        at,
        flags,
        extended_at: extended.then_some(at + fixed),
        path,
        end: entry_end,
    })
}

/// The new index's entries as they are put together.
struct Splicer {
    pieces: Vec<Piece>,
    new_count: usize,
    /// Where the run of old entries not yet copied starts.
    run_start: usize,
}

impl Splicer {
    /// Puts a new stage-0 entry for `path` before the old entry at `at`.
    fn insert(&mut self, at: usize, path: &[u8], id: &gix::ObjectId, stat: &Stat) {
        self.pieces.push(Piece::Old(self.run_start..at));
        self.run_start = at;
        self.pieces.push(new_entry(path, id, stat));
        self.new_count += 1;
    }

    /// Applies the edit of `entry`'s path to it: drops it, replaces it (stage 0) or puts
    /// the new stage-0 entry before it (a conflict stage); `applied` says whether the
    /// path's new entry is in.
    fn edit(
        &mut self,
        old: &[u8],
        entry: &OnDisk<'_>,
        edit: &Option<(gix::ObjectId, Stat)>,
        applied: &mut bool,
    ) {
        let OnDisk {
            at, flags, path, ..
        } = *entry;
        let stage = (flags & STAGE) >> 12;
        self.pieces.push(Piece::Old(self.run_start..at));
        self.run_start = entry.end;
        match edit {
            None => self.new_count -= 1,
            Some((id, stat)) if stage == 0 => {
                let ext = entry.extended_at.and_then(|i| be16(old, i));
                let mode = Mode::FILE;
                let (head, len) = entry_head(stat, mode, id, flags, path.len(), ext);
                self.pieces.push(Piece::New(head, len, path.to_vec()));
                *applied = true;
            }
            Some((id, stat)) => {
                // A conflicted path without a stage-0 entry: one goes first.
                if !*applied {
                    self.pieces.push(new_entry(path, id, stat));
                    self.new_count += 1;
                    *applied = true;
                }
                self.pieces.push(Piece::Old(at..entry.end));
            }
        }
    }
}

/// A new stage-0 entry of a regular file.
fn new_entry(path: &[u8], id: &gix::ObjectId, stat: &Stat) -> Piece {
    let (head, len) = entry_head(stat, Mode::FILE, id, 0, path.len(), None);
    Piece::New(head, len, path.to_vec())
}

/// Keeps the resolve-undo extension of those from `at` to `end_of_data`; `None` when
/// one does not parse or is one readers must understand.
fn keep_extensions(
    old: &[u8],
    mut at: usize,
    end_of_data: usize,
    pieces: &mut Vec<Piece>,
) -> Option<()> {
    // Extensions: an uppercase signature marks one readers may ignore.
    while at < end_of_data {
        let signature = old.get(at..at + 4)?;
        let size = be32(old, at + 4)? as usize;
        let ext_end = at.checked_add(8 + size).filter(|&e| e <= end_of_data)?;
        if !signature[0].is_ascii_uppercase() {
            return None;
        }
        if signature == b"REUC" {
            pieces.push(Piece::Old(at..ext_end));
        }
        at = ext_end;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use gix::index::entry::{Flags, Stage, stat::Time};

    use super::*;
    use crate::store::testgit::stdout as git;

    fn load(path: &Path, kind: gix::hash::Kind) -> gix::index::File {
        gix::index::File::at(path, kind, false, Default::default()).unwrap()
    }

    /// Every entry as (path, stage, id, stat, mode, flags kept on disk).
    fn entries(index: &gix::index::State) -> Vec<String> {
        index
            .entries()
            .iter()
            .map(|e| {
                let on_disk = e.flags
                    & (Flags::ASSUME_VALID
                        | Flags::EXTENDED
                        | Flags::STAGE_MASK
                        | Flags::SKIP_WORKTREE
                        | Flags::INTENT_TO_ADD);
                format!(
                    "{} {:?} {} {:?} {:?} {:?}",
                    e.path(index),
                    e.stage(),
                    e.id,
                    e.stat,
                    e.mode,
                    on_disk
                )
            })
            .collect()
    }

    #[test]
    fn splicing_equals_decoding_editing_and_encoding_and_git_reads_it() {
        splicing_in(gix::hash::Kind::Sha1);
    }

    /// The same in a SHA-256 repository: 32-byte ids in entries and a SHA-256 checksum.
    #[test]
    fn splicing_works_in_sha256_repositories() {
        splicing_in(gix::hash::Kind::Sha256);
    }

    fn splicing_in(kind: gix::hash::Kind) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        repository_with_every_form(dir, kind);
        let index_path = dir.join(".git/index");
        let old = std::fs::read(&index_path).unwrap();
        let before = load(&index_path, kind);
        assert!(
            before
                .entries()
                .iter()
                .any(|e| e.stage() != Stage::Unconflicted)
        );
        assert_eq!(
            &old[4..8],
            &3u32.to_be_bytes(),
            "skip-worktree needs version 3"
        );

        let id = |b: u8| gix::ObjectId::from_bytes_or_panic(&vec![b; kind.len_in_bytes()]);
        let mut edits: Vec<Edit<'_>> = vec![
            (b"a-first.txt", Some((id(1), stat(1)))),
            (b"b/three.txt", Some((id(2), stat(2)))),
            (b"b/two.txt", Some((id(3), stat(3)))),
            (b"conflict.txt", Some((id(4), stat(4)))),
            (b"gone.txt", None),
            (b"never-there.txt", None),
            (b"z/last.txt", Some((id(6), stat(6)))),
        ];
        edits.sort_by(|a, b| a.0.cmp(b.0));

        splice_into(dir, kind, &edits);

        let mut expected = before.clone();
        apply_decoded(&mut expected, &edits);
        let after = load(&index_path, kind);
        assert_eq!(entries(&after), entries(&expected));
        assert!(after.tree().is_none(), "the cache-tree is dropped");
        assert!(
            !after.resolve_undo().unwrap_or(&Vec::new()).is_empty(),
            "resolve-undo kept"
        );

        // git reads it: the checksum verifies and every entry is what was written.
        let listed = git(dir, &["ls-files", "--stage", "--", "b", "z", "a-first.txt"]);
        assert_eq!(
            listed,
            format!(
                "100644 {} 0\ta-first.txt\n100644 {} 0\tb/one.txt\n100644 {} 0\tb/three.txt\n100644 {} 0\tb/two.txt\n100644 {} 0\tz/last.txt\n",
                id(1),
                before.entry_by_path("b/one.txt".into()).unwrap().id,
                id(2),
                id(3),
                id(6)
            )
        );
        let conflict = git(dir, &["ls-files", "--stage", "--", "conflict.txt"]);
        assert_eq!(
            conflict.lines().count(),
            4,
            "stage 0 added before 1-3: {conflict}"
        );
        assert!(
            git(dir, &["ls-files", "-v", "b/two.txt"]).starts_with("S "),
            "skip-worktree kept"
        );
        assert!(git(dir, &["ls-files", "gone.txt"]).is_empty());
        assert!(git(dir, &["ls-files", "--resolve-undo"]).contains("\td.txt"));
    }

    /// A repository in `dir` whose index has every form splicing keeps: a conflict
    /// (stages 1-3), a skip-worktree entry (version 3) and the extensions git writes:
    /// cache-tree, resolve-undo, end-of-index offsets.
    fn repository_with_every_form(dir: &Path, kind: gix::hash::Kind) {
        let format = format!("--object-format={kind}");
        git(dir, &["init", "-q", "-b", "main", &format]);
        let write = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        for rel in [
            "b/one.txt",
            "b/two.txt",
            "d.txt",
            "conflict.txt",
            "gone.txt",
        ] {
            write(rel, rel);
        }
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "base"]);
        git(dir, &["checkout", "-q", "-b", "side"]);
        write("conflict.txt", "side");
        write("d.txt", "side");
        git(dir, &["commit", "-q", "-am", "side"]);
        git(dir, &["checkout", "-q", "main"]);
        write("conflict.txt", "main");
        write("d.txt", "main");
        git(dir, &["commit", "-q", "-am", "main"]);
        git(dir, &["merge", "-q", "side"]);
        // Resolving one conflict leaves its stages in the resolve-undo extension.
        write("d.txt", "resolved");
        git(dir, &["add", "d.txt"]);
        git(dir, &["update-index", "--skip-worktree", "b/two.txt"]);
        git(
            dir,
            &[
                "-c",
                "index.recordEndOfIndexEntries=true",
                "-c",
                "index.recordOffsetTable=true",
                "update-index",
                "--untracked-cache",
            ],
        );
    }

    /// A file status told apart by `n`.
    fn stat(n: u32) -> Stat {
        Stat {
            mtime: Time {
                secs: 1_700_000_000 + n,
                nsecs: n,
            },
            ctime: Time {
                secs: 1_700_000_000,
                nsecs: 0,
            },
            dev: 1,
            ino: 100 + n,
            uid: 0,
            gid: 0,
            size: n,
        }
    }

    /// Splices `edits` into the repository's index, as orc's commit does.
    fn splice_into(dir: &Path, kind: gix::hash::Kind, edits: &[Edit<'_>]) {
        let index_path = dir.join(".git/index");
        let old = std::fs::read(&index_path).unwrap();
        let mut out = Vec::new();
        splice(&old, kind, edits)
            .expect("this form is handled")
            .emit(|b| {
                out.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
        let mut hasher = gix::hash::hasher(kind);
        hasher.update(&out);
        let checksum = hasher.try_finalize().unwrap();
        out.extend_from_slice(checksum.as_slice());
        std::fs::write(&index_path, &out).unwrap();
    }

    /// Paths of 4,095 bytes and more do not fit the 12 bits of an entry's name length:
    /// git ends them at their NUL. (gix 0.90 cannot read such an index; git is the judge.)
    #[test]
    fn paths_longer_than_the_name_length_field_are_kept_and_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        std::fs::write(dir.join("a.txt"), "a").unwrap();
        let blob = git(dir, &["hash-object", "-w", "a.txt"]);
        let long = |c: &str| c.repeat(2050) + "long.txt";
        for path in ["a.txt".to_owned(), long("l/")] {
            let cacheinfo = format!("100644,{},{path}", blob.trim());
            git(dir, &["update-index", "--add", "--cacheinfo", &cacheinfo]);
        }
        let stat = Stat::default();
        let id = gix::ObjectId::from_bytes_or_panic(&[7; 20]);
        let (kept, added) = (long("l/"), long("m/"));
        let mut edits: Vec<Edit<'_>> = vec![
            (b"a.txt", Some((id, stat))),
            (added.as_bytes(), Some((id, stat))),
            (b"z.txt", Some((id, stat))),
        ];
        edits.sort_by(|a, b| a.0.cmp(b.0));
        splice_into(dir, gix::hash::Kind::Sha1, &edits);
        let listed = git(dir, &["ls-files", "--stage"]);
        assert_eq!(
            listed,
            format!(
                "100644 {id} 0\ta.txt\n100644 {} 0\t{kept}\n100644 {id} 0\t{added}\n100644 {id} 0\tz.txt\n",
                blob.trim()
            )
        );
    }

    #[test]
    fn unhandled_forms_are_left_to_gix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        std::fs::write(dir.join("a.txt"), "a").unwrap();
        git(dir, &["-c", "index.version=4", "add", "a.txt"]);
        let v4 = std::fs::read(dir.join(".git/index")).unwrap();
        assert!(
            splice(&v4, gix::hash::Kind::Sha1, &[]).is_none(),
            "version 4"
        );
        git(dir, &["update-index", "--index-version", "2"]);
        git(dir, &["update-index", "--split-index"]);
        let split = std::fs::read(dir.join(".git/index")).unwrap();
        assert!(
            splice(&split, gix::hash::Kind::Sha1, &[]).is_none(),
            "split index ('link' extension)"
        );
        git(dir, &["update-index", "--no-split-index"]);
        let plain = std::fs::read(dir.join(".git/index")).unwrap();
        assert!(splice(&plain, gix::hash::Kind::Sha1, &[]).is_some());
        assert!(
            splice(&plain[..plain.len() - 30], gix::hash::Kind::Sha1, &[]).is_none(),
            "truncated"
        );
        assert!(
            splice(
                b"not an index at all, but long enough",
                gix::hash::Kind::Sha1,
                &[]
            )
            .is_none()
        );
    }
}
