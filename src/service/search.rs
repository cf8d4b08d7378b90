//! `orc search`: case-insensitive search across tasks (titles, descriptions, results,
//! notes) and decisions, best match first, each with the matching text in context.
//!
//! Not an index: it reads the state the way `orc status` does (through the parse cache)
//! and scans it, which at 10,000 tasks costs about what `git grep` does on the files.

use serde::Serialize;

use super::{Orc, SearchHit};
use crate::error::{Error, Result};
use crate::model::{Status, Task, TaskId};

/// What to search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchScope {
    /// Tasks and decisions.
    #[default]
    All,
    Tasks,
    Decisions,
    /// Only the notes of tasks.
    Notes,
}

/// The answer of one search: task hits and decision hits, each best first.
#[derive(Debug, Clone, Serialize)]
pub struct SearchReport {
    pub query: String,
    pub tasks: Vec<TaskHit>,
    pub decisions: Vec<SearchHit>,
}

/// A task that contains every word of the query.
#[derive(Debug, Clone, Serialize)]
pub struct TaskHit {
    pub id: TaskId,
    pub title: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub score: u32,
    /// The fields that matched, each with the matching text in context.
    pub matches: Vec<FieldMatch>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldMatch {
    /// `title`, `description`, `result`, `detail` or `note`.
    pub field: &'static str,
    /// For a note: when it was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Up to a line of text around the first match, `…` where it was cut.
    pub text: String,
}

/// Characters of context shown on each side of a match.
const CONTEXT: usize = 40;
/// Matched fields shown per task.
const MAX_MATCHES: usize = 5;

impl Orc {
    /// Searches for every word of `query` (case-insensitive). `statuses`, when not empty,
    /// keeps only tasks in those statuses.
    pub fn search(
        &self,
        query: &str,
        scope: SearchScope,
        statuses: &[Status],
    ) -> Result<SearchReport> {
        let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if terms.is_empty() {
            return Err(Error::invalid("the search query is empty"));
        }
        let mut tasks = Vec::new();
        if scope != SearchScope::Decisions {
            let state = self.state()?;
            for task in state.task_values() {
                if !statuses.is_empty() && !statuses.contains(&task.status) {
                    continue;
                }
                if let Some(hit) = task_hit(task, &terms, scope == SearchScope::Notes) {
                    tasks.push(hit);
                }
            }
            tasks.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        }
        let decisions = match scope {
            SearchScope::All | SearchScope::Decisions if statuses.is_empty() => {
                self.decision_search(query)?
            }
            _ => Vec::new(),
        };
        Ok(SearchReport {
            query: query.trim().to_owned(),
            tasks,
            decisions,
        })
    }
}

/// Scores a task: a term in the title counts most, then in the result, description and
/// notes. `None` unless every term occurs somewhere.
fn task_hit(task: &Task, terms: &[String], notes_only: bool) -> Option<TaskHit> {
    let mut fields: Vec<(&'static str, Option<String>, &str, u32)> = Vec::new();
    if !notes_only {
        fields.push(("title", None, &task.title, 10));
        fields.push(("result", None, task.result.as_deref().unwrap_or(""), 4));
        fields.push(("description", None, &task.description, 3));
        fields.push(("detail", None, task.detail.as_deref().unwrap_or(""), 2));
    }
    for note in &task.notes {
        fields.push(("note", Some(note.at.to_string()), &note.text, 2));
    }
    let lowered: Vec<String> = fields.iter().map(|f| f.2.to_lowercase()).collect();
    let mut score = 0;
    for term in terms {
        let s: u32 = fields
            .iter()
            .zip(&lowered)
            .filter(|(_, text)| text.contains(term.as_str()))
            .map(|(f, _)| f.3)
            .sum();
        if s == 0 {
            return None;
        }
        score += s;
    }
    let matches = fields
        .into_iter()
        .zip(&lowered)
        .filter_map(|((field, at, text, _), low)| {
            let first = terms.iter().filter_map(|t| low.find(t.as_str())).min()?;
            Some(FieldMatch {
                field,
                at,
                text: snippet(text, low, first),
            })
        })
        .take(MAX_MATCHES)
        .collect();
    Some(TaskHit {
        id: task.id.clone(),
        title: task.title.clone(),
        status: task.status,
        role: task.role.clone(),
        score,
        matches,
    })
}

/// The line of `text` around byte `at` of its lower-cased form, cut to [`CONTEXT`]
/// characters on each side.
fn snippet(text: &str, lowered: &str, at: usize) -> String {
    // Lower-casing can change byte lengths; map the position by characters.
    let char_at = lowered[..at].chars().count();
    let chars: Vec<char> = text.chars().collect();
    let char_at = char_at.min(chars.len());
    let line_start = chars[..char_at]
        .iter()
        .rposition(|c| *c == '\n')
        .map_or(0, |i| i + 1);
    let line_end = chars[char_at..]
        .iter()
        .position(|c| *c == '\n')
        .map_or(chars.len(), |i| char_at + i);
    let start = char_at.saturating_sub(CONTEXT).max(line_start);
    let end = (char_at + CONTEXT).min(line_end);
    let mut out = String::new();
    if start > line_start {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < line_end {
        out.push('…');
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_stay_on_the_matching_line_and_mark_cuts() {
        let text = "first line\nthe quick brown fox jumps over the hedge, the fence and the gate to the lazy dog and keeps running far, far away\nlast";
        let low = text.to_lowercase();
        let at = low.find("lazy").unwrap();
        let s = snippet(text, &low, at);
        assert!(s.starts_with('…') && s.contains("lazy dog"), "{s}");
        assert!(!s.contains("first") && !s.contains("last"), "{s}");
        assert_eq!(snippet("Short", "short", 0), "Short");
        // Lower-casing that changes byte lengths still lands on the match.
        let text = "İİİ parser";
        let low = text.to_lowercase();
        assert_eq!(
            snippet(text, &low, low.find("parser").unwrap()),
            "İİİ parser"
        );
    }

    #[test]
    fn every_term_must_match_and_the_title_counts_most() {
        let mut t = Task::new(
            TaskId::parse("task_00000001").unwrap(),
            "Parser errors".into(),
            "2026-01-01T00:00:00Z".parse().unwrap(),
        );
        t.description = "Show the line of each parse error.".into();
        let terms = |q: &str| {
            q.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        let hit = task_hit(&t, &terms("PARSER line"), false).unwrap();
        assert_eq!(hit.score, 10 + 3);
        assert_eq!(hit.matches[0].field, "title");
        assert!(task_hit(&t, &terms("parser missing"), false).is_none());
        assert!(task_hit(&t, &terms("parser"), true).is_none());
    }
}
