//! Architectural decision records: one Markdown file with YAML front matter each.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::TaskId;

/// Where a decision is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    Proposed,
    Accepted,
    Rejected,
    Deprecated,
    Superseded,
}

impl DecisionStatus {
    pub const ALL: [DecisionStatus; 5] = [
        DecisionStatus::Proposed,
        DecisionStatus::Accepted,
        DecisionStatus::Rejected,
        DecisionStatus::Deprecated,
        DecisionStatus::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Proposed => "proposed",
            DecisionStatus::Accepted => "accepted",
            DecisionStatus::Rejected => "rejected",
            DecisionStatus::Deprecated => "deprecated",
            DecisionStatus::Superseded => "superseded",
        }
    }

    /// The statuses a decision in this status may move to.
    pub fn next(self) -> &'static [DecisionStatus] {
        use DecisionStatus::*;
        match self {
            Proposed => &[Accepted, Rejected, Superseded],
            Accepted => &[Deprecated, Superseded],
            Rejected => &[Proposed],
            Deprecated => &[Accepted, Superseded],
            Superseded => &[],
        }
    }

    pub fn can_move_to(self, to: DecisionStatus) -> bool {
        self.next().contains(&to)
    }

    /// Still in force or still to be decided.
    pub fn is_live(self) -> bool {
        matches!(self, DecisionStatus::Proposed | DecisionStatus::Accepted)
    }
}

impl fmt::Display for DecisionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DecisionStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        DecisionStatus::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown decision status {s:?}; expected proposed, accepted, rejected, deprecated or superseded"
                )
            })
    }
}

/// One architectural decision record. The front-matter fields come first, in file order;
/// `body` is the Markdown after the front matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Human number, unique per repository (`0007` in the file name).
    pub number: u32,
    pub title: String,
    pub status: DecisionStatus,
    pub date: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deciders: Vec<String>,
    /// The agent that recorded the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The task the decision was made for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Numbers of the decisions this one replaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supersedes: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<u32>,
    /// Repository-relative paths the decision is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_files: Vec<String>,
    /// Markdown body: context, decision, alternatives considered, consequences.
    #[serde(default)]
    pub body: String,
}

impl Decision {
    /// `0007-use-gix-for-git.md` style file name.
    pub fn file_name(&self) -> String {
        format!("{}-{}.md", number_str(self.number), slug(&self.title))
    }

    /// The body's sections by their `## ` heading, in order, as (heading, text).
    pub fn sections(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in self.body.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                out.push((h.trim().to_owned(), String::new()));
            } else if let Some((_, text)) = out.last_mut() {
                text.push_str(line);
                text.push('\n');
            }
        }
        for (_, text) in &mut out {
            *text = strip_comments(text).trim().to_owned();
        }
        out
    }

    /// The text of one section (case-insensitive heading), empty when absent.
    pub fn section(&self, heading: &str) -> String {
        self.sections()
            .into_iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(heading))
            .map(|(_, t)| t)
            .unwrap_or_default()
    }
}

/// Removes `<!-- ... -->` prompts left from the template.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Four-digit, zero-padded decision number.
pub fn number_str(n: u32) -> String {
    format!("{n:04}")
}

/// A file-name-safe slug of a title: lower-case ASCII letters and digits joined by `-`,
/// at most 50 characters; `decision` when nothing is left. Other scripts are
/// transliterated first (`Überprüfung` -> `uberprufung`, `数据` -> `shu-ju`), so the
/// name stays readable.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    let ascii = title
        .chars()
        .flat_map(|c| deunicode::deunicode_char(c).unwrap_or(" ").chars());
    for c in ascii {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() >= 50 {
            break;
        }
    }
    out.truncate(50);
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "decision".to_owned()
    } else {
        out
    }
}

/// The number at the start of a decision file name (`0007-x.md` -> 7).
pub fn number_from_file_name(name: &str) -> Option<u32> {
    let digits: String = name.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        None
    } else {
        digits.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe() {
        assert_eq!(slug("Use gix for Git!"), "use-gix-for-git");
        assert_eq!(slug("  ../..  "), "decision");
        assert_eq!(slug("Ümlaut & co"), "umlaut-co");
        assert_eq!(slug("Überprüfung der Eingaben"), "uberprufung-der-eingaben");
        assert_eq!(slug("Données: café crème"), "donnees-cafe-creme");
        assert_eq!(slug("数据库"), "shu-ju-ku");
        assert!(slug(&"word ".repeat(40)).len() <= 50);
    }

    #[test]
    fn file_names_carry_the_number() {
        assert_eq!(number_from_file_name("0012-x.md"), Some(12));
        assert_eq!(number_from_file_name("x.md"), None);
        assert_eq!(number_str(3), "0003");
    }

    #[test]
    fn status_machine() {
        assert!(DecisionStatus::Proposed.can_move_to(DecisionStatus::Accepted));
        assert!(!DecisionStatus::Superseded.can_move_to(DecisionStatus::Accepted));
        assert_eq!("Accepted".parse(), Ok(DecisionStatus::Accepted));
        assert!("maybe".parse::<DecisionStatus>().is_err());
    }
}
