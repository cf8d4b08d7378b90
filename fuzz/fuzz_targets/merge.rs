//! The merge driver: three arbitrary versions of a task, manifest, session or config file
//! merge to a result or an error, never a panic; merging three valid tasks gives a valid
//! task file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orc::format::merge::{FileKind, merge};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Three versions separated by NUL bytes; the first byte picks the kind of file.
    let mut parts = text.splitn(3, '\0');
    let (Some(base), Some(ours), Some(theirs)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let kind = match base.bytes().next().unwrap_or(0) % 4 {
        0 => FileKind::Task,
        1 => FileKind::Manifest,
        2 => FileKind::Session,
        _ => FileKind::Config,
    };
    let merged = merge(kind, base, ours, theirs);
    let all_tasks = [base, ours, theirs]
        .iter()
        .all(|t| orc::format::task_from_toml(t).is_ok());
    if kind == FileKind::Task
        && all_tasks
        && let Ok(merged) = merged
    {
        orc::format::task_from_toml(&merged.text).expect("merging valid tasks gives a valid task");
    }
});
