//! The fuzz targets' committed inputs (fuzz/seeds/ and the minimised corpora in
//! fuzz/regressions/) replayed on stable Rust: every parser answers each input with a
//! value or an error, never a panic, and the invariants the fuzz targets check hold.

use std::path::{Path, PathBuf};

use orc::format::merge::{FileKind, merge};
use orc::format::{
    PlanSyntax, config_from_toml, decision_from_markdown, decision_to_markdown, manifest_from_toml,
    manifest_to_toml, plan_from_text, task_from_toml, task_to_toml,
};

/// The seeds (one file each) and the packed regression corpus (`<len>\n<bytes>\n` per
/// input, see fuzz/pack_corpus.py) of a fuzz target.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join("seeds").join(target)) {
        for e in entries.flatten() {
            out.push((e.path(), std::fs::read(e.path()).unwrap()));
        }
    }
    let packed = root.join("regressions").join(format!("{target}.corpus"));
    if let Ok(bytes) = std::fs::read(&packed) {
        let mut rest = &bytes[..];
        let mut n = 0;
        while !rest.is_empty() {
            let nl = rest
                .iter()
                .position(|b| *b == b'\n')
                .expect("a length line");
            let len: usize = std::str::from_utf8(&rest[..nl]).unwrap().parse().unwrap();
            let input = rest[nl + 1..nl + 1 + len].to_vec();
            rest = &rest[nl + 2 + len..];
            n += 1;
            out.push((packed.join(n.to_string()), input));
        }
    }
    out.sort();
    out
}

fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

#[test]
fn task_and_config_inputs() {
    let all = inputs("task_toml");
    assert!(!all.is_empty(), "the seeds are committed");
    for (path, bytes) in &all {
        let Some(t) = text(bytes) else { continue };
        let _ = config_from_toml(t);
        if let Ok(task) = task_from_toml(t) {
            let once = task_to_toml(&task);
            let again = task_from_toml(&once).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(task_to_toml(&again), once, "{}", path.display());
        }
    }
}

#[test]
fn plan_inputs() {
    let all = inputs("plan");
    assert!(!all.is_empty());
    for (_, bytes) in &all {
        let Some(t) = text(bytes) else { continue };
        for syntax in [PlanSyntax::Toml, PlanSyntax::Json, PlanSyntax::Detect] {
            let _ = plan_from_text(t, syntax);
        }
    }
}

#[test]
fn decision_and_manifest_inputs() {
    let all = inputs("decision");
    assert!(!all.is_empty());
    for (path, bytes) in &all {
        let Some(t) = text(bytes) else { continue };
        if let Ok(d) = decision_from_markdown(t) {
            let once = decision_to_markdown(&d);
            let again =
                decision_from_markdown(&once).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(decision_to_markdown(&again), once, "{}", path.display());
        }
        if let Ok(m) = manifest_from_toml(t) {
            let once = manifest_to_toml(&m);
            let again =
                manifest_from_toml(&once).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(manifest_to_toml(&again), once, "{}", path.display());
        }
    }
}

#[test]
fn merge_inputs() {
    let all = inputs("merge");
    assert!(!all.is_empty());
    for (path, bytes) in &all {
        let Some(t) = text(bytes) else { continue };
        let mut parts = t.splitn(3, '\0');
        let (Some(base), Some(ours), Some(theirs)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
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
            .all(|t| task_from_toml(t).is_ok());
        if kind == FileKind::Task
            && all_tasks
            && let Ok(m) = merged
        {
            task_from_toml(&m.text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}
