//! File reservations: an agent declares the paths or globs it is about to change, for a
//! lease, so that agents in other worktrees keep off them.
//!
//! The store keeps the reservations of a repository in one ref outside branches
//! (`refs/orc/reservations/all`); this module is the record and the pattern logic only.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Holder, TaskId};

/// One agent's reservation of some paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Paths (relative to the repository root) or globs: `*` and `?` within a path
    /// component, `**` across components; a directory covers everything under it.
    pub patterns: Vec<String>,
    #[serde(default)]
    pub agent: Option<String>,
    pub host: String,
    pub worktree: String,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub task: Option<TaskId>,
    /// Others may not reserve these paths exclusively or commit them.
    #[serde(default)]
    pub exclusive: bool,
    #[serde(with = "super::time::ts")]
    pub since: Timestamp,
    #[serde(with = "super::time::ts")]
    pub lease_until: Timestamp,
}

/// Every reservation of a repository, as stored in one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservations {
    #[serde(default, rename = "reservation")]
    pub list: Vec<Reservation>,
}

impl Reservation {
    /// Whether the lease still runs at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.lease_until
    }

    /// Taken by `holder` (same agent, machine and work tree).
    pub fn is_held_by(&self, holder: &Holder) -> bool {
        holder.took(self.agent.as_deref(), &self.host, &self.worktree)
    }

    /// Whether one of its patterns covers the repository-relative path `path`.
    pub fn covers(&self, path: &str) -> bool {
        self.patterns.iter().any(|p| pattern_matches(p, path))
    }

    /// One line naming the holder: `alice (worktree /p on h, task t, until U)`.
    pub fn describe(&self) -> String {
        let who = self.agent.as_deref().unwrap_or("an unnamed agent");
        let task = self
            .task
            .as_ref()
            .map(|t| format!(", task {t}"))
            .unwrap_or_default();
        format!(
            "{who} (worktree {} on {}{task}, until {})",
            self.worktree, self.host, self.lease_until
        )
    }
}

/// A pattern in its stored form: relative, `/`-separated, no `./`, no trailing `/`.
pub fn normalize_pattern(pattern: &str) -> Option<String> {
    let p = pattern.trim().replace('\\', "/");
    let parts: Vec<&str> = p
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") || p.starts_with('/') {
        return None;
    }
    Some(parts.join("/"))
}

/// Whether `pattern` covers `path`: a glob match, or `path` lies under the directory a
/// pattern names.
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let comps: Vec<&str> = path.split('/').collect();
    (1..=comps.len()).any(|n| match_components(&pat, &comps[..n]))
}

fn match_components(pat: &[&str], comps: &[&str]) -> bool {
    match pat.split_first() {
        None => comps.is_empty(),
        Some((&"**", rest)) => (0..=comps.len()).any(|i| match_components(rest, &comps[i..])),
        Some((p, rest)) => match comps.split_first() {
            Some((c, crest)) => {
                glob_component(p.as_bytes(), c.as_bytes()) && match_components(rest, crest)
            }
            None => false,
        },
    }
}

fn glob_component(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob_component(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && glob_component(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && glob_component(rest, &s[1..]),
    }
}

/// Whether two patterns may cover a common path. Exact for plain paths; for globs it
/// compares the parts before the first wildcard, so it may say yes for globs that in
/// fact share no path (a refusal errs on the side of safety).
pub fn patterns_overlap(a: &str, b: &str) -> bool {
    if pattern_matches(a, b) || pattern_matches(b, a) {
        return true;
    }
    let literal = |p: &str| -> Option<String> {
        let cut = p.find(['*', '?'])?;
        Some(p[..cut].to_owned())
    };
    match (literal(a), literal(b)) {
        (None, None) => false,
        (Some(la), None) => b.starts_with(&la),
        (None, Some(lb)) => a.starts_with(&lb),
        (Some(la), Some(lb)) => la.starts_with(&lb) || lb.starts_with(&la),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_paths_globs_and_directories() {
        assert!(pattern_matches("src/a.rs", "src/a.rs"));
        assert!(!pattern_matches("src/a.rs", "src/a.rsx"));
        assert!(pattern_matches("src", "src/store/x.rs"));
        assert!(pattern_matches("src/*.rs", "src/a.rs"));
        assert!(!pattern_matches("src/*.rs", "src/store/a.rs"));
        assert!(pattern_matches("src/**/*.rs", "src/store/a.rs"));
        assert!(pattern_matches("src/**/*.rs", "src/a.rs"));
        assert!(pattern_matches("docs/?.md", "docs/a.md"));
        assert!(!pattern_matches("docs", "docsx/a.md"));
    }

    #[test]
    fn overlap_is_symmetric_and_errs_towards_yes_for_globs() {
        for (a, b, want) in [
            ("src/a.rs", "src/a.rs", true),
            ("src", "src/a.rs", true),
            ("src/*.rs", "src/a.rs", true),
            ("src/*.rs", "src/store/*.rs", true),
            ("src/a.rs", "src/b.rs", false),
            ("docs/*.md", "src/*.rs", false),
            ("src/a*", "src/b.rs", false),
        ] {
            assert_eq!(patterns_overlap(a, b), want, "{a} {b}");
            assert_eq!(patterns_overlap(b, a), want, "{b} {a}");
        }
    }

    #[test]
    fn patterns_are_normalized_or_refused() {
        assert_eq!(
            normalize_pattern("./src//a.rs").as_deref(),
            Some("src/a.rs")
        );
        assert_eq!(normalize_pattern("src/").as_deref(), Some("src"));
        assert_eq!(normalize_pattern("../x"), None);
        assert_eq!(normalize_pattern("/etc/passwd"), None);
        assert_eq!(normalize_pattern("  "), None);
    }
}
