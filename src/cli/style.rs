//! Colour and style of human-facing output: the palette, and the highlighting of the
//! words every list shares (task ids, status words, priorities, `error:` and `hint:`).
//!
//! Whether styles reach the terminal is decided once per stream by anstream (`--color`,
//! `NO_COLOR`, `CLICOLOR_FORCE`, whether it is a terminal); text is styled here only when
//! they will.

use anstyle::{AnsiColor, Style};

use crate::model::{Priority, Status};

/// `--color`: when to style output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set (`CLICOLOR_FORCE` styles pipes too).
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

pub const ID: Style = AnsiColor::Cyan.on_default();
pub const HEADER: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const HINT: Style = AnsiColor::Green.on_default().bold();
pub const NOTE: Style = AnsiColor::Blue.on_default().bold();

pub fn status(s: Status) -> Style {
    match s {
        Status::Pending => Style::new(),
        Status::InProgress => AnsiColor::Yellow.on_default(),
        Status::Blocked => AnsiColor::Red.on_default(),
        Status::NeedsRevision => AnsiColor::Magenta.on_default(),
        Status::Completed => AnsiColor::Green.on_default(),
        Status::Cancelled => Style::new().dimmed(),
    }
}

/// A pending task that can start now.
pub fn status_ready() -> Style {
    AnsiColor::Green.on_default().bold()
}

pub fn priority(p: Priority) -> Style {
    match p {
        Priority::Critical => AnsiColor::Red.on_default().bold(),
        Priority::High => AnsiColor::Red.on_default(),
        Priority::Medium => Style::new(),
        Priority::Low => Style::new().dimmed(),
    }
}

/// `text` in `style` (nothing added for the plain style).
pub fn paint(style: Style, text: &str) -> String {
    if style == Style::new() || text.is_empty() {
        text.to_owned()
    } else {
        format!("{style}{text}{style:#}")
    }
}

/// The style of one word of a list line, when it has one.
fn word_style(word: &str) -> Option<Style> {
    if is_task_id(word) || is_decision_id(word) {
        return Some(ID);
    }
    if word == "ready" {
        return Some(status_ready());
    }
    if let Some(s) = Status::ALL.iter().find(|s| s.as_str() == word) {
        return Some(status(*s)).filter(|s| *s != Style::new());
    }
    if let Some(p) = Priority::ALL.iter().find(|p| p.as_str() == word) {
        return Some(priority(*p)).filter(|s| *s != Style::new());
    }
    None
}

/// `task_3f9c2a1b`, `implementer_08ba71c4`: a role and eight or more hex digits.
fn is_task_id(word: &str) -> bool {
    let Some((role, hex)) = word.rsplit_once('_') else {
        return false;
    };
    !role.is_empty()
        && role
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
        && hex.len() >= 8
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `ADR-0007`.
fn is_decision_id(word: &str) -> bool {
    word.strip_prefix("ADR-")
        .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A line of human output with its ids, status words and priorities styled, and a
/// leading `error:`, `warning:`, `note:` or `hint:` in its colour. Words are split at
/// spaces and punctuation; everything else is kept byte for byte.
pub fn highlight(line: &str) -> String {
    for (prefix, style) in [
        ("error:", ERROR),
        ("warning:", WARNING),
        ("note:", NOTE),
        ("hint:", HINT),
    ] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return format!("{}{}", paint(style, prefix), highlight(rest));
        }
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        if end == 0 {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word = &rest[..end];
        match word_style(word) {
            Some(style) => out.push_str(&paint(style, word)),
            None => out.push_str(word),
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_styles_ids_statuses_and_priorities_only() {
        let line = "  tester_fbf50bb1  in_progress  high  Tests for completed-ish things";
        let styled = highlight(line);
        assert!(styled.contains(&paint(ID, "tester_fbf50bb1")), "{styled:?}");
        assert!(styled.contains(&paint(status(Status::InProgress), "in_progress")));
        assert!(styled.contains(&paint(priority(Priority::High), "high")));
        // `completed-ish` is one word, not a status.
        assert!(
            styled.ends_with("Tests for completed-ish things"),
            "{styled:?}"
        );
        let plain: String = anstream::adapter::strip_str(&styled).to_string();
        assert_eq!(plain, line);
        assert!(highlight("error: no such task").starts_with(&paint(ERROR, "error:")));
        assert_eq!(highlight("a_b title"), "a_b title");
    }
}
